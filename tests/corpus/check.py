"""Check the corpora of tests/corpus/ against their format (tests/corpus/README.md).

Run: .venv/bin/python tests/corpus/check.py   (prints the counts; exits 1 with one line per problem).
It checks the data only (keys, question ids, values of knowledge/, numbers of the emergency cards),
not what the engine understands: that is tests/test_corpus.py.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
KNOWLEDGE = HERE.parent.parent / "knowledge"
LANGUAGES = ("fr", "en", "ar", "es", "uk", "ro", "fa", "ps")
# Profile keys an answer may set besides the question's own, and the pseudo-key of a skipped question.
EXTRA_KEYS = {"skip", "quartier", "commune"}


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Knowledge:
    def __init__(self) -> None:
        self.questions = {q["id"]: q for q in _load(KNOWLEDGE / "questions.yaml")}
        self.profile = {k: v for k, v in _load(KNOWLEDGE / "profile.yaml").items() if k != "derived"}
        self.cards = {card["id"]: {n["number"] for n in card["numbers"]} for card in _load(KNOWLEDGE / "emergencies.yaml")}
        gazetteer = KNOWLEDGE / "gazetteer"
        self.quartiers = {entry["name"] for entry in _load(gazetteer / "quartiers.yaml")}
        self.communes = {str(entry["insee"]) for entry in _load(gazetteer / "communes.yaml")}


def _check_value(key: str, value: Any, known: Knowledge) -> str | None:
    if key == "skip":
        return None if value is True else "skip must be true"
    if key == "quartier":
        return None if value in known.quartiers else f"unknown quartier {value!r}"
    if key == "commune":
        return None if isinstance(value, str) and value in known.communes else f"unknown INSEE code {value!r}"
    spec = known.profile.get(key)
    if spec is None:
        return f"unknown profile key {key!r}"
    kind = spec["type"]
    if kind == "boolean" and not isinstance(value, bool):
        return f"{key} must be true or false"
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return f"{key} must be an integer"
    if kind == "money" and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
        return f"{key} must be an amount in euros"
    if kind == "choice" and value not in spec["values"]:
        return f"{key}: {value!r} is not one of {spec['values']}"
    if kind == "ages" and not (isinstance(value, list) and all(isinstance(a, int) and 0 <= a < 30 for a in value)):
        return f"{key} must be a list of ages"
    return None


def _check_answer(entry: Any, known: Knowledge) -> list[str]:
    if not isinstance(entry, dict):
        return ["not a mapping"]
    problems = [f"unknown field {field!r}" for field in entry if field not in {"q", "text", "expect", "not", "note"}]
    if entry.get("q") not in known.questions:
        problems.append(f"unknown question {entry.get('q')!r}")
    if not isinstance(entry.get("text"), str) or not entry["text"].strip():
        problems.append("text must be a non-empty string")
    expect = entry.get("expect")
    if isinstance(expect, dict) and expect:
        problems += [p for key, value in expect.items() if (p := _check_value(key, value, known))]
    elif expect not in ("unclear", "confirm"):
        problems.append("expect must be a mapping, 'unclear' or 'confirm'")
    forbidden = entry.get("not", {})
    if not isinstance(forbidden, dict):
        problems.append("not must be a mapping")
    else:
        problems += [p for key, value in forbidden.items() if (p := _check_value(key, value, known))]
        if isinstance(expect, dict):
            problems += [f"not contradicts expect on {k}" for k, v in forbidden.items() if expect.get(k) == v]
    return problems


def _check_emergency(entry: Any, known: Knowledge, negative: bool) -> list[str]:
    if not isinstance(entry, dict):
        return ["not a mapping"]
    allowed = {"lang", "text", "q", "note"} | (set() if negative else {"expect", "numbers"})
    problems = [f"unknown field {field!r}" for field in entry if field not in allowed]
    if entry.get("lang") not in LANGUAGES:
        problems.append(f"unknown language {entry.get('lang')!r}")
    if not isinstance(entry.get("text"), str) or not entry["text"].strip():
        problems.append("text must be a non-empty string")
    if "q" in entry and entry["q"] not in known.questions:
        problems.append(f"unknown question {entry['q']!r}")
    if negative:
        return problems
    expected = entry.get("expect")
    ids = expected if isinstance(expected, list) else [expected]
    unknown = [i for i in ids if i not in known.cards]
    if unknown or not ids:
        return problems + [f"unknown emergency id {unknown or expected!r}"]
    numbers = entry.get("numbers", [])
    shown = set().union(*(known.cards[i] for i in ids))
    if not isinstance(numbers, list) or any(not isinstance(n, str) for n in numbers):
        problems.append("numbers must be a list of strings")
    else:
        problems += [f"number {n} is on none of the cards {ids}" for n in numbers if n not in shown]
    return problems


def validate() -> tuple[list[str], Counter[str]]:
    """Every problem as 'file: entry N: message', and the number of entries per file (and language)."""
    known = Knowledge()
    problems: list[str] = []
    counts: Counter[str] = Counter()
    files = [(HERE / "answers" / f"{lang}.yaml", "answer") for lang in LANGUAGES]
    files += [(HERE / "emergencies.yaml", "emergency"), (HERE / "not_emergencies.yaml", "not_emergency")]
    for path, kind in files:
        name = path.relative_to(HERE).as_posix()
        if not path.exists():
            problems.append(f"{name}: missing")
            continue
        entries = _load(path)
        if not isinstance(entries, list):
            problems.append(f"{name}: not a list")
            continue
        seen: set[tuple[Any, ...]] = set()
        for number, entry in enumerate(entries, 1):
            if kind == "answer":
                found = _check_answer(entry, known)
                key: tuple[Any, ...] = (entry.get("q"), entry.get("text")) if isinstance(entry, dict) else ()
            else:
                found = _check_emergency(entry, known, negative=kind == "not_emergency")
                key = (entry.get("lang"), entry.get("q"), entry.get("text")) if isinstance(entry, dict) else ()
                if not found:
                    counts[f"{name} [{entry['lang']}]"] += 1
            if key in seen:
                found.append("duplicate of an earlier entry")
            seen.add(key)
            problems += [f"{name}: entry {number} ({entry.get('text', '')!r}): {p}" for p in found if isinstance(entry, dict)]
        counts[name] = len(entries)
    return problems, counts


def main() -> int:
    problems, counts = validate()
    for name, count in sorted(counts.items()):
        print(f"{count:6d}  {name}")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
