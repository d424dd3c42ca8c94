"""Benchmark: understanding one message (issue 15's target: under 0.3 ms median), beside the engine turn.

Run on purpose:  .venv/bin/python bench/understanding.py [--repeat 5]
Prints one JSON line. "understand" is what the engine does with a typed answer before it decides
anything: emergency detection, then the open question's reader and the answers to other questions
(Understanding.emergencies + Understanding.answer). Messages: the answer corpus of tests/corpus/
when present (every language), else a built-in sample. "turn" is the whole engine turn on the same
messages (understanding + state + question selection + screening when an answer settles aids).
Not a test: the machine's noise makes timings unfit for assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalogue import load_catalogue  # noqa: E402
from bot.dialog.engine import Engine  # noqa: E402
from bot.dialog.messages import Incoming  # noqa: E402
from bot.dialog.phases import choice_tuples  # noqa: E402
from bot.dialog.state import DialogState  # noqa: E402
from bot.dialog.step import Step  # noqa: E402
from bot.dialog.text import fold  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
SAMPLE = [("fr", "age", "34 ans seule avec 2 enfants de 4 et 9 ans"), ("fr", "children_ages", "un bebe de 8 mois"),
          ("fr", "employment", "je cherche du taf"), ("fr", "work_income", "je touche le chomage 800e"),
          ("fr", "couple", "celibataire"), ("en", "housing", "i rent a flat"), ("es", "housing", "alquilo un piso"),
          ("ar", "housing", "أسكن عند صديق"), ("uk", "housing", "живу у друзів"), ("fr", "age", "trente-quatre")]


def messages() -> list[tuple[str, str, str]]:
    corpus = ROOT / "tests" / "corpus" / "answers"
    found = []
    for path in sorted(corpus.glob("*.yaml")) if corpus.exists() else []:
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            if entry.get("q") != "where":  # the gazetteer's place search is benchmarked with the places
                found.append((path.stem, entry["q"], str(entry["text"])))
    return found or SAMPLE


def run(repeat: int) -> dict[str, object]:
    engine = Engine(load_catalogue())
    understanding = engine.understanding
    sample = messages()
    prepared = []
    for lang, qid, text in sample:
        state = DialogState(lang=lang, phase="ask", question=qid, need="all", wide=True, offered=lang)
        step = Step(engine.catalogue, engine.questions, understanding, engine.screening, state, NOW, 30)
        prepared.append((lang, engine.questions[qid], text, choice_tuples(engine.questions[qid], step),
                         state.to_json()))
    for lang, question, text, choices, _ in prepared:  # warm the per-language vocabularies and caches
        understanding.answer(question, text, lang, choices)
    understand: list[float] = []
    turns: list[float] = []
    for _ in range(repeat):
        for lang, question, text, choices, state in prepared:
            started = time.perf_counter()
            understanding.emergencies(fold(text))
            understanding.answer(question, text, lang, choices)
            understand.append(time.perf_counter() - started)
            started = time.perf_counter()
            engine.handle(state, Incoming.from_text(text), NOW)
            turns.append(time.perf_counter() - started)
    understand.sort()
    turns.sort()
    return {
        "bench": "understanding",
        "messages": len(prepared),
        "languages": len({lang for lang, *_ in prepared}),
        "understand_p50_ms": round(statistics.median(understand) * 1000, 4),
        "understand_p99_ms": round(understand[int(len(understand) * 0.99) - 1] * 1000, 4),
        "turn_p50_ms": round(statistics.median(turns) * 1000, 4),
        "turn_p99_ms": round(turns[int(len(turns) * 0.99) - 1] * 1000, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    print(json.dumps(run(parser.parse_args().repeat)))


if __name__ == "__main__":
    main()
