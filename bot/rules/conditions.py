"""Condition type -> function: three-valued evaluation with reasons a person can read.

Each function returns an Outcome: eligible / not_eligible / unknown, the reasons (codes and
values, turned into words by bot.rules.explain), and the answers still missing.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.catalogue.conditions import Ceiling, Condition
from bot.rules.facts import Facts

ELIGIBLE, NOT_ELIGIBLE, UNKNOWN = "eligible", "not_eligible", "unknown"
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}


@dataclass(frozen=True)
class Reason:
    code: str  # e.g. "age", "resources"; bot.rules.explain has one sentence per code
    status: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    status: str
    reasons: tuple[Reason, ...] = ()
    missing: frozenset[str] = frozenset()


def _leaf(code: str, status: str, missing: frozenset[str] = frozenset(), **params) -> Outcome:
    return Outcome(status, (Reason(code, status, params),), missing if status == UNKNOWN else frozenset())


def _status(ok: bool) -> str:
    return ELIGIBLE if ok else NOT_ELIGIBLE


def _age(c: Condition, facts: Facts, today: date) -> Outcome:
    low = c.min.at(today) if c.min else None
    high = c.max.at(today) if c.max else None
    age = facts.get("age")
    if not age.known:
        return _leaf("age", UNKNOWN, age.missing, min=low, max=high)
    ok = (low is None or age.value >= low) and (high is None or age.value <= high)
    return _leaf("age", _status(ok), age=age.value, min=low, max=high)


def _compare(c: Condition, facts: Facts, today: date) -> Outcome:
    fact, limit = facts.get(c.key), c.value.at(today)
    if not fact.known:
        return _leaf("compare", UNKNOWN, fact.missing, key=c.key, op=c.op, limit=limit)
    return _leaf("compare", _status(OPS[c.op](fact.value, limit)), key=c.key, op=c.op, limit=limit, value=fact.value)


def _in(c: Condition, facts: Facts, today: date) -> Outcome:
    fact = facts.get(c.key)
    if not fact.known:
        return _leaf("in", UNKNOWN, fact.missing, key=c.key, values=list(c.values))
    return _leaf("in", _status(fact.value in c.values), key=c.key, values=list(c.values), value=fact.value,
                 assumed=fact.estimated)


def _is(c: Condition, facts: Facts, today: date) -> Outcome:
    fact = facts.get(c.key)
    if not fact.known:
        return _leaf("is", UNKNOWN, fact.missing, key=c.key, expected=c.value)
    return _leaf("is", _status(bool(fact.value) == c.value), key=c.key, expected=c.value, value=bool(fact.value))


def _children(c: Condition, facts: Facts, today: date) -> Outcome:
    low = c.min.at(today) if c.min else None
    high = c.max.at(today) if c.max else None
    params = dict(min=low, max=high, age_min=c.age_min, age_max=c.age_max)
    ages = facts.get("children_ages")
    if not ages.known:
        return _leaf("children", UNKNOWN, ages.missing, **params)
    count = sum(1 for a in ages.value
                if (c.age_min is None or a >= c.age_min) and (c.age_max is None or a <= c.age_max))
    ok = (low is None or count >= low) and (high is None or count <= high)
    return _leaf("children", _status(ok), count=count, **params)


def ceiling_for(ceiling: Ceiling, facts: Facts, today: date) -> tuple[float | None, frozenset[str]]:
    if ceiling.kind == "fixed":
        return float(ceiling.value.at(today)), frozenset()
    if ceiling.kind == "household_scale":
        scale = facts.scale()
        return (None, scale.missing) if not scale.known else (ceiling.base.at(today) * scale.value, frozenset())
    size = facts.get("household_size")
    if not size.known:
        return None, size.missing
    values = ceiling.values.at(today)
    if size.value <= len(values):
        return float(values[size.value - 1]), frozenset()
    return float(values[-1] + (size.value - len(values)) * ceiling.extra.at(today)), frozenset()


def _resources(c: Condition, facts: Facts, today: date) -> Outcome:
    limit, limit_missing = ceiling_for(c.ceiling, facts, today)
    resources = facts.get("resources")
    factor = 12 if c.period == "year" else 1
    params = dict(period=c.period, ceiling=limit)
    missing = resources.missing | limit_missing
    if missing:
        return _leaf("resources", UNKNOWN, missing, **params)
    value = resources.value * factor
    ok = value <= limit
    near = ok and value >= limit * (1 - c.margin)
    return _leaf("resources", _status(ok), value=value, near=near, **params)


def _quotient_familial(c: Condition, facts: Facts, today: date) -> Outcome:
    low = c.min.at(today) if c.min else None
    high = c.max.at(today) if c.max else None
    qf = facts.get("qf_estimate")
    if not qf.known:
        return _leaf("quotient_familial", UNKNOWN, qf.missing, min=low, max=high)
    ok = (low is None or qf.value >= low) and (high is None or qf.value <= high)
    near = ok and high is not None and qf.value >= high * 0.9
    return _leaf("quotient_familial", _status(ok), value=round(qf.value), min=low, max=high,
                 estimated=qf.estimated, near=near)


def _all(c: Condition, facts: Facts, today: date) -> Outcome:
    return combine_all([evaluate(child, facts, today) for child in c.children])


def _any(c: Condition, facts: Facts, today: date) -> Outcome:
    outcomes = [evaluate(child, facts, today) for child in c.children]
    winners = [o for o in outcomes if o.status == ELIGIBLE]
    if winners:
        return Outcome(ELIGIBLE, winners[0].reasons)
    open_ = [o for o in outcomes if o.status == UNKNOWN]
    if open_:
        return Outcome(UNKNOWN, tuple(r for o in open_ for r in o.reasons),
                       frozenset().union(*(o.missing for o in open_)))
    return Outcome(NOT_ELIGIBLE, tuple(r for o in outcomes for r in o.reasons))


def _not(c: Condition, facts: Facts, today: date) -> Outcome:
    inner = evaluate(c.children[0], facts, today)
    flip = {ELIGIBLE: NOT_ELIGIBLE, NOT_ELIGIBLE: ELIGIBLE, UNKNOWN: UNKNOWN}
    reasons = tuple(Reason(r.code, flip[r.status], {**r.params, "negated": True}) for r in inner.reasons)
    return Outcome(flip[inner.status], reasons, inner.missing)


EVALUATORS: dict[str, Callable[[Condition, Facts, date], Outcome]] = {
    "age": _age, "compare": _compare, "in": _in, "is": _is, "children": _children,
    "resources": _resources, "quotient_familial": _quotient_familial, "all": _all, "any": _any, "not": _not,
}


def evaluate(condition: Condition, facts: Facts, today: date) -> Outcome:
    return EVALUATORS[condition.type](condition, facts, today)


def combine_all(outcomes: list[Outcome]) -> Outcome:
    """All must hold: one "no" settles it; otherwise any missing answer leaves it open."""
    reasons = tuple(r for o in outcomes for r in o.reasons)
    if any(o.status == NOT_ELIGIBLE for o in outcomes):
        return Outcome(NOT_ELIGIBLE, reasons)
    missing = frozenset().union(*(o.missing for o in outcomes)) if outcomes else frozenset()
    return Outcome(UNKNOWN if missing else ELIGIBLE, reasons, missing)
