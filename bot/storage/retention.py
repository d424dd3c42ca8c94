"""Forgetting: a person erased on request, and everything past its retention purged in small batches."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from bot.storage import rows
from bot.storage.counting import erased, local_day
from bot.storage.models import Conversation, HandoverCode, OutboxSms, ProcessedMessage
from bot.storage.person import PersonMixin

log = logging.getLogger("bot.storage.service")  # the service's events, as before the split

PROCESSED_RETENTION = timedelta(hours=48)  # gateways redeliver within minutes or hours, never days
CONVERSATION_RETENTION = timedelta(days=30)
PURGE_BATCH = 1_000  # rows per purge transaction: a turn never waits behind a whole purge


class RetentionMixin(PersonMixin):
    def erase(self, channel: str, identifier: str) -> bool:
        """Delete every row about this person; False when there was nothing."""
        person = self._person(channel, identifier)
        now = self._now()
        with self._database.connection() as db:
            conversation = rows.lock(db, channel, person.user_key)
            if conversation is None:
                return False
            rows.delete_person(db, channel, person.user_key, conversation.id)
            rows.bump_counters(db, local_day(now), erased(channel))
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
