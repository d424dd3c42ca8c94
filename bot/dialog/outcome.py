"""The result model: computed once per results turn, rendered by every channel.

What a person can act on, in the order that serves action: the emergencies flagged by the
answers first (where to go comes from bot.places.doors), then the aids that probably apply ranked by the person's
need and by what they bring, then those to check with what is missing, then services open to all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.catalogue import Catalogue
from bot.dialog.state import DialogState
from bot.rules.conditions import ELIGIBLE, UNKNOWN
from bot.rules.screen import AidResult

MONTHS_PER_PERIOD = {"month": 1.0, "year": 12.0, "once": 12.0}  # a one-off sum weighs like a year's worth


@dataclass(frozen=True)
class Outcome:
    probable: tuple[AidResult, ...]
    to_check: tuple[AidResult, ...]
    open_to_all: tuple[AidResult, ...]  # only those serving the person's need
    emergencies: tuple[str, ...]  # flagged by the need or an answer (no home): shown first

    @property
    def aids(self) -> tuple[AidResult, ...]:
        """What to show as the person's aids, heaviest first: rights, then services open to all."""
        return self.probable + self.open_to_all


def monthly(result: AidResult) -> float:
    """What an aid brings, in euros a month (0 when it is a service or its amount is unknown)."""
    estimate = result.amount
    if estimate is None:
        return 0.0
    value = estimate.value if estimate.value is not None else estimate.max
    if value is None or value <= 0:
        return 0.0
    return value / MONTHS_PER_PERIOD.get(estimate.period, 12.0)


def ranked(found: list[AidResult], need: str | None) -> tuple[AidResult, ...]:
    """The person's need first, then by what the aid brings; rights checked against the answers
    before services open to all; the catalogue's order breaks ties (stable sort)."""
    return tuple(sorted(found, key=lambda r: (0 if need in r.aid.needs else 1, -monthly(r),
                                              0 if r.aid.conditions else 1)))


def flagged_emergencies(catalogue: Catalogue, state: DialogState) -> tuple[str, ...]:
    need = catalogue.need(state.need or "")
    found = [need.emergency] if need and need.emergency else []
    for question in catalogue.questions:
        value = state.answers.get(question.key)
        found += [c.emergency for c in question.choices if c.emergency and c.value == value]
    return tuple(dict.fromkeys(found))


def compute(catalogue: Catalogue, found: list[AidResult], state: DialogState, now: datetime) -> Outcome:
    need = state.need
    eligible = [r for r in found if r.status == ELIGIBLE]
    # A service open to everyone is listed only for the need it serves: "tous mes droits" must not
    # tell a working tenant that the 115 is for him.
    probable = ranked([r for r in eligible if r.aid.conditions], need)
    open_to_all = ranked([r for r in eligible if not r.aid.conditions and need in r.aid.needs], need)
    to_check = ranked([r for r in found if r.status == UNKNOWN], need)
    return Outcome(probable, to_check, open_to_all, flagged_emergencies(catalogue, state))
