"""`all`, `any`, `not`: conditions made of conditions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import ELIGIBLE, FLIP, NOT_ELIGIBLE, UNKNOWN, Outcome, Reason, combine_all
from bot.rules.words import Vocabulary


@dataclass(frozen=True)
class All(Condition):
    name = "all"
    fields = frozenset({"conditions"})
    parts: tuple[Condition, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        return cls(parser.parse_list(raw.get("conditions"), f"{path}.conditions"))

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        return combine_all([part.evaluate(facts, today) for part in self.parts])

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        return ""  # never a reason of its own: its parts give theirs

    @property
    def children(self) -> tuple[Condition, ...]:
        return self.parts


@dataclass(frozen=True)
class AnyOf(Condition):
    name = "any"
    fields = frozenset({"conditions"})
    parts: tuple[Condition, ...] = ()

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        parts = parser.parse_list(raw.get("conditions"), f"{path}.conditions")
        if not parts:
            parser.report(f"{path}.conditions", "an any condition needs at least one condition")
        return cls(parts)

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        outcomes = []
        for part in self.parts:  # the first one that holds settles it, with its reasons
            outcome = part.evaluate(facts, today)
            if outcome.status == ELIGIBLE:
                return Outcome(ELIGIBLE, outcome.reasons)
            outcomes.append(outcome)
        open_ = [o for o in outcomes if o.status == UNKNOWN]
        if open_:
            return Outcome(UNKNOWN, tuple(r for o in open_ for r in o.reasons),
                           frozenset().union(*(o.missing for o in open_)))
        return Outcome(NOT_ELIGIBLE, tuple(r for o in outcomes for r in o.reasons))

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        return ""

    @property
    def children(self) -> tuple[Condition, ...]:
        return self.parts


@dataclass(frozen=True)
class Not(Condition):
    name = "not"
    fields = frozenset({"condition"})
    inner: Condition

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        inner = parser.parse(raw.get("condition"), f"{path}.condition")
        return cls(inner) if inner else None

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        inner = self.inner.evaluate(facts, today)
        reasons = tuple(Reason(r.code, FLIP[r.status], {**r.params, "negated": True}) for r in inner.reasons)
        return Outcome(FLIP[inner.status], reasons, inner.missing)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        return ""

    @property
    def children(self) -> tuple[Condition, ...]:
        return (self.inner,)
