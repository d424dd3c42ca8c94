"""OpenFisca-France as the executable specification: one vectorised simulation for a whole batch.

Test-only (the `test` extra): the tax-benefit system is loaded once per process (a few seconds).
"""

from __future__ import annotations

import functools
from typing import Any

HOUSING = {"tenant": "locataire_vide", "social_tenant": "locataire_hlm", "hosted_free": "loge_gratuitement",
           "owner": "proprietaire", "homeless": "sans_domicile"}
YEARS = ("2024", "2025", "2026")


@functools.cache
def system() -> Any:
    from openfisca_france import FranceTaxBenefitSystem

    return FranceTaxBenefitSystem()


def _situation(batch: list[dict[str, Any]], month: str) -> dict[str, Any]:
    year = int(month[:4])
    individus: dict[str, Any] = {}
    familles, foyers, menages = {}, {}, {}
    for index, h in enumerate(batch):
        ids = []
        for rank, person in enumerate(h["persons"]):
            pid = f"h{index}p{rank}"
            ids.append((pid, person))
            birth = f"{year - person['age']}-05-15"
            entry: dict[str, Any] = {"date_naissance": {"ETERNITY": birth}}
            if person["role"] != "child":
                entry["salaire_de_base"] = {y: 12 * person["salary"] for y in YEARS}
                entry["retraite_brute"] = {y: 12 * person["pension"] for y in YEARS}
                entry["chomage_brut"] = {y: 12 * person["unemployment"] for y in YEARS}
                entry["activite"] = {y: "etudiant" if person["student"] else
                                     {"employed": "actif", "unemployed": "chomeur", "retired": "retraite"}
                                     .get(person["activity"], "inactif") for y in YEARS}
                entry["taux_incapacite"] = {y: person["disability"] / 100 for y in YEARS}
                entry["aah_restriction_substantielle_durable_acces_emploi"] = {y: person["rsdae"] for y in YEARS}
            individus[pid] = entry
        parents = [pid for pid, p in ids if p["role"] != "child"]
        children = [pid for pid, p in ids if p["role"] == "child"]
        familles[f"f{index}"] = {"parents": parents, "enfants": children}
        foyers[f"ff{index}"] = {"declarants": parents, "personnes_a_charge": children}
        menage: dict[str, Any] = {"personne_de_reference": parents[:1], "enfants": children,
                                  "statut_occupation_logement": {y: HOUSING[h["housing"]] for y in YEARS},
                                  "loyer": {y: 12 * h["rent"] for y in YEARS},
                                  "depcom": {y: h["commune"] for y in YEARS}}
        if len(parents) > 1:
            menage["conjoint"] = parents[1:]
        menages[f"m{index}"] = menage
    return {"individus": individus, "familles": familles, "foyers_fiscaux": foyers, "menages": menages}


def simulate(batch: list[dict[str, Any]], month: str = "2026-11") -> list[dict[str, Any]]:
    """Per household: each adult's net amounts and what OpenFisca pays (monthly; ARS for the year)."""
    from openfisca_core.simulation_builder import SimulationBuilder

    sim = SimulationBuilder().build_from_entities(system(), _situation(batch, month))
    person = {name: sim.calculate(name, month) for name in ("salaire_net", "retraite_nette", "chomage_net", "aah")}
    family = {name: sim.calculate(name, month) for name in
              ("rsa", "rsa_socle", "rsa_socle_majore", "ppa", "aide_logement", "aspa", "af", "cmu_c",
               "css_participation_forfaitaire")}
    family["ars"] = sim.calculate("ars", month[:4])
    results, offset = [], 0
    for index, h in enumerate(batch):
        size = len(h["persons"])
        adults = [offset + r for r, p in enumerate(h["persons"]) if p["role"] != "child"]
        nets = [{"salary": float(person["salaire_net"][i]), "pension": float(person["retraite_nette"][i]),
                 "unemployment": float(person["chomage_net"][i])} for i in adults]
        paid = {name: float(values[index]) for name, values in family.items()}
        paid["aah"] = float(person["aah"][adults[0]])
        paid["aah_household"] = float(sum(person["aah"][i] for i in adults))
        paid["rsa_majore"] = paid["rsa"] > 0 and paid["rsa_socle_majore"] > paid["rsa_socle"]
        results.append({"nets": nets, "paid": paid})
        offset += size
    return results
