"""Sending the follow-ups that fell due: claim, write the message with the engine, send it once.

For each claimed row, one transaction: the person's conversation is locked, the engine writes the
follow-up from their own state (`engine.follow_up(state, now) -> Turn | None`), the new state (now
waiting for "1 oui, 2 pas encore, 3 refusé, 4 besoin d'aide") is sealed and saved, the row is deleted
and, by SMS, the texts are queued in the durable outbox (bot.storage.outbox). Deleting the row in that
transaction makes the message go at most once, whatever the number of workers; a Telegram message
whose sending fails is put back a few times. Someone who texted STOP, said « oubli » or whose
conversation is gone (retention) gets nothing.

Logs carry channels and counts only.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import delete

from bot.dialog.messages import Reply, Turn
from bot.followup.store import PARIS, DueFollowUp, FollowUpStore
from bot.stats.events import FOLLOWUP_SENT
from bot.storage import rows
from bot.storage.database import Database
from bot.storage.models_followup import FollowUp
from bot.storage.sealing import SealError, derive_key, is_sealed, person_key, seal, unseal

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
RETRY = timedelta(minutes=30)
MAX_ATTEMPTS = 3
BATCH = 20

# Sends the follow-up's replies to one person on a direct channel (Telegram); raises when it cannot.
Deliver = Callable[[str, tuple[Reply, ...], str], Awaitable[None]]
# Renders the replies as SMS texts in a language, for the durable outbox.
RenderSms = Callable[[tuple[Reply, ...], str], list[str]]


class FollowUpEngine(Protocol):
    def follow_up(self, state: dict[str, Any] | None, now: datetime) -> Turn | None: ...


@dataclass(frozen=True)
class Written:
    item: DueFollowUp
    replies: tuple[Reply, ...]
    language: str


class FollowUps:
    """The follow-up sender of one worker. `deliver` per direct channel; `sms` renders SMS for the outbox
    and `sms_queued` wakes the outbox's sender (both None when no SMS gateway can send on its own)."""

    def __init__(self, database: Database, pepper: bytes, engine: FollowUpEngine, clock: Callable[[], datetime],
                 deliver: dict[str, Deliver] | None = None, sms: RenderSms | None = None,
                 sms_queued: Callable[[], None] | None = None) -> None:
        self._database = database
        self._pepper = pepper
        self._engine = engine
        self._clock = clock
        self._deliver = dict(deliver or {})
        self._sms = sms
        self._sms_queued = sms_queued
        self.store = FollowUpStore(database, pepper, clock)
        self.sent = 0

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(sorted({*self._deliver, *(("sms",) if self._sms else ())}))

    async def run_due(self) -> int:
        """Send every follow-up due now on the channels this worker can send on; returns how many went."""
        sent = 0
        for _ in range(100):  # bounded: BATCH * 100 per call
            due = await asyncio.to_thread(self.store.claim_due, BATCH, LEASE, self.channels)
            if not due:
                break
            for item in due:
                sent += await self._one(item)
        self.sent += sent
        return sent

    async def _one(self, item: DueFollowUp) -> int:
        try:
            written = await asyncio.to_thread(self._write, item)
        except SealError:
            log.warning("follow-up dropped: the state does not open channel=%s", item.channel)
            return 0
        if written is None or not written.replies:
            return 0
        if item.channel == "sms":
            if self._sms_queued is not None:
                self._sms_queued()
            return 1
        try:
            await self._deliver[item.channel](item.identifier, written.replies, written.language)
        except Exception as error:  # noqa: BLE001 - a network failure is retried a few times, never fatal
            log.warning("follow-up not delivered channel=%s error=%s", item.channel, type(error).__name__)
            if item.attempts + 1 < MAX_ATTEMPTS:
                await asyncio.to_thread(self._put_back, item)
            return 0
        log.info("follow-up sent channel=%s", item.channel)
        return 1

    def _put_back(self, item: DueFollowUp) -> None:
        with self._database.connection() as db:
            self.store.retry_later(db, item, RETRY)

    def _write(self, item: DueFollowUp) -> Written | None:
        now = self._clock()
        with self._database.connection() as db:
            db.execute(delete(FollowUp).where(FollowUp.id == item.id))
            conversation = rows.lock(db, item.channel, item.user_key)
            if conversation is None or rows.is_stopped(db, item.channel, item.user_key):
                return None  # erased, stopped or past retention: nothing is sent
            key = person_key(self._pepper, item.channel, item.identifier)
            context = f"state:{item.channel}:{item.user_key}"
            sealed = conversation.state
            text = (unseal(key, sealed, context) if is_sealed(sealed) else sealed) if sealed else None
            turn = self._engine.follow_up(json.loads(text) if text else None, now)
            if turn is None or not turn.replies:
                return None
            language = str(getattr(turn, "language", "") or conversation.language or rows.DEFAULT_LANGUAGE)
            db.execute(rows.statements(db).save_state, {
                "w_id": conversation.id, "w_state": seal(key, rows.encode_state(turn.state, item.channel), context),
                "w_language": language, "w_now": now})
            if item.channel == "sms":
                if self._sms is None:
                    return None
                recipient = seal(derive_key(self._pepper, "outbox"), item.identifier, "outbox:recipient")
                rows.insert_outbox(db, [{"user_key": item.user_key, "recipient": recipient, "sms_id": uuid.uuid4().hex,
                                         "text": seal(key, sms, f"outbox:{item.channel}:{item.user_key}"),
                                         "attempts": 0, "next_attempt_at": now, "created_at": now}
                                        for sms in self._sms(turn.replies, language)])
            rows.bump_counters(db, now.astimezone(PARIS).date(), Counter({(item.channel, FOLLOWUP_SENT, "", ""): 1}))
        return Written(item, turn.replies, language)

    async def run_forever(self, every: float = 60.0) -> None:
        """The worker's loop: look for due follow-ups every `every` seconds (all workers may run it)."""
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - the database may be down for a while
                log.warning("follow-ups not sent this round: %s", type(error).__name__)
            await asyncio.sleep(every)
