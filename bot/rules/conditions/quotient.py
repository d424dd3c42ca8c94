"""`quotient_familial`: the CAF quotient familial, known or estimated from income and CAF parts."""

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
from bot.rules.words import Vocabulary, money


@dataclass(frozen=True)
class QuotientFamilial(Condition):
    name = "quotient_familial"
    fields = frozenset({"min", "max"})
    min: Dated | None = None
    max: Dated | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        low, high = parser.number(raw, "min", path), parser.number(raw, "max", path)
        if low is None and high is None:
            parser.report(path, "a quotient_familial condition needs min, max or both")
            return None
        return cls(low, high)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        low = self.min.at(today) if self.min else None
        high = self.max.at(today) if self.max else None
        qf = facts.get("qf_estimate")
        if not qf.known:
            return leaf(self.name, UNKNOWN, qf.missing, min=low, max=high)
        ok = (low is None or qf.value >= low) and (high is None or qf.value <= high)
        near = ok and high is not None and qf.value >= high * 0.9
        return leaf(self.name, status_of(ok), value=round(qf.value), min=low, max=high, estimated=qf.estimated,
                    near=near)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        low, high = p.get("min"), p.get("max")
        if high is not None and low is not None:
            rule = t._("Il faut un quotient familial entre {min} et {max}.").format(min=money(low, t),
                                                                                   max=money(high, t))
        elif high is not None:
            rule = t._("Il faut un quotient familial de {max} ou moins.").format(max=money(high, t))
        else:
            rule = t._("Il faut un quotient familial de {min} ou plus.").format(min=money(low or 0, t))
        if "value" not in p:
            return rule
        fact = (t._("Votre quotient familial estimé : {value}.") if p.get("estimated")
                else t._("Votre quotient familial : {value}.")).format(value=money(p["value"], t))
        text = fact + " " + rule
        if p.get("near"):
            text += " " + t._("Vous êtes proche du plafond : faites vérifier votre situation.")
        return text

    def dated_values(self) -> tuple[Dated, ...]:
        return tuple(d for d in (self.min, self.max) if d is not None)

    def keys(self) -> frozenset[str]:
        return frozenset({"qf_estimate"})
