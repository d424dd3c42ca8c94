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

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from bot.dialog.messages import HANDOVER_CODE, Incoming, Reply
from bot.followup.store import after_turn as follow_up_after_turn
from bot.stats.events import turn_counts as stats_counts
from bot.storage import rows
from bot.storage.counting import (
    EVENT_AID_SHOWN,
    EVENT_ERASED,
    EVENT_STARTED,
    PARIS,
    CountersMixin,
    erased,
    local_day,
    quartier_of,
    turn_counts,
)
from bot.storage.database import Database
from bot.storage.handover import HANDOVER_VALIDITY, HandoverMixin
from bot.storage.person import Person
from bot.storage.pseudonym import check_fingerprint
from bot.storage.results import (
    ChannelData,
    ChannelDataResult,
    ChannelDataStep,
    DialogEngine,
    Rendered,
    TurnResult,
    UsageCount,
    as_rendered,
)
from bot.storage.retention import CONVERSATION_RETENTION, PROCESSED_RETENTION, PURGE_BATCH, RetentionMixin
from bot.storage.sealing import SealError

__all__ = ["CONVERSATION_RETENTION", "EVENT_AID_SHOWN", "EVENT_ERASED", "EVENT_STARTED", "PROCESSED_RETENTION",
           "PURGE_BATCH", "ChannelData", "ChannelDataResult", "ChannelDataStep", "DialogEngine", "Rendered",
           "TurnResult", "TurnService", "UsageCount"]

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = rows.DEFAULT_LANGUAGE


def _paris_now() -> datetime:
    return datetime.now(PARIS)


class TurnService(RetentionMixin, CountersMixin, HandoverMixin):
    """Turns, erasure and retention, handover codes and counts over one database (see the module's doc)."""

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
            language = turn.language or conversation.language or DEFAULT_LANGUAGE
            counts = turn_counts(channel, created, turn) + stats_counts(channel, created, turn, quartier_of(turn))
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
                    output = replace(as_rendered(channel_data(tuple(turn.replies), language)), keep=None)
                    self._queue(db, person, identifier, output.queue, now)
            else:
                sealed_state = self._seal(person, rows.encode_state(turn.state, channel), "state")
                saved = {"w_id": conversation.id, "w_state": sealed_state, "w_language": language, "w_now": now}
                if channel_data is not None:
                    output = as_rendered(channel_data(tuple(turn.replies), language))
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
            rows.bump_counters(db, local_day(now), counts)

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
            rows.bump_counters(db, local_day(now), erased(channel))
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
                output = as_rendered(step(kept, language))
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



class _NothingKept(Exception):
    def __init__(self, language: str) -> None:
        super().__init__("no channel data kept")
        self.language = language
