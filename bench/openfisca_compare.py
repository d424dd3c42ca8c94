#!/usr/bin/env python3
"""Regenerate the comparison with OpenFisca-France by hand and review it: bench/OPENFISCA.md gets the table
and, for each benefit, the first disagreements with the household's answers.

    python bench/openfisca_compare.py [--households 3000] [--seed 2026] [--today 2026-11-23]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.catalogue import load_catalogue  # noqa: E402
from tests.openfisca.compare import run, table  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", default="2026-11-23")
    args = parser.parse_args()
    report = run(load_catalogue(), args.households, args.seed, date.fromisoformat(args.today))
    lines = [f"# Aiguillage against OpenFisca-France: {report['households']} households (seed {report['seed']}), "
             f"month of {report['today']}", "", "Regenerate: `python bench/openfisca_compare.py`. Why some answers "
             "differ: docs/openfisca.md.", "", table(report), "",
             f"OpenFisca: {report['openfisca_seconds']:.1f} s for the batch (one vectorised simulation, "
             f"after loading); Aiguillage: {report['aiguillage_seconds']:.2f} s in process.", "",
             "## Disagreements (first ones per benefit)", ""]
    for name, tally in sorted(report["tallies"].items()):
        for example in tally.examples:
            lines.append(f"- **{name}**, {example['kind']}: ours {example['ours']} "
                         f"({example.get('amount')}), OpenFisca {example['theirs']} — `{json.dumps(example['profile'])}`")
    (ROOT / "bench" / "OPENFISCA.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(table(report))


if __name__ == "__main__":
    main()
