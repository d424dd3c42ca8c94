"""Growing the rules without touching the engine: a new condition type is one class, a new profile key
brings its own label. Both are shown on a temporary copy of the catalogue, through the public
interfaces (load, screen, explain, check), so the files named in docs/architecture.md are the only ones."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.catalogue import KNOWLEDGE_DIR, check_catalogue, load_catalogue
from bot.catalogue.conditions import Condition, ConditionParser
from bot.catalogue.dated import Dated
from bot.i18n import translator
from bot.rules.conditions import TYPES, register
from bot.rules.explain import missing_label, reason_text
from bot.rules.facts import Facts
from bot.rules.screen import screen
from bot.rules.status import UNKNOWN, Outcome, leaf, status_of

TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class RentShare(Condition):
    """What a new type looks like: the rent is at most a share of the household's resources."""

    name = "rent_share"
    fields = frozenset({"max"})
    max: Dated

    @classmethod
    def parse(cls, raw: Mapping[str, Any], path: str, parser: ConditionParser) -> Condition | None:
        share = parser.number(raw, "max", path)
        if share is None:
            parser.report(f"{path}.max", "is missing")
        return cls(share) if share else None

    def evaluate(self, facts: Facts, today: date) -> Outcome:
        rent, resources = facts.get("rent"), facts.get("resources")
        if rent.missing or resources.missing:
            return leaf(self.name, UNKNOWN, rent.missing | resources.missing)
        return leaf(self.name, status_of(rent.value <= self.max.at(today) * resources.value),
                    share=self.max.at(today))

    @classmethod
    def explain(cls, reason, t, vocabulary) -> str:
        return f"loyer au plus {reason.params.get('share', '?'):.0%} des ressources"

    def dated_values(self) -> tuple[Dated, ...]:
        return (self.max,)

    def keys(self) -> frozenset[str]:
        return frozenset({"rent", "resources"})


@pytest.fixture
def knowledge(tmp_path: Path):
    root = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, root)
    saved = dict(TYPES)
    register(RentShare)  # what the one line in bot/rules/conditions/__init__.py does
    yield root
    TYPES.clear()
    TYPES.update(saved)


def write_aid(root: Path, conditions: list[dict]) -> None:
    aid = yaml.safe_load((root / "aids" / "fsl.yaml").read_text(encoding="utf-8"))
    aid.update(id="aide_test", conditions=conditions)
    (root / "aids" / "aide_test.yaml").write_text(yaml.safe_dump(aid, allow_unicode=True), encoding="utf-8")


def test_a_new_condition_type_is_parsed_evaluated_explained_and_checked(knowledge):
    write_aid(knowledge, [{"type": "rent_share", "max": [{"valid_from": date(2020, 1, 1), "value": 0.4}]}])
    catalogue = load_catalogue(knowledge)
    profile = {"rent": 500, "work_income": 1000, "other_income": 0}
    result = next(r for r in screen(catalogue, profile, TODAY) if r.aid.id == "aide_test")
    assert result.status == "not_eligible"
    assert reason_text(result.reasons[-1], translator("fr"), catalogue) == "loyer au plus 40% des ressources"
    cheaper = next(r for r in screen(catalogue, {**profile, "rent": 350}, TODAY) if r.aid.id == "aide_test")
    assert cheaper.status == "eligible"
    unknown = next(r for r in screen(catalogue, {"rent": 350}, TODAY) if r.aid.id == "aide_test")
    assert unknown.status == "unknown" and unknown.missing == {"work_income", "other_income"}
    # its dated value is seen by `aiguillage check` like any other: stale after 15 months
    _, problems = check_catalogue(knowledge, today=date(2026, 11, 23))
    assert any(p.entry == "aide_test" and p.field == "valid_from" for p in problems)


def test_a_new_condition_type_is_validated_naming_the_field(knowledge):
    write_aid(knowledge, [{"type": "rent_share", "maximum": 0.4}])
    _, problems = check_catalogue(knowledge)
    fields = {(p.entry, p.field) for p in problems if p.severity == "error"}
    assert ("aide_test", "conditions[0].maximum") in fields
    assert ("aide_test", "conditions[0].max") in fields


def test_a_new_profile_key_brings_its_label_and_needs_one(knowledge):
    profile = yaml.safe_load((knowledge / "profile.yaml").read_text(encoding="utf-8"))
    profile["savings"] = {"type": "money", "min": 0, "max": 10_000_000, "label": "votre épargne",
                          "description": "Savings of the household."}
    (knowledge / "profile.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    write_aid(knowledge, [{"type": "compare", "key": "savings", "op": "<=", "value": 5000}])
    catalogue = load_catalogue(knowledge)
    result = next(r for r in screen(catalogue, {}, TODAY) if r.aid.id == "aide_test")
    assert result.missing == {"savings"}
    assert missing_label("savings", translator("fr"), catalogue) == "votre épargne"

    del profile["savings"]["label"]
    (knowledge / "profile.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    _, problems = check_catalogue(knowledge)
    assert any(p.file == "profile.yaml" and p.entry == "savings" and p.field == "label" for p in problems)


def test_a_zone_is_a_condition_a_resident_elsewhere_does_not_meet(catalogue):
    """25 local aids are for Nantes residents: a person who said Rezé is not promised them."""
    nantes_only = [a.id for a in catalogue.aids.values() if a.zone == ("44109",)]
    assert len(nantes_only) >= 20
    reze = {r.aid.id: r for r in screen(catalogue, {"commune": "44143"}, TODAY)}
    nantes = {r.aid.id: r for r in screen(catalogue, {"commune": "44109"}, TODAY)}
    t = translator("fr")
    for aid_id in nantes_only:
        assert reze[aid_id].status == "not_eligible", aid_id
        assert nantes[aid_id].status != "not_eligible", aid_id
    words = reason_text(reze["accueils_de_jour"].reasons[0], t, catalogue)
    assert words == "Vous habitez à Rezé. Cette aide est pour : Nantes."
    # the whole métropole is named as such, not as 24 communes
    renov = next(a for a in catalogue.aids.values() if a.id == "mon_projet_renov")
    outside = next(r for r in screen(catalogue, {"commune": "44184", "housing": "owner"}, TODAY)
                   if r.aid.id == renov.id)
    assert outside.status == "not_eligible"
    assert "Nantes Métropole" in reason_text(outside.reasons[0], t, catalogue)


def test_services_open_to_everyone_say_so_and_are_not_promised_as_rights(catalogue):
    results = {r.aid.id: r for r in screen(catalogue, {"commune": "44109", "housing": "tenant"}, TODAY)}
    assert results["accueils_de_jour"].open_to_all and results["accueils_de_jour"].as_dict()["open_to_all"]
    assert not results["aide_logement"].open_to_all
    # a service for home owners' works is not offered to a tenant
    assert results["mon_projet_renov"].status == "not_eligible"
