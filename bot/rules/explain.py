"""Reasons in words, in the person's language: each condition type (or formula) words its own reasons."""

from __future__ import annotations

from collections.abc import Callable

from bot.i18n import Translator
from bot.rules.conditions import TYPES
from bot.rules.formulas.words import step_text
from bot.rules.status import ELIGIBLE, NOT_ELIGIBLE, Reason, Status
from bot.rules.words import Vocabulary, key_label

MARKS = {ELIGIBLE: "✅", NOT_ELIGIBLE: "❌"}
Explainer = Callable[[Reason, Translator, "Vocabulary | None"], str]
# Reasons that do not come from a condition of the catalogue (the formulas of bot.rules.formulas) register here.
EXPLAINERS: dict[str, Explainer] = {"formula": step_text}


def missing_label(key: str, t: Translator, vocabulary: Vocabulary | None = None) -> str:
    """What is missing, as a person would say it (knowledge/profile.yaml, `label`)."""
    return key_label(key, t, vocabulary)


def reason_text(reason: Reason, t: Translator, vocabulary: Vocabulary | None) -> str:
    kind = TYPES.get(reason.code)
    if kind is not None:
        return kind.explain(reason, t, vocabulary) or reason.code
    explainer = EXPLAINERS.get(reason.code)
    return explainer(reason, t, vocabulary) if explainer else reason.code


__all__ = ["EXPLAINERS", "MARKS", "Status", "missing_label", "reason_text"]
