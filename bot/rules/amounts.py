"""Amount estimates from the catalogue's amount specifications (knowledge/README.md, "Amounts")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.catalogue.aids import Amount
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


def estimate_amount(amount: Amount, facts: Facts, today: date) -> Estimate:
    base = dict(period=amount.period, estimate=amount.estimate, note=amount.note)
    kind = amount.kind
    if kind == "fixed":
        return Estimate(value=float(amount.value.at(today)), **base)
    if kind == "range":
        return Estimate(min=float(amount.min.at(today)), max=float(amount.max.at(today)), **base)
    if kind == "text":
        return Estimate(text=amount.text, **base)
    if kind == "per_household":
        size = facts.get("household_size")
        values = amount.values.at(today)
        if not size.known:
            return Estimate(min=float(min(values)), max=float(max(values)), missing=size.missing, **base)
        index = size.value - 1
        value = values[index] if index < len(values) else values[-1] + (index + 1 - len(values)) * amount.extra.at(today)
        return Estimate(value=float(value), **base)
    if kind == "by_age":
        age = facts.get("age")
        if not age.known:
            values = [b.value.at(today) for b in amount.brackets]
            return Estimate(min=float(min(values)), max=float(max(values)), missing=age.missing, **base)
        for bracket in amount.brackets:
            if bracket.min_age <= age.value <= bracket.max_age:
                return Estimate(value=float(bracket.value.at(today)), **base)
        return Estimate(value=0.0, **base)
    if kind == "per_child_by_age":
        ages = facts.get("children_ages")
        if not ages.known:
            return Estimate(missing=ages.missing, **base)
        total = sum(b.value.at(today) for a in ages.value for b in amount.brackets if b.min_age <= a <= b.max_age)
        return Estimate(value=round(float(total), 2), **base)
    if kind in ("differential", "activity"):
        scale, work, resources = facts.scale(), facts.get("work_income"), facts.get("resources")
        missing = scale.missing | resources.missing | work.missing
        if missing:
            return Estimate(missing=missing, **base)
        guaranteed = amount.base.at(today) * scale.value
        counted = resources.value if kind == "differential" else max(resources.value, guaranteed)
        value = guaranteed + amount.work_income_share * work.value - counted
        return Estimate(value=round(max(0.0, value), 2), **base)
    raise ValueError(f"unknown amount kind {kind}")
