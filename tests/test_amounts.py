"""Amount estimates a person is told, against figures computed by hand from the sources."""

from datetime import date

import pytest

from bot.rules.screen import screen

NOV_2026 = date(2026, 11, 22)
ALONE = {"couple": False, "children_ages": [], "pregnant": False}


def amount(catalogue, aid_id, profile, today=NOV_2026):
    return next(r for r in screen(catalogue, profile, today) if r.aid.id == aid_id).amount


def test_rsa_for_a_person_alone_without_income_is_the_full_base(catalogue):
    assert amount(catalogue, "rsa", {**ALONE, "age": 30, "work_income": 0, "other_income": 0}).value == 651.69


def test_rsa_follows_the_base_of_the_day(catalogue):
    profile = {**ALONE, "age": 30, "work_income": 0, "other_income": 0}
    assert amount(catalogue, "rsa", profile, date(2026, 3, 31)).value == 646.52


def test_rsa_takes_the_household_into_account_and_subtracts_resources(catalogue):
    couple_two_children = {"age": 35, "couple": True, "children_ages": [2, 5], "work_income": 0,
                           "other_income": 300}
    assert amount(catalogue, "rsa", couple_two_children).value == pytest.approx(651.69 * 2.1 - 300, abs=0.01)


def test_prime_activite_counts_the_larger_of_resources_and_the_guaranteed_amount(catalogue):
    mother = {"age": 28, "couple": False, "children_ages": [3, 7], "work_income": 800, "other_income": 0,
              "employment": "employed"}
    estimate = amount(catalogue, "prime_activite", mother)
    assert estimate.estimate is True
    assert estimate.value == pytest.approx(0.5985 * 800, abs=0.01)


@pytest.mark.parametrize("age, contribution", [(25, 8), (45, 14), (55, 21), (65, 25), (75, 30)])
def test_the_c2s_contribution_depends_on_age(catalogue, age, contribution):
    assert amount(catalogue, "css_participation", {**ALONE, "age": age}).value == contribution
