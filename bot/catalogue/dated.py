"""Values that change over time: amounts and ceilings are revised every year (often in April)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Dated:
    """A value, or a list of values each valid from a date; `at(day)` picks the one in force."""

    entries: tuple[tuple[date | None, Any], ...]

    @classmethod
    def constant(cls, value: Any) -> Dated:
        return cls(((None, value),))

    def at(self, day: date) -> Any:
        chosen = None
        for valid_from, value in self.entries:
            if valid_from is None or valid_from <= day:
                chosen = value
        return chosen

    @property
    def newest_date(self) -> date | None:
        dates = [d for d, _ in self.entries if d is not None]
        return max(dates) if dates else None

    @property
    def oldest_date(self) -> date | None:
        dates = [d for d, _ in self.entries if d is not None]
        return min(dates) if dates else None


def parse_dated(raw: Any, check_value: Callable[[Any], str | None], report: Callable[[str, str], None],
                parameters: Any = None) -> Dated | None:
    """Parse a plain value, [{valid_from, value}, …], or {parameter: "rsa.montant_forfaitaire"}: a figure of
    knowledge/parameters/, so that it is written once. `check_value(v)` returns an error text or None."""
    if isinstance(raw, dict) and set(raw) == {"parameter"}:
        found = getattr(parameters, "by_path", {}).get(raw["parameter"]) if isinstance(raw["parameter"], str) else None
        if found is None:
            report(".parameter", f"no parameter {raw['parameter']!r} in knowledge/parameters/")
            return None
        values: Dated = found.values
        return values
    if isinstance(raw, list) and raw and all(isinstance(item, dict) for item in raw):
        entries = []
        for index, item in enumerate(raw):
            valid_from = item.get("valid_from")
            if not isinstance(valid_from, date):
                report(f"[{index}].valid_from", "needs a date like 2026-04-01")
                return None
            if "value" not in item:
                report(f"[{index}].value", "is missing")
                return None
            problem = check_value(item["value"])
            if problem:
                report(f"[{index}].value", problem)
                return None
            entries.append((valid_from, item["value"]))
        entries.sort(key=lambda entry: entry[0])
        return Dated(tuple(entries))
    problem = check_value(raw)
    if problem:
        report("", problem)
        return None
    return Dated.constant(raw)


def is_number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"must be a number, got {value!r}"
    if value < 0:
        return f"must not be negative, got {value!r}"
    return None


def is_number_list(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return f"must be a list of numbers, got {value!r}"
    for item in value:
        problem = is_number(item)
        if problem:
            return problem
    return None
