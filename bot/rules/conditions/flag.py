"""`is`: a yes/no of the profile (`couple`, `pregnant`, derived `single_parent`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, key_label


def N_(message: str) -> str:  # noqa: N802 - the gettext marker: extracted now, translated when shown
    return message


FACT_SENTENCES = {
    ("couple", True): N_("Vous vivez en couple."),
    ("couple", False): N_("Vous ne vivez pas en couple."),
    ("pregnant", True): N_("Vous attendez un enfant."),
    ("pregnant", False): N_("Vous n'attendez pas d'enfant."),
    ("single_parent", True): N_("Vous élevez seul ou seule vos enfants."),
    ("single_parent", False): N_("Vous n'élevez pas seul ou seule un enfant."),
}
DEPENDS_ON = {
    "couple": N_("Cela dépend de votre vie en couple."),
    "pregnant": N_("Cela dépend d'une grossesse."),
    "single_parent": N_("Cette aide est pour les parents seuls."),
}


@dataclass(frozen=True)
class Flag(Condition):
    name = "is"
    fields = frozenset({"key", "value"})
    key: str
    value: bool

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        key = parser.key(raw, path, ("boolean",))
        value = raw.get("value", True)
        if not isinstance(value, bool):
            parser.report(f"{path}.value", f"must be true or false, got {value!r}")
            return None
        return cls(key, value) if key else None

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        fact = facts.get(self.key)
        if not fact.known:
            return leaf(self.name, UNKNOWN, fact.missing, key=self.key, expected=self.value)
        return leaf(self.name, status_of(bool(fact.value) == self.value), key=self.key, expected=self.value,
                    value=bool(fact.value))

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        key, value = str(reason.params.get("key")), reason.params.get("value")
        if value is None:
            return t._(DEPENDS_ON[key]) if key in DEPENDS_ON else key_label(key, t, vocabulary)
        sentence = FACT_SENTENCES.get((key, bool(value)))
        return t._(sentence) if sentence else f"{key}: {value}"

    def keys(self) -> frozenset[str]:
        return frozenset({self.key})
