"""Properties of the condition language (bot.rules.conditions) over random trees and random profiles.

Random condition trees are built from every condition type of bot/rules/conditions/ (leaves with
random bounds, all/any/not nodes up to depth 4); random profiles take any subset of the profile keys of
knowledge/profile.yaml with values valid for their type. Laws checked:

* evaluation never raises; the status is one of three; "unknown" exactly when some answer is missing,
  and a missing answer is never one the profile gives;
* not(not c) == c, any([c]) == c, all([c]) == c, De Morgan, order of children does not matter;
* an answer given later, consistently with the earlier ones, never changes a settled status: what was
  "eligible" or "not eligible" stays so (the monotonicity that makes "unknown" honest). The engine's
  two documented estimates are outside the law (the commune assumed to be Nantes until said, the
  quotient familial estimated until the person gives it).

Every real aid of the catalogue is also screened against random profiles: never a crash, and any profile
from outside (`aiguillage screen PROFILE.json`) is either refused by the schema or screened.
"""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.catalogue.conditions import Condition
from bot.catalogue.dated import Dated
from bot.rules.conditions import ELIGIBLE, NOT_ELIGIBLE, UNKNOWN, evaluate
from bot.rules.conditions.age import Age
from bot.rules.conditions.children import Children
from bot.rules.conditions.choice import OneOf
from bot.rules.conditions.compare import OPERATORS, Compare
from bot.rules.conditions.flag import Flag
from bot.rules.conditions.logic import All, AnyOf, Not
from bot.rules.conditions.quotient import QuotientFamilial
from bot.rules.conditions.resources import CEILING_KINDS, Ceiling, Resources
from bot.rules.facts import Facts
from bot.rules.screen import screen

TODAY = date(2026, 11, 23)
STATUSES = (ELIGIBLE, NOT_ELIGIBLE, UNKNOWN)
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMBER_KEYS = ("age", "partner_age", "disability_rate", "work_income", "other_income", "rent", "quotient_familial",
               "household_size", "resources", "qf_estimate")
CHOICE_KEYS = {"housing": ("tenant", "social_tenant", "owner", "hosted_free", "homeless", "emergency_shelter"),
               "employment": ("employed", "self_employed", "unemployed", "student", "retired", "inactive")}
BOOLEAN_KEYS = ("couple", "pregnant", "single_parent")


# ---------------------------------------------------------------------------------- strategies


def dated(values: st.SearchStrategy) -> st.SearchStrategy:
    """A constant, or values each valid from a date: the first in force today, later ones maybe not yet.
    (A value entirely in the future is bug G, tests/test_knowledge_fuzz.py.)"""
    constant = values.map(Dated.constant)
    first = st.tuples(st.dates(date(2020, 1, 1), TODAY), values)
    later = st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)), values), max_size=2)
    entries = st.tuples(first, later).map(lambda pair: Dated(tuple(sorted([pair[0], *pair[1]],
                                                                          key=lambda e: e[0]))))
    return st.one_of(constant, entries)


amounts = st.one_of(st.integers(0, 3000), st.floats(0, 5000, allow_nan=False, allow_infinity=False))
ages_bound = dated(st.integers(0, 120))


@st.composite
def leaves(draw) -> Condition:
    kind = draw(st.sampled_from(("age", "compare", "in", "is", "children", "resources", "quotient_familial")))
    if kind == "age":
        low, high = draw(st.one_of(st.none(), ages_bound)), draw(st.one_of(st.none(), ages_bound))
        assume(low is not None or high is not None)
        return Age(low, high)
    if kind == "compare":
        return Compare(draw(st.sampled_from(NUMBER_KEYS)), draw(st.sampled_from(OPERATORS)), draw(dated(amounts)))
    if kind == "in":
        key = draw(st.sampled_from(sorted(CHOICE_KEYS) + ["commune", "quartier"]))
        pool = CHOICE_KEYS.get(key, ("44109", "44143", "Bellevue", "Malakoff", ""))
        return OneOf(key, tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))))
    if kind == "is":
        return Flag(draw(st.sampled_from(BOOLEAN_KEYS)), draw(st.booleans()))
    if kind == "children":
        low = draw(st.one_of(st.none(), dated(st.integers(0, 6))))
        high = draw(st.one_of(st.none(), dated(st.integers(0, 6))))
        return Children(low if low or high else Dated.constant(1), high,
                        draw(st.one_of(st.none(), st.integers(0, 30))), draw(st.one_of(st.none(), st.integers(0, 30))))
    if kind == "resources":
        ceiling_kind = draw(st.sampled_from(CEILING_KINDS))
        if ceiling_kind == "fixed":
            ceiling = Ceiling("fixed", value=draw(dated(amounts)))
        elif ceiling_kind == "household_scale":
            ceiling = Ceiling("household_scale", base=draw(dated(amounts)))
        else:
            ceiling = Ceiling("per_household", values=draw(dated(st.lists(amounts, min_size=1, max_size=5))),
                              extra=draw(dated(amounts)))
        return Resources(ceiling, draw(st.sampled_from(("month", "year"))), draw(st.floats(0, 0.99)))
    low, high = draw(st.one_of(st.none(), dated(amounts))), draw(st.one_of(st.none(), dated(amounts)))
    assume(low is not None or high is not None)
    return QuotientFamilial(low, high)


