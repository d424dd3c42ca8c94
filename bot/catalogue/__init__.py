"""Load knowledge/ into one typed, validated, read-only Catalogue.

The program refuses to start on a catalogue with an error: `load_catalogue` raises
CatalogueError listing every problem (file, entry, field). `check_catalogue` returns
all problems, including warnings about stale data, for `aiguillage check`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.catalogue.aids import Aid, parse_aid
from bot.catalogue.conditions import walk
from bot.catalogue.dated import Dated
from bot.catalogue.errors import CatalogueError, Problem, Problems
from bot.catalogue.gazetteer import Gazetteer, load_gazetteer
from bot.catalogue.lexicon import LanguageWords, parse_language_words
from bot.catalogue.parameters import Parameters, load_parameters
from bot.catalogue.place_checks import check_hours_agree, check_offers, check_places
from bot.catalogue.places import Place, load_places
from bot.catalogue.profile import ProfileSchema, load_profile_schema
from bot.catalogue.questions import (
    Emergency,
    Need,
    Question,
    parse_emergencies,
    parse_lexicon,
    parse_needs,
    parse_questions,
)
from bot.catalogue.territory import Territory, parse_territory
from bot.catalogue.vocabularies import parse_vocabularies
from bot.catalogue.yamlfile import read_yaml

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent.parent / "knowledge"
STALE_REVIEW = timedelta(days=365)
STALE_VALUE = timedelta(days=456)  # about 15 months: amounts are revised every year

__all__ = ["Aid", "Catalogue", "CatalogueError", "Place", "Problem", "Territory", "check_catalogue",
           "load_catalogue", "KNOWLEDGE_DIR"]


@dataclass(frozen=True)
class Catalogue:
    profile: ProfileSchema
    aids: dict[str, Aid]
    places: dict[str, Place]
    questions: tuple[Question, ...]
    needs: tuple[Need, ...]
    emergencies: tuple[Emergency, ...]
    lexicon: dict[str, dict[str, tuple[str, ...]]]
    gazetteer: Gazetteer
    version: str  # a short hash of every file: shown by /healthcheck, changes with any edit
    territory: Territory  # knowledge/territory.yaml: default commune, box, default accueil, handover validity
    words: dict[str, LanguageWords] = field(default_factory=dict)  # lexicon/<lang>.yaml: answers, units, …
    parameters: Parameters = field(default_factory=Parameters)  # knowledge/parameters/: the law's figures

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def need(self, need_id: str) -> Need | None:
        return next((n for n in self.needs if n.id == need_id), None)


def _read_yaml(path: Path, rel: str, problems: Problems) -> Any:
    return read_yaml(path, rel, problems)[1]


def _version(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".csv")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


Words = dict[str, dict[str, tuple[str, ...]]]


def _lexicon(root: Path, emergency_ids: set[str], need_ids: set[str], problems: Problems,
             questions: tuple[Question, ...] = (), words: dict[str, LanguageWords] | None = None
             ) -> tuple[Words, Words, Words]:
    lexicon: dict[str, dict[str, tuple[str, ...]]] = {}
    triggers: dict[str, dict[str, tuple[str, ...]]] = {}
    need_words: dict[str, dict[str, tuple[str, ...]]] = {}
    for path in sorted((root / "lexicon").glob("*.yaml")):
        rel = f"lexicon/{path.name}"
        raw = _read_yaml(path, rel, problems)
        def report(entry: str, field: str, message: str, rel: str = rel) -> None:
            problems.error(rel, entry, field, message)

        intents, found, needs = parse_lexicon(raw, path.stem, emergency_ids, report, need_ids)
        if words is not None:
            words[path.stem] = parse_language_words(raw, path.stem, questions, report)
        lexicon[path.stem], triggers[path.stem], need_words[path.stem] = intents, found, needs
    if "fr" not in lexicon:
        problems.error("lexicon/fr.yaml", "", "", "file is missing: French is the source language")
    for emergency_id in sorted(emergency_ids):
        if not triggers.get("fr", {}).get(emergency_id):
            problems.error("lexicon/fr.yaml", "fr", f"emergencies.{emergency_id}", "needs trigger phrases")
    return lexicon, triggers, need_words


def _collect(root: Path, problems: Problems) -> Catalogue:
    schema = load_profile_schema(
        _read_yaml(root / "profile.yaml", "profile.yaml", problems),
        lambda entry, field, message: problems.error("profile.yaml", entry, field, message),
    )
    parameters = load_parameters(root / "parameters", problems)  # first: aids refer to them by path
    aids: dict[str, Aid] = {}
    for path in sorted((root / "aids").glob("*.y*ml")):
        rel = f"aids/{path.name}"
        raw = _read_yaml(path, rel, problems)
        if raw is None and not path.read_text(encoding="utf-8", errors="replace").strip():
            problems.error(rel, path.stem, "", "file is empty")
            continue
        entry = raw.get("id", path.stem) if isinstance(raw, dict) else path.stem
        def report(field: str, message: str, rel: str = rel, entry: object = entry) -> None:
            problems.error(rel, str(entry), field, message)

        aid = parse_aid(raw, path.stem, schema, report, parameters)
        if aid is None:
            continue
        if aid.id in aids:
            problems.error(rel, aid.id, "id", f"duplicate id, also in {aids[aid.id].file}")
            continue
        aids[aid.id] = aid

    def reporter(rel: str) -> Callable[[str, str, str], None]:
        return lambda entry, field, message: problems.error(rel, entry, field, message)

    questions = parse_questions(_read_yaml(root / "questions.yaml", "questions.yaml", problems), schema,
                                reporter("questions.yaml"))
    needs = parse_needs(_read_yaml(root / "needs.yaml", "needs.yaml", problems), reporter("needs.yaml"))
    emergencies = parse_emergencies(_read_yaml(root / "emergencies.yaml", "emergencies.yaml", problems),
                                    reporter("emergencies.yaml"))
    words: dict[str, LanguageWords] = {}
    lexicon, triggers, need_words = _lexicon(root, {e.id for e in emergencies}, {n.id for n in needs}, problems,
                                             questions, words)
    for question in questions:
        for index, choice in enumerate(question.choices):
            if choice.emergency and choice.emergency not in {e.id for e in emergencies}:
                problems.error("questions.yaml", question.id, f"choices[{index}].emergency",
                               f"no situation {choice.emergency!r} in emergencies.yaml")
    needs = tuple(replace(n, words={lang: found[n.id] for lang, found in need_words.items() if n.id in found})
                  for n in needs)
    emergencies = tuple(replace(e, triggers={lang: found[e.id] for lang, found in triggers.items() if e.id in found})
                        for e in emergencies)
    territory = parse_territory(_read_yaml(root / "territory.yaml", "territory.yaml", problems), problems)
    vocabularies = parse_vocabularies(_read_yaml(root / "data_inclusion.yaml", "data_inclusion.yaml", problems),
                                      problems)
    places = load_places(root / "places", problems, territory.bounds, vocabularies)
    gazetteer = load_gazetteer(root / "gazetteer", problems, territory.bounds, territory.default_commune)
    return Catalogue(schema, aids, places, questions, needs, emergencies, lexicon, gazetteer, _version(root),
                     territory, words, parameters)


def _cross_check(catalogue: Catalogue, problems: Problems) -> None:
    need_ids = {n.id for n in catalogue.needs}
    for aid in catalogue.aids.values():
        if aid.same_right_as and aid.same_right_as not in catalogue.aids:
            problems.error(aid.file, aid.id, "same_right_as", f"no aid {aid.same_right_as!r}")
        for need in aid.needs:
            if need not in need_ids:
                problems.error(aid.file, aid.id, "needs", f"unknown need {need!r} (see needs.yaml)")
        if aid.apply.place and aid.apply.place not in catalogue.places:
            problems.error(aid.file, aid.id, "apply.place", f"no place file for {aid.apply.place!r}")
    for known in catalogue.needs:
        for name in ("emergency", "after", "shows"):
            situation = getattr(known, name)
            if situation and situation not in {e.id for e in catalogue.emergencies}:
                problems.error("needs.yaml", known.id, name, f"unknown emergency {situation!r}")
    for emergency in catalogue.emergencies:
        for place in emergency.places:
            if place not in catalogue.places:
                problems.error("emergencies.yaml", emergency.id, "places", f"no place file for {place!r}")
    check_places(catalogue.places, catalogue.gazetteer, catalogue.territory, problems)
    offers = [(aid.file, aid.id, "apply.place", aid.apply.place) for aid in catalogue.aids.values() if aid.apply.place]
    offers += [("emergencies.yaml", e.id, "places", p) for e in catalogue.emergencies for p in e.places]
    check_offers(catalogue.places, offers, problems)
    check_hours_agree(catalogue.places, [(aid.file, aid.id, "apply.how", aid.apply.place, aid.apply.how)
                                         for aid in catalogue.aids.values() if aid.apply.place], problems)
    if not any(p.kind == "accueil_solidarite" for p in catalogue.places.values()):
        problems.error("places/", "", "kind", "at least one place must be an accueil_solidarite")
    asked = {q.key for q in catalogue.questions}
    for aid in catalogue.aids.values():
        for key in sorted({key for condition in walk(aid.conditions) for key in condition.keys()}):
            if key in catalogue.profile.keys and key not in asked | {"commune", "quartier"}:
                problems.warning(aid.file, aid.id, "conditions",
                                 f"no question asks {key!r}: this aid can only be 'to check'")


def _stale(catalogue: Catalogue, today: date, problems: Problems) -> None:
    for path, parameter in catalogue.parameters.by_path.items():
        rel, name = f"parameters/{path.split('.')[0]}.yaml", path.split(".", 1)[1]
        oldest, newest = parameter.values.oldest_date, parameter.values.newest_date
        if oldest and oldest > today:
            problems.error(rel, name, "valid_from", (f"no value is in force today: every value starts later ({oldest}); "
                                                     "keep the current one beside the new one"))
        elif newest and today - newest > STALE_VALUE and len(parameter.values.entries) > 1:
            problems.warning(rel, name, "valid_from", f"newest value dates from {newest}: check this year's figure")
    for aid in catalogue.aids.values():
        if aid.reviewed and today - aid.reviewed > STALE_REVIEW:
            problems.warning(aid.file, aid.id, "reviewed", f"last reviewed {aid.reviewed}: more than a year ago")
        dated: list[Dated | None] = [value for condition in walk(aid.conditions) for value in condition.dated_values()]
        if aid.amount:
            dated += [aid.amount.value, aid.amount.min, aid.amount.max, aid.amount.values, aid.amount.base]
            dated += [b.value for b in aid.amount.brackets]
        stale = {value.newest_date for value in dated if value is not None and value.newest_date
                 and today - value.newest_date > STALE_VALUE}
        if stale:
            problems.warning(aid.file, aid.id, "valid_from",
                             f"newest value dates from {max(stale)}: check this year's figure")
        future = {value.oldest_date for value in dated if value is not None and value.oldest_date
                  and value.oldest_date > today}
        if future:
            problems.error(aid.file, aid.id, "valid_from", (
                f"no value is in force today: every value starts later ({min(future)}); "
                "keep the current one beside the new one"))
    for place in catalogue.places.values():
        reviewed = getattr(place, "reviewed", None)
        if reviewed and today - reviewed > STALE_REVIEW:
            problems.warning(f"places/{place.id}.yaml", place.id, "reviewed",
                             f"last reviewed {reviewed}: more than a year ago")


def check_catalogue(root: Path = KNOWLEDGE_DIR, today: date | None = None) -> tuple[Catalogue | None, list[Problem]]:
    """Every problem at once (errors and stale-data warnings), and the catalogue when it has no error."""
    problems = Problems()
    try:
        catalogue = _collect(Path(root), problems)
    except Exception as error:  # a loader bug must still name where it happened
        problems.error(str(root), "", "", f"could not be read: {error!r}")
        return None, problems.items
    _cross_check(catalogue, problems)
    _stale(catalogue, today or date.today(), problems)
    return (None if problems.errors else catalogue), problems.items


def load_catalogue(root: Path = KNOWLEDGE_DIR) -> Catalogue:
    catalogue, problems = check_catalogue(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors or catalogue is None:
        raise CatalogueError(errors)
    return catalogue
