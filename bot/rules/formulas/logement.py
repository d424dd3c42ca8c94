"""Housing aid for tenants, zone 2 (Nantes) (Code de la construction et de l'habitation, L821-1 and
D823-16; arrêté du 27 septembre 2019): loyer retenu up to the loyer plafond, plus the forfait de charges,
minus the participation personnelle P0 + TP × (R − R0); not paid under 10 €, 5 € less in every case;
for social housing, less 98 % of the réduction de loyer de solidarité (RLS)."""

from __future__ import annotations

import math

from bot.rules.formulas.base import Law, Result, Step, either, means_tested, no, to_check
from bot.rules.household import Household


def _by_family(table: list[float], couple: bool, dependants: int, first_family: int = 2) -> float:
    """Tables written as [alone, couple, 1 dependant, 2, … last, each further]."""
    if dependants == 0:
        return table[1] if couple else table[0]
    listed = len(table) - 1 - first_family
    if dependants <= listed:
        return table[first_family + dependants - 1]
    return table[-2] + (dependants - listed) * table[-1]


def yearly_resources(h: Household, law: Law, neutralised: bool, student_flat: bool = False,
                     aah_paid: tuple[bool, ...] = (False, False)) -> float:
    """R: the last 12 months as declared for tax (salaries and unemployment benefit less 10 %, pensions less
    10 %), with the abatements of the code; none when the RSA is paid (the resources are neutralised)."""
    total = 0.0
    for adult, aah in zip(h.adults, aah_paid, strict=False):
        salary = 12 * adult.earnings * law("smic.salaire_imposable_sur_net")
        unemployment = 12 * adult.unemployment
        deduction = round(min(max(law("logement.abattement_salaires") * (salary + unemployment),
                                  law("logement.abattement_salaires_minimum")), law("logement.abattement_salaires_maximum")))
        no_salary = salary == 0
        abated_work = adult.activity == "unemployed" or ((adult.activity == "retired" or aah) and no_salary)
        abated_benefit = (adult.activity == "retired" or aah) and no_salary
        rate = law("logement.abattement_chomage")
        work = max(0.0, salary - deduction) * (1 - rate * abated_work)
        benefit = (unemployment + (min(0.0, salary - deduction) if salary + unemployment > 0 else 0.0)) \
            * (1 - rate * abated_benefit)
        out_of_work = adult.activity == "unemployed" and adult.unemployment == 0
        if not (neutralised or out_of_work):
            total += work + benefit
        pension = 12 * adult.pension
        total += max(0.0, pension - round(max(law("logement.abattement_pensions") * pension,
                                               law("logement.abattement_pensions_minimum"))))
    if h.applicant.student:
        total = law("logement.plancher_etudiant") if student_flat else max(total, law("logement.plancher_etudiant"))
    return math.ceil(round(total, 2) / 100) * 100


def aide_logement(h: Household, law: Law, before: dict[str, Result]) -> Result:
    if h.housing is None:
        return to_check(frozenset({"housing"}))
    if not h.tenant:
        return no(Step("not_tenant"))
    if h.rent is None:
        return to_check(frozenset({"rent"}))
    neutralised = before["rsa_paid"].status == "eligible"
    # a student applicant: the CAF may take the flat student amount for the household's resources (as
    # OpenFisca does) or the real ones when higher: when that decides the right, it is to check
    readings = (False, True) if h.applicant.student else (False,)
    # an AAH not yet decided (RSDAE) changes the abatements: both readings
    aah_worlds = {tuple(before[n].bounds[pick] > 0 for n in ("aah", "aah_partner")) for pick in (0, 1)}
    return either([_amount(h, law, yearly_resources(h, law, neutralised, flat, paid), neutralised)
                   for flat in readings for paid in sorted(aah_worlds)], frozenset({"rsdae"}))


def _amount(h: Household, law: Law, resources: float, neutralised: bool) -> Result:
    dependants = len(h.children)
    rent = float(h.rent or 0.0)
    plafond = _by_family([law("logement.loyer_plafond_zone_2_seul"), law("logement.loyer_plafond_zone_2_couple"),
                          law("logement.loyer_plafond_zone_2_un_enfant"), law("logement.loyer_plafond_zone_2_par_enfant")],
                         h.couple, dependants)
    reference = plafond  # the loyer de référence of TL is the household's loyer plafond
    retained = min(rent, plafond)
    charges = law("logement.forfait_charges") + dependants * law("logement.forfait_charges_par_enfant")
    r0 = _by_family(law.table("logement.r0"), h.couple, dependants)
    tf = _by_family(law.table("logement.taux_famille"), h.couple, dependants)
    ratio = round(retained / reference * 100, 2) / 100
    s1, s2 = law("logement.taux_loyer_seuil_1"), law("logement.taux_loyer_seuil_2")
    t2, t3 = law("logement.taux_loyer_taux_2"), law("logement.taux_loyer_taux_3")
    tl = round(t3 * (ratio - s2) + t2 * (s2 - s1) if ratio >= s2 else max(0.0, t2 * (ratio - s1)), 5)
    p0 = max(law("logement.participation_minimale_taux") * (retained + charges), law("logement.participation_minimale"))
    low, high = plafond * law("logement.degressivite"), plafond * law("logement.suppression")
    coefficient = 1.0 if rent <= low else (0.0 if rent > high else 1 - (rent - low) / (high - low))
    social = h.housing == "social_tenant"
    rls = 0.0
    if social and resources / 12 <= _by_family(law.table("logement.rls_plafond"), h.couple, dependants):
        rls = _by_family(law.table("logement.rls_montant"), h.couple, dependants, first_family=2) \
            * law("logement.rls_part_aide")

    def compute(factor: float) -> tuple[float, tuple[Step, ...]]:
        counted = max(0.0, resources * factor - r0)
        participation = p0 + (tf + tl) * counted
        amount = max(0.0, retained + charges - participation)
        if not social and amount < law("logement.seuil_versement"):
            amount = 0.0
        amount = max(0.0, round(amount * coefficient, 2) - law("logement.minoration_forfaitaire") - rls)
        amount = math.floor(amount * 0.995)  # CRDS, then rounded down to the euro
        steps = (Step("rent_ceiling", {"amount": retained, "ceiling": plafond}), Step("charges", {"amount": charges}),
                 Step("yearly_resources", {"amount": resources, "neutralised": neutralised}),
                 Step("participation", {"amount": participation}),
                 *((Step("rls", {"amount": rls}),) if rls else ()),
                 *((Step("rent_too_high", {"amount": low}),) if coefficient < 1 else ()))
        return float(amount), steps

    return means_tested(compute, 1.0)
