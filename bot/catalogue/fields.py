"""One field validator for every file of knowledge/: typed reads that record a problem naming the
file, the entry and the field, and go on, so that a check shows every mistake at once.

Also the shapes every file shares: ids, postcodes, INSEE codes, phones, sources, dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.catalogue.errors import Problems

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ID_HINT = "lower case letters, digits and _"
POSTCODE_PATTERN = re.compile(r"^\d{5}$")
INSEE_PATTERN = re.compile(r"^(\d{2}|2A|2B)\d{3}$")
INSEE_HINT = "the 5-character INSEE code, in quotes"
# French numbers as people dial them: "02 40 99 27 00", short numbers "115", "32 30", "+33 2 …".
PHONE_PATTERN = re.compile(r"^\+?\d[\d ]*\d$|^\d$")
# Telegram deep-link payloads: A-Z a-z 0-9 _ - and at most 64 characters.
DEEP_LINK_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
URL_PATTERN = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Source:
    """Where a fact was read: an address, the day it was read, and what it says."""

    url: str
    date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Bounds:
    """The territory's box: a point outside it is a typo (swapped lat/lon, lost minus sign)."""

    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def type_name(value: Any) -> str:
    """The kind of a YAML value in plain words, for messages."""
    if value is None:
        return "nothing"
    names: dict[type, str] = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
                              dict: "a mapping", date: "a date", datetime: "a date and time"}
    return names.get(type(value), type(value).__name__)


def as_date(value: Any, report: Callable[[str], None]) -> date | None:
    if isinstance(value, datetime):
        report("must be a date (YYYY-MM-DD), without a time")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    report(f"must be a date written YYYY-MM-DD, not {value!r}")
    return None


def entry_name(item: Any, index: int, key: str = "name") -> str:
    """How to name an entry of a list in a message: its name or id, else its position."""
    if isinstance(item, dict) and isinstance(item.get(key), str):
        return str(item[key])
    return f"#{index + 1}"


class Fields:
    """Reads typed fields from one mapping and records a problem for each wrong one."""

    def __init__(self, data: Mapping[str, Any], problems: Problems, file: str, entry: str):
        self.data, self.problems, self.file, self.entry = data, problems, file, entry
        self.ok = True

    def error(self, field: str, message: str) -> None:
        self.ok = False
        self.problems.error(self.file, self.entry, field, message)

    def warning(self, field: str, message: str) -> None:
        self.problems.warning(self.file, self.entry, field, message)

    def only(self, allowed: frozenset[str] | set[str] | tuple[str, ...]) -> None:
        """Every key is a known field: a typo would otherwise be silently ignored."""
        for key in self.data:
            if key not in allowed:
                self.error(str(key), "unknown field (a typo?)")

    def present(self, field: str, required: bool) -> bool:
        if field not in self.data or self.data[field] is None:
            if required:
                self.error(field, "is required")
            return False
        return True

    def text(self, field: str, required: bool = False, pattern: re.Pattern[str] | None = None,
             hint: str = "") -> str | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(field, f"must be text, not {type_name(value)}")
            return None
        if not isinstance(value, str):
            # "44000" written without quotes is read as a number: say how to fix it.
            self.error(field, f"must be text: write it in quotes, \"{value}\"")
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(field, "is empty")
            return None
        if pattern and not pattern.match(value):
            self.error(field, f"{value!r} is not valid{': ' + hint if hint else ''}")
            return None
        return value

    def identifier(self, field: str, required: bool = False, hint: str = ID_HINT) -> str | None:
        return self.text(field, required, ID_PATTERN, hint)

    def number(self, field: str, low: float, high: float, required: bool = False, what: str = "") -> float | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(field, f"must be a number, not {type_name(value)}")
            return None
        if not low <= value <= high:
            self.error(field, f"{value} is outside {what or 'the allowed range'} ({low} to {high})")
            return None
        return float(value)

    def point(self, bounds: Bounds, required: bool = True) -> tuple[float, float] | None:
        """lat and lon, inside the territory's box."""
        lat = self.number("lat", bounds.south, bounds.north, required, "the territory; lat and lon swapped?")
        lon = self.number("lon", bounds.west, bounds.east, required, "the territory; lat and lon swapped?")
        return (lat, lon) if lat is not None and lon is not None else None

    def boolean(self, field: str, required: bool = False) -> bool | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if not isinstance(value, bool):
            self.error(field, f"must be true or false, not {value!r}")
            return None
        return value

    def day(self, field: str, required: bool = False) -> date | None:
        if not self.present(field, required):
            return None
        return as_date(self.data[field], lambda message: self.error(field, message))

    def texts(self, field: str, vocabulary: frozenset[str] | None = None, what: str = "",
              pattern: re.Pattern[str] | None = None, hint: str = "") -> tuple[str, ...]:
        if not self.present(field, False):
            return ()
        value = self.data[field]
        if isinstance(value, str):
            value = [value]  # a single value written without brackets is a common, harmless slip
        if not isinstance(value, list):
            self.error(field, f"must be a list, not {type_name(value)}")
            return ()
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.error(f"{field}[{index}]", f"must be text, not {type_name(item)}")
            elif vocabulary is not None and item not in vocabulary:
                self.error(f"{field}[{index}]", f"unknown {what or field} slug {item!r}")
            elif pattern is not None and not pattern.match(item.strip()):
                self.error(f"{field}[{index}]", f"{item!r} is not valid{': ' + hint if hint else ''}")
            else:
                out.append(item.strip())
        return tuple(out)

    def sources(self, required: bool = True, dated: bool = False) -> tuple[Source, ...]:
        """A non-empty list of {url, date, note}; `dated` when every source must say when it was read."""
        if not self.present("sources", required):
            return ()
        raw = self.data["sources"]
        if not isinstance(raw, list) or not raw:
            self.error("sources", "must be a non-empty list of {url, date, note}")
            return ()
        out = []
        for index, item in enumerate(raw):
            where = f"sources[{index}]"
            if not isinstance(item, dict):
                self.error(where, "must be a mapping {url, date, note}")
                continue
            unknown = set(item) - {"url", "date", "note"}
            if unknown:
                self.error(where, f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
            url = item.get("url")
            if not isinstance(url, str) or not URL_PATTERN.match(url.strip()):
                self.error(f"{where}.url", f"must be an http(s) address, not {url!r}")
                continue
            when = None
            if item.get("date") is not None:
                def report(message: str, field: str = f"{where}.date") -> None:
                    self.error(field, message)
                when = as_date(item["date"], report)
            elif dated:
                self.error(f"{where}.date", "is required: the day the source was read")
            note = item.get("note", "")
            if not isinstance(note, str):
                self.error(f"{where}.note", "must be text")
                note = ""
            out.append(Source(url.strip(), when, note.strip()))
        return tuple(out)
