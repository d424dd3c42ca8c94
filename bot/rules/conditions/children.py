"""`children`: how many dependent children, optionally in an age range."""

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
class Children(Condition):
    name = "children"
    fields = frozenset({"min", "max", "age_min", "age_max"})
    min: Dated | None = None
    max: Dated | None = None
    age_min: int | None = None
    age_max: int | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        ok_low, age_min = parser.whole(raw, "age_min", path)
        ok_high, age_max = parser.whole(raw, "age_max", path)
        if not (ok_low and ok_high):
            return None
        low, high = parser.number(raw, "min", path), parser.number(raw, "max", path)
        if low is None and high is None:
            low = Dated.constant(1)
        return cls(low, high, age_min, age_max)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        low = self.min.at(today) if self.min else None
        high = self.max.at(today) if self.max else None
        params: dict[str, Any] = dict(min=low, max=high, age_min=self.age_min, age_max=self.age_max)
        ages = facts.get("children_ages")
        if not ages.known:
            return leaf(self.name, UNKNOWN, frozenset(ages.missing), **params)
        count = sum(1 for a in ages.value
                    if (self.age_min is None or a >= self.age_min) and (self.age_max is None or a <= self.age_max))
        ok = (low is None or count >= low) and (high is None or count <= high)
        return leaf(self.name, status_of(ok), count=count, **params)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        low, high = p.get("min"), p.get("max")
        if p.get("age_min") is not None or p.get("age_max") is not None:
            span = t._("de {age_min} à {age_max} ans").format(age_min=p.get("age_min") or 0,
                                                             age_max=p.get("age_max") or 25)
        else:
            span = ""
        if high == 0:
            rule = t._("Cette aide est pour les personnes sans enfant à charge.")
        else:
            count = int(low or 1)
            rule = (t.ngettext("Il faut au moins {n} enfant à charge {span}.",
                               "Il faut au moins {n} enfants à charge {span}.", count)
                    .format(n=count, span=span).replace(" .", "."))
        if "count" not in p:
            return rule
        fact = t.ngettext("Vous avez {n} enfant à charge {span}.", "Vous avez {n} enfants à charge {span}.",
                          p["count"]).format(n=p["count"], span=span).replace(" .", ".")
        return fact + " " + rule

    def dated_values(self) -> tuple[Dated, ...]:
        return tuple(d for d in (self.min, self.max) if d is not None)

    def keys(self) -> frozenset[str]:
        return frozenset({"children_ages"})

    @property
    def key(self) -> str:
        return "children_ages"
