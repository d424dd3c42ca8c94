"""Allocations familiales (CSS, L521-1: from the 2nd child under 20, modulated by income) and allocation
de rentrée scolaire (CSS, L543-1: each child from 6 to 18, under a ceiling raised by 30 % per child)."""

from __future__ import annotations

from dataclasses import replace

from bot.rules.formulas.base import NEAR, Law, Result, Step, no, paid
from bot.rules.household import Household
from bot.rules.status import ELIGIBLE, UNKNOWN


def fiscal_income(h: Household, law: Law) -> float:
    """Yearly income as the tax return shows it (two years before: the same, for a stable situation)."""
    total = 0.0
    for adult in h.adults:
        salary = 12 * (adult.earnings * law("smic.salaire_imposable_sur_net") + adult.unemployment)
        total += max(0.0, salary - min(max(0.1 * salary, law("logement.abattement_salaires_minimum")),
                                       law("logement.abattement_salaires_maximum")) if salary else 0.0)
        total += 0.9 * 12 * adult.pension
    return total


def af(h: Household, law: Law, before: dict[str, Result]) -> Result:
    children = sorted((c for c in h.children if c < 20), reverse=True)
    if len(children) < 2:
        return no(Step("children", {"min": 2}))
    bmaf = law("famille.bmaf")
    rate = law("famille.af_taux_deux_enfants") + law("famille.af_taux_enfant_supplementaire") * (len(children) - 2)
    older = [c for c in (children[1:] if len(children) == 2 else children) if c >= 14]
    full = bmaf * (rate + law("famille.af_majoration_age") * len(older))
    income = fiscal_income(h, law)
    extra = law("famille.af_majoration_plafond") * (len(children) - 2)
    first, second = law("famille.af_plafond_1") + extra, law("famille.af_plafond_2") + extra
    factor = 1.0 if income <= first else (0.5 if income <= second else 0.25)
    steps = (Step("guaranteed", {"amount": full, "form": "af"}), Step("yearly_resources", {"amount": income}))
    if any(abs(income - limit) <= NEAR * limit for limit in (first, second)):
        return Result(UNKNOWN, None, low=full * factor / 2, high=full * min(1.0, factor * 2),
                      steps=(*steps, Step("near_limit")), counted=bmaf * rate * factor)
    # the RSA and the prime d'activité count the AF without the age majorations (CASF, R262-6)
    return replace(paid(full * factor, *steps), counted=bmaf * rate * factor)


def ars(h: Household, law: Law, before: dict[str, Result]) -> Result:
    rates = [(6, 10, law("famille.ars_taux_6_10")), (11, 14, law("famille.ars_taux_11_14")),
             (15, 18, law("famille.ars_taux_15_18"))]
    bmaf = law("famille.bmaf")
    full = sum(bmaf * rate for c in h.children for low, high, rate in rates if low <= c <= high)
    if not full:
        return no(Step("children", {"min": 1, "age_min": 6, "age_max": 18}))
    ceiling = law("famille.ars_plafond") * (1 + law("famille.ars_majoration_plafond") * len(h.children))
    income = fiscal_income(h, law)
    amount = full if income <= ceiling else max(0.0, full - (income - ceiling))
    steps = (Step("guaranteed", {"amount": full, "form": "ars"}),
             Step("yearly_resources", {"amount": income, "ceiling": ceiling}))
    if amount < 15:
        if income * (1 - NEAR) <= ceiling:
            return Result(UNKNOWN, None, steps=(*steps, Step("near_limit")))
        return no(*steps)
    return paid(amount, *steps)


def _family_ceiling(h: Household, law: Law, base: float, extra: float) -> float:
    children = len(h.children)
    two_earners = h.couple and all(12 * a.earnings >= 12 * law("famille.bmaf") for a in h.adults)
    return base * (1 + law("famille.plafond_par_enfant_deux_premiers") * min(children, 2)
                   + law("famille.plafond_par_enfant_suivant") * max(children - 2, 0)) \
        + (extra if (two_earners or not h.couple) else 0.0)


def paje(h: Household, law: Law, before: dict[str, Result]) -> Result:
    """PAJE, allocation de base: a child under 3, under a ceiling (full or partial rate)."""
    if not h.children_under(3):
        return no()
    income = fiscal_income(h, law)
    bmaf = law("famille.bmaf")
    if income <= _family_ceiling(h, law, law("famille.paje_plafond_plein"), law("famille.paje_majoration_plein")):
        return paid(bmaf * law("famille.paje_taux_plein"), form="plein")
    if income <= _family_ceiling(h, law, law("famille.paje_plafond_partiel"), law("famille.paje_majoration_partiel")):
        return paid(bmaf * law("famille.paje_taux_partiel"), form="partiel")
    return no()


def cf(h: Household, law: Law, before: dict[str, Result]) -> Result:
    """Complément familial: 3 children or more, all of 3 or over; form "majore" under half the ceiling."""
    if len(h.children) < 3 or h.children_under(3) or any(c >= 21 for c in h.children):
        return no()
    income = fiscal_income(h, law)
    ceiling = _family_ceiling(h, law, law("famille.cf_plafond"), law("famille.cf_majoration_biactif"))
    bmaf = law("famille.bmaf")
    if income <= ceiling * law("famille.cf_part_plafond_majore"):
        return Result(ELIGIBLE, bmaf * law("famille.cf_taux_majore"), counted=bmaf * law("famille.cf_taux"),
                      form="majore")
    return paid(bmaf * law("famille.cf_taux")) if income <= ceiling else no()


def asf(h: Household, law: Law, before: dict[str, Result]) -> Result:
    """Allocation de soutien familial: a parent alone whose children get no (or little) support from the other
    parent. It cannot be asked here; a pension alimentaire would count instead, for a similar sum. The RSA
    and the prime d'activité count a fixed part (`counted`), the C2S the whole (`amount`)."""
    if h.couple or not h.children:
        return no()
    bmaf = law("famille.bmaf")
    return Result(ELIGIBLE, bmaf * law("famille.asf_taux") * len(h.children),
                  counted=bmaf * law("famille.asf_taux_rsa") * len(h.children))
