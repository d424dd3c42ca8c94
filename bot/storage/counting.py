"""The anonymous daily usage counts: what a turn adds, and reading them back for `aiguillage stats`."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.dialog.messages import Turn
from bot.storage.database import Database
from bot.storage.models import UsageCounter
from bot.storage.results import UsageCount

PARIS = ZoneInfo("Europe/Paris")

# Counter fields are free strings coming from the engine's state and replies; bound them so a
# misplaced answer could never end up stored at length in the anonymous statistics.
_COUNTER_FIELD_MAX = 64

# Usage events counted in usage_counters.
EVENT_STARTED = "conversation_started"
EVENT_AID_SHOWN = "aid_shown"
EVENT_ERASED = "erased"

Counts = Counter[tuple[str, str, str, str]]


class CountersMixin:
    _database: Database

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


def local_day(now: datetime) -> date:
    return now.astimezone(PARIS).date()


def erased(channel: str) -> Counts:
    return Counter({(channel, EVENT_ERASED, "", ""): 1})


def _bounded(value: Any) -> str:
    return value[:_COUNTER_FIELD_MAX] if isinstance(value, str) else ""


def quartier_of(turn: Turn) -> str:
    """The quartier the person gave, if any (the engine's answers, key "quartier")."""
    return _bounded(turn.answers.get("quartier"))


def turn_counts(channel: str, created: bool, turn: Turn) -> Counts:
    counts: Counts = Counter()
    if created:
        counts[(channel, EVENT_STARTED, "", "")] += 1
    quartier = quartier_of(turn)
    # The aids the results show as probable, from their typed payload: once per results turn (the
    # detail cards of "Voir le détail" show the same aids again and are not counted twice).
    shown = {item.id for reply in turn.replies for item in reply.aids if item.status == "eligible"}
    if not any(reply.aids for reply in turn.replies):  # an engine that sends one reply per aid
        shown = {str(reply.data["aid_id"]) for reply in turn.replies if reply.data.get("aid_id")}
    for aid_id in sorted(shown):
        counts[(channel, EVENT_AID_SHOWN, quartier, _bounded(aid_id))] += 1
    if turn.erase:
        counts[(channel, EVENT_ERASED, "", "")] += 1
    return counts
