"""What the dialog needs from knowledge/: questions, needs, emergencies and the lexicon of common words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.catalogue.conditions import Condition, ConditionParser

if TYPE_CHECKING:
    from bot.catalogue.profile import ProfileSchema

# report(entry, field, message): records one problem of the file being read.
Report = Callable[[str, str, str], None]

QUESTION_TYPES = ("integer", "money", "boolean", "choice", "ages", "location")
VALUE_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")
# Words the engine understands at every step, by intent (lexicon.yaml lists them per language).
INTENTS = ("yes", "no", "dont_know", "prefer_not", "none", "back", "restart", "help", "results",
           "erase", "language", "more", "greeting", "handover")


@dataclass(frozen=True)
class QuestionChoice:
    value: str
    label: str
    synonyms: tuple[str, ...] = ()
    emergency: str = ""  # an emergency situation (emergencies.yaml) this answer means, shown with the results


@dataclass(frozen=True)
class Question:
    id: str
    key: str
    type: str
    prompt: str
    example: str
    choices: tuple[QuestionChoice, ...] = ()
    ask_if: Condition | None = None
    sensitive: bool = False
    order: int = 0
    plausible: tuple[float | None, float | None] = (None, None)  # outside: confirmed before it is stored
    otherwise: Any = None  # the answer implied when ask_if is not met (pregnant: false at 70)
    no_answer: str = ""  # what "non" means to a number question: "zero" (none) or "skip" (not known)


@dataclass(frozen=True)
class Need:
    id: str
    label: str
    synonyms: tuple[str, ...]  # French words people type (needs.yaml)
    emergency: str = ""  # an emergency situation shown first for this need (e.g. roof -> no_roof)
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)  # other languages (lexicon/<lang>.yaml)
    after: str = ""  # an emergency situation after whose card this need is chosen (food after hungry)
    shows: str = ""  # a situation whose help is shown, as information, when this need is chosen


@dataclass(frozen=True)
class EmergencyNumber:
    number: str
    label: str


@dataclass(frozen=True)
class Emergency:
    id: str
    title: str
    text: str
    triggers: dict[str, tuple[str, ...]]  # language -> phrases
    numbers: tuple[EmergencyNumber, ...]
    places: tuple[str, ...]


def _texts(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(str(item).strip() for item in raw if str(item).strip())


def parse_questions(raw: Any, schema: ProfileSchema, report: Report) -> tuple[Question, ...]:
    """`report(entry, field, message)`."""
    if not isinstance(raw, list):
        report("", "", "must be a list of questions")
        return ()
    questions: list[Question] = []
    seen: set[str] = set()
    for order, item in enumerate(raw):
        entry = item.get("id", f"#{order}") if isinstance(item, dict) else f"#{order}"

        def rep(field: str, message: str, entry: object = entry) -> None:
            report(str(entry), field, message)

        if not isinstance(item, dict):
            rep("", "a question must be a mapping")
            continue
        allowed = {"id", "key", "type", "prompt", "example", "choices", "ask_if", "sensitive", "plausible",
                   "otherwise", "no_answer"}
        for name in sorted(set(item) - allowed):
            rep(name, "unknown field")
        qid, kind = item.get("id"), item.get("type")
        key = str(item.get("key") or "")
        if not isinstance(qid, str) or not VALUE_PATTERN.match(qid):
            rep("id", "must be lower-case letters, digits and _")
            continue
        if qid in seen:
            rep("id", "duplicate question id")
        seen.add(qid)
        if kind not in QUESTION_TYPES:
            rep("type", f"must be one of {', '.join(QUESTION_TYPES)}, got {kind!r}")
            continue
        if kind != "location" and schema.type_of(key) is None and key != "need":
            rep("key", f"unknown profile key {item.get('key')!r}")
        for name in ("prompt", "example"):
            if not isinstance(item.get(name), str) or not item[name].strip():
                rep(name, "must be a non-empty text")
        choices = []
        for index, choice in enumerate(item.get("choices") or []):
            if not isinstance(choice, dict) or not isinstance(choice.get("label"), str):
                rep(f"choices[{index}]", "needs value and label")
                continue
            value = choice.get("value")
            if isinstance(value, bool):
                value = "yes" if value else "no"
            value = str(value)
            if not VALUE_PATTERN.match(value):
                rep(f"choices[{index}].value", "must be short: lower-case letters, digits and _")
            if kind == "choice" and schema.type_of(key) == "choice" and value not in schema.keys[key].values:
                rep(f"choices[{index}].value", f"{value!r} is not a value of {key}")
            for name in sorted(set(choice) - {"value", "label", "synonyms", "emergency"}):
                rep(f"choices[{index}].{name}", "unknown field")
            emergency = choice.get("emergency") or ""
            if not isinstance(emergency, str) or (emergency and not VALUE_PATTERN.match(emergency)):
                rep(f"choices[{index}].emergency", "must be the id of a situation of emergencies.yaml")
                emergency = ""
            choices.append(QuestionChoice(value, choice["label"].strip(), _texts(choice.get("synonyms")), emergency))
        if kind == "choice" and not choices:
            rep("choices", "a choice question needs choices")
        ask_if = None
        if item.get("ask_if") is not None:
            def ask_if_report(field: str, message: str, rep: Callable[[str, str], None] = rep) -> None:
                rep(f"ask_if{field and '.' + field}", message)

            ask_if = ConditionParser(schema, ask_if_report).parse(item["ask_if"], "")
        plausible: tuple[float | None, float | None] = (None, None)
        if item.get("plausible") is not None:
            bounds = item["plausible"]
            if not isinstance(bounds, dict) or set(bounds) - {"min", "max"} or not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in bounds.values()):
                rep("plausible", "must be {min: number, max: number} (either may be left out)")
            else:
                plausible = (bounds.get("min"), bounds.get("max"))
        otherwise = item.get("otherwise")
        if otherwise is not None and (item.get("ask_if") is None or kind != "boolean" or not isinstance(otherwise, bool)):
            rep("otherwise", "needs ask_if, on a yes/no question: true or false")
            otherwise = None
        no_answer = item.get("no_answer") or ("zero" if kind == "money" else "")
        if no_answer not in ("zero", "skip") or kind not in ("integer", "money"):
            if item.get("no_answer") is not None:
                rep("no_answer", "zero or skip, on a number question")
            no_answer = "zero" if kind == "money" else ""
        questions.append(Question(
            id=qid, key=str(key or qid), type=kind, prompt=str(item.get("prompt") or "").strip(),
            example=str(item.get("example") or "").strip(), choices=tuple(choices), ask_if=ask_if,
            sensitive=bool(item.get("sensitive", False)), order=order, plausible=plausible, otherwise=otherwise,
            no_answer=no_answer,
        ))
    return tuple(questions)


def parse_needs(raw: Any, report: Report) -> tuple[Need, ...]:
    if not isinstance(raw, list):
        report("", "", "must be a list of needs")
        return ()
    needs = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not VALUE_PATTERN.match(item["id"]):
            report(f"#{index}", "id", "each need needs an id (lower-case letters, digits and _)")
            continue
        if not isinstance(item.get("label"), str):
            report(item["id"], "label", "must be a non-empty text")
            continue
        needs.append(Need(item["id"], item["label"].strip(), _texts(item.get("synonyms")),
                          str(item.get("emergency") or ""), after=str(item.get("after") or item.get("emergency") or ""),
                          shows=str(item.get("shows") or "")))
    return tuple(needs)


def parse_emergencies(raw: Any, report: Report) -> tuple[Emergency, ...]:
    if not isinstance(raw, list):
        report("", "", "must be a list of emergency situations")
        return ()
    result = []
    for index, item in enumerate(raw):
        entry = item.get("id", f"#{index}") if isinstance(item, dict) else f"#{index}"
        if not isinstance(item, dict):
            report(entry, "", "must be a mapping")
            continue
        if "triggers" in item:
            report(entry, "triggers", "trigger phrases go in lexicon/<lang>.yaml, section emergencies")
        numbers = []
        for n_index, number in enumerate(item.get("numbers") or []):
            if not isinstance(number, dict) or not number.get("number") or not number.get("label"):
                report(entry, f"numbers[{n_index}]", "needs number and label")
                continue
            numbers.append(EmergencyNumber(str(number["number"]), str(number["label"]).strip()))
        for name in ("title", "text"):
            if not isinstance(item.get(name), str):
                report(entry, name, "must be a non-empty text")
        result.append(Emergency(
            id=str(entry), title=str(item.get("title") or ""), text=str(item.get("text") or "").strip(),
            triggers={},
            numbers=tuple(numbers), places=_texts(item.get("places")),
        ))
    return tuple(result)


def parse_lexicon(raw: Any, lang: str, emergency_ids: set[str], report: Report, need_ids: set[str] | None = None
                  ) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """One language's file: intents -> words, emergency id -> trigger phrases, need id -> words."""
    if not isinstance(raw, dict) or not isinstance(raw.get("intents"), dict):
        report(lang, "intents", "must map intents (yes, no, back, …) to lists of words")
        return {}, {}, {}
    known = {"intents", "emergencies", "needs", "answers", "words", "numbers", "not_emergencies"}
    for name in sorted(set(map(str, raw)) - known):
        report(lang, name, f"unknown section (expected {', '.join(sorted(known))})")

    def words(section: str, key: Any, items: Any) -> tuple[str, ...]:
        if not isinstance(items, list):
            report(lang, f"{section}.{key}", "must be a list of words")
            return ()
        for item in items:
            if not isinstance(item, str):
                report(lang, f"{section}.{key}", f"{item!r} is not text: put it in quotes (YAML reads yes/no/on/off "
                                                 "as true/false)")
        return tuple(item.strip() for item in items if isinstance(item, str) and item.strip())

    intents: dict[str, tuple[str, ...]] = {}
    for intent, items in raw["intents"].items():
        if isinstance(intent, bool):
            report(lang, str(intent).lower(), 'write "yes" and "no" in quotes: YAML reads them as true/false')
        elif intent not in INTENTS:
            report(lang, f"intents.{intent}", f"unknown intent (known: {', '.join(INTENTS)})")
        else:
            intents[intent] = words("intents", intent, items)
    triggers: dict[str, tuple[str, ...]] = {}
    for emergency, items in (raw.get("emergencies") or {}).items():
        if emergency not in emergency_ids:
            report(lang, f"emergencies.{emergency}", "no such situation in emergencies.yaml")
            continue
        triggers[emergency] = words("emergencies", emergency, items)
    needs: dict[str, tuple[str, ...]] = {}
    for need, items in (raw.get("needs") or {}).items():
        if need_ids is not None and need not in need_ids:
            report(lang, f"needs.{need}", "no such need in needs.yaml")
            continue
        needs[need] = words("needs", need, items)
    return intents, triggers, needs
