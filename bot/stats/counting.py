"""The counters' retention: three years."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete

from bot.storage.database import Database
from bot.storage.models import UsageCounter

PARIS = ZoneInfo("Europe/Paris")
KEPT = timedelta(days=3 * 365 + 1)  # counters are kept three years; conversations keep their own retention


def purge_counters(database: Database, today: date) -> int:
    """Delete counters older than three years; returns the rows deleted."""
    with database.connection() as connection:
        return int(connection.execute(delete(UsageCounter).where(UsageCounter.day < today - KEPT)).rowcount)  # type: ignore[attr-defined]
