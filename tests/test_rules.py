"""The condition language: three-valued answers with reasons a person can read."""

from datetime import date

import pytest
import yaml

from bot.catalogue import KNOWLEDGE_DIR
from bot.catalogue.conditions import ConditionParser
from bot.catalogue.profile import load_profile_schema
from bot.i18n import translator
from bot.rules.conditions import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, combine_all, evaluate
from bot.rules.explain import reason_text
from bot.rules.facts import Facts, caf_parts, household_scale

TODAY = date(2026, 11, 22)
SCHEMA = load_profile_schema(yaml.safe_load((KNOWLEDGE_DIR / "profile.yaml").read_text()), print)


def rule(text: str):
    problems = []
    parsed = ConditionParser(SCHEMA, lambda field, message: problems.append((field, message))).parse_list(
        yaml.safe_load(text), "conditions")
    assert not problems, problems
    return parsed


def status(conditions, profile):
    return combine_all([evaluate(c, Facts(profile), TODAY) for c in conditions])


RSA_AGE = rule("""
- type: any
  conditions:
    - {type: age, min: 25}
    - {type: is, key: pregnant, value: true}
    - {type: children, min: 1}
""")


def test_an_age_below_the_minimum_is_a_no_with_its_reason():
    outcome = status(rule("[{type: age, min: 25}]"), {"age": 23})
    assert outcome.status == NOT_ELIGIBLE
    text = reason_text(outcome.reasons[0], translator("fr"), None)
    assert text == "Vous avez 23 ans. Il faut avoir 25 ans ou plus."


def test_a_missing_answer_leaves_the_aid_unknown_not_refused():
    outcome = status(rule("[{type: age, min: 25}]"), {})
    assert outcome.status == UNKNOWN
    assert outcome.missing == {"age"}


def test_any_is_settled_by_one_branch_even_when_others_are_unknown():
    assert status(RSA_AGE, {"age": 30}).status == ELIGIBLE
    assert status(RSA_AGE, {"age": 22, "children_ages": [2]}).status == ELIGIBLE
    young = status(RSA_AGE, {"age": 22})
    assert young.status == UNKNOWN and young.missing == {"pregnant", "children_ages"}
    assert status(RSA_AGE, {"age": 22, "pregnant": False, "children_ages": []}).status == NOT_ELIGIBLE


def test_one_no_settles_all_even_with_missing_answers():
    conditions = rule("[{type: age, min: 65}, {type: in, key: housing, values: [tenant]}]")
    assert status(conditions, {"age": 40}).status == NOT_ELIGIBLE


def test_resources_are_compared_to_a_ceiling_that_grows_with_the_household():
    conditions = rule("""
- type: resources
  period: year
  ceiling: {kind: per_household, values: [10339, 15508, 18609, 21711], extra: 4135}
""")
    alone = {"couple": False, "children_ages": [], "work_income": 800, "other_income": 0}
    assert status(conditions, alone).status == ELIGIBLE  # 9 600 € a year
    assert status(conditions, {**alone, "work_income": 900}).status == NOT_ELIGIBLE  # 10 800 €
    six = {"couple": True, "children_ages": [1, 2, 3, 4], "work_income": 2400, "other_income": 0}
    assert status(conditions, six).status == ELIGIBLE  # ceiling 21 711 + 2 × 4 135 = 29 981


def test_near_the_ceiling_the_reason_says_so():
    conditions = rule("[{type: resources, ceiling: {kind: fixed, value: 1000}}]")
    outcome = status(conditions, {"work_income": 950, "other_income": 0})
    assert outcome.status == ELIGIBLE
    assert "proche du plafond" in reason_text(outcome.reasons[0], translator("fr"), None)


