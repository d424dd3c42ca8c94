"""The national rights as the law computes them: every example of issue 14 answers right, and the formulas
keep their order (AAH and ASPA before the RSA)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import translator
from bot.rules.explain import reason_text
from bot.rules.formulas import FORMULAS, NEEDS, ORDER
from bot.rules.screen import screen

TODAY = date(2026, 11, 23)
ALONE = {"couple": False, "children_ages": [], "pregnant": False, "other_income": 0, "disability_rate": 0,
         "commune": "44109"}


def results(catalogue, profile):
    return {r.aid.id: r for r in screen(catalogue, profile, TODAY)}


def test_the_order_is_explicit_and_each_formula_comes_after_what_it_reads():
    done: set[str] = set()
    for step in ORDER:
        names = step if isinstance(step, tuple) else (step,)
        for name in names:
            assert set(NEEDS[name]) - done - set(names) == set(), name
        done |= set(names)
    assert done == set(FORMULAS)
    assert ORDER.index("aah") < ORDER.index(("rsa", "aide_logement")) and ORDER.index("aspa") < ORDER.index(
        ("rsa", "aide_logement"))


@pytest.mark.parametrize("earnings, housing_aid", [(1450, False), (3800, False), (700, True)])
def test_housing_aid_follows_income_and_rent(catalogue, earnings, housing_aid):
    """Was: "probable" for every tenant. 1 450 € or 3 800 € with a 600 € rent: no housing aid."""
    found = results(catalogue, {**ALONE, "age": 35, "work_income": earnings, "housing": "tenant", "rent": 600,
                                "employment": "employed"})
    assert (found["aide_logement"].status == "eligible") is housing_aid
    assert found["aide_logement"].status != "unknown"


def test_at_65_without_pension_it_is_the_aspa_not_the_rsa(catalogue):
    found = results(catalogue, {**ALONE, "age": 65, "work_income": 0, "housing": "homeless",
                                "employment": "retired"})
    assert found["aspa"].status == "eligible" and found["aspa"].amount.value == pytest.approx(1043.6, abs=0.01)
    assert found["rsa"].status == "not_eligible"


def test_the_majore_form_needs_a_child_under_3_or_a_recent_separation(catalogue):
    mother = {**ALONE, "age": 34, "children_ages": [4, 9], "work_income": 0, "housing": "homeless",
              "employment": "unemployed"}
    found = results(catalogue, mother)
    assert found["rsa"].status == "eligible" and found["rsa"].form == "rsa"
    assert "rsa_majore" not in found  # one right, in its applicable form
    t = translator("fr")
    assert any("moins de 18 mois" in reason_text(r, t, catalogue) for r in found["rsa"].reasons)
    separated = results(catalogue, {**mother, "separated_recently": True})
    assert separated["rsa"].form == "rsa_majore"
    assert separated["rsa"].amount.value > found["rsa"].amount.value


def test_a_mother_earning_900_gets_no_rsa_majore_amount_beside_the_rsa(catalogue):
    found = results(catalogue, {**ALONE, "age": 30, "children_ages": [1], "work_income": 900, "housing": "homeless",
                                "employment": "employed"})
    assert "rsa_majore" not in found  # never printed beside the RSA as if both were paid
    # her earnings, the PAJE and the ASF forfait exceed the majoré amount for two (1 115,80 €): no RSA at all
    assert found["rsa"].status == "not_eligible"


def test_students_are_not_promised_the_rsa(catalogue):
    found = results(catalogue, {**ALONE, "age": 26, "work_income": 0, "housing": "tenant", "rent": 400,
                                "employment": "student"})
    assert found["rsa"].status == "not_eligible"


def test_aah_at_50_to_79_percent_is_to_check_and_not_after_64(catalogue):
    adult = {**ALONE, "age": 40, "disability_rate": 60, "work_income": 0, "housing": "homeless",
             "employment": "inactive"}
    assert results(catalogue, adult)["aah"].status == "unknown"
    assert results(catalogue, adult)["aah"].missing == {"rsdae"}
    assert results(catalogue, {**adult, "age": 66})["aah"].status == "not_eligible"
    assert results(catalogue, {**adult, "rsdae": True})["aah"].status == "eligible"


def test_aah_counts_the_applicants_own_resources(catalogue):
    found = results(catalogue, {**ALONE, "age": 40, "disability_rate": 80, "work_income": 0, "other_income": 1500,
                                "housing": "homeless", "employment": "retired"})
    assert found["aah"].status == "not_eligible"


def test_aspa_looks_at_either_partner(catalogue):
    couple = {**ALONE, "couple": True, "age": 64, "partner_age": 67, "work_income": 0, "other_income": 600,
              "partner_work_income": 0, "partner_other_income": 600, "housing": "tenant", "rent": 500,
              "employment": "retired", "partner_employment": "retired", "partner_disability_rate": 0}
    assert results(catalogue, couple)["aspa"].status == "eligible"


def test_services_for_nantes_are_not_promised_in_reze_and_open_services_say_so(catalogue):
    found = results(catalogue, {"commune": "44143"})
    assert found["accueils_de_jour"].status == "not_eligible"
    assert results(catalogue, {"commune": "44109"})["accueils_de_jour"].open_to_all


def test_every_formula_step_can_be_said_in_every_language(catalogue):
    profiles = [
        {**ALONE, "age": 30, "children_ages": [1, 4], "work_income": 900, "housing": "social_tenant", "rent": 450,
         "employment": "employed"},
        {**ALONE, "age": 40, "disability_rate": 60, "work_income": 0, "housing": "tenant", "rent": 900,
         "employment": "student"},
        {**ALONE, "age": 19, "disability_rate": 80, "work_income": 300, "housing": "hosted_free",
         "employment": "employed"},
    ]
    for lang in ("fr", "en", "ar"):
        t = translator(lang)
        for profile in profiles:
            for result in screen(catalogue, profile, TODAY):
                for reason in result.reasons:
                    text = reason_text(reason, t, catalogue)
                    assert text and text != "formula", (lang, result.aid.id, reason)