conditions = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda cs: All(tuple(cs))),
        st.lists(children, min_size=1, max_size=4).map(lambda cs: AnyOf(tuple(cs))),
        children.map(lambda c: Not(c)),
    ),
    max_leaves=8,
)

PROFILE_VALUES = {
    "age": st.integers(0, 120), "partner_age": st.integers(0, 120), "couple": st.booleans(),
    "children_ages": st.lists(st.integers(0, 30), max_size=6), "pregnant": st.booleans(),
    "work_income": amounts, "other_income": amounts, "housing": st.sampled_from(CHOICE_KEYS["housing"]),
    "rent": amounts, "employment": st.sampled_from(CHOICE_KEYS["employment"]), "disability_rate": st.integers(0, 100),
    "quotient_familial": amounts, "commune": st.sampled_from(("44109", "44143", "44190")),
    "quartier": st.sampled_from(("Bellevue", "Malakoff", "Nantes Nord")),
}


@st.composite
def profiles(draw, keys: tuple[str, ...] = tuple(PROFILE_VALUES)) -> dict:
    chosen = draw(st.lists(st.sampled_from(keys), unique=True))
    return {key: draw(PROFILE_VALUES[key]) for key in chosen}


def status(condition: Condition, profile: dict) -> str:
    return evaluate(condition, Facts(profile), TODAY).status


# ------------------------------------------------------------------------------------ laws


@PROPERTY
@given(conditions, profiles())
def test_evaluation_never_raises_and_unknown_means_an_answer_is_missing(condition, profile):
    outcome = evaluate(condition, Facts(profile), TODAY)
    assert outcome.status in STATUSES
    assert (outcome.status == UNKNOWN) == bool(outcome.missing)
    assert not outcome.missing & {key for key, value in profile.items() if value is not None}
    for reason in outcome.reasons:
        assert reason.status in STATUSES


@PROPERTY
@given(conditions, profiles())
def test_double_negation_and_single_child_combinators_change_nothing(condition, profile):
    facts = Facts(profile)
    plain = evaluate(condition, facts, TODAY)
    twice = evaluate(Not(Not(condition)), facts, TODAY)
    assert (twice.status, twice.missing) == (plain.status, plain.missing)
    for combinator in ("any", "all"):
        single = evaluate({"all": All, "any": AnyOf}[combinator]((condition,)), facts, TODAY)
        assert single.status == plain.status
        assert single.missing == plain.missing


@PROPERTY
@given(conditions, conditions, profiles())
def test_de_morgan_and_order_of_children(left, right, profile):
    def neg(c: Condition) -> Condition:
        return Not(c)

    both = All((left, right))
    either = AnyOf((left, right))
    assert status(neg(both), profile) == status(AnyOf((neg(left), neg(right))), profile)
    assert status(neg(either), profile) == status(All((neg(left), neg(right))), profile)
    assert status(both, profile) == status(All((right, left)), profile)
    assert status(either, profile) == status(AnyOf((right, left)), profile)


def test_empty_combinators():
    assert status(All(), {}) == ELIGIBLE
    assert status(AnyOf(), {}) == NOT_ELIGIBLE


# The two documented estimates (facts.py): left out of the monotonicity law.
ESTIMATED = ("commune", "quotient_familial")
CONSISTENT_KEYS = tuple(k for k in PROFILE_VALUES if k not in ESTIMATED)


