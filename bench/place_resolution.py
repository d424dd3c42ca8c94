"""Benchmark: resolving a typed place, over the full street list; and loading the catalogue.

    .venv/bin/python bench/place_resolution.py [--repeat 3]

Prints one JSON line:

* load_ms: `load_catalogue()` in this fresh process (every file of knowledge/ read and validated,
  with the 3 191 streets of 2022 and the 790 points of 2016), then index_ms: the gazetteer's search
  index built on the first search (both together are what the gazetteer adds to start-up);
* exact_*: `locate(street)` for every street of knowledge/gazetteer/nantes_streets.csv as written;
* folded_*: the same in lower case without accents, after "j'habite ";
* typo_*: one letter dropped from the longest word (8 letters or more), the slow path (fuzzy);
* bare_*: the street without its kind of way ("Herses" for "Rue des Herses").

Each figure is a median (and p95) over all streets, of the best of `repeat` passes, in milliseconds.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _unaccented(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")


def _typo(name: str) -> str | None:
    words = name.split()
    longest = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[longest]
    if len(word) < 8:
        return None
    words[longest] = word[:len(word) // 2] + word[len(word) // 2 + 1:]
    return " ".join(words)


def _bare(name: str) -> str | None:
    parts = name.split(" ", 1)
    return parts[1] if len(parts) == 2 else None


def _timings(queries: list[str], gazetteer, repeat: int) -> list[float]:
    from bot.places.search import locate

    best = [float("inf")] * len(queries)
    for _ in range(repeat):
        for index, query in enumerate(queries):
            started = time.perf_counter()
            locate(query, gazetteer)
            best[index] = min(best[index], time.perf_counter() - started)
    return [seconds * 1000 for seconds in best]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    from bot.catalogue import load_catalogue

    catalogue = load_catalogue()
    load_ms = (time.perf_counter() - started) * 1000
    from bot.places.search import locate

    started = time.perf_counter()
    locate("Bellevue", catalogue.gazetteer)
    index_ms = (time.perf_counter() - started) * 1000

    with (ROOT / "knowledge" / "gazetteer" / "nantes_streets.csv").open(encoding="utf-8") as handle:
        streets = [row["voie"] for row in csv.DictReader(handle)]
    sets = {
        "exact": streets,
        "folded": ["j'habite " + _unaccented(s) for s in streets],
        "typo": [t for t in map(_typo, streets) if t],
        "bare": [b for b in map(_bare, streets) if b],
    }
    out: dict[str, float | int] = {"streets": len(streets), "load_ms": round(load_ms, 1),
                                   "index_ms": round(index_ms, 1)}
    for name, queries in sets.items():
        times = sorted(_timings(queries, catalogue.gazetteer, args.repeat))
        out[f"{name}_median_ms"] = round(statistics.median(times), 4)
        out[f"{name}_p95_ms"] = round(times[int(0.95 * (len(times) - 1))], 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
