"""Complémentaire santé solidaire (CSS, L861-1): free under a ceiling, with a participation under the
ceiling raised by 35 %; free with the RSA. Resources of the last 12 months, with the allowances and a
forfait logement counted."""

from __future__ import annotations

from bot.rules.formulas.base import NEAR, Law, Result, Step, family_benefits, no
from bot.rules.household import Household
from bot.rules.status import ELIGIBLE, UNKNOWN


def ceiling(h: Household, law: Law) -> float:
    persons = len(h.adults) + sum(1 for c in h.children if c <= 25)
    rate = 1.0 + (law("c2s.coefficient_deuxieme_personne") if persons >= 2 else 0.0) \
        + law("c2s.coefficient_troisieme_quatrieme") * max(0, min(persons, 4) - 2) \
        + law("c2s.coefficient_cinquieme_plus") * max(0, persons - 4)
    return law("c2s.plafond_base") * rate


def forfait(h: Household, law: Law, housing_aid: float) -> float:
    persons = min(len(h.adults) + len(h.children), 3)
    base = law("rsa.montant_forfaitaire")
    rate = 1.0 + (law("rsa.majoration_deuxieme_personne") if persons >= 2 else 0.0) \
        + (law("rsa.majoration_troisieme_personne") if persons >= 3 else 0.0)
    yearly = 12 * base * rate
    if h.housing in ("owner", "hosted_free"):
        share = law("c2s.forfait_logement_1_personne") if persons == 1 else \
            law(f"c2s.forfait_logement_{persons}_personnes_sans_aide")
        return yearly * share
    if h.tenant and housing_aid > 0:
        share = law("c2s.forfait_logement_1_personne") if persons == 1 else law(f"c2s.forfait_logement_{persons}_personnes")
        return min(12 * housing_aid, yearly * share)
    return 0.0


def c2s(h: Household, law: Law, before: dict[str, Result]) -> Result:
    free_limit = ceiling(h, law)
    limit = free_limit * (1 + law("c2s.majoration_participation"))
    if before["rsa"].status == ELIGIBLE:
        return Result(ELIGIBLE, 0.0, steps=(Step("c2s_rsa"),), form="free")
    results = []
    # the forfait of a housing aid is counted from the aid of the reference months: with and without it
    worlds = ((0, True), (1, True), (1, False)) if h.tenant else ((0, True), (1, True))
    for pick, with_forfait in worlds:
        aah = sum(max(0.0, before[n].bounds[pick] - law("c2s.abattement_aah")) for n in ("aah", "aah_partner"))
        aspa_cut = law("c2s.abattement_aspa_couple") if h.couple else law("c2s.abattement_aspa_personne_seule")
        aspa = max(0.0, before["aspa"].bounds[pick] - aspa_cut) if before["aspa"].bounds[pick] else 0.0
        allowances = 12 * (aah + aspa + family_benefits(before, counted_whole=True))
        resources = 12 * (h.earnings + h.replacement) + allowances \
            + (forfait(h, law, before["aide_logement"].bounds[pick]) if with_forfait else 0.0)
        shown_limit = free_limit if resources <= free_limit else limit
        steps = (Step("yearly_resources", {"amount": resources, "ceiling": shown_limit}),)
        if resources <= free_limit * (1 - NEAR):
            results.append(Result(ELIGIBLE, 0.0, steps=steps, form="free"))
        elif resources <= free_limit:
            results.append(Result(UNKNOWN, None, steps=(*steps, Step("near_limit")), form="free"))
        elif resources <= free_limit * (1 + NEAR):
            results.append(Result(UNKNOWN, None, steps=(*steps, Step("near_limit")), form="participation"))
        elif resources <= limit * (1 - NEAR):
            results.append(Result(ELIGIBLE, None, steps=steps, form="participation"))
        elif resources <= limit * (1 + NEAR):
            results.append(Result(UNKNOWN, None, steps=(*steps, Step("near_limit")), form="participation"))
        else:
            results.append(no(*steps))
    result = results[0]
    if len({(r.status, r.form) for r in results}) > 1:
        result = Result(UNKNOWN, None, steps=results[0].steps, form=results[0].form,
                        missing=before["aah"].missing | before["aspa"].missing)
    if before["rsa"].status == UNKNOWN and not (result.status == ELIGIBLE and result.form == "free"):
        # the RSA, if it is paid, makes it free
        return Result(UNKNOWN, None, steps=result.steps, form="free", missing=result.missing | before["rsa"].missing)
    return result
