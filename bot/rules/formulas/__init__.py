"""The national rights computed as the law computes them, in an explicit order.

Each formula is a small pure function (household, law, results before it) -> Result, in its own module,
written in the law's terms. ORDER says which comes first: AAH and ASPA are paid before the RSA and count
in its resources; the RSA and the housing aid depend on each other (the forfait logement one way, the
neutralised resources the other), which `compute_all` settles explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from bot.catalogue.parameters import Parameters
from bot.rules.facts import Facts
from bot.rules.formulas.aah import aah, aah_partner
from bot.rules.formulas.aspa import aspa
from bot.rules.formulas.base import Compute, Law, Result, either, no, over_splits, paid, to_check
from bot.rules.formulas.c2s import c2s
from bot.rules.formulas.famille import af, ars, asf, cf, paje
from bot.rules.formulas.logement import aide_logement
from bot.rules.formulas.ppa import ppa
from bot.rules.formulas.rsa import rsa
from bot.rules.household import Household, build
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE

FORMULAS: dict[str, Compute] = {"aah": aah, "aah_partner": aah_partner, "aspa": aspa, "af": af, "paje": paje,
                                "cf": cf, "asf": asf, "ars": ars, "rsa": rsa,
                                "aide_logement": aide_logement, "ppa": ppa, "c2s": c2s}
# What each formula reads from the ones before it; ("rsa", "aide_logement") are settled together.
FAMILY = ("af", "paje", "cf", "asf")
NEEDS: dict[str, tuple[str, ...]] = {"aah": (), "aah_partner": (), "aspa": ("aah", "aah_partner"),
                                     "af": (), "paje": (), "cf": (), "asf": (), "ars": (),
                                     "rsa": ("aah", "aah_partner", "aspa", *FAMILY, "aide_logement"),
                                     "aide_logement": ("rsa", "aah", "aah_partner"),
                                     "ppa": ("aah", "aah_partner", "aspa", *FAMILY, "aide_logement"),
                                     "c2s": ("rsa", "aah", "aah_partner", "aspa", *FAMILY, "aide_logement")}
ORDER: tuple[str | tuple[str, str], ...] = ("aah", "aah_partner", "aspa", *FAMILY, "ars", ("rsa", "aide_logement"), "ppa", "c2s")


def _rsa_and_housing(h: Household, law: Law, done: dict[str, Result]) -> tuple[Result, Result]:
    """The housing aid neutralises the resources of an RSA household; the RSA counts the housing aid up to
    its forfait logement. Try both worlds; keep the one that is consistent."""
    with_rsa = aide_logement(h, law, {**done, "rsa_paid": paid(1.0)})
    without_rsa = aide_logement(h, law, {**done, "rsa_paid": no()})
    rsa_if_neutralised = rsa(h, law, {**done, "aide_logement": with_rsa})
    if rsa_if_neutralised.status == ELIGIBLE:
        return rsa_if_neutralised, with_rsa
    rsa_otherwise = rsa(h, law, {**done, "aide_logement": without_rsa})
    if rsa_if_neutralised.status == NOT_ELIGIBLE and rsa_otherwise.status == NOT_ELIGIBLE:
        return rsa_otherwise, without_rsa
    return either([rsa_if_neutralised, rsa_otherwise], rsa_if_neutralised.missing | rsa_otherwise.missing), \
        either([with_rsa, without_rsa], frozenset({"rsdae"}))


def compute_all(facts: Facts, parameters: Parameters, today: date) -> Mapping[str, Result]:
    household, missing = build(facts)
    if household is None:
        return {name: to_check(missing) for name in FORMULAS}
    law = Law(parameters, today)
    worlds = [_compute(h, law) for h in household.splits()]
    if len(worlds) == 1:
        return worlds[0]
    # the partner's share of the incomes was not said: one answer only where every share gives it
    return {name: over_splits([world[name] for world in worlds]) for name in FORMULAS}


def _compute(household: Household, law: Law) -> dict[str, Result]:
    done: dict[str, Result] = {}
    for step in ORDER:
        if isinstance(step, tuple):
            done["rsa"], done["aide_logement"] = _rsa_and_housing(household, law, done)
        else:
            done[step] = FORMULAS[step](household, law, done)
    return done


__all__ = ["FORMULAS", "NEEDS", "ORDER", "Result", "compute_all"]
