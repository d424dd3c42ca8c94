"""The durable SMS outbox's storage: rows written by a turn's transaction (TurnService, Rendered.queue),
read, claimed and deleted by the Android gateway's sender (bot.channels.sms.android_gateway.Outbox).

A row is claimed by moving its next attempt past a lease with a conditional UPDATE, so two workers
never send the same SMS at once; a worker killed during a send leaves the row to be claimed again when
the lease ends (the SMS id then makes the phone drop a repeat). Only the oldest row of each person is
ever due: SMS go out in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from bot.storage.database import Database
from bot.storage.models import OutboxSms
from bot.storage.sealing import SealError, derive_key, person_key, unseal

CHANNEL = "sms"


@dataclass(frozen=True)
class DueSms:
    id: int
    recipient: str = field(repr=False)
    text: str = field(repr=False)
    sms_id: str
    attempts: int  # attempts made before this one


class OutboxStore:
    def __init__(self, database: Database, pepper: bytes, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._pepper = pepper
        self._outbox_key = derive_key(pepper, "outbox")
        self._clock = clock

    def claim_due(self, limit: int, lease: timedelta) -> list[DueSms]:
        """Up to `limit` SMS whose turn has come (the oldest of each person), claimed for `lease`."""
        now = self._clock()
        earlier = aliased(OutboxSms)
        first_of_person = ~select(earlier.id).where(earlier.user_key == OutboxSms.user_key,
                                                    earlier.id < OutboxSms.id).exists()
        claimed: list[DueSms] = []
        with self._database.connection() as session:
            found = session.execute(select(OutboxSms.id, OutboxSms.user_key, OutboxSms.recipient, OutboxSms.text,
                                           OutboxSms.sms_id, OutboxSms.attempts, OutboxSms.next_attempt_at)
                                    .where(OutboxSms.next_attempt_at <= now, first_of_person)
                                    .order_by(OutboxSms.id).limit(limit)).all()
            for row in found:
                won = session.execute(update(OutboxSms).where(OutboxSms.id == row.id,
                                                              OutboxSms.next_attempt_at == row.next_attempt_at)
                                      .values(next_attempt_at=now + lease)).rowcount
                if not won:
                    continue
                try:
                    recipient = unseal(self._outbox_key, row.recipient, "outbox:recipient")
                    key = person_key(self._pepper, CHANNEL, recipient)
                    text = unseal(key, row.text, f"outbox:{CHANNEL}:{row.user_key}")
                except SealError:
                    session.execute(delete(OutboxSms).where(OutboxSms.id == row.id))  # never sendable
                    continue
                claimed.append(DueSms(row.id, recipient, text, row.sms_id, row.attempts))
        return claimed

    def delivered(self, sms_id: int) -> None:
        with self._database.connection() as session:
            session.execute(delete(OutboxSms).where(OutboxSms.id == sms_id))

    def retry_later(self, sms_id: int, attempts: int, delay: timedelta) -> None:
        with self._database.connection() as session:
            session.execute(update(OutboxSms).where(OutboxSms.id == sms_id)
                            .values(attempts=attempts, next_attempt_at=self._clock() + delay))

    def next_due_in(self) -> float | None:
        """Seconds until the earliest row is due (0 when one is), None when the outbox is empty."""
        with self._database.connection() as session:
            earliest = session.execute(select(func.min(OutboxSms.next_attempt_at))).scalar_one_or_none()
        if earliest is None:
            return None
        return max(0.0, (earliest - self._clock()).total_seconds())

    def count(self) -> int:
        with self._database.connection() as session:
            return int(session.execute(select(func.count()).select_from(OutboxSms)).scalar_one())
