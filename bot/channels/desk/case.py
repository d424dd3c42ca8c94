"""The desk case: the one-page questionnaire, built from the catalogue's questions, and its answers.

    form = CaseForm.build(catalogue)
    case = form.parse(fields, today)          # fields: form name -> list of values, as posted
    case.profile                              # what bot.rules.screen.screen() reads
    form.values_from_state(state)             # a resident's chat answers (handover) as form values

Every question of knowledge/questions.yaml gets a field, whatever its type, in a group of the page;
a question added to the catalogue appears on the desk without a code change ("autres" group). Words
shown to the counsellor live in the templates; this module speaks in field names and error codes.

Nothing here is stored: a case exists only in the posted form and in the page sent back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.catalogue import Catalogue
from bot.catalogue.profile import KeySpec
from bot.catalogue.questions import Question
from bot.dialog.messages import view
from bot.dialog.text import clean, numbers
from bot.i18n import LANGUAGES
from bot.places.search import Location, locate
from bot.rules.conditions import NOT_ELIGIBLE, evaluate
from bot.rules.facts import Facts

# Groups of the page, in order; a question of the catalogue in none of them goes to "other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("household", ("age", "couple", "partner_age", "children_ages", "pregnant")),
    ("resources", ("employment", "work_income", "other_income", "quotient_familial")),
    ("housing", ("housing", "rent", "where")),
    ("health", ("disability_rate",)),
)
OTHER_GROUP = "other"

MAX_TEXT = 200  # a field's value is a number, a choice or a short place name; longer input is cut
MAX_SEARCH = 100
MAX_FIRST_NAME = 40
MAX_NOTE = 500

# Extra form fields of a case, beside one field per question.
NONE_SUFFIX = "__none"  # "Pas d'enfant à charge" checkbox of an ages question
SKIP_SUFFIX = "__skip"  # "Préfère ne pas répondre" checkbox of a sensitive question
CASE_FIELDS = ("lang", "first_name", "note", "q", "offered", "pick")


@dataclass(frozen=True)
class FormField:
    """One question of the catalogue as a field of the desk form."""

    question: Question
    widget: str  # integer | money | boolean | choice | ages | location
    group: str
    spec: KeySpec | None

    @property
    def name(self) -> str:
        return self.question.id

    @property
    def key(self) -> str:
        return self.question.key


@dataclass
class Case:
    """A parsed desk form: the profile to screen, what to show back, and what was wrong."""

    values: dict[str, str]  # field name -> the text to put back in the form
    profile: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)  # field name -> error code
    ignored: set[str] = field(default_factory=set)  # answered, but not asked with the other answers (ask_if)
    location: Location | None = None
    lang: str = "fr"
    first_name: str = ""
    note: str = ""
    query: str = ""
    # "aid_id:status:d" shown with a checkbox last time, d = 1 when it was ticked by default
    offered: set[str] = field(default_factory=set)
    picks: set[str] = field(default_factory=set)  # aid ids ticked for the summary
    answered: int = 0

    @property
    def empty(self) -> bool:
        return not self.answered


class CaseForm:
    def __init__(self, catalogue: Catalogue, fields: tuple[FormField, ...]) -> None:
        self.catalogue = catalogue
        self.fields = fields
        self.by_name = {f.name: f for f in fields}

    @classmethod
    def build(cls, catalogue: Catalogue) -> CaseForm:
        placed = {qid: group for group, ids in GROUPS for qid in ids}
        fields = tuple(FormField(q, q.type, placed.get(q.id, OTHER_GROUP), catalogue.profile.keys.get(q.key))
                       for q in catalogue.questions)
        return cls(catalogue, fields)

    def groups(self) -> list[tuple[str, list[FormField]]]:
        order = [g for g, _ in GROUPS] + [OTHER_GROUP]
        rank = {qid: i for _, ids in GROUPS for i, qid in enumerate(ids)}
        grouped = [(g, sorted((f for f in self.fields if f.group == g), key=lambda f: rank.get(f.name, 99)))
                   for g in order]
        return [(g, fs) for g, fs in grouped if fs]

    # -- parsing ---------------------------------------------------------------------------------------

    def parse(self, posted: Mapping[str, Sequence[str]], today: date) -> Case:
        def one(name: str, limit: int = MAX_TEXT) -> str:
            values = posted.get(name) or ()
            return clean(values[0])[:limit] if values else ""

        values: dict[str, str] = {}
        profile: dict[str, Any] = {}
        errors: dict[str, str] = {}
        location: Location | None = None
        answered = 0
        for f in self.fields:
            raw = one(f.name)
            values[f.name] = raw
            if f.widget == "ages":
                none = one(f.name + NONE_SUFFIX) == "1"
                values[f.name + NONE_SUFFIX] = "1" if none else ""
                if none:
                    answered += 1
                    if raw and any(v > 0 for v in numbers(raw)):
                        errors[f.name] = "ages_conflict"
                    else:
                        profile[f.key] = []
                    continue
            if f.question.sensitive:
                skip = one(f.name + SKIP_SUFFIX) == "1"
                values[f.name + SKIP_SUFFIX] = "1" if skip else ""
                if skip:
                    answered += 1
                    continue  # the person prefers not to say: the key stays unknown, never guessed
            if not raw:
                continue
            answered += 1
            if f.widget == "location":
                location = locate(raw, self.catalogue.gazetteer)
                if location is None:
                    errors[f.name] = "place_unknown"
                else:
                    if location.insee:
                        profile["commune"] = location.insee
                    if location.quartier:
                        profile["quartier"] = location.quartier
                continue
            value, error = _parse_value(f, raw)
            if error:
                errors[f.name] = error
            else:
                profile[f.key] = value

        # A field answered although its question would not be asked with the other answers (the age of
        # a partner when the person lives alone; a rent for a homeowner) is kept on the page but not
        # screened: the catalogue says when the question makes sense (ask_if).
        ignored = set()
        facts = Facts(profile)
        for f in self.fields:
            if f.question.ask_if is not None and f.key in profile:
                if evaluate(f.question.ask_if, facts, today).status == NOT_ELIGIBLE:
                    ignored.add(f.name)
        for name in ignored:
            profile.pop(self.by_name[name].key, None)

        lang = one("lang", 8)
        offered = {item for item in one("offered", 4000).split(",") if re.fullmatch(r"[a-z0-9_]+:[a-z_]+(:[01])?", item)}
        picks = {value for value in posted.get("pick") or () if re.fullmatch(r"[a-z0-9_]{1,64}", value)}
        return Case(values=values, profile=profile, errors=errors, ignored=ignored, location=location,
                    lang=lang if lang in LANGUAGES else "fr", first_name=one("first_name", MAX_FIRST_NAME),
                    note=_multiline(posted.get("note") or (), MAX_NOTE), query=one("q", MAX_SEARCH),
                    offered=offered, picks=picks, answered=answered)

    # -- a resident's chat state -------------------------------------------------------------------------

    def values_from_state(self, state: Mapping[str, Any]) -> dict[str, list[str]]:
        """The answers of a chat conversation (its state, from a handover code) as posted form fields."""
        stored = view(state)
        answers = stored.answers
        skipped = set(stored.skipped)
        posted: dict[str, list[str]] = {}
        for f in self.fields:
            if f.widget == "location":
                label = (stored.location.label if stored.location else "") or answers.get("quartier") or _commune_name(
                    self.catalogue, answers.get("commune"))
                if label:
                    posted[f.name] = [str(label)]
                continue
            if f.question.sensitive and f.name in skipped and f.key not in answers:
                posted[f.name + SKIP_SUFFIX] = ["1"]
                continue
            if f.key not in answers or answers[f.key] is None:
                continue
            value = answers[f.key]
            if f.widget == "ages":
                if not value:
                    posted[f.name + NONE_SUFFIX] = ["1"]
                else:
                    posted[f.name] = [", ".join(str(int(v)) for v in value)]
            elif f.widget == "boolean":
                posted[f.name] = ["yes" if value else "no"]
            elif f.widget in ("integer", "money"):
                posted[f.name] = [_number_text(value)]
            else:
                posted[f.name] = [str(value)]
        if stored.language in LANGUAGES:
            posted["lang"] = [stored.language]
        return posted


def _parse_value(f: FormField, raw: str) -> tuple[Any, str]:
    """(value, "") or (None, error code)."""
    if f.widget in ("integer", "money"):
        found = numbers(raw)
        if len(found) != 1:
            return None, "number"
        value = found[0]
        spec = f.spec
        low = spec.min if spec and spec.min is not None else 0
        high = spec.max if spec and spec.max is not None else None
        if f.widget == "integer":
            if value != int(value):
                return None, "whole"
            value = int(value)
        else:
            value = round(value, 2)
        if value < low or (high is not None and value > high):
            return None, "range"
        return value, ""
    if f.widget == "boolean":
        if raw in ("yes", "no"):
            return raw == "yes", ""
        return None, "choice"
    if f.widget == "choice":
        allowed = [c.value for c in f.question.choices]
        if raw in allowed:
            return raw, ""
        return None, "choice"
    if f.widget == "ages":
        # "2 enfants de 4 et 9 ans": the count is not an age.
        found = numbers(re.sub(r"\b\d+\s*enfants?\b", " ", raw.lower()))
        if not found or len(found) > 15 or any(v != int(v) or not 0 <= v <= 30 for v in found):
            return None, "ages"
        return sorted(int(v) for v in found), ""
    return raw, ""


def _number_text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace(".", ",")


def _multiline(values: Sequence[str], limit: int) -> str:
    if not values:
        return ""
    lines = [clean(line) for line in str(values[0])[:limit * 2].splitlines()]
    return "\n".join(line for line in lines if line)[:limit]


def _commune_name(catalogue: Catalogue, insee: Any) -> str:
    if not insee:
        return ""
    commune = catalogue.gazetteer.commune(str(insee))
    return commune.name if commune else ""
