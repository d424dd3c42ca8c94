"""Benchmark: the results turn (issue 16): screening, the result model and its rendering, p50/p99.

Run on purpose:  .venv/bin/python bench/results_turn.py [--rounds 200]
Prints one JSON line. Not a test: the machine's noise makes timings unfit for assertions.

Each resident answers every question up to the last one, untimed; then the turn that answers the
last question is timed: Engine.handle (screening with the real catalogue, the result model, the
replies in words) plus the SMS rendering and the Telegram merging of that turn. Each round's
residents differ (ages, incomes), so no round reuses another's screening.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.catalogue import load_catalogue
from bot.channels.sms.render import render as sms_render
from bot.channels.telegram.render import merged
from bot.dialog.engine import Engine
from bot.dialog.messages import Incoming

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
ANSWERS = {
    "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille", "work_income": "1100",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "where": "Malakoff", "quotient_familial": "je ne sais pas", "partner_age": "40",
    "partner_work_income": "1200", "partner_other_income": "0", "separated_recently": "non", "rsdae": "non",
    "partner_disability_rate": "0",
}
RESIDENTS = [
    ("vérifier tous mes droits", {"children_ages": "3 et 7", "work_income": "0", "employment": "je cherche un emploi",
                                  "where": "Bellevue"}),
    ("mon logement et mon loyer", {}),
    ("l'argent et les factures", {"age": "67", "employment": "retraite", "work_income": "0", "other_income": "600",
                                  "where": "Rezé"}),
    ("famille", {"couple": "oui", "children_ages": "2, 5 et 9", "work_income": "1900", "where": "Nantes Nord"}),
    ("de l'argent", {"age": "23", "employment": "étudiant", "work_income": "300", "where": "44300"}),
]


def vary(answers: dict[str, str], round_: int) -> dict[str, str]:
    out = {}
    for key, text in answers.items():
        out[key] = str(int(text) + round_ % 10) if text.isdigit() and text != "0" else text
    return out


def run(rounds: int) -> dict:
    engine = Engine(load_catalogue())
    whole: list[float] = []
    engine_only: list[float] = []
    for round_ in range(rounds):
        for first, answers in RESIDENTS:
            script = vary({**ANSWERS, **answers}, round_)
            state = engine.handle(None, Incoming("start"), NOW).state
            state = engine.handle(state, Incoming.from_text(first), NOW).state
            for _ in range(20):
                question = state.get("q")
                following = engine.handle(state, Incoming.from_text(script[question]), NOW) if question else None
                if following is None or following.state.get("phase") == "done":
                    break
                state = following.state
            question = state.get("q")
            if not question:
                continue
            started = time.perf_counter()
            turn = engine.handle(state, Incoming.from_text(script[question]), NOW)
            middle = time.perf_counter()
            sms_render(turn.replies, turn.language)
            merged(turn.replies)
            ended = time.perf_counter()
            if turn.state.get("phase") != "done":  # a number to confirm: not a results turn
                continue
            engine_only.append(middle - started)
            whole.append(ended - started)

    def p(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[max(0, int(len(values) * q) - 1)] * 1000, 3)

    return {
        "bench": "results_turn",
        "turns": len(whole),
        "p50_ms": round(statistics.median(whole) * 1000, 3),
        "p99_ms": p(whole, 0.99),
        "max_ms": round(max(whole) * 1000, 3),
        "engine_p50_ms": round(statistics.median(engine_only) * 1000, 3),
        "engine_p99_ms": p(engine_only, 0.99),
        "aids": len(engine.catalogue.aids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    print(json.dumps(run(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
