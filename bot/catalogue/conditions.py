"""The declarative condition language of knowledge/ (see knowledge/README.md): parsing and validation.

Conditions are data: a closed set of types, each one class (parse, evaluate, explain, dated values,
keys used) in its own file under bot/rules/conditions/. This module holds what every type shares:
the base class and the parser that reports every problem with its path. Nothing is evaluated as code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from bot.catalogue.dated import Dated, is_number, parse_dated
from bot.catalogue.profile import ProfileSchema

if TYPE_CHECKING:
    from bot.i18n import Translator
    from bot.rules.facts import Facts
    from bot.rules.status import Outcome, Reason
    from bot.rules.words import Vocabulary

Report = Callable[[str, str], None]


class Condition(ABC):
    """One condition type. Subclasses are frozen dataclasses; `name` is the `type:` written in YAML."""

    name: ClassVar[str]
    fields: ClassVar[frozenset[str]] = frozenset()  # the YAML fields it accepts besides `type`

    @classmethod
    @abstractmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        """Build the condition from its YAML mapping, reporting problems through `parser.report`."""

    @abstractmethod
    def evaluate(self, facts: Facts, today: date) -> Outcome:
        """Eligible, not eligible or unknown, with reasons whose code is this type's name."""

    @classmethod
    @abstractmethod
    def explain(cls, reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
        """One or two short sentences a person can read, for a reason this type produced."""

    def dated_values(self) -> tuple[Dated, ...]:
        """Every dated figure, so that `aiguillage check` can warn when one is stale."""
        return ()

    def keys(self) -> frozenset[str]:
        """The profile (or derived) keys this condition reads, itself and not its children."""
        return frozenset()

    @property
    def children(self) -> tuple[Condition, ...]:
        return ()


def condition_types() -> Mapping[str, type[Condition]]:
    # Imported here, not at the top: bot.rules builds on the catalogue, the catalogue only needs the table.
    from bot.rules.conditions import TYPES

    return TYPES


class ConditionParser:
    """Turns raw YAML into Condition trees, reporting every problem with its path."""

    def __init__(self, schema: ProfileSchema, report: Report, parameters: Any = None):
        self.schema = schema
        self.report = report  # report(field_path, message)
        self.parameters = parameters  # knowledge/parameters/, for values written {parameter: path}

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
        types = condition_types()
        kind = raw.get("type")
        cls = types.get(kind) if isinstance(kind, str) else None
        if cls is None:
            self.report(f"{path}.type", f"unknown condition type {kind!r} (known: {', '.join(sorted(types))})")
            return None
        self.allowed(raw, path, cls.fields)
        return cls.parse(raw, path, self)

    # -- helpers shared by the types --------------------------------------------

    def allowed(self, raw: Mapping[str, Any], path: str, allowed: frozenset[str] | set[str]) -> bool:
        extra = set(raw) - set(allowed) - {"type"}
        for name in sorted(extra):
            self.report(f"{path}.{name}", "unknown field for this condition type")
        return not extra

    def number(self, raw: Mapping[str, Any], name: str, path: str) -> Dated | None:
        if name not in raw:
            return None
        return parse_dated(raw[name], is_number, lambda sub, msg: self.report(f"{path}.{name}{sub}", msg),
                           self.parameters)

    def key(self, raw: Mapping[str, Any], path: str, expected: tuple[str, ...]) -> str:
        key = raw.get("key")
        kind = self.schema.type_of(key) if isinstance(key, str) else None
        if kind is None:
            self.report(f"{path}.key", f"unknown profile key {key!r}")
            return ""
        if kind not in expected:
            self.report(f"{path}.key", f"{key!r} is a {kind}; this condition needs a {' or '.join(expected)}")
            return ""
        return str(key)

    def whole(self, raw: Mapping[str, Any], name: str, path: str) -> tuple[bool, int | None]:
        """An optional whole number (ages in years): (ok, value)."""
        if name not in raw:
            return True, None
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.report(f"{path}.{name}", "must be a whole number of years")
            return False, None
        return True, value


def walk(conditions: tuple[Condition, ...]) -> Iterator[Condition]:
    for condition in conditions:
        yield condition
        yield from walk(condition.children)
