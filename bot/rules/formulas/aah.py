"""AAH (Code de la sécurité sociale, L821-1 and following): a rate of at least 80 %, or 50 to 79 % with a
restriction substantielle et durable d'accès à l'emploi (RSDAE) recognised by the CDAPH, which no chat can
judge: to check. Own resources only (since October 2023), earnings abated, up to a ceiling."""

from __future__ import annotations

from bot.rules.formulas.base import Law, Result, Step, means_tested, no
from bot.rules.household import Adult, Household
from bot.rules.status import ELIGIBLE, UNKNOWN


def own_resources(adult: Adult, law: Law) -> float:
    """Monthly resources of the applicant as the CAF counts them."""
    yearly_smic = 12 * law("smic.horaire_brut") * law("smic.heures_mensuelles")
    first = law("aah.tranche_smic") * yearly_smic

    def abated(income: float, factor: float) -> float:
        low = min(first, income)
        return factor * ((1 - law("aah.abattement_tranche_1")) * low
                         + (1 - law("aah.abattement_tranche_2")) * max(0.0, income - low))

    replaced = adult.unemployment + adult.pension > 0
    cut = law("aah.abattement_cessation_activite")
    if adult.earnings > 0:  # working: the last quarter, earnings and unemployment benefit abated
        activity = 12 * (adult.earnings + adult.unemployment)
        return max(0.0, abated(activity, 1 - cut * replaced) + 12 * adult.pension) / 12
    stopped = not adult.student
    benefit = abated(12 * adult.unemployment, 1 - cut * (stopped + replaced))
    pension = 12 * adult.pension
    pension -= max(law("logement.abattement_pensions") * pension, law("logement.abattement_pensions_minimum")) \
        if pension else 0.0
    return (benefit + max(0.0, pension)) / 12


def aah(h: Household, law: Law, before: dict[str, Result]) -> Result:
    return aah_of(h.applicant, h, law)


def aah_partner(h: Household, law: Law, before: dict[str, Result]) -> Result:
    """The partner's own AAH: it counts in the household's resources for the RSA and the prime d'activité."""
    return aah_of(h.adults[1], h, law) if h.couple else no()


def aah_of(adult: Adult, h: Household, law: Law) -> Result:
    if adult.disability is None:
        key = "disability_rate" if adult.role == "applicant" else "partner_disability_rate"
        return Result(UNKNOWN, None, missing=frozenset({key}))
    rate = adult.disability / 100
    if adult.age is not None and adult.age < law("aah.age_minimum_sans_charge"):
        return no(Step("age", {"min": law("aah.age_minimum")}))
    young = adult.age is not None and adult.age < law("aah.age_minimum")
    if rate < law("aah.taux_incapacite_rsdae"):
        return no(Step("disability_rate", {"rate": adult.disability or 0}))
    rsdae_case = rate < law("aah.taux_incapacite")
    if rsdae_case and adult.age is not None and adult.age > law("aah.age_fin_rsdae"):
        return no(Step("rsdae_age", {"max": law("aah.age_fin_rsdae")}))
    maximum = law("aah.montant")
    ceiling = maximum * (1 + law("aah.majoration_plafond_par_enfant") * sum(1 for c in h.children if c < 20))
    resources = own_resources(adult, law)

    def compute(factor: float) -> tuple[float, tuple[Step, ...]]:
        amount = min(maximum, max(0.0, ceiling - resources * factor))
        return amount, (Step("guaranteed", {"amount": maximum, "form": "aah"}),
                        Step("own_resources", {"amount": resources, "ceiling": ceiling}))

    result = means_tested(compute, 0.01)
    if young and result.status == ELIGIBLE:  # from 16 only when no longer a dependent child for family benefits
        return Result(UNKNOWN, None, low=0.0, high=result.amount, steps=(*result.steps, Step("aah_young")))
    if rsdae_case and h.rsdae is not True:
        if h.rsdae is False:
            return no(Step("rsdae"))
        if result.status in (ELIGIBLE, UNKNOWN):  # the amount if the CDAPH recognises the RSDAE
            return Result(UNKNOWN, None, low=0.0, high=result.amount or 0.0, missing=frozenset({"rsdae"}),
                          steps=(*result.steps, Step("rsdae")))
    return result
