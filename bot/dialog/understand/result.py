"""What the understanding gives back: the open question's answer, and the other answers it found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

UNCLEAR: Any = object()  # the answer could not be understood


@dataclass(frozen=True)
class Slot:
    """An answer found in a message: a profile key, its value, and how sure the reading is (0-1)."""

    key: str
    value: Any
    confidence: float


@dataclass(frozen=True)
class Understood:
    value: Any  # the profile value, UNCLEAR, or None for "skip"
    skipped: bool = False
    problem: str = ""  # why it was unclear: "range", "several", "count_only", "" (nothing recognised)
    confirm: bool = False  # understood but implausible: asked back before it is stored
    extras: tuple[Slot, ...] = ()  # answers to other questions in the same message
    confidence: float = 1.0
