"""Benchmark: engine time per turn (p50, p99), turns per second on one core, and state size.

Run on purpose:  .venv/bin/python bench/engine_turns.py [--rounds 200]
Prints one JSON line. Not a test: the machine's noise makes timings unfit for assertions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.catalogue import load_catalogue
from bot.dialog.engine import Engine
from bot.dialog.messages import Incoming

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))
# Typical conversations: a need, then answers of every kind (numbers, words, choices, places).
SCRIPTS = [
    ["vérifier tous mes droits", "34", "3 et 7", "non", "je cherche un emploi", "0", "300", "je loue", "550",
     "non", "je préfère ne pas répondre", "je ne sais pas", "Bellevue", "résultats"],
    ["je n'arrive plus à payer mon loyer", "je loue", "41", "non", "non", "1 100 €", "0", "Malakoff"],
    ["je dors dans ma voiture", "manger", "Nantes Nord"],
    ["de l'argent", "vingt-trois ans", "étudiant", "non", "non", "0", "0", "44300"],
    ["l'argent et les factures", "67", "non", "non", "retraite", "0", "600", "je loue", "Rezé"],
]


def run(rounds: int) -> dict:
    engine = Engine(load_catalogue())
    timings: list[float] = []
    sizes: list[int] = []
    for round_ in range(rounds):
        for script in SCRIPTS:
            state = None
            # Each round's residents differ (age, income), so no round reuses another's screening.
            varied = [str(int(text) + round_ % 40) if text.isdigit() and text != "0" else text for text in script]
            for text in ["/start", *varied]:
                incoming = Incoming("start") if text == "/start" else Incoming.from_text(text)
                started = time.perf_counter()
                turn = engine.handle(state, incoming, NOW)
                timings.append(time.perf_counter() - started)
                state = turn.state
            sizes.append(len(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()))
    timings.sort()
    total = sum(timings)
    return {
        "bench": "engine_turns",
        "turns": len(timings),
        "p50_ms": round(statistics.median(timings) * 1000, 3),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1] * 1000, 3),
        "max_ms": round(timings[-1] * 1000, 3),
        "turns_per_second": round(len(timings) / total),
        "state_bytes_median": int(statistics.median(sizes)),
        "state_bytes_max": max(sizes),
        "aids": len(engine.catalogue.aids),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    print(json.dumps(run(parser.parse_args().rounds)))
