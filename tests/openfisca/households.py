"""A seeded generator of households like those who come to an accueil de solidarité in Nantes.

Each household is a plain dict: persons (role, age, gross monthly earnings, pension, unemployment benefit,
student, disability rate and RSDAE) and housing (kind, rent). `profile()` turns it, with the net amounts
OpenFisca computed from the gross ones, into what a person tells Aiguillage (knowledge/profile.yaml).
"""

from __future__ import annotations

import random
from typing import Any

HOUSING = [("tenant", 0.38), ("social_tenant", 0.30), ("hosted_free", 0.14), ("owner", 0.10), ("homeless", 0.08)]
RENT = {"tenant": (380, 1100), "social_tenant": (250, 650)}
SMIC_GROSS = 1823.0  # monthly, full time, 2026: only a scale for drawing earnings


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in table], [w for _, w in table])[0]


def _adult(rng: random.Random, role: str, age: int) -> dict[str, Any]:
    person: dict[str, Any] = {"role": role, "age": age, "salary": 0.0, "pension": 0.0, "unemployment": 0.0,
                              "student": False, "disability": 0, "rsdae": False}
    if age >= 63 and rng.random() < 0.8:
        person["pension"] = round(rng.choice([0, 0, rng.uniform(150, 900), rng.uniform(900, 2200)]), 2)
        person["activity"] = "retired"
        return person
    kind = rng.choices(["work", "part_time", "unemployed", "student", "inactive"], [0.33, 0.22, 0.2, 0.1, 0.15])[0]
    if age > 28 and kind == "student":
        kind = "inactive"
    if kind == "work":
        person["salary"] = round(SMIC_GROSS * rng.uniform(0.9, 2.4), 2)
    elif kind == "part_time":
        person["salary"] = round(SMIC_GROSS * rng.uniform(0.15, 0.9), 2)
    elif kind == "unemployed":
        person["unemployment"] = round(rng.choice([0, rng.uniform(400, 1600)]), 2)
    elif kind == "student":
        person["student"] = True
        person["salary"] = round(rng.choice([0, 0, SMIC_GROSS * rng.uniform(0.2, 1.0)]), 2)
    person["activity"] = {"work": "employed", "part_time": "employed", "unemployed": "unemployed",
                          "student": "student", "inactive": "inactive"}[kind]
    if rng.random() < 0.12:
        person["disability"] = rng.choice([50, 60, 70, 80, 80, 90])
        person["rsdae"] = rng.random() < 0.6
        if person["disability"] >= 80 and kind in ("work", "part_time") and rng.random() < 0.5:
            person["salary"] = round(SMIC_GROSS * rng.uniform(0.2, 0.8), 2)
    return person


def household(rng: random.Random) -> dict[str, Any]:
    shape = rng.choices(["single", "single_parent", "couple", "couple_children"], [0.42, 0.2, 0.15, 0.23])[0]
    age = rng.choice([rng.randint(18, 30), rng.randint(25, 62), rng.randint(55, 85)])
    if shape in ("single_parent", "couple_children"):
        age = min(age, rng.randint(20, 55))
    persons = [_adult(rng, "applicant", age)]
    if shape in ("couple", "couple_children"):
        persons.append(_adult(rng, "partner", max(18, min(95, age + rng.randint(-8, 8)))))
    if shape in ("single_parent", "couple_children"):
        for _ in range(rng.choices([1, 2, 3, 4], [0.4, 0.35, 0.18, 0.07])[0]):
            child_age = rng.randint(0, min(19, max(0, age - 17)))
            persons.append({"role": "child", "age": child_age})
    housing = _pick(rng, HOUSING)
    rent = round(rng.uniform(*RENT[housing]), 0) if housing in RENT else 0.0
    return {"persons": persons, "housing": housing, "rent": rent, "commune": "44109"}


def households(count: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [household(rng) for _ in range(count)]


def adults(h: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in h["persons"] if p["role"] != "child"]


def profile(h: dict[str, Any], nets: list[dict[str, float]]) -> dict[str, Any]:
    """What the person tells Aiguillage: net monthly amounts, as they read them on their pay slip."""
    people = adults(h)
    applicant, partner = people[0], (people[1] if len(people) > 1 else None)
    work = [round(n["salary"], 2) for n in nets]
    other = [round(n["pension"] + n["unemployment"], 2) for n in nets]
    result: dict[str, Any] = {
        "age": applicant["age"], "couple": partner is not None,
        "children_ages": sorted(p["age"] for p in h["persons"] if p["role"] == "child"),
        "pregnant": False, "work_income": round(sum(work), 2), "other_income": round(sum(other), 2),
        "housing": h["housing"], "employment": applicant["activity"], "disability_rate": applicant["disability"],
        "commune": h["commune"],
    }
    if h["rent"]:
        result["rent"] = h["rent"]
    if partner is not None:
        result.update(partner_age=partner["age"], partner_work_income=work[1], partner_other_income=other[1],
                      partner_employment=partner["activity"], partner_disability_rate=partner["disability"])
    return result
