"""RSA (Code de l'action sociale et des familles, L262-2 and following): montant forfaitaire for the
household, minus its resources (including AF, ASF, AAH and ASPA, paid first) and the forfait logement.
The majoré form (parent isolé) is the same right: the applicable form is said, never both."""

from __future__ import annotations

from dataclasses import replace

from bot.rules.formulas.base import Law, Result, Step, either, family_benefits, household_rate, means_tested, no
from bot.rules.formulas.housing_forfait import forfait_logement
from bot.rules.household import Household


def socle(h: Household, law: Law) -> tuple[float, str]:
    """The guaranteed amount and its form: the majoré one for a parent alone with a child under 3
    (or expecting one, or recently separated)."""
    base = law("rsa.montant_forfaitaire")
    persons = len(h.adults) + len(h.children)
    standard = base * household_rate(law, "rsa", persons, len(h.adults))
    alone_with_child = not h.couple and (h.children or h.pregnant)
    young = h.children_under(int(law("rsa.majoration_isolement_age_enfant"))) > 0
    if alone_with_child and (young or h.pregnant or h.separated_recently):
        majore = base * (law("rsa.majoration_isolement_base")
                         + law("rsa.majoration_isolement_par_enfant") * len(h.children))
        if majore > standard:
            return majore, "rsa_majore"
    return standard, "rsa"


def rsa(h: Household, law: Law, before: dict[str, Result]) -> Result:
    guaranteed, form = socle(h, law)
    # students are excluded, except a parent alone entitled to the majoré form
    entitled = [a for a in h.adults if (not a.student or form == "rsa_majore")
                and (a.age is not None and a.age >= law("rsa.age_minimum") or h.children or h.pregnant)]
    if not entitled:
        if any(a.student for a in h.adults):
            return no(Step("student"))
        return no(Step("age", {"min": law("rsa.age_minimum")}))
    family = family_benefits(before)
    worlds = []
    # the allowances paid first at their least and at their most; without the housing answer, with and
    # without a forfait logement
    worlds_to_try = ((0, False), (1, False), (0, True), (1, True)) if h.housing is None else ((0, False), (1, False))
    for pick, housed in worlds_to_try:
        aah = before["aah"].bounds[pick] + before["aah_partner"].bounds[pick]
        aspa = before["aspa"].bounds[pick]
        housing = before["aide_logement"].bounds[1 - pick]
        resources = h.earnings + h.replacement + family + aah + aspa
        forfait = forfait_logement(h, law, "rsa", housing, assume_housed=housed)

        def compute(factor: float, resources: float = resources, forfait: float = forfait,
                    aah: float = aah, aspa: float = aspa) -> tuple[float, tuple[Step, ...]]:
            amount = max(0.0, guaranteed - forfait - resources * factor)
            steps = (Step("guaranteed", {"amount": guaranteed, "form": form}),
                     Step("resources", {"amount": resources, "earnings": h.earnings, "family": family,
                                        "priority": aah + aspa}),
                     Step("housing_forfait", {"amount": forfait}))
            return amount, steps

        worlds.append(means_tested(compute, law("rsa.montant_minimum_verse"), form=form))
    result = either(worlds, frozenset({"rsdae"}))
    if not h.couple and form == "rsa":
        # the majoré form stays possible: a recent separation (with children), or a pregnancy not yet said
        missing = {"separated_recently"} if h.children and h.separated_recently is None else set()
        if not h.children and h.pregnant is None:
            missing.add("pregnant")
        if missing:
            return replace(result, steps=(*result.steps, Step("majore_if_separated")), open_forms=("rsa_majore",),
                           form_missing=frozenset(missing))
    return result
