"""Numbers and words as people type them."""

import pytest

from bot.dialog.text import clean, fold, numbers


@pytest.mark.parametrize("typed, expected", [
    ("j'ai 23 ans", [23]),
    ("vingt-trois", [23]),
    ("dix-huit ans", [18]),
    ("1 200 €", [1200]),
    ("1200e par mois", [1200]),
    ("1.200", [1200]),
    ("1 234,50", [1234.5]),
    ("mille deux cents euros", [1200]),
    ("2,5k", [2500]),
    ("٣٥", [35]),  # Arabic-Indic digits
    ("۴۰", [40]),  # Persian digits
    ("-0", [0]),
    ("rien", []),
])
def test_numbers_are_read_the_french_way(typed, expected):
    assert numbers(typed) == expected


def test_invisible_and_control_characters_are_dropped():
    assert clean("a\u202eb\u200dc\x00d\x1b") == "abcd"


def test_folding_ignores_case_accents_and_apostrophes():
    assert fold("Je n’arrive PLUS à payer mon Loyer !") == "je n arrive plus a payer mon loyer"


def test_very_long_messages_are_cut():
    assert len(clean("a" * 10_000)) <= 2000
