"""The turn service: load a person's state, run the engine, save, mark the message processed, in one
transaction; the caller sends the replies only after the commit.

    result = service.handle("telegram", str(user.id), str(update.update_id), incoming)
    if not result.duplicate:
        send(result.replies)

Every method is synchronous and thread-safe (async channels use asyncio.to_thread); each call is one
short transaction. A database that cannot be used raises StorageUnavailable.

Logs carry event names, channels, counts and durations only: never an identifier, a key, a message,
an answer or a state.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.dialog.messages import HANDOVER_CODE, Incoming, Reply, Turn
from bot.storage.database import Database
from bot.storage.models import Conversation, HandoverCode, ProcessedMessage, UsageCounter
from bot.storage.pseudonym import handover_code_hash, message_key, pseudonymise

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_LANGUAGE = "fr"

PROCESSED_RETENTION = timedelta(hours=48)  # gateways redeliver within minutes or hours, never days
CONVERSATION_RETENTION = timedelta(days=30)
HANDOVER_VALIDITY = timedelta(hours=24)
# No 0/O, 1/I/L, U/V: the code is read aloud over a desk or copied from a small screen.
HANDOVER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
HANDOVER_LENGTH = 6

# Counter fields are free strings coming from the engine's state and replies; bound them so a
# misplaced answer could never end up stored at length in the anonymous statistics.
_COUNTER_FIELD_MAX = 64
_LARGE_STATE = 16_000  # the engine promises < 2 KB; far above that something is wrong

# Usage events counted in usage_counters.
EVENT_STARTED = "conversation_started"
EVENT_AID_SHOWN = "aid_shown"
EVENT_ERASED = "erased"


# Called inside a turn's transaction with the replies and the person's language; returns what the
# channel keeps for this conversation until the next turn (None: nothing). See TurnService.handle.
ChannelData = Callable[[tuple[Reply, ...], str], "str | None"]
# Called inside the transaction of TurnService.advance_channel_data with the kept data and the language;
# returns what to keep instead (None: nothing left).
ChannelDataStep = Callable[[str, str], "str | None"]


class DialogEngine(Protocol):
    def handle(self, state: dict[str, Any] | None, incoming: Incoming, now: datetime) -> Turn: ...


@dataclass(frozen=True)
class TurnResult:
    replies: tuple[Reply, ...]  # send them (the state is already committed); empty when duplicate
    duplicate: bool  # this message id was already handled: send nothing
    language: str  # the person's language after the turn, for the channel's own texts


@dataclass(frozen=True)
class ChannelDataResult:
    """What TurnService.advance_channel_data did."""

    applied: bool  # the step ran on the kept data; its result is stored and the message marked processed
    duplicate: bool  # this message id was already handled: nothing ran, send nothing
    language: str  # the person's language (DEFAULT_LANGUAGE when there is no conversation)


@dataclass(frozen=True)
class UsageCount:
    day: date
    channel: str
    event: str
    quartier: str  # "" when unknown
    aid_id: str  # "" for events not about an aid
    count: int


def _paris_now() -> datetime:
    return datetime.now(PARIS)


class TurnService:
    def __init__(self, database: Database, engine: DialogEngine, pepper: bytes,
                 clock: Callable[[], datetime] = _paris_now) -> None:
        if not pepper:
            raise ValueError("empty pepper")
        self._database = database
        self._engine = engine
        self._pepper = pepper
        self._clock = clock

    # -- turns -------------------------------------------------------------------------------------

    def handle(self, channel: str, identifier: str, message_id: str | None, incoming: Incoming,
               channel_data: ChannelData | None = None) -> TurnResult:
        """Apply one inbound message, exactly once per message_id (None: no deduplication).

        channel_data: when given, called once inside the turn's transaction (not for a duplicate nor an
        erasing turn) with the replies and the person's language; what it returns replaces the
        conversation's channel data (None clears it), committed with the new state or not at all. It
        must be quick and do no I/O (the conversation row is locked meanwhile); if it raises, the turn
        is rolled back and the exception passes through. Without it the channel data is left as is.
        """
        started = time.monotonic()
        _check_channel(channel)
        user_key = self._user_key(channel, identifier)
        msg_key = None if message_id is None else message_key(self._pepper, channel, user_key, str(message_id))
        now = self._now()

        with self._database.transaction() as session:
            conversation, created = _lock_or_create(session, channel, user_key, now)
            if msg_key is not None and session.get(ProcessedMessage, (channel, msg_key)) is not None:
                # Nothing was written: a processed message implies the conversation already existed.
                duplicate_language = conversation.language
                turn = None
            else:
                state = json.loads(conversation.state) if conversation.state else None
                engine_started = time.monotonic()
                turn = self._engine.handle(state, incoming, now)
                engine_ms = (time.monotonic() - engine_started) * 1000
                language = str(turn.language or conversation.language or DEFAULT_LANGUAGE)
                counts = _turn_counts(channel, created, turn)
                if turn.handover and not turn.erase:
                    # The code exists only in this reply and as a hash: a redelivery gets no second one.
                    code = self._new_handover_code(session, conversation.id, now)
                    turn = replace(turn, replies=tuple(
                        replace(r, text=r.text.replace(HANDOVER_CODE, code)) if r.kind == "handover" else r
                        for r in turn.replies))
                if turn.erase:
                    _delete_person(session, conversation.id)
                else:
                    encoded = _encode_state(turn.state, channel)
                    conversation.state = encoded
                    conversation.language = language
                    conversation.updated_at = now
                    if channel_data is not None:
                        conversation.channel_data = channel_data(tuple(turn.replies), language)
                    if msg_key is not None:
                        session.add(ProcessedMessage(channel=channel, message_key=msg_key,
                                                     conversation_id=conversation.id, processed_at=now))
                _bump_counters(session, _local_day(now), counts)

        if turn is None:
            log.info("duplicate message ignored channel=%s duration_ms=%.1f", channel,
                     (time.monotonic() - started) * 1000)
            return TurnResult(replies=(), duplicate=True, language=duplicate_language)
        if turn.erase:
            self._database.checkpoint()
            log.info("person erased on request channel=%s", channel)
        log.info("turn handled channel=%s new=%s duration_ms=%.1f engine_ms=%.1f", channel, created,
                 (time.monotonic() - started) * 1000, engine_ms)
        return TurnResult(replies=tuple(turn.replies), duplicate=False, language=language)

    def advance_channel_data(self, channel: str, identifier: str, message_id: str | None,
                             step: ChannelDataStep) -> ChannelDataResult:
        """Apply one inbound message to the channel data alone, without the engine (the SMS "SUITE").

        In one transaction: when message_id was already handled, returns duplicate and runs nothing;
        when the person has no conversation or no channel data, returns not applied and writes nothing
        (the caller then usually runs a normal turn); otherwise calls step(data, language) (quick, no
        I/O; an exception rolls back and passes through), stores its result (None clears), refreshes
        the conversation's activity time and marks message_id processed.
        """
        started = time.monotonic()
        _check_channel(channel)
        user_key = self._user_key(channel, identifier)
        msg_key = None if message_id is None else message_key(self._pepper, channel, user_key, str(message_id))
        now = self._now()
        with self._database.transaction() as session:
            conversation = _lock(session, channel, user_key)
            if conversation is None:
                return ChannelDataResult(applied=False, duplicate=False, language=DEFAULT_LANGUAGE)
            language = conversation.language or DEFAULT_LANGUAGE
            if msg_key is not None and session.get(ProcessedMessage, (channel, msg_key)) is not None:
                log.info("duplicate message ignored channel=%s duration_ms=%.1f", channel,
                         (time.monotonic() - started) * 1000)
                return ChannelDataResult(applied=False, duplicate=True, language=language)
            if conversation.channel_data is None:
                return ChannelDataResult(applied=False, duplicate=False, language=language)
            conversation.channel_data = step(conversation.channel_data, language)
            conversation.updated_at = now
            if msg_key is not None:
                session.add(ProcessedMessage(channel=channel, message_key=msg_key,
                                             conversation_id=conversation.id, processed_at=now))
        log.info("channel data advanced channel=%s duration_ms=%.1f", channel, (time.monotonic() - started) * 1000)
        return ChannelDataResult(applied=True, duplicate=False, language=language)

    # -- erasure and retention ---------------------------------------------------------------------

    def erase(self, channel: str, identifier: str) -> bool:
        """Delete every row about this person; False when there was nothing."""
        _check_channel(channel)
        user_key = self._user_key(channel, identifier)
        now = self._now()
        with self._database.transaction() as session:
            conversation = _lock(session, channel, user_key)
            if conversation is None:
                return False
            _delete_person(session, conversation.id)
            _bump_counters(session, _local_day(now), Counter({(channel, EVENT_ERASED, "", ""): 1}))
        self._database.checkpoint()
        log.info("person erased channel=%s", channel)
        return True

    def purge(self, now: datetime | None = None, inactive_for: timedelta = CONVERSATION_RETENTION) -> int:
        """Delete conversations inactive for longer than inactive_for (with everything attached),
        processed ids older than 48 h, and used or expired handover codes. Returns the number of
        conversations deleted."""
        started = time.monotonic()
        now = now or self._now()
        cutoff = now - inactive_for
        with self._database.transaction() as session:
            stale = select(Conversation.id).where(Conversation.updated_at < cutoff)
            session.execute(delete(ProcessedMessage).where(ProcessedMessage.conversation_id.in_(stale)))
            session.execute(delete(HandoverCode).where(HandoverCode.conversation_id.in_(stale)))
            conversations = session.execute(delete(Conversation).where(Conversation.updated_at < cutoff)).rowcount
            processed = session.execute(
                delete(ProcessedMessage).where(ProcessedMessage.processed_at < now - PROCESSED_RETENTION)).rowcount
            codes = session.execute(delete(HandoverCode).where(
                or_(HandoverCode.expires_at <= now, HandoverCode.used_at.is_not(None)))).rowcount
        self._database.checkpoint()
        log.info("purge done conversations=%d processed_ids=%d handover_codes=%d duration_ms=%.1f",
                 conversations, processed, codes, (time.monotonic() - started) * 1000)
        return conversations

    # -- reading -----------------------------------------------------------------------------------

    def state_of(self, channel: str, identifier: str) -> dict[str, Any] | None:
        """The stored state of a person, or None (for tests and the desk)."""
        user_key = self._user_key(channel, identifier)
        with self._database.transaction() as session:
            encoded = session.execute(select(Conversation.state).where(
                Conversation.channel == channel, Conversation.user_key == user_key)).scalar_one_or_none()
        return json.loads(encoded) if encoded else None

    def channel_data_of(self, channel: str, identifier: str) -> str | None:
        """The channel data kept for a person, or None (for tests and operators)."""
        user_key = self._user_key(channel, identifier)
        with self._database.transaction() as session:
            return session.execute(select(Conversation.channel_data).where(
                Conversation.channel == channel, Conversation.user_key == user_key)).scalar_one_or_none()

    def counters(self, since: date | None = None, until: date | None = None) -> list[UsageCount]:
        """Anonymous daily counts between since and until (inclusive), for `aiguillage stats`."""
        query = select(UsageCounter).order_by(UsageCounter.day, UsageCounter.channel, UsageCounter.event,
                                              UsageCounter.quartier, UsageCounter.aid_id)
        if since is not None:
            query = query.where(UsageCounter.day >= since)
        if until is not None:
            query = query.where(UsageCounter.day <= until)
        with self._database.transaction() as session:
            rows = session.scalars(query).all()
        return [UsageCount(r.day, r.channel, r.event, r.quartier, r.aid_id, r.count) for r in rows]

    # -- handover to a counsellor ------------------------------------------------------------------

    def create_handover_code(self, channel: str, identifier: str, now: datetime) -> str:
        """A 6-character code the person gives a counsellor; valid 24 h, once. Replaces any earlier code
        of this person. Raises LookupError when the person has no conversation."""
        user_key = self._user_key(channel, identifier)
        with self._database.transaction() as session:
            conversation = _lock(session, channel, user_key)
            if conversation is None:
                raise LookupError("no conversation to hand over")
            code = self._new_handover_code(session, conversation.id, now)
        log.info("handover code created channel=%s", channel)
        return code

    def _new_handover_code(self, session: Session, conversation_id: int, now: datetime) -> str:
        session.execute(delete(HandoverCode).where(HandoverCode.conversation_id == conversation_id))
        while True:
            code = "".join(secrets.choice(HANDOVER_ALPHABET) for _ in range(HANDOVER_LENGTH))
            code_hash = handover_code_hash(self._pepper, code)
            taken = session.execute(select(HandoverCode.id).where(HandoverCode.code_hash == code_hash))
            if taken.first() is None:
                break
        session.add(HandoverCode(code_hash=code_hash, conversation_id=conversation_id,
                                 expires_at=now + HANDOVER_VALIDITY, used_at=None))
        return code

    def redeem_handover_code(self, code: str, now: datetime) -> dict[str, Any] | None:
        """The state behind a valid code, once; None for an unknown, used or expired code."""
        normalised = normalise_handover_code(code)
        if normalised is None:
            return None
        code_hash = handover_code_hash(self._pepper, normalised)
        with self._database.transaction() as session:
            handover = session.execute(select(HandoverCode).where(HandoverCode.code_hash == code_hash)
                                       .with_for_update()).scalar_one_or_none()
            if handover is None or handover.used_at is not None or handover.expires_at <= now:
                log.info("handover code refused")
                return None
            handover.used_at = now
            encoded = session.execute(select(Conversation.state).where(
                Conversation.id == handover.conversation_id)).scalar_one()
        log.info("handover code redeemed")
        return json.loads(encoded) if encoded else {}

    # -- helpers -----------------------------------------------------------------------------------

    def _user_key(self, channel: str, identifier: str) -> str:
        if not identifier:
            raise ValueError("empty identifier")
        return pseudonymise(self._pepper, channel, str(identifier))

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now


def normalise_handover_code(code: str) -> str | None:
    """Upper case, without spaces or dashes; None when it cannot be a code (no database access)."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -.\t")
    if len(cleaned) != HANDOVER_LENGTH or any(ch not in HANDOVER_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _check_channel(channel: str) -> None:
    if not channel or len(channel) > 32:
        raise ValueError("channel must be a short non-empty name")


def _local_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def _lock(session: Session, channel: str, user_key: str) -> Conversation | None:
    # FOR UPDATE on PostgreSQL: two workers never apply two turns of one person at once. SQLite ignores
    # it; there BEGIN IMMEDIATE already made this transaction the only writer.
    return session.execute(select(Conversation).where(Conversation.channel == channel,
                                                      Conversation.user_key == user_key)
                           .with_for_update()).scalar_one_or_none()


def _lock_or_create(session: Session, channel: str, user_key: str, now: datetime) -> tuple[Conversation, bool]:
    """The person's conversation, locked; created (state None) if new. Returns (conversation, created)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Retried: the row may be erased by another transaction between our insert and our lock.
    for _ in range(3):
        # Look first: the usual case writes nothing here (and burns no PostgreSQL sequence value).
        conversation = _lock(session, channel, user_key)
        if conversation is not None:
            return conversation, False
        # ON CONFLICT DO NOTHING: two first messages of one person arriving together on PostgreSQL
        # do not fail on the unique key; the second waits for the first and then finds its row.
        inserted = session.execute(
            insert(Conversation)
            .values(channel=channel, user_key=user_key, language=DEFAULT_LANGUAGE, state=None,
                    created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "user_key"])
            .returning(Conversation.id)
        ).scalar_one_or_none()
        conversation = _lock(session, channel, user_key)
        if conversation is not None:
            return conversation, inserted is not None
    raise RuntimeError("conversation kept disappearing while being locked")


def _delete_person(session: Session, conversation_id: int) -> None:
    # Explicit deletes rather than trusting ON DELETE CASCADE alone: erasure must not depend on a
    # connection setting (SQLite's foreign_keys pragma).
    session.execute(delete(ProcessedMessage).where(ProcessedMessage.conversation_id == conversation_id))
    session.execute(delete(HandoverCode).where(HandoverCode.conversation_id == conversation_id))
    session.execute(delete(Conversation).where(Conversation.id == conversation_id))


def _encode_state(state: dict[str, Any], channel: str) -> str:
    encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(encoded) > _LARGE_STATE:
        log.warning("large state stored channel=%s bytes=%d", channel, len(encoded))
    return encoded


def _bounded(value: Any) -> str:
    return value[:_COUNTER_FIELD_MAX] if isinstance(value, str) else ""


def _quartier_of(turn: Turn) -> str:
    """The quartier the person gave, if any (the engine's answers, key "quartier")."""
    return _bounded(turn.answers.get("quartier"))


def _turn_counts(channel: str, created: bool, turn: Turn) -> Counter[tuple[str, str, str, str]]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    if created:
        counts[(channel, EVENT_STARTED, "", "")] += 1
    quartier = _quartier_of(turn)
    for reply in turn.replies:
        aid_id = _bounded(reply.data.get("aid_id"))
        if aid_id:
            counts[(channel, EVENT_AID_SHOWN, quartier, aid_id)] += 1
    if turn.erase:
        counts[(channel, EVENT_ERASED, "", "")] += 1
    return counts


def _bump_counters(session: Session, day: date, counts: Counter[tuple[str, str, str, str]]) -> None:
    """Upsert counter rows, in sorted order: two turns bumping the same rows lock them in the same
    order, so they wait for each other instead of deadlocking on PostgreSQL."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for (channel, event, quartier, aid_id), n in sorted(counts.items()):
        statement = insert(UsageCounter).values(day=day, channel=channel, event=event, quartier=quartier,
                                                aid_id=aid_id, count=n)
        session.execute(statement.on_conflict_do_update(
            index_elements=["day", "channel", "event", "quartier", "aid_id"],
            set_={"count": UsageCounter.count + statement.excluded.count}))
