"""`age`: the person's age, between min and max (inclusive)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary


@dataclass(frozen=True)
class Age(Condition):
    name = "age"
    fields = frozenset({"min", "max"})
    min: Dated | None = None
    max: Dated | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        low, high = parser.number(raw, "min", path), parser.number(raw, "max", path)
        if low is None and high is None:
            parser.report(path, "an age condition needs min, max or both")
            return None
        return cls(low, high)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        low = self.min.at(today) if self.min else None
        high = self.max.at(today) if self.max else None
        age = facts.get("age")
        if not age.known:
            return leaf(self.name, UNKNOWN, age.missing, min=low, max=high)
        ok = (low is None or age.value >= low) and (high is None or age.value <= high)
        return leaf(self.name, status_of(ok), age=age.value, min=low, max=high)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        low, high = p.get("min"), p.get("max")
        if low is not None and high is not None:
            rule = t._("Il faut avoir entre {min} et {max} ans.").format(min=low, max=high)
        elif low is not None:
            rule = t._("Il faut avoir {min} ans ou plus.").format(min=low)
        else:
            rule = t._("Il faut avoir {max} ans ou moins.").format(max=high)
        if "age" not in p:
            return rule
        return t._("Vous avez {age} ans.").format(age=p["age"]) + " " + rule

    def dated_values(self) -> tuple[Dated, ...]:
        return tuple(d for d in (self.min, self.max) if d is not None)

    def keys(self) -> frozenset[str]:
        return frozenset({"age"})

    @property
    def key(self) -> str:
        return "age"
