"""The three answers a rule can give, and the reasons behind them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """A StrEnum: compares equal to, and serialises as, the plain strings of the JSON output."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"  # an answer is missing, or the case is too close to call: "à vérifier"


ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = Status.ELIGIBLE, Status.NOT_ELIGIBLE, Status.UNKNOWN
FLIP = {ELIGIBLE: NOT_ELIGIBLE, NOT_ELIGIBLE: ELIGIBLE, UNKNOWN: UNKNOWN}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # the condition type (or formula) that can put these params into words
    status: Status
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    status: Status
    reasons: tuple[Reason, ...] = ()
    missing: frozenset[str] = frozenset()


def status_of(ok: bool) -> Status:
    return ELIGIBLE if ok else NOT_ELIGIBLE


def leaf(code: str, status: Status, missing: frozenset[str] = frozenset(), **params: Any) -> Outcome:
    return Outcome(status, (Reason(code, status, params),), missing if status == UNKNOWN else frozenset())


def combine_all(outcomes: list[Outcome]) -> Outcome:
    """All must hold: one "no" settles it; otherwise any missing answer leaves it open."""
    if len(outcomes) == 1:
        return outcomes[0]
    reasons: tuple[Reason, ...] = ()
    no = open_ = False
    missing: frozenset[str] = frozenset()
    for outcome in outcomes:  # one pass: screening calls this for every aid of every profile
        reasons += outcome.reasons
        if outcome.status is NOT_ELIGIBLE:
            no = True
        elif outcome.status is UNKNOWN:
            open_ = True
            missing |= outcome.missing
    if no:
        return Outcome(NOT_ELIGIBLE, reasons)
    return Outcome(UNKNOWN, reasons, missing) if open_ or missing else Outcome(ELIGIBLE, reasons)
