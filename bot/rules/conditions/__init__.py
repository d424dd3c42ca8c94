"""The condition types, one class per file; this table is the one place that lists them.

A new type: a class in a new module here (parse, evaluate, explain, dated values, keys), added to
TYPES below, and a row in knowledge/README.md. Other callers (the dialog's `ask_if`, the desk) use
`evaluate` and the statuses re-exported here.
"""

from __future__ import annotations

from datetime import date

from bot.catalogue.conditions import Condition
from bot.rules.conditions.age import Age
from bot.rules.conditions.children import Children
from bot.rules.conditions.choice import OneOf
from bot.rules.conditions.compare import Compare
from bot.rules.conditions.flag import Flag
from bot.rules.conditions.logic import All, AnyOf, Not
from bot.rules.conditions.quotient import QuotientFamilial
from bot.rules.conditions.resources import Ceiling, Resources
from bot.rules.conditions.zone import Zone
from bot.rules.facts import Facts
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, Outcome, Reason, Status, combine_all

TYPES: dict[str, type[Condition]] = {
    cls.name: cls
    for cls in (Age, Compare, OneOf, Flag, Children, Resources, QuotientFamilial, All, AnyOf, Not, Zone)
}


def register(cls: type[Condition]) -> type[Condition]:
    """Add a type at run time (a test, an extension); the table above is the catalogue's own list."""
    TYPES[cls.name] = cls
    return cls


def evaluate(condition: Condition, facts: Facts, today: date) -> Outcome:
    return condition.evaluate(facts, today)


__all__ = ["ELIGIBLE", "NOT_ELIGIBLE", "TYPES", "UNKNOWN", "Ceiling", "Condition", "Outcome", "Reason", "Status",
           "combine_all", "evaluate", "register"]
