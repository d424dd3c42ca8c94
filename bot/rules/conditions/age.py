"""`age`: the person's age, between min and max (inclusive)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.i18n import Translator
from bot.rules.conditions.bounded import Bounded
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary


@dataclass(frozen=True)
class Age(Bounded):
    name = "age"
    needs_bounds = "an age condition needs min, max or both"

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        low, high = self.bounds(today)
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

    def keys(self) -> frozenset[str]:
        return frozenset({"age"})

    @property
    def key(self) -> str:
        return "age"
