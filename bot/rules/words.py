"""Words shared by the explanations: money, the label of a profile key, the label of a choice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from bot.catalogue.profile import ProfileSchema, registered_label
from bot.i18n import Translator


class Vocabulary(Protocol):
    """What explanations read from the catalogue: the profile labels, the questions' choices, the communes."""

    @property
    def profile(self) -> ProfileSchema: ...

    @property
    def questions(self) -> Sequence[Any]: ...

    @property
    def gazetteer(self) -> Any: ...


def money(value: float, t: Translator) -> str:
    return t.money(round(value, 2))


def key_label(key: str, t: Translator, vocabulary: Vocabulary | None = None) -> str:
    """What an answer is about, as a person would say it ("votre âge"), from knowledge/profile.yaml."""
    label = vocabulary.profile.label(key) if vocabulary is not None else registered_label(key)
    return t.k(label) if label else key


def commune_name(insee: str, vocabulary: Vocabulary | None) -> str:
    for entry in getattr(getattr(vocabulary, "gazetteer", None), "entries", ()):
        if entry.kind == "commune" and entry.insee == insee:
            return str(entry.name)
    return insee


def choice_label(key: str, value: str, t: Translator, vocabulary: Vocabulary | None) -> str:
    if key == "commune":
        return commune_name(value, vocabulary)
    for question in getattr(vocabulary, "questions", ()):
        if question.key == key:
            for choice in question.choices:
                if choice.value == value:
                    return t.k(choice.label)
    return value


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
