"""The forfait logement: a person housed for free, an owner without a loan, or one receiving a housing aid
has less to pay; RSA and prime d'activité count a fixed part of their montant forfaitaire as a resource."""

from __future__ import annotations

from bot.rules.formulas.base import Law
from bot.rules.household import Household


def forfait_logement(h: Household, law: Law, prefix: str, housing_aid: float, assume_housed: bool = False) -> float:
    """`assume_housed`: the housing answer is missing, count the forfait as for a person housed for free."""
    persons = len(h.adults) + len(h.children)
    capped = min(persons, 3)  # the forfait stops growing at 3 persons
    base = law(f"{prefix}.montant_forfaitaire")
    rate = 1.0 + (law(f"{prefix}.majoration_deuxieme_personne") if capped >= 2 else 0.0) \
        + (law(f"{prefix}.majoration_troisieme_personne") if capped >= 3 else 0.0)
    share = law(f"{prefix}.forfait_logement_{capped}_personne" + ("s" if capped > 1 else ""))
    forfait = base * rate * share
    if h.housing in ("owner", "hosted_free") or assume_housed:
        return forfait
    if h.tenant and housing_aid > 0:
        return min(housing_aid, forfait)
    return 0.0
