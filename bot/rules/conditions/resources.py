"""`resources`: the household's resources (work + other income) at most a ceiling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated, is_number, is_number_list, parse_dated
from bot.i18n import Translator
from bot.rules.facts import Facts
from bot.rules.status import UNKNOWN, Outcome, Reason, leaf, status_of
from bot.rules.words import Vocabulary, money

CEILING_KINDS = ("fixed", "per_household", "household_scale")
CEILING_FIELDS = {"fixed": {"value"}, "per_household": {"values", "extra"}, "household_scale": {"base"}}


@dataclass(frozen=True)
class Ceiling:
    kind: str
    value: Dated | None = None  # fixed
    values: Dated | None = None  # per_household: sizes 1, 2, 3, 4…
    extra: Dated | None = None  # per_household: each further person
    base: Dated | None = None  # household_scale

    def at(self, facts: Facts, today: date) -> tuple[float | None, frozenset[str]]:
        if self.kind == "fixed" and self.value is not None:
            return float(self.value.at(today)), frozenset()
        if self.kind == "household_scale" and self.base is not None:
            scale = facts.scale()
            return (None, scale.missing) if not scale.known else (self.base.at(today) * scale.value, frozenset())
        size = facts.get("household_size")
        if not size.known or self.values is None:
            return None, size.missing
        values = self.values.at(today)
        if size.value <= len(values):
            return float(values[size.value - 1]), frozenset()
        extra = self.extra.at(today) if self.extra else 0
        return float(values[-1] + (size.value - len(values)) * extra), frozenset()

    def dated_values(self) -> tuple[Dated, ...]:
        return tuple(d for d in (self.value, self.values, self.extra, self.base) if d is not None)


def parse_ceiling(raw: Any, path: str, parser: ConditionParser) -> Ceiling | None:
    if not isinstance(raw, dict) or raw.get("kind") not in CEILING_KINDS:
        parser.report(f"{path}.kind", f"a ceiling needs a kind among {', '.join(CEILING_KINDS)}")
        return None
    kind = str(raw["kind"])
    parser.allowed(raw, path, CEILING_FIELDS[kind] | {"kind"})

    def dated(name: str, check: Any = is_number, default: Any = None) -> Dated | None:
        return parse_dated(raw.get(name, default), check, lambda sub, msg: parser.report(f"{path}.{name}{sub}", msg),
                           parser.parameters)

    if kind == "fixed":
        value = dated("value")
        return Ceiling(kind, value=value) if value else None
    if kind == "household_scale":
        base = dated("base")
        return Ceiling(kind, base=base) if base else None
    values, extra = dated("values", is_number_list), dated("extra", default=0)
    return Ceiling(kind, values=values, extra=extra) if values and extra else None


@dataclass(frozen=True)
class Resources(Condition):
    name = "resources"
    fields = frozenset({"ceiling", "period", "margin"})
    ceiling: Ceiling
    period: str = "month"
    margin: float = 0.1

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        period = raw.get("period", "month")
        if period not in ("month", "year"):
            parser.report(f"{path}.period", f"must be month or year, got {period!r}")
            period = "month"
        margin = raw.get("margin", 0.1)
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
            parser.report(f"{path}.margin", f"must be a fraction like 0.1, got {margin!r}")
            margin = 0.1
        ceiling = parse_ceiling(raw.get("ceiling"), f"{path}.ceiling", parser)
        if ceiling is None:
            return None
        return cls(ceiling, str(period), float(margin))

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        limit, limit_missing = self.ceiling.at(facts, today)
        resources = facts.get("resources")
        factor = 12 if self.period == "year" else 1
        params: dict[str, Any] = dict(period=self.period, ceiling=limit)
        missing = resources.missing | limit_missing
        if missing or limit is None:
            return leaf(self.name, UNKNOWN, missing, **params)
        value = resources.value * factor
        ok = value <= limit
        near = ok and value >= limit * (1 - self.margin)
        return leaf(self.name, status_of(ok), value=value, near=near, **params)

    @classmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        p = reason.params
        if p.get("ceiling") is None:
            return t._("Vos ressources doivent être sous un plafond.")
        if p.get("period") == "year":
            rule = t._("Le plafond pour votre foyer est de {ceiling} par an.").format(ceiling=money(p["ceiling"], t))
            fact = t._("Vos ressources : {value} par an.") if "value" in p else ""
        else:
            rule = t._("Le plafond pour votre foyer est de {ceiling} par mois.").format(
                ceiling=money(p["ceiling"], t))
            fact = t._("Vos ressources : {value} par mois.") if "value" in p else ""
        text = (fact.format(value=money(p["value"], t)) + " " + rule).strip() if fact else rule
        if p.get("near"):
            text += " " + t._("Vous êtes proche du plafond : faites vérifier votre situation.")
        return text

    def dated_values(self) -> tuple[Dated, ...]:
        return self.ceiling.dated_values()

    def keys(self) -> frozenset[str]:
        return frozenset({"resources", "household_size"})
