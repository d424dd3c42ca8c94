"""Aiguillage against OpenFisca-France on generated households: eligibility and amounts, benefit by benefit."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.catalogue import Catalogue
from bot.rules.screen import screen
from tests.openfisca.households import households, profile
from tests.openfisca.oracle import simulate

# aid id -> OpenFisca's amount for it (monthly, ARS yearly)
PAID = {
    "rsa": lambda p: p["rsa"], "prime_activite": lambda p: p["ppa"], "aide_logement": lambda p: p["aide_logement"],
    "aah": lambda p: p["aah"], "aspa": lambda p: p["aspa"], "allocations_familiales": lambda p: p["af"],
    "ars": lambda p: p["ars"],
}
ZERO_FALSE_NO = ("rsa", "prime_activite", "aide_logement", "c2s", "aah", "aspa", "allocations_familiales")
AMOUNTS = ("rsa", "prime_activite", "aah", "aspa", "aide_logement", "allocations_familiales")


@dataclass
class Tally:
    pairs: int = 0
    decided: int = 0
    false_no: int = 0
    false_yes: int = 0
    both_paid: int = 0
    amount_ok: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def note(self, kind: str, row: dict[str, Any]) -> None:
        if sum(1 for e in self.examples if e["kind"] == kind) < 8:  # a few of each kind, for review
            self.examples.append({"kind": kind, **row})


def c2s_form(paid: dict[str, Any]) -> str:
    if paid["cmu_c"]:
        return "free"
    return "participation" if paid["css_participation_forfaitaire"] > 0 else "none"


def run(catalogue: Catalogue, count: int = 3000, seed: int = 2026, today: date = date(2026, 11, 23)) -> dict[str, Any]:
    batch = households(count, seed)
    started = time.perf_counter()
    oracle = simulate(batch, today.strftime("%Y-%m"))
    openfisca_seconds = time.perf_counter() - started
    tallies: dict[str, Tally] = defaultdict(Tally)
    forms = {"rsa": [0, 0], "c2s": [0, 0]}
    started = time.perf_counter()
    for h, truth in zip(batch, oracle, strict=True):
        answers = profile(h, truth["nets"])
        results = {r.aid.id: r for r in screen(catalogue, answers, today)}
        paid = truth["paid"]
        for aid_id, amount_of in PAID.items():
            ours, theirs = results[aid_id], amount_of(paid)
            tally = tallies[aid_id]
            tally.pairs += 1
            row = {"profile": answers, "ours": str(ours.status), "theirs": round(theirs, 2),
                   "amount": ours.amount.value if ours.amount else None}
            if ours.status == "unknown":
                continue
            tally.decided += 1
            if ours.status == "not_eligible" and theirs > 0:
                tally.false_no += 1
                tally.note("false no", row)
            elif ours.status == "eligible" and theirs <= 0:
                tally.false_yes += 1
                tally.note("false yes", row)
            elif ours.status == "eligible" and ours.amount and ours.amount.value:
                tally.both_paid += 1
                if abs(ours.amount.value - theirs) <= max(0.10 * theirs, 15):
                    tally.amount_ok += 1
                else:
                    tally.note("amount", row)
            if aid_id == "rsa" and ours.status == "eligible" and theirs > 0:
                forms["rsa"][0] += 1
                forms["rsa"][1] += (ours.form == "rsa_majore") == paid["rsa_majore"]
        free, part = results["css"], results["css_participation"]
        theirs_form = c2s_form(paid)
        tally = tallies["c2s"]
        tally.pairs += 1
        row = {"profile": answers, "ours": f"{free.status}/{part.status}", "theirs": theirs_form}
        if "unknown" in (free.status, part.status):
            continue
        tally.decided += 1
        ours_form = "free" if free.status == "eligible" else ("participation" if part.status == "eligible" else "none")
        if ours_form == "none" and theirs_form != "none":
            tally.false_no += 1
            tally.note("false no", row)
        elif ours_form != "none" and theirs_form == "none":
            tally.false_yes += 1
            tally.note("false yes", row)
        elif ours_form != "none":
            forms["c2s"][0] += 1
            forms["c2s"][1] += ours_form == theirs_form
            if ours_form != theirs_form:
                tally.note("form", row)
    ours_seconds = time.perf_counter() - started
    return {"households": count, "seed": seed, "today": today.isoformat(), "tallies": dict(tallies), "forms": forms,
            "openfisca_seconds": openfisca_seconds, "aiguillage_seconds": ours_seconds}


def table(report: dict[str, Any]) -> str:
    lines = ["| benefit | decided / pairs | false no | false yes | amounts within 10 % or 15 € |",
             "|---|---|---|---|---|"]
    for name, t in sorted(report["tallies"].items()):
        share = f"{t.amount_ok}/{t.both_paid} ({100 * t.amount_ok / t.both_paid:.1f} %)" if t.both_paid else "—"
        lines.append(f"| {name} | {t.decided} / {t.pairs} | {t.false_no} | {t.false_yes} "
                     f"({100 * t.false_yes / max(1, t.decided):.2f} %) | {share} |")
    for name, (total, right) in report["forms"].items():
        lines.append(f"\nForm of {name} right: {right}/{total} ({100 * right / max(1, total):.1f} %)")
    return "\n".join(lines)