def test_dated_values_follow_the_day_of_the_answer():
    conditions = rule("""
- type: resources
  ceiling: {kind: fixed, value: [{valid_from: 2025-04-01, value: 100}, {valid_from: 2026-04-01, value: 200}]}
""")
    profile = {"work_income": 150, "other_income": 0}
    assert combine_all([evaluate(c, Facts(profile), date(2026, 1, 1)) for c in conditions]).status == NOT_ELIGIBLE
    assert combine_all([evaluate(c, Facts(profile), date(2026, 4, 1)) for c in conditions]).status == ELIGIBLE


def test_the_quotient_familial_is_estimated_from_income_and_caf_parts():
    conditions = rule("[{type: quotient_familial, max: 650}]")
    # 1 625 € for a single parent of one child: 2.5 parts, QF 650
    profile = {"couple": False, "children_ages": [5], "work_income": 1625, "other_income": 0}
    outcome = status(conditions, profile)
    assert outcome.status == ELIGIBLE
    assert outcome.reasons[0].params["estimated"] is True
    assert status(conditions, {"quotient_familial": 700}).status == NOT_ELIGIBLE


@pytest.mark.parametrize("couple, children, parts", [(False, 0, 2), (True, 2, 3), (True, 3, 4), (False, 5, 5)])
def test_caf_parts_are_the_same_for_a_couple_and_a_person_alone(couple, children, parts):
    # The CAF counts 2 parts for the parent or parents: `couple` is in the table to say it makes no difference.
    assert caf_parts(children) == parts


@pytest.mark.parametrize("persons, children, scale", [(1, 0, 1.0), (2, 0, 1.5), (2, 1, 1.5), (3, 2, 1.8),
                                                      (4, 2, 2.1), (4, 3, 2.2), (5, 3, 2.5)])
def test_the_rsa_household_scale(persons, children, scale):
    assert household_scale(persons, children) == pytest.approx(scale)


def test_not_flips_the_answer_and_keeps_unknown():
    conditions = rule("[{type: not, condition: {type: in, key: employment, values: [student]}}]")
    assert status(conditions, {"employment": "student"}).status == NOT_ELIGIBLE
    assert status(conditions, {"employment": "unemployed"}).status == ELIGIBLE
    assert status(conditions, {}).status == UNKNOWN


def test_the_commune_is_assumed_to_be_nantes_until_said_otherwise():
    conditions = rule("[{type: in, key: commune, values: ['44109']}]")
    assert status(conditions, {}).status == ELIGIBLE
    assert status(conditions, {"commune": "44143"}).status == NOT_ELIGIBLE


@pytest.mark.parametrize("bad, field", [
    ("[{type: agee, min: 3}]", "conditions[0].type"),
    ("[{type: age}]", "conditions[0]"),
    ("[{type: compare, key: salary, op: '>', value: 3}]", "conditions[0].key"),
    ("[{type: compare, key: age, op: '=>', value: 3}]", "conditions[0].op"),
    ("[{type: in, key: housing, values: [castle]}]", "conditions[0].values"),
    ("[{type: resources, ceiling: {kind: magic}}]", "conditions[0].ceiling.kind"),
    ("[{type: age, min: 'vingt'}]", "conditions[0].min"),
    ("[{type: all, conditions: [{type: is, key: couple, value: 3}]}]", "conditions[0].conditions[0].value"),
])
def test_a_malformed_condition_is_refused_naming_the_field(bad, field):
    problems = []
    ConditionParser(SCHEMA, lambda f, m: problems.append(f)).parse_list(yaml.safe_load(bad), "conditions")
    assert field in problems


def test_every_reason_can_be_said_before_the_answers_are_known(catalogue):
    """The desk shows every condition, answered or not: no reason may fail to be put into words."""
    from bot.catalogue.conditions import walk
    from bot.rules.conditions import evaluate as evaluate_condition

    t = translator("fr")
    for aid in catalogue.aids.values():
        for condition in walk(aid.conditions):
            for reason in evaluate_condition(condition, Facts({}), TODAY).reasons:
                assert reason_text(reason, t, catalogue), (aid.id, reason)
