"""Parse and validate the declarative condition language of knowledge/ (see knowledge/README.md).

Conditions are data: a small closed set of types, each checked field by field here and
evaluated by a table of functions in bot/rules. Nothing is ever evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.catalogue.dated import Dated, is_number, is_number_list, parse_dated
from bot.catalogue.profile import ProfileSchema

OPERATORS = ("<", "<=", ">", ">=", "==", "!=")
CEILING_KINDS = ("fixed", "per_household", "household_scale")


@dataclass(frozen=True)
class Ceiling:
    kind: str
    value: Dated | None = None  # fixed
    values: Dated | None = None  # per_household: sizes 1, 2, 3, 4…
    extra: Dated | None = None  # per_household: each further person
    base: Dated | None = None  # household_scale


@dataclass(frozen=True)
class Condition:
    type: str
    key: str = ""
    op: str = ""
    value: Any = None  # Dated for numbers, bool for "is"
    values: tuple[str, ...] = ()
    min: Dated | None = None
    max: Dated | None = None
    age_min: int | None = None
    age_max: int | None = None
    ceiling: Ceiling | None = None
    period: str = "month"
    margin: float = 0.1
    children: tuple[Condition, ...] = field(default=())


class ConditionParser:
    """Turns raw YAML into Condition trees, reporting every problem with its path."""

    def __init__(self, schema: ProfileSchema, report):
        self.schema = schema
        self.report = report  # report(field_path, message)

    def parse_list(self, raw: Any, path: str) -> tuple[Condition, ...]:
        if not isinstance(raw, list):
            self.report(path, "must be a list of conditions")
            return ()
        parsed = [self.parse(item, f"{path}[{i}]") for i, item in enumerate(raw)]
        return tuple(c for c in parsed if c is not None)

    def parse(self, raw: Any, path: str) -> Condition | None:
        if not isinstance(raw, dict):
            self.report(path, f"a condition must be a mapping with a type, got {raw!r}")
            return None
        kind = raw.get("type")
        handler = getattr(self, f"_parse_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            known = ", ".join(sorted(n[7:] for n in dir(self) if n.startswith("_parse_")))
            self.report(f"{path}.type", f"unknown condition type {kind!r} (known: {known})")
            return None
        return handler(raw, path)

    # -- helpers --------------------------------------------------------------

    def _allowed(self, raw: dict, path: str, allowed: set[str]) -> bool:
        extra = set(raw) - allowed - {"type"}
        for name in sorted(extra):
            self.report(f"{path}.{name}", "unknown field for this condition type")
        return not extra

    def _number(self, raw: dict, name: str, path: str) -> Dated | None:
        if name not in raw:
            return None
        return parse_dated(raw[name], is_number, lambda sub, msg: self.report(f"{path}.{name}{sub}", msg))

    def _key(self, raw: dict, path: str, expected: tuple[str, ...]) -> str:
        key = raw.get("key")
        kind = self.schema.type_of(key) if isinstance(key, str) else None
        if kind is None:
            self.report(f"{path}.key", f"unknown profile key {key!r}")
            return ""
        if kind not in expected:
            self.report(f"{path}.key", f"{key!r} is a {kind}; this condition needs a {' or '.join(expected)}")
            return ""
        return key

    # -- one method per condition type ----------------------------------------

    def _parse_age(self, raw, path):
        self._allowed(raw, path, {"min", "max"})
        low, high = self._number(raw, "min", path), self._number(raw, "max", path)
        if low is None and high is None:
            self.report(path, "an age condition needs min, max or both")
            return None
        return Condition("age", key="age", min=low, max=high)

    def _parse_compare(self, raw, path):
        self._allowed(raw, path, {"key", "op", "value"})
        key = self._key(raw, path, ("integer", "number", "money"))
        op = raw.get("op")
        if op not in OPERATORS:
            self.report(f"{path}.op", f"must be one of {' '.join(OPERATORS)}, got {op!r}")
            return None
        value = self._number(raw, "value", path)
        if value is None:
            self.report(f"{path}.value", "is missing")
        if not key or value is None:
            return None
        return Condition("compare", key=key, op=op, value=value)

    def _parse_in(self, raw, path):
        self._allowed(raw, path, {"key", "values"})
        key = self._key(raw, path, ("choice", "text"))
        values = raw.get("values")
        if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
            self.report(f"{path}.values", "must be a non-empty list of text values")
            return None
        if key and self.schema.type_of(key) == "choice":
            allowed = self.schema.keys[key].values
            for value in values:
                if value not in allowed:
                    self.report(f"{path}.values", f"{value!r} is not a value of {key} ({', '.join(allowed)})")
        return Condition("in", key=key, values=tuple(values)) if key else None

    def _parse_is(self, raw, path):
        self._allowed(raw, path, {"key", "value"})
        key = self._key(raw, path, ("boolean",))
        value = raw.get("value", True)
        if not isinstance(value, bool):
            self.report(f"{path}.value", f"must be true or false, got {value!r}")
            return None
        return Condition("is", key=key, value=value) if key else None

    def _parse_children(self, raw, path):
        self._allowed(raw, path, {"min", "max", "age_min", "age_max"})
        for name in ("age_min", "age_max"):
            if name in raw and (isinstance(raw[name], bool) or not isinstance(raw[name], int)):
                self.report(f"{path}.{name}", "must be a whole number of years")
                return None
        low, high = self._number(raw, "min", path), self._number(raw, "max", path)
        if low is None and high is None:
            low = Dated.constant(1)
        return Condition("children", key="children_ages", min=low, max=high,
                         age_min=raw.get("age_min"), age_max=raw.get("age_max"))

    def _parse_resources(self, raw, path):
        self._allowed(raw, path, {"ceiling", "period", "margin"})
        period = raw.get("period", "month")
        if period not in ("month", "year"):
            self.report(f"{path}.period", f"must be month or year, got {period!r}")
        margin = raw.get("margin", 0.1)
        if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 <= margin < 1:
            self.report(f"{path}.margin", f"must be a fraction like 0.1, got {margin!r}")
            margin = 0.1
        ceiling = self._ceiling(raw.get("ceiling"), f"{path}.ceiling")
        if ceiling is None:
            return None
        return Condition("resources", key="resources", ceiling=ceiling, period=period, margin=float(margin))

    def _ceiling(self, raw, path) -> Ceiling | None:
        if not isinstance(raw, dict) or raw.get("kind") not in CEILING_KINDS:
            self.report(f"{path}.kind", f"a ceiling needs a kind among {', '.join(CEILING_KINDS)}")
            return None
        kind = raw["kind"]
        allowed = {"fixed": {"value"}, "per_household": {"values", "extra"}, "household_scale": {"base"}}[kind]
        self._allowed(raw, path, allowed | {"kind"})
        report = lambda name: lambda sub, msg: self.report(f"{path}.{name}{sub}", msg)  # noqa: E731
        if kind == "fixed":
            value = parse_dated(raw.get("value"), is_number, report("value"))
            return Ceiling(kind, value=value) if value else None
        if kind == "household_scale":
            base = parse_dated(raw.get("base"), is_number, report("base"))
            return Ceiling(kind, base=base) if base else None
        values = parse_dated(raw.get("values"), is_number_list, report("values"))
        extra = parse_dated(raw.get("extra", 0), is_number, report("extra"))
        return Ceiling(kind, values=values, extra=extra) if values and extra else None

    def _parse_quotient_familial(self, raw, path):
        self._allowed(raw, path, {"min", "max"})
        low, high = self._number(raw, "min", path), self._number(raw, "max", path)
        if low is None and high is None:
            self.report(path, "a quotient_familial condition needs min, max or both")
            return None
        return Condition("quotient_familial", key="qf_estimate", min=low, max=high)

    def _parse_all(self, raw, path):
        self._allowed(raw, path, {"conditions"})
        return Condition("all", children=self.parse_list(raw.get("conditions"), f"{path}.conditions"))

    def _parse_any(self, raw, path):
        self._allowed(raw, path, {"conditions"})
        children = self.parse_list(raw.get("conditions"), f"{path}.conditions")
        if not children:
            self.report(f"{path}.conditions", "an any condition needs at least one condition")
        return Condition("any", children=children)

    def _parse_not(self, raw, path):
        self._allowed(raw, path, {"condition"})
        inner = self.parse(raw.get("condition"), f"{path}.condition")
        return Condition("not", children=(inner,)) if inner else None


def walk(conditions: tuple[Condition, ...]):
    for condition in conditions:
        yield condition
        yield from walk(condition.children)
