"""Counter writes from outside a turn (the desk picking up a handover code) and the counters' retention."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.engine import Connection

from bot.stats.events import HANDOVER_PICKED_UP
from bot.storage import rows
from bot.storage.database import Database
from bot.storage.models import UsageCounter

PARIS = ZoneInfo("Europe/Paris")
KEPT = timedelta(days=3 * 365 + 1)  # counters are kept three years; conversations keep their own retention


def count_picked_up(connection: Connection, channel: str, now: datetime) -> None:
    rows.bump_counters(connection, now.astimezone(PARIS).date(), Counter({(channel, HANDOVER_PICKED_UP, "", ""): 1}))


def purge_counters(database: Database, today: date) -> int:
    """Delete counters older than three years; returns the rows deleted."""
    with database.connection() as connection:
        return int(connection.execute(delete(UsageCounter).where(UsageCounter.day < today - KEPT)).rowcount)  # type: ignore[attr-defined]
