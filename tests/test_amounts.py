"""Amount estimates a person is told, against figures computed by hand from the sources."""

from datetime import date

import pytest

from bot.rules.screen import screen

NOV_2026 = date(2026, 11, 22)
ALONE = {"couple": False, "children_ages": [], "pregnant": False, "housing": "homeless"}


def amount(catalogue, aid_id, profile, today=NOV_2026):
    return next(r for r in screen(catalogue, profile, today) if r.aid.id == aid_id).amount


def test_rsa_for_a_person_alone_without_income_is_the_full_base(catalogue):
    assert amount(catalogue, "rsa", {**ALONE, "age": 30, "work_income": 0, "other_income": 0}).value == 651.69


def test_rsa_follows_the_base_of_the_day(catalogue):
    profile = {**ALONE, "age": 30, "work_income": 0, "other_income": 0}
    assert amount(catalogue, "rsa", profile, date(2026, 3, 31)).value == 646.52


def test_rsa_takes_the_household_into_account_and_subtracts_resources(catalogue):
    # Was 651.69 × 2.1 − 300: that forgot the allocations familiales (153,01 € for 2 children), which the RSA
    # counts as a resource (CASF, R262-6), and the PAJE allocation de base for the child under 3 (199,15 €).
    couple_two_children = {"age": 35, "couple": True, "partner_age": 36, "children_ages": [2, 5], "work_income": 0,
                           "other_income": 300, "housing": "homeless"}
    af, paje = 478.16 * 0.32, 478.16 * 0.4165
    expected = 651.69 * 2.1 - 300 - af - paje
    assert amount(catalogue, "rsa", couple_two_children).value == pytest.approx(expected, abs=0.01)


def test_without_the_housing_answer_the_rsa_is_a_range_not_a_guess(catalogue):
    """Housed for free or with a housing aid, the CAF counts a forfait logement (78,20 € for one person)."""
    estimate = amount(catalogue, "rsa", {**ALONE, "housing": None, "age": 30, "work_income": 0, "other_income": 0})
    assert estimate.value is None
    assert (estimate.min, estimate.max) == (pytest.approx(651.69 * 0.88, abs=0.01), 651.69)


def test_prime_activite_counts_the_larger_of_resources_and_the_guaranteed_amount(catalogue):
    # Was 59,85 % × 800 €, i.e. without the bonus and with the resources below the montant forfaitaire: her
    # resources (800 € + AF 153,01 € + the ASF forfait 2 × 107,59 €) exceed it, and she earns a small bonus.
    mother = {"age": 28, "couple": False, "children_ages": [3, 7], "work_income": 800, "other_income": 0,
              "employment": "employed", "housing": "homeless"}
    guaranteed = 638.28 * 1.8
    bonus = round(0.377 * 638.28, 2) * (800 - 59 * 12.31) / ((138 - 59) * 12.31)
    resources = 800 + 478.16 * 0.32 + 2 * 478.16 * 0.225
    estimate = amount(catalogue, "prime_activite", mother)
    assert estimate.estimate is True
    assert estimate.value == pytest.approx(guaranteed + bonus + 0.5985 * 800 - max(resources, guaranteed), abs=0.01)


@pytest.mark.parametrize("age, contribution", [(25, 8), (45, 14), (55, 21), (65, 25), (75, 30)])
def test_the_c2s_contribution_depends_on_age(catalogue, age, contribution):
    assert amount(catalogue, "css_participation", {**ALONE, "age": age}).value == contribution
