"""OpenFisca-France is the executable specification of the national rights (issue 14).

3 000 seeded households (ages, couples, children, each adult's earnings, pensions, unemployment benefit,
disability rates, housing kinds and rents, students) go through Aiguillage and through one vectorised
OpenFisca simulation (the tax-benefit system loaded once per session). Compared at the month the catalogue
answers for. What OpenFisca assumes and we cannot ask is listed in docs/openfisca.md.
To review by hand: `python bench/openfisca_compare.py` (writes bench/OPENFISCA.md).
"""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("openfisca_france", reason="the test extra brings openfisca-france")

from tests.openfisca.compare import AMOUNTS, ZERO_FALSE_NO, run, table  # noqa: E402

pytestmark = pytest.mark.slow
HOUSEHOLDS = 3000


@pytest.fixture(scope="module")
def report(catalogue):
    return run(catalogue, HOUSEHOLDS, seed=2026, today=date(2026, 11, 23))


def test_the_comparison_covers_every_benefit(report):
    assert report["households"] >= 3000
    assert set(ZERO_FALSE_NO) <= set(report["tallies"])


@pytest.mark.parametrize("benefit", ZERO_FALSE_NO)
def test_no_one_entitled_is_told_no(report, benefit):
    tally = report["tallies"][benefit]
    assert tally.false_no == 0, (table(report), tally.examples)


def test_false_yes_stay_under_2_percent_of_decided_pairs(report):
    decided = sum(t.decided for t in report["tallies"].values())
    false_yes = sum(t.false_yes for t in report["tallies"].values())
    assert false_yes < 0.02 * decided, table(report)


def test_the_form_of_the_c2s_is_right(report):
    total, right = report["forms"]["c2s"]
    assert right >= 0.95 * total, table(report)


@pytest.mark.parametrize("benefit", AMOUNTS)
def test_amounts_are_within_10_percent_or_15_euros(report, benefit):
    tally = report["tallies"][benefit]
    assert tally.both_paid and tally.amount_ok >= 0.95 * tally.both_paid, (table(report), tally.examples)
