"""`compare`: a number of the profile against a limit (`disability_rate >= 50`, `rent > 0`)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, capitalised, key_label, money

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}
OPERATORS = tuple(OPS)


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted now, translated when shown
    return message


LIMIT_PHRASES = {
    ">=": N_("Il faut au moins {limit}."), ">": N_("Il faut plus de {limit}."),
    "<=": N_("Il faut au plus {limit}."), "<": N_("Il faut moins de {limit}."),
    "==": N_("Il faut exactement {limit}."), "!=": N_("Il faut autre chose que {limit}."),
}


@dataclass(frozen=True)
class Compare(Condition):
    name = "compare"
    fields = frozenset({"key", "op", "value"})
    key: str
    op: str
    value: Dated

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        key = parser.key(raw, path, ("integer", "number", "money"))
        op = raw.get("op")
        if op not in OPS:
            parser.report(f"{path}.op", f"must be one of {' '.join(OPERATORS)}, got {op!r}")
            return None
        value = parser.number(raw, "value", path)
        if value is None:
            parser.report(f"{path}.value", "is missing")
        if not key or value is None:
            return None
        return cls(key, str(op), value)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        fact, limit = facts.get(self.key), self.value.at(today)
        if not fact.known:
            return leaf(self.name, UNKNOWN, fact.missing, key=self.key, op=self.op, limit=limit)
        return leaf(self.name, status_of(OPS[self.op](fact.value, limit)), key=self.key, op=self.op, limit=limit,
                    value=fact.value)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        key, op, limit = str(p.get("key")), str(p.get("op")), p.get("limit")
        is_money = vocabulary is not None and vocabulary.profile.type_of(key) == "money"
        unit = "%" if key == "disability_rate" else ""

        def shown(v: Any) -> str:
            return money(v, t) if is_money else f"{v:g}{unit}"

        phrase = t._(LIMIT_PHRASES[op]).format(limit=shown(limit))
        if "value" not in p:
            return phrase
        label = capitalised(key_label(key, t, vocabulary))
        return t._("{label} : {value}.").format(label=label, value=shown(p["value"])) + " " + phrase

    def dated_values(self) -> tuple[Dated, ...]:
        return (self.value,)

    def keys(self) -> frozenset[str]:
        return frozenset({self.key})
