#!/usr/bin/env python3
"""Screening 1 000 households whole-process (`aiguillage screen` on a JSON list: start-up, catalogue, every
aid with its formulas, JSON out), beside OpenFisca-France's own time on the same batch (one vectorised
simulation; loading its tax-benefit system timed apart). Prints one JSON line.

    python bench/screening.py --households 1000 [--no-openfisca]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.openfisca.households import households, profile  # noqa: E402

GROSS_PER_NET = 1.2633  # only to turn the generator's gross earnings into what a person says (net)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1000)
    parser.add_argument("--no-openfisca", action="store_true")
    args = parser.parse_args()
    batch = households(args.households, seed=7)
    nets = [[{"salary": p["salary"] / GROSS_PER_NET, "pension": p["pension"], "unemployment": p["unemployment"]}
             for p in h["persons"] if p["role"] != "child"] for h in batch]
    profiles = [profile(h, n) for h, n in zip(batch, nets, strict=True)]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(profiles, handle)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bot.cli", "screen", handle.name, "--today", "2026-11-23"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    screening = time.perf_counter() - started
    screened = len(json.loads(done.stdout))
    result = {"bench": "screening", "households": screened, "screen_whole_process_s": round(screening, 3)}
    if not args.no_openfisca:
        from tests.openfisca.oracle import simulate, system

        started = time.perf_counter()
        system()
        result["openfisca_load_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        simulate(batch, "2026-11")
        result["openfisca_simulation_s"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