@PROPERTY
@given(conditions, profiles(CONSISTENT_KEYS), profiles(CONSISTENT_KEYS))
def test_a_later_answer_never_unsettles_a_settled_status(condition, known, later):
    before = status(condition, known)
    extended = {**later, **known}  # the later answers only add keys: consistent with the first ones
    after = status(condition, extended)
    if before != UNKNOWN:
        assert after == before, (before, after, known, extended)


@PROPERTY
@given(conditions, profiles(CONSISTENT_KEYS))
def test_every_unknown_can_be_settled_by_the_missing_answers(condition, profile):
    """Give every missing answer: the status is then settled (nothing stays unknown for ever)."""
    complete = dict(profile)
    for key in PROFILE_VALUES:
        complete.setdefault(key, {"children_ages": [], "couple": False, "pregnant": False, "housing": "tenant",
                                  "employment": "employed", "commune": "44109", "quartier": "Bellevue"}.get(key, 1))
    assert status(condition, complete) in (ELIGIBLE, NOT_ELIGIBLE)


# --------------------------------------------------------------------------- the real catalogue


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(profile=profiles())
def test_every_aid_of_the_catalogue_screens_any_valid_profile(catalogue, profile):
    assert catalogue.profile.validate(profile) == []
    results = screen(catalogue, profile, TODAY)
    assert len(results) == len([a for a in catalogue.aids.values() if not a.same_right_as])  # one per right
    for result in results:
        assert result.status in STATUSES
        if result.amount is not None and result.amount.value is not None:
            assert math.isfinite(result.amount.value) and result.amount.value >= 0
        result.as_dict()


json_values = st.recursive(st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.text(max_size=20)
                           | st.floats(allow_nan=False, allow_infinity=False),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                      max_size=4), max_leaves=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(profile=st.dictionaries(st.sampled_from(sorted(PROFILE_VALUES) + ["x", "single_parent"]), json_values,
                               max_size=8))
def test_a_profile_from_outside_is_refused_or_screened(catalogue, profile):
    """What `aiguillage screen PROFILE.json` does: validate, then screen; never a crash in between."""
    problems = catalogue.profile.validate(profile)
    if not problems:
        screen(catalogue, profile, TODAY)


# ------------------------------------------------------------------------------ bugs found
# Each was found by these properties, then fixed; kept as regressions (docs/hardening.md, "Bugs found").


@pytest.mark.parametrize("key", ["age", "work_income", "quotient_familial"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_bug_f_a_profile_with_nan_or_infinity_is_refused_not_a_crash(catalogue, key, value):
    """Was: check_value called int() before the range check: ValueError / OverflowError."""
    assert catalogue.profile.validate({key: value})


def test_bug_e_an_unknown_pregnancy_does_not_rule_out_single_parent_aids(catalogue):
    """Was: alone, no child, pregnancy unknown: "single parent" assumed false, RSA majoré ruled out (and the
    question never asked), then eligible once "pregnant: yes" was given."""
    alone = {"age": 30, "couple": False, "children_ages": [], "work_income": 0, "other_income": 0}
    statuses = {r.aid.id: r.status for r in screen(catalogue, alone, TODAY, ["rsa_majore"])}
    pregnant = {r.aid.id: r for r in screen(catalogue, {**alone, "pregnant": True}, TODAY)}
    # the RSA majoré is a form of the RSA, shown as the RSA in that form
    assert pregnant["rsa"].status == ELIGIBLE and pregnant["rsa"].form == "rsa_majore"
    assert statuses["rsa_majore"] != NOT_ELIGIBLE  # unknown until the pregnancy is asked


def test_single_parent_is_monotonic_over_every_combination_of_its_answers():
    """Every partial profile of couple / children / pregnancy, and every consistent extension of it."""
    import itertools

    condition = Flag("single_parent", True)
    choices = {"couple": (None, True, False), "children_ages": (None, [], [3]), "pregnant": (None, True, False)}
    profiles_ = [{k: v for k, v in zip(choices, values, strict=False) if v is not None}
                 for values in itertools.product(*choices.values())]
    for known in profiles_:
        before = status(condition, known)
        for later in profiles_:
            after = status(condition, {**later, **known})
            assert before == UNKNOWN or after == before, (known, later, before, after)
