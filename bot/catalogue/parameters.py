"""Parameters of the law (knowledge/parameters/<file>.yaml): every amount, rate and ceiling, with its unit,
its source and its dated values, referenced by path ("rsa.montant_forfaitaire") from formulas and aids.

Each April is one edit in one place: add the new dated value beside the old one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bot.catalogue.dated import Dated
from bot.catalogue.errors import Problems
from bot.catalogue.yamlfile import read_yaml

UNITS = ("EUR", "EUR/month", "EUR/year", "rate", "count", "years", "hours", "SMIC hours", "EUR/quarter")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FIELDS = {"description", "unit", "source", "values", "verified", "note"}


@dataclass(frozen=True)
class Parameter:
    path: str
    unit: str
    source: str
    values: Dated
    description: str = ""
    verified: bool = True
    note: str = ""


@dataclass(frozen=True)
class Parameters:
    by_path: Mapping[str, Parameter] = field(default_factory=dict)

    def __call__(self, path: str, day: date) -> Any:
        """The value in force on `day`; a formula asking for an unknown path is a bug, hence KeyError."""
        return self.by_path[path].values.at(day)

    def unverified(self, paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in paths if p in self.by_path and not self.by_path[p].verified)


def _numbers(value: Any) -> str | None:
    """A number or a non-empty list of numbers; a rate may be negative (a scale that decreases)."""
    items = value if isinstance(value, list) else [value]
    if not items or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in items):
        return f"must be a number or a list of numbers, got {value!r}"
    return None


def parse_parameter(path: str, raw: Any, report: Callable[[str, str], None]) -> Parameter | None:
    if not isinstance(raw, dict):
        report("", "a parameter is a mapping with unit, source and values")
        return None
    for name in sorted(set(raw) - FIELDS):
        report(name, "unknown field")
    unit = raw.get("unit")
    if unit not in UNITS:
        report("unit", f"must be one of {', '.join(UNITS)}, got {unit!r}")
    source = raw.get("source")
    if not isinstance(source, str) or not source.startswith("https://"):
        report("source", "say where the figure comes from (an https:// address of an official text)")
    verified = raw.get("verified", True)
    if not isinstance(verified, bool):
        report("verified", "must be true or false")
        verified = False
    note = str(raw.get("note") or "").strip()
    if verified is False and not note:
        report("note", "say what could not be verified (verified is false)")
    values_raw = raw.get("values")
    if not isinstance(values_raw, dict) or not values_raw:
        report("values", "dated values, like {2025-04-01: 646.52, 2026-04-01: 651.69}")
        return None
    entries = []
    for day, value in values_raw.items():
        if not isinstance(day, date):
            report(f"values.{day}", "needs a date like 2026-04-01")
            return None
        problem = _numbers(value)
        if problem:
            report(f"values.{day}", problem)
            return None
        entries.append((day, value))
    entries.sort(key=lambda entry: entry[0])
    return Parameter(path, str(unit), str(source or ""), Dated(tuple(entries)), str(raw.get("description") or ""),
                     verified, note)


def load_parameters(root: Path, problems: Problems) -> Parameters:
    found: dict[str, Parameter] = {}
    for file in sorted(root.glob("*.yaml")):
        rel = f"parameters/{file.name}"
        _, raw = read_yaml(file, rel, problems)
        if not isinstance(raw, dict):
            problems.error(rel, "", "", "a parameters file holds a mapping of names to parameters")
            continue
        for name, spec in raw.items():
            if not isinstance(name, str) or not NAME.match(name):
                problems.error(rel, str(name), "", "a parameter name is lower-case letters, digits and _")
                continue
            path = f"{file.stem}.{name}"
            def report(fld: str, msg: str, rel: str = rel, name: str = name) -> None:
                problems.error(rel, name, fld, msg)

            parameter = parse_parameter(path, spec, report)
            if parameter is not None:
                found[path] = parameter
    return Parameters(found)
