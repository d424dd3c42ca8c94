"""Amount estimates from the catalogue's amount specifications (knowledge/README.md, "Amounts")."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.catalogue.aids import Amount
from bot.catalogue.dated import Dated
from bot.rules.facts import Facts


@dataclass(frozen=True)
class Estimate:
    period: str
    estimate: bool
    value: float | None = None
    min: float | None = None
    max: float | None = None
    text: str = ""
    note: str = ""
    missing: frozenset[str] = frozenset()


def _at(value: Dated | None, today: date) -> Any:
    if value is None:  # the parser refuses an amount without its figures: only a hand-built Amount gets here
        raise ValueError("an amount field is missing")
    return value.at(today)


def estimate_amount(amount: Amount, facts: Facts, today: date) -> Estimate:
    base = Estimate(period=amount.period, estimate=amount.estimate, note=amount.note)
    kind = amount.kind
    if kind == "by_age" or kind == "fixed":  # the common cases first, without dataclasses.replace
        return _by_age_or_fixed(amount, facts, today)
    if kind == "fixed":
        return replace(base, value=float(_at(amount.value, today)))
    if kind == "range":
        return replace(base, min=float(_at(amount.min, today)), max=float(_at(amount.max, today)))
    if kind == "text":
        return replace(base, text=amount.text)
    if kind == "per_household":
        size = facts.get("household_size")
        values = _at(amount.values, today)
        if not size.known:
            return replace(base, min=float(min(values)), max=float(max(values)), missing=size.missing)
        index = size.value - 1
        extra = _at(amount.extra, today) if amount.extra else 0
        value = values[index] if index < len(values) else values[-1] + (index + 1 - len(values)) * extra
        return replace(base, value=float(value))
    if kind == "by_age":
        age = facts.get("age")
        if not age.known:
            values = [b.value.at(today) for b in amount.brackets]
            return replace(base, min=float(min(values)), max=float(max(values)), missing=age.missing)
        for bracket in amount.brackets:
            if bracket.min_age <= age.value <= bracket.max_age:
                return replace(base, value=float(bracket.value.at(today)))
        return replace(base, value=0.0)
    if kind == "per_child_by_age":
        ages = facts.get("children_ages")
        if not ages.known:
            return replace(base, missing=ages.missing)
        total = sum(b.value.at(today) for a in ages.value for b in amount.brackets if b.min_age <= a <= b.max_age)
        return replace(base, value=round(float(total), 2))
    if kind in ("differential", "activity"):
        scale, work, resources = facts.scale(), facts.get("work_income"), facts.get("resources")
        missing = scale.missing | resources.missing | work.missing
        if missing:
            return replace(base, missing=missing)
        guaranteed = _at(amount.base, today) * scale.value
        counted = resources.value if kind == "differential" else max(resources.value, guaranteed)
        value = guaranteed + amount.work_income_share * work.value - counted
        return replace(base, value=round(max(0.0, value), 2))
    raise ValueError(f"unknown amount kind {kind}")


def _by_age_or_fixed(amount: Amount, facts: Facts, today: date) -> Estimate:
    period, estimate, note = amount.period, amount.estimate, amount.note
    if amount.kind == "fixed":
        return Estimate(period, estimate, value=float(_at(amount.value, today)), note=note)
    age = facts.get("age")
    if not age.known:
        values = [b.value.at(today) for b in amount.brackets]
        return Estimate(period, estimate, min=float(min(values)), max=float(max(values)), note=note, missing=age.missing)
    for bracket in amount.brackets:
        if bracket.min_age <= age.value <= bracket.max_age:
            return Estimate(period, estimate, value=float(bracket.value.at(today)), note=note)
    return Estimate(period, estimate, value=0.0, note=note)
