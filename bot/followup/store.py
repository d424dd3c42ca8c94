"""Scheduled follow-ups in the database (table followups, migration 0005).

A row holds the pseudonymous key, the channel, the date, and the address sealed with a key derived from
the pepper. Claimed with a conditional UPDATE (the row's due date moved past a lease), so two workers
never take the same row; deleted in the transaction that writes the message, so it is sent at most once.
The date is moved out of quiet hours (20:00-09:00, Europe/Paris) when it is scheduled and when it is
claimed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.storage.database import Database
from bot.storage.models_followup import FollowUp
from bot.storage.sealing import SealError, derive_key, seal, unseal

PARIS = ZoneInfo("Europe/Paris")
AFTER = timedelta(days=28)
CHANNELS = ("sms", "telegram")  # where a message can be sent unasked
QUIET_FROM, QUIET_UNTIL = time(20, 0), time(9, 0)


def out_of_quiet_hours(at: datetime) -> datetime:
    """`at`, or the next 09:00 in Paris when `at` falls between 20:00 and 09:00."""
    local = at.astimezone(PARIS)
    if local.time() >= QUIET_FROM:
        morning = datetime.combine(local.date() + timedelta(days=1), QUIET_UNTIL, PARIS)
    elif local.time() < QUIET_UNTIL:
        morning = datetime.combine(local.date(), QUIET_UNTIL, PARIS)
    else:
        return at
    return morning


def quiet(at: datetime) -> bool:
    return out_of_quiet_hours(at) != at


def _address_key(pepper: bytes) -> bytes:
    return derive_key(pepper, "followup")


def _context(channel: str, user_key: str) -> str:
    return f"followup:{channel}:{user_key}"


def after_turn(connection: Connection, pepper: bytes, channel: str, user_key: str, identifier: str, turn: Any,
               now: datetime) -> None:
    """Inside a turn's transaction: the person said yes (schedule, once) or no (cancel) to the follow-up.

    Read from the Turn's `follow_up_accepted` (True, False or None), never from the replies' text."""
    accepted = getattr(turn, "follow_up_accepted", None)
    if accepted is None or channel not in CHANNELS:
        return
    cancel(connection, channel, user_key)
    if accepted is True:
        connection.execute(insert(FollowUp).values(
            channel=channel, user_key=user_key, attempts=0, due_at=out_of_quiet_hours(now + AFTER),
            address=seal(_address_key(pepper), identifier, _context(channel, user_key))))


def cancel(connection: Connection, channel: str, user_key: str) -> None:
    connection.execute(delete(FollowUp).where(FollowUp.channel == channel, FollowUp.user_key == user_key))


@dataclass(frozen=True)
class DueFollowUp:
    id: int
    channel: str
    user_key: str
    identifier: str = field(repr=False)
    attempts: int


class FollowUpStore:
    def __init__(self, database: Database, pepper: bytes, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._key = _address_key(pepper)
        self._clock = clock

    def claim_due(self, limit: int, lease: timedelta, channels: tuple[str, ...]) -> list[DueFollowUp]:
        """Up to `limit` due follow-ups of these channels, each claimed by this worker for `lease`.

        Nothing during quiet hours: a row that falls due at night waits for the morning."""
        now = self._clock()
        if quiet(now) or not channels:
            return []
        claimed: list[DueFollowUp] = []
        with self._database.transaction() as session:
            found = session.execute(select(FollowUp).where(FollowUp.due_at <= now, FollowUp.channel.in_(channels))
                                    .order_by(FollowUp.due_at, FollowUp.id).limit(limit)).scalars().all()
            for row in found:
                won = session.execute(update(FollowUp).where(FollowUp.id == row.id, FollowUp.due_at == row.due_at)
                                      .values(due_at=now + lease)).rowcount  # type: ignore[attr-defined]
                if not won:
                    continue  # another worker took it first
                try:
                    identifier = unseal(self._key, row.address, _context(row.channel, row.user_key))
                except SealError:
                    session.execute(delete(FollowUp).where(FollowUp.id == row.id))  # never sendable
                    continue
                claimed.append(DueFollowUp(row.id, row.channel, row.user_key, identifier, row.attempts))
        return claimed

    def retry_later(self, connection: Connection, item: DueFollowUp, delay: timedelta) -> None:
        """Put back a follow-up whose message could not go (its row was deleted when it was written)."""
        connection.execute(_insert(connection)(FollowUp).values(
            channel=item.channel, user_key=item.user_key, attempts=item.attempts + 1,
            address=seal(self._key, item.identifier, _context(item.channel, item.user_key)),
            due_at=out_of_quiet_hours(self._clock() + delay)).on_conflict_do_nothing(
            index_elements=["channel", "user_key"]))

    def count(self) -> int:
        with self._database.transaction() as session:
            return int(session.execute(select(func.count()).select_from(FollowUp)).scalar_one())

    def next_due(self) -> datetime | None:
        with self._database.transaction() as session:
            value: datetime | None = session.execute(select(func.min(FollowUp.due_at))).scalar_one_or_none()
            return value


def _insert(connection: Connection):  # type: ignore[no-untyped-def]
    return pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
