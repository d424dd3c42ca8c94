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


@dataclass(frozen=True)
class Reason:
    code: str  # the condition type (or formula) that can put these params into words
    status: Status
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
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
    reasons = tuple(r for o in outcomes for r in o.reasons)
    if any(o.status == NOT_ELIGIBLE for o in outcomes):
        return Outcome(NOT_ELIGIBLE, reasons)
    missing: frozenset[str] = frozenset().union(*(o.missing for o in outcomes))
    if missing or any(o.status == UNKNOWN for o in outcomes):
        return Outcome(UNKNOWN, reasons, missing)
    return Outcome(ELIGIBLE, reasons)
