"""Persona profiles and the aids each should and should not get (tests/personas.yaml).

Derived from the rules in the facts file: each case names a real situation a counsellor sees. Where the
law's arithmetic (checked against OpenFisca-France, issue 14) gave another answer, the entry says why.
"""

from pathlib import Path

import pytest
import yaml

from bot.rules.screen import screen

PERSONAS = yaml.safe_load((Path(__file__).parent / "personas.yaml").read_text(encoding="utf-8"))


def test_there_are_at_least_30_personas():
    assert len(PERSONAS) >= 30


@pytest.mark.parametrize("persona", PERSONAS, ids=[p["name"][:60] for p in PERSONAS])
def test_persona_gets_the_right_aids(catalogue, persona):
    assert not catalogue.profile.validate(persona["profile"]), persona["name"]
    results = {r.aid.id: r for r in screen(catalogue, persona["profile"], persona["today"])}
    for aid_id in persona.get("eligible", []):
        if aid_id not in results:  # a form of another right (RSA majoré): that right, in this form
            right = results[catalogue.aids[aid_id].same_right_as]
            assert right.status == "eligible" and right.form == aid_id, (aid_id, right.status, right.form)
            continue
        result = results[aid_id]
        assert result.status == "eligible", (aid_id, result.status, sorted(result.missing), result.reasons)
    for aid_id in persona.get("not_eligible", []):
        if aid_id not in results:
            right = results[catalogue.aids[aid_id].same_right_as]
            assert not (right.status == "eligible" and right.form == aid_id), (aid_id, right.status, right.form)
            continue
        result = results[aid_id]
        assert result.status == "not_eligible", (aid_id, result.status, sorted(result.missing), result.reasons)
    for aid_id in persona.get("to_check", []):  # what no chat can decide: never a confident yes or no
        result = results[aid_id]
        assert result.status == "unknown", (aid_id, result.status, result.reasons)
