"""Is a place open now, and when does that change? Pure: `now` is passed in, no words here.

Hours are OpenStreetMap opening_hours expressions evaluated by opening-hours-py with the French
public-holiday calendar, so "PH off" closes on 25 December, 14 July, Ascension Thursday…
The dialog turns an OpenStatus into words in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import opening_hours

from bot.catalogue.places import Place

PARIS = ZoneInfo("Europe/Paris")
# Beyond a year ahead a "next change" says nothing useful to someone looking for help today,
# and the bound keeps evaluation fast for expressions that never open again.
MAX_INTERVAL_DAYS = 400

State = Literal["open", "closed", "unknown"]


@dataclass(frozen=True)
class OpenStatus:
    state: State
    change_at: datetime | None = None  # when the state changes next (Europe/Paris), None if unknown or never


@lru_cache(maxsize=512)
def _parse(expression: str) -> opening_hours.OpeningHours:
    # Parsing once per expression: the catalogue's hours never change while the program runs.
    return opening_hours.OpeningHours(expression, timezone=PARIS, country="FR",
                                      max_interval_days=MAX_INTERVAL_DAYS)


def _paris(moment: datetime) -> datetime:
    # A naive datetime is read as Paris time: that is what the engine and the tests mean.
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


def _state(hours: opening_hours.OpeningHours, moment: datetime) -> State:
    if hours.is_open(moment):
        return "open"
    if hours.is_closed(moment):
        return "closed"
    return "unknown"


def _opening_after(hours: opening_hours.OpeningHours | None, day: date) -> datetime | None:
    """The first moment the place is open from the start of `day` on, or None if unknown."""
    start = datetime.combine(day, time(0, 0), tzinfo=PARIS)
    if hours is None:
        return None
    if hours.is_open(start):
        return start
    change = hours.next_change(start)
    if change is None:
        return None
    change = _paris(change)
    return change if hours.is_open(change) else None


def open_status(place: Place, now: datetime) -> OpenStatus:
    """Open, closed or unknown at `now`, with the moment that changes (for "open until 12 h")."""
    now = _paris(now)
    hours = _parse(place.opening_hours) if place.opening_hours else None
    if place.closed_until and now.date() < place.closed_until:
        return OpenStatus("closed", _opening_after(hours, place.closed_until))
    if hours is None:
        return OpenStatus("unknown")
    state = _state(hours, now)
    change = hours.next_change(now)
    return OpenStatus(state, _paris(change) if change is not None else None)
