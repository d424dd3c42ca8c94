"""ASPA (Code de la sécurité sociale, L815-1 and following): from 65 (from the legal retirement age with a
disability), for either partner; a ceiling for a person alone or a couple; salaries partly abated."""

from __future__ import annotations

from bot.rules.formulas.base import Law, Result, Step, means_tested, no
from bot.rules.household import Adult, Household


def entitled(adult: Adult, law: Law) -> bool:
    if adult.age is None:
        return False
    early = adult.age >= law("aah.age_fin_rsdae") and (adult.disability or 0) > 50
    return adult.age >= law("aspa.age_minimum") or early


def aspa(h: Household, law: Law, before: dict[str, Result]) -> Result:
    eligible = [a for a in h.adults if entitled(a, law)]
    if not eligible:
        return no(Step("age", {"min": law("aspa.age_minimum")}))
    both = len(eligible) == 2
    maximum = (law("aspa.montant_couple") if both else law("aspa.montant_personne_seule")) / 12
    ceiling = (law("aspa.plafond_couple") if h.couple else law("aspa.plafond_personne_seule")) / 12
    monthly_smic = law("smic.horaire_brut") * law("smic.heures_mensuelles")
    share = law("aspa.abattement_salaires_couple") if h.couple else law("aspa.abattement_salaires_personne_seule")
    resources = 0.0
    for adult in h.adults:
        gross = adult.earnings * law("smic.salaire_brut_sur_net")
        quarter = 3 * (gross + adult.pension + adult.unemployment) - min(3 * gross, monthly_smic * share)
        resources += quarter / 3
    # an AAH still paid counts, unless its holder is entitled to the ASPA (which replaces it)
    for adult, name in zip(h.adults, ("aah", "aah_partner"), strict=False):
        resources += before[name].bounds[0] if not entitled(adult, law) else 0.0

    def compute(factor: float) -> tuple[float, tuple[Step, ...]]:
        over = max(0.0, resources * factor + maximum - ceiling)
        return max(0.0, maximum - over), (Step("guaranteed", {"amount": maximum, "form": "aspa"}),
                                          Step("resources", {"amount": resources, "earnings": h.earnings,
                                                             "family": 0.0, "priority": 0.0}))

    return means_tested(compute, 0.01)
