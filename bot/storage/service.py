"""The turn service: mark the message processed, load a person's state, run the engine, save, in one
transaction; the caller sends the replies only after the commit.

    result = service.handle("telegram", str(user.id), str(update.update_id), incoming)
    send(result.replies)   # on a redelivery: the replies of the first delivery again (or none)

Every method is synchronous and thread-safe (async channels use asyncio.to_thread); each call is one
short transaction. A database that cannot be used raises StorageUnavailable. What is stored about a
person is sealed with their key (bot.storage.sealing): the service needs their identifier to read it.

Logs carry event names, channels, counts and durations only: never an identifier, a key, a message,
an answer or a state.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import delete, or_, select, update
from sqlalchemy.engine import Connection

from bot.dialog.messages import HANDOVER_CODE, Incoming, Reply, Turn
from bot.followup.store import after_turn as follow_up_after_turn
from bot.stats.events import turn_counts as stats_counts
from bot.storage import rows
from bot.storage.database import Database
from bot.storage.handover import HANDOVER_VALIDITY, HandoverMixin
from bot.storage.models import Conversation, HandoverCode, OutboxSms, ProcessedMessage, UsageCounter
from bot.storage.pseudonym import check_fingerprint, message_key, pseudonymise
from bot.storage.sealing import SealError, derive_key, is_sealed, person_key, seal, unseal

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")
DEFAULT_LANGUAGE = rows.DEFAULT_LANGUAGE

PROCESSED_RETENTION = timedelta(hours=48)  # gateways redeliver within minutes or hours, never days
CONVERSATION_RETENTION = timedelta(days=30)
PURGE_BATCH = 1_000  # rows per purge transaction: a turn never waits behind a whole purge

# Counter fields are free strings coming from the engine's state and replies; bound them so a
# misplaced answer could never end up stored at length in the anonymous statistics.
_COUNTER_FIELD_MAX = 64

# Usage events counted in usage_counters.
EVENT_STARTED = "conversation_started"
EVENT_AID_SHOWN = "aid_shown"
EVENT_ERASED = "erased"


@dataclass(frozen=True)
class Rendered:
    """What a channel's callback returns inside the turn's transaction."""

    sent: str | None = None  # the channel's rendering of the replies, kept sealed with the processed id
    keep: str | None = None  # channel data kept until the next turn (None: nothing)
    queue: tuple[str, ...] = ()  # SMS for the durable outbox (Android gateway), committed with the turn


# Called inside a turn's transaction with the replies and the person's language: what the channel keeps
# (str or None, as channel data) or a Rendered. See TurnService.handle.
ChannelData = Callable[[tuple[Reply, ...], str], "str | None | Rendered"]
# Called inside TurnService.advance_channel_data with the kept data and the language.
ChannelDataStep = Callable[[str, str], "str | None | Rendered"]


class DialogEngine(Protocol):
    def handle(self, state: dict[str, Any] | None, incoming: Incoming, now: datetime) -> Turn: ...


@dataclass(frozen=True)
class TurnResult:
    replies: tuple[Reply, ...]  # send them (the state is already committed)
    # This message id was already handled: replies and rendered are those stored with the first delivery,
    # to send again (empty once the person was erased or after 48 h).
    duplicate: bool
    language: str  # the person's language after the turn, for the channel's own texts
    rendered: str | None = None  # the channel's own rendering (Rendered.sent), first delivery or this one
    erased: bool = False


@dataclass(frozen=True)
class ChannelDataResult:
    """What TurnService.advance_channel_data did."""

    applied: bool  # the step ran on the kept data; its result is stored and the message marked processed
    duplicate: bool  # this message id was already handled: nothing ran; rendered is what was sent then
    language: str  # the person's language (DEFAULT_LANGUAGE when there is no conversation)
    rendered: str | None = None


@dataclass(frozen=True)
class UsageCount:
    day: date
    channel: str
    event: str
    quartier: str  # "" when unknown
    aid_id: str  # "" for events not about an aid
    count: int


@dataclass(frozen=True)
class Person:
    channel: str
    user_key: str
    key: bytes = field(repr=False)  # never logged, never stored


def _paris_now() -> datetime:
    return datetime.now(PARIS)


class TurnService(HandoverMixin):
    def __init__(self, database: Database, engine: DialogEngine, pepper: bytes,
                 clock: Callable[[], datetime] = _paris_now, *, verify_pepper: bool = True,
                 handover_validity: timedelta = HANDOVER_VALIDITY) -> None:
        if not pepper:
            raise ValueError("empty pepper")
        self._database = database
        self._engine = engine
        self._pepper = pepper
        self._clock = clock
        self._handover_validity = handover_validity
        # Refuses to run beside workers holding another pepper (PepperError, one line saying what to do).
        if verify_pepper:
            check_fingerprint(database, "pepper", pepper, self._now())

    # -- turns -------------------------------------------------------------------------------------

    def handle(self, channel: str, identifier: str, message_id: str | None, incoming: Incoming,
               channel_data: ChannelData | None = None) -> TurnResult:
        """Apply one inbound message, exactly once per message_id (None: no deduplication).

        channel_data: when given, called once inside the turn's transaction (not for a duplicate) with the
        replies and the person's language; what it returns replaces the conversation's channel data
        (None clears it; an erasing turn keeps nothing), committed with the new state or not at all; a
        Rendered also gives the channel's rendering to keep for redeliveries and SMS to queue. It must
        be quick and do no I/O; if it raises, the turn is rolled back and the exception passes through.
        """
        started = time.monotonic()
        person = self._person(channel, identifier)
        msg_key = self._message_key(person, message_id)
        now = self._now()
        with self._database.connection() as db:
            if msg_key is not None and not rows.claim_message(db, channel, msg_key, now):
                return self._duplicate(db, person, msg_key, started)
            conversation, created = rows.lock_or_create(db, channel, person.user_key, now)
            state = self._open(person, conversation.state, "state")
            engine_started = time.monotonic()
            turn = self._engine.handle(state, incoming, now)
            engine_ms = (time.monotonic() - engine_started) * 1000
            language = _language_of(turn) or conversation.language or DEFAULT_LANGUAGE
            counts = _turn_counts(channel, created, turn) + stats_counts(channel, created, turn, _quartier_of(turn))
            if turn.handover and not turn.erase:
                # The code exists only in this reply and as a hash: a redelivery gets the same reply.
                code = self._new_handover_code(db, conversation.id, person.key, now)
                turn = replace(turn, replies=tuple(
                    replace(r, text=r.text.replace(HANDOVER_CODE, code)) if r.kind == "handover" else r
                    for r in turn.replies))
            output = Rendered()
            if turn.erase:
                rows.delete_person(db, channel, person.user_key, conversation.id)
                conversation_id = None
                if channel_data is not None:  # the confirmation is rendered and queued; nothing is kept
                    output = replace(_as_rendered(channel_data(tuple(turn.replies), language)), keep=None)
                    self._queue(db, person, identifier, output.queue, now)
            else:
                sealed_state = self._seal(person, rows.encode_state(turn.state, channel), "state")
                saved = {"w_id": conversation.id, "w_state": sealed_state, "w_language": language, "w_now": now}
                if channel_data is not None:
                    output = _as_rendered(channel_data(tuple(turn.replies), language))
                    saved["w_channel_data"] = self._seal_optional(person, output.keep, "channel_data")
                    db.execute(rows.statements(db).save, saved)
                    self._queue(db, person, identifier, output.queue, now)
                else:
                    db.execute(rows.statements(db).save_state, saved)
                conversation_id = conversation.id
                follow_up_after_turn(db, self._pepper, channel, person.user_key, identifier, turn, now)
            if msg_key is not None:
                rows.finish_message(db, channel, msg_key, conversation_id, self._seal(
                    person, rows.encode_sent(tuple(turn.replies), output.sent), f"reply:{msg_key}"))
            rows.bump_counters(db, _local_day(now), counts)

        if turn.erase:
            self._database.checkpoint()
            log.info("person erased on request channel=%s", channel)
        log.info("turn handled channel=%s new=%s duration_ms=%.1f engine_ms=%.1f", channel, created,
                 (time.monotonic() - started) * 1000, engine_ms)
        return TurnResult(tuple(turn.replies), False, language, output.sent, erased=turn.erase)

    def stop(self, channel: str, identifier: str, message_id: str | None,
             confirmation: Callable[[str], Rendered]) -> TurnResult:
        """The person asks for nothing more (SMS STOP): erase everything about them and keep a
        pseudonymous STOP record until they write again. confirmation(language) renders the one answer
        they get, kept with the processed id so a redelivery of the STOP gets it again."""
        person = self._person(channel, identifier)
        msg_key = self._message_key(person, message_id)
        now = self._now()
        started = time.monotonic()
        with self._database.connection() as db:
            if msg_key is not None and not rows.claim_message(db, channel, msg_key, now):
                return self._duplicate(db, person, msg_key, started)
            conversation = rows.lock(db, channel, person.user_key)
            language = conversation.language if conversation is not None else DEFAULT_LANGUAGE
            rows.delete_person(db, channel, person.user_key, conversation.id if conversation else None)
            rows.record_stop(db, channel, person.user_key, now)
            output = confirmation(language)
            self._queue(db, person, identifier, output.queue, now)
            if msg_key is not None:
                rows.finish_message(db, channel, msg_key, None,
                                    self._seal(person, rows.encode_sent((), output.sent), f"reply:{msg_key}"))
            rows.bump_counters(db, _local_day(now), Counter({(channel, EVENT_ERASED, "", ""): 1}))
        self._database.checkpoint()
        log.info("person stopped channel=%s", channel)
        return TurnResult((), False, language, output.sent, erased=True)

    def advance_channel_data(self, channel: str, identifier: str, message_id: str | None,
                             step: ChannelDataStep) -> ChannelDataResult:
        """Apply one inbound message to the channel data alone, without the engine (the SMS "SUITE").

        In one transaction: when message_id was already handled, returns duplicate (with what was sent
        then) and runs nothing; when the person has no conversation or no channel data, returns not
        applied and writes nothing (the caller then usually runs a normal turn); otherwise calls
        step(data, language) (quick, no I/O; an exception rolls back and passes through), stores its
        result, refreshes the conversation's activity time and marks message_id processed.
        """
        started = time.monotonic()
        person = self._person(channel, identifier)
        msg_key = self._message_key(person, message_id)
        now = self._now()
        try:
            with self._database.connection() as db:
                if msg_key is not None and not rows.claim_message(db, channel, msg_key, now):
                    duplicate = self._duplicate(db, person, msg_key, started)
                    return ChannelDataResult(False, True, duplicate.language, duplicate.rendered)
                conversation = rows.lock(db, channel, person.user_key)
                kept = self._open_text(person, conversation.channel_data, "channel_data") if conversation else None
                if conversation is None or kept is None:
                    # Nothing happened: the claim is rolled back too, so the turn that follows can claim it.
                    raise _NothingKept(conversation.language if conversation else DEFAULT_LANGUAGE)
                language = conversation.language or DEFAULT_LANGUAGE
                output = _as_rendered(step(kept, language))
                db.execute(rows.statements(db).save_channel_data, {
                    "w_id": conversation.id, "w_now": now,
                    "w_channel_data": self._seal_optional(person, output.keep, "channel_data")})
                self._queue(db, person, identifier, output.queue, now)
                if msg_key is not None:
                    rows.finish_message(db, channel, msg_key, conversation.id,
                                        self._seal(person, rows.encode_sent((), output.sent), f"reply:{msg_key}"))
        except _NothingKept as nothing:
            return ChannelDataResult(False, False, nothing.language)
        log.info("channel data advanced channel=%s duration_ms=%.1f", channel, (time.monotonic() - started) * 1000)
        return ChannelDataResult(True, False, language, output.sent)

    def _duplicate(self, db: Connection, person: Person, msg_key: str, started: float) -> TurnResult:
        language = rows.language_of(db, person.channel, person.user_key)
        replies: tuple[Reply, ...] = ()
        rendered = None
        stored = rows.stored_reply(db, person.channel, msg_key)
        if stored is not None:
            try:
                replies, rendered = rows.decode_sent(self._open_text(person, stored, f"reply:{msg_key}") or "{}")
            except (SealError, ValueError, KeyError, TypeError):
                log.warning("stored reply unreadable channel=%s", person.channel)
        log.info("duplicate message channel=%s resent=%s duration_ms=%.1f", person.channel, bool(replies or rendered),
                 (time.monotonic() - started) * 1000)
        return TurnResult(replies, True, language or DEFAULT_LANGUAGE, rendered)

    # -- erasure and retention ---------------------------------------------------------------------

    def erase(self, channel: str, identifier: str) -> bool:
        """Delete every row about this person; False when there was nothing."""
        person = self._person(channel, identifier)
        now = self._now()
        with self._database.connection() as db:
            conversation = rows.lock(db, channel, person.user_key)
            if conversation is None:
                return False
            rows.delete_person(db, channel, person.user_key, conversation.id)
            rows.bump_counters(db, _local_day(now), Counter({(channel, EVENT_ERASED, "", ""): 1}))
        self._database.checkpoint()
        log.info("person erased channel=%s", channel)
        return True

    def purge(self, now: datetime | None = None, inactive_for: timedelta = CONVERSATION_RETENTION) -> int:
        """Delete conversations inactive for longer than inactive_for (with everything attached),
        processed ids older than 48 h, and used or expired handover codes, PURGE_BATCH rows per
        transaction so turns are never held behind a long purge. Returns the conversations deleted."""
        if inactive_for < timedelta(days=1):
            raise ValueError("conversations are kept at least one day")
        started = time.monotonic()
        now = now or self._now()
        cutoff = now - inactive_for
        conversations = processed = codes = 0
        while True:
            with self._database.connection() as session:
                ids = list(session.scalars(select(Conversation.id).where(Conversation.updated_at < cutoff)
                                           .order_by(Conversation.id).limit(PURGE_BATCH)))
                if not ids:
                    break
                session.execute(update(ProcessedMessage).where(ProcessedMessage.conversation_id.in_(ids))
                                .values(conversation_id=None, reply=None))
                session.execute(delete(HandoverCode).where(HandoverCode.conversation_id.in_(ids)))
                session.execute(delete(OutboxSms).where(OutboxSms.user_key.in_(
                    select(Conversation.user_key).where(Conversation.id.in_(ids)))))
                conversations += session.execute(delete(Conversation).where(Conversation.id.in_(ids))).rowcount
            self._database.checkpoint("PASSIVE")
        old = ProcessedMessage.processed_at < now - PROCESSED_RETENTION
        processed = self._delete_in_batches(ProcessedMessage, old, ProcessedMessage.message_key)
        codes = self._delete_in_batches(HandoverCode, or_(HandoverCode.expires_at <= now,
                                                          HandoverCode.used_at.is_not(None)), HandoverCode.id)
        self._database.checkpoint()
        log.info("purge done conversations=%d processed_ids=%d handover_codes=%d duration_ms=%.1f",
                 conversations, processed, codes, (time.monotonic() - started) * 1000)
        return conversations

    def _delete_in_batches(self, model: Any, condition: Any, key: Any) -> int:
        total = 0
        while True:
            with self._database.connection() as session:
                batch = select(key).where(condition).limit(PURGE_BATCH)
                deleted = session.execute(delete(model).where(key.in_(batch))).rowcount
            total += deleted
            self._database.checkpoint("PASSIVE")
            if deleted < PURGE_BATCH:
                return total

    # -- reading -----------------------------------------------------------------------------------

    def state_of(self, channel: str, identifier: str) -> dict[str, Any] | None:
        """The stored state of a person, or None (for tests and the desk)."""
        person = self._person(channel, identifier)
        with self._database.connection() as session:
            sealed = session.execute(select(Conversation.state).where(
                Conversation.channel == channel, Conversation.user_key == person.user_key)).scalar_one_or_none()
        return self._open(person, sealed, "state")

    def channel_data_of(self, channel: str, identifier: str) -> str | None:
        """The channel data kept for a person, or None (for tests and operators)."""
        person = self._person(channel, identifier)
        with self._database.connection() as session:
            sealed = session.execute(select(Conversation.channel_data).where(
                Conversation.channel == channel, Conversation.user_key == person.user_key)).scalar_one_or_none()
        return self._open_text(person, sealed, "channel_data")

    def counters(self, since: date | None = None, until: date | None = None) -> list[UsageCount]:
        """Anonymous daily counts between since and until (inclusive), for `aiguillage stats`."""
        query = select(UsageCounter).order_by(UsageCounter.day, UsageCounter.channel, UsageCounter.event,
                                              UsageCounter.quartier, UsageCounter.aid_id)
        if since is not None:
            query = query.where(UsageCounter.day >= since)
        if until is not None:
            query = query.where(UsageCounter.day <= until)
        with self._database.transaction() as session:
            found = session.scalars(query).all()
        return [UsageCount(r.day, r.channel, r.event, r.quartier, r.aid_id, r.count) for r in found]

    # -- helpers -----------------------------------------------------------------------------------

    def _person(self, channel: str, identifier: str) -> Person:
        _check_channel(channel)
        if not identifier:
            raise ValueError("empty identifier")
        identifier = str(identifier)
        return Person(channel, pseudonymise(self._pepper, channel, identifier),
                      person_key(self._pepper, channel, identifier))

    def _message_key(self, person: Person, message_id: str | None) -> str | None:
        if message_id is None:
            return None
        return message_key(self._pepper, person.channel, person.user_key, str(message_id))

    def _seal(self, person: Person, text: str, column: str) -> str:
        return seal(person.key, text, f"{column}:{person.channel}:{person.user_key}")

    def _seal_optional(self, person: Person, text: str | None, column: str) -> str | None:
        return None if text is None else self._seal(person, text, column)

    def _open_text(self, person: Person, sealed: str | None, column: str) -> str | None:
        if sealed is None:
            return None
        if not is_sealed(sealed):
            return sealed  # written before encryption at rest; sealed at the next write
        return unseal(person.key, sealed, f"{column}:{person.channel}:{person.user_key}")

    def _open(self, person: Person, sealed: str | None, column: str) -> dict[str, Any] | None:
        text = self._open_text(person, sealed, column)
        return json.loads(text) if text else None

    def _queue(self, db: Connection, person: Person, identifier: str, texts: tuple[str, ...], now: datetime) -> None:
        if not texts:
            return
        recipient = seal(derive_key(self._pepper, "outbox"), identifier, "outbox:recipient")
        rows.insert_outbox(db, [{"user_key": person.user_key, "recipient": recipient,
                                 "text": self._seal(person, text, "outbox"), "sms_id": uuid.uuid4().hex,
                                 "attempts": 0, "next_attempt_at": now, "created_at": now} for text in texts])

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now


class _NothingKept(Exception):
    def __init__(self, language: str) -> None:
        super().__init__("no channel data kept")
        self.language = language


def _as_rendered(value: str | None | Rendered) -> Rendered:
    return value if isinstance(value, Rendered) else Rendered(keep=value)


def _language_of(turn: Turn) -> str:
    return turn.language


def _check_channel(channel: str) -> None:
    if not channel or len(channel) > 32:
        raise ValueError("channel must be a short non-empty name")


def _local_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


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
