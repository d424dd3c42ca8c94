"""What the conditions on one figure between a dated min and max share (`age`, `quotient_familial`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated


@dataclass(frozen=True)
class Bounded(Condition):
    fields: ClassVar[frozenset[str]] = frozenset({"min", "max"})
    needs_bounds: ClassVar[str]  # the problem reported when neither bound is written
    min: Dated | None = None
    max: Dated | None = None

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        low, high = parser.number(raw, "min", path), parser.number(raw, "max", path)
        if low is None and high is None:
            parser.report(path, cls.needs_bounds)
            return None
        return cls(low, high)

    def bounds(self, today: date) -> tuple[float | None, float | None]:
        """The min and max in force today (None where the condition has none)."""
        return (self.min.at(today) if self.min else None), (self.max.at(today) if self.max else None)

    def dated_values(self) -> tuple[Dated, ...]:
        return tuple(d for d in (self.min, self.max) if d is not None)
