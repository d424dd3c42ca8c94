"""Prime d'activité (Code de la sécurité sociale, L841-1 and following): montant forfaitaire, plus a share
of the earnings and each worker's bonus, minus the larger of the resources (with the forfait logement)
and the montant forfaitaire. Students and apprentices need earnings above a floor."""

from __future__ import annotations

from bot.rules.formulas.base import Law, Result, Step, either, family_benefits, household_rate, means_tested, no
from bot.rules.formulas.housing_forfait import forfait_logement
from bot.rules.formulas.rsa import socle
from bot.rules.household import Adult, Household


def bonus(adult: Adult, earnings: float, law: Law) -> float:
    hourly = law("smic.horaire_brut")
    start, top = law("prime_activite.bonification_seuil") * hourly, law("prime_activite.bonification_seuil_max") * hourly
    most = round(law("prime_activite.bonification_taux_max") * law("prime_activite.montant_forfaitaire"), 2)
    return min(most, max(0.0, most * (earnings - start) / (top - start)))


def ppa(h: Household, law: Law, before: dict[str, Result]) -> Result:
    if not any(a.age is not None and a.age >= law("prime_activite.age_minimum") for a in h.adults):
        return no(Step("age", {"min": law("prime_activite.age_minimum")}))
    floor = law("prime_activite.plancher_etudiant") * 169 * law("smic.horaire_brut")
    _, form = socle(h, law)
    base = law("prime_activite.montant_forfaitaire")
    persons = len(h.adults) + len(h.children)
    if form == "rsa_majore":
        guaranteed = base * (law("prime_activite.majoration_isolement_base")
                             + law("prime_activite.majoration_isolement_par_enfant") * len(h.children))
    else:
        guaranteed = base * household_rate(law, "prime_activite", persons, len(h.adults))
    aah_floor = law("prime_activite.seuil_aah_activite") * law("smic.horaire_brut")
    family = family_benefits(before)
    share = law("prime_activite.part_revenus_activite")
    worlds = []
    # the allowances paid first at their least and at their most; without the housing answer, with and
    # without a forfait logement
    worlds_to_try = ((0, False), (1, False), (0, True), (1, True)) if h.housing is None else ((0, False), (1, False))
    for pick, housed in worlds_to_try:
        aspa = before["aspa"].bounds[pick]
        housing = before["aide_logement"].bounds[1 - pick]
        # each adult's AAH counts as earnings when they work enough, otherwise as another resource
        own = [before["aah"].bounds[pick], before["aah_partner"].bounds[pick]][:len(h.adults)]
        as_work = [amount if a.earnings >= aah_floor else 0.0 for a, amount in zip(h.adults, own, strict=True)]
        aah = sum(own)
        earnings = h.earnings + sum(as_work)
        other = h.replacement + family + aspa + (aah - sum(as_work))
        bonuses = sum(bonus(a, a.earnings + w, law) for a, w in zip(h.adults, as_work, strict=True))
        # students and apprentices need earnings above a floor, unless the parent alone has the majoré form
        workers = [a for a, w in zip(h.adults, as_work, strict=True) if a.earnings + w > 0
                   and (not a.student or a.earnings + w > floor or form == "rsa_majore")]
        if not workers:
            students = any(a.student and a.earnings > 0 for a in h.adults)
            worlds.append(no(Step("student_floor", {"amount": floor}) if students else Step("no_earnings")))
            continue
        forfait = forfait_logement(h, law, "prime_activite", housing, assume_housed=housed)

        def compute(factor: float, earnings: float = earnings, other: float = other, bonuses: float = bonuses,
                    forfait: float = forfait, priority: float = aah + aspa) -> tuple[float, tuple[Step, ...]]:
            counted = max((earnings + other) * factor + forfait, guaranteed)
            amount = max(0.0, guaranteed + bonuses + share * earnings - counted)
            steps = (Step("guaranteed", {"amount": guaranteed, "form": form}),
                     Step("activity_share", {"rate": share, "amount": share * earnings}),
                     Step("bonus", {"amount": bonuses}),
                     Step("resources", {"amount": earnings + other, "earnings": earnings, "family": family,
                                        "priority": priority}),
                     Step("housing_forfait", {"amount": forfait}))
            return amount, steps

        worlds.append(means_tested(compute, law("prime_activite.montant_minimum_verse")))
    return either(worlds, frozenset({"rsdae"}))
