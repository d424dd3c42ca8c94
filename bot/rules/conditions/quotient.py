"""`quotient_familial`: the CAF quotient familial, known or estimated from income and CAF parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.i18n import Translator
from bot.rules.conditions.bounded import Bounded
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, money


@dataclass(frozen=True)
class QuotientFamilial(Bounded):
    name = "quotient_familial"
    needs_bounds = "a quotient_familial condition needs min, max or both"

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        low, high = self.bounds(today)
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

    def keys(self) -> frozenset[str]:
        return frozenset({"qf_estimate"})
