"""`in`: a choice of the profile is one of the values (`housing in [tenant, social_tenant]`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import ELIGIBLE, UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, choice_label


@dataclass(frozen=True)
class OneOf(Condition):
    name = "in"
    fields = frozenset({"key", "values"})
    key: str
    values: tuple[str, ...]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        key = parser.key(raw, path, ("choice", "text"))
        values = raw.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            parser.report(f"{path}.values", "must be a non-empty list of text values")
            return None
        if key and parser.schema.type_of(key) == "choice":
            allowed = parser.schema.keys[key].values
            for value in values:
                if value not in allowed:
                    parser.report(f"{path}.values", f"{value!r} is not a value of {key} ({', '.join(allowed)})")
        return cls(key, tuple(values)) if key else None

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        fact = facts.get(self.key)
        if not fact.known:
            return leaf(self.name, UNKNOWN, fact.missing, key=self.key, values=list(self.values))
        return leaf(self.name, status_of(fact.value in self.values), key=self.key, values=list(self.values),
                    value=fact.value, assumed=fact.estimated)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        key = str(p.get("key"))
        allowed = t.join([choice_label(key, v, t, vocabulary) for v in p.get("values", [])])
        if "value" not in p:
            return t._("Cette aide est pour : {allowed}.").format(allowed=allowed)
        current = choice_label(key, p["value"], t, vocabulary)
        if key == "commune":
            fact = (t._("Vous habitez à {place} (à confirmer).") if p.get("assumed")
                    else t._("Vous habitez à {place}.")).format(place=current)
        else:
            fact = t._("Votre réponse : « {value} ».").format(value=current)
        if reason.status == ELIGIBLE:
            return fact
        return fact + " " + t._("Cette aide est pour : {allowed}.").format(allowed=allowed)

    def keys(self) -> frozenset[str]:
        return frozenset({self.key})
