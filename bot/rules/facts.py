"""Read a profile, three-valued: every lookup says the value, or which answers are missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.catalogue.profile import registered_default


@dataclass(frozen=True)
class Fact:
    value: Any
    missing: frozenset[str] = frozenset()
    estimated: bool = False  # assumed (a default) or computed from other answers, not said by the person

    @property
    def known(self) -> bool:
        return not self.missing


def unknown(*keys: str) -> Fact:
    return Fact(None, frozenset(keys))


def caf_parts(children: int) -> float:
    """CAF quotient parts: 2 for the parent or parents (a couple and a person alone count the same),
    0.5 for each of the first two children, 1 for the third, 0.5 for each further child."""
    parts = 2.0
    for rank in range(1, children + 1):
        parts += 1.0 if rank == 3 else 0.5
    return parts


def household_scale(persons: int, children: int) -> float:
    """The RSA household scale: 1, +0.5 for the 2nd person, +0.3 each after, +0.4 from the 3rd child."""
    if persons <= 0:
        return 0.0
    scale = 1.0
    adults = persons - children
    for rank in range(2, persons + 1):
        child_rank = rank - adults
        if rank == 2:
            scale += 0.5
        elif child_rank >= 3:
            scale += 0.4
        else:
            scale += 0.3
    return round(scale, 4)


class Facts:
    """A profile with its derived values (household size, resources, single parent, quotient)."""

    def __init__(self, profile: Mapping[str, Any]):
        self.profile = {k: v for k, v in profile.items() if v is not None}
        self._known: dict[str, Fact] = {}  # every aid asks the same few facts: compute each once
        self.memo: dict[object, Any] = {}  # outcomes many aids share (the same zone), by a key of the condition

    def get(self, key: str) -> Fact:
        fact = self._known.get(key)
        if fact is None:
            fact = self._known[key] = self._read(key)
        return fact

    def _read(self, key: str) -> Fact:
        if key in self.profile:
            return Fact(self.profile[key])
        derive = getattr(self, f"_{key}", None)
        if derive is not None:
            fact: Fact = derive()
            return fact
        default = registered_default(key)
        if default is not None:
            return Fact(default, estimated=True)  # profile.yaml's default (Nantes): assumed until said otherwise
        return unknown(key)

    def _children(self) -> Fact:
        return self.get("children_ages")

    def _household_size(self) -> Fact:
        couple, children = self.get("couple"), self.get("children_ages")
        missing = couple.missing | children.missing
        if missing:
            return Fact(None, missing)
        return Fact(1 + (1 if couple.value else 0) + len(children.value))

    def _resources(self) -> Fact:
        work, other = self.get("work_income"), self.get("other_income")
        if work.missing or other.missing:
            return Fact(None, work.missing | other.missing)
        return Fact(float(work.value) + float(other.value))

    def _single_parent(self) -> Fact:
        """Not in a couple, with a child or expecting one; an unknown pregnancy leaves it open."""
        couple = self.get("couple")
        if couple.known and couple.value:
            return Fact(False)
        children = self.get("children_ages")
        if not children.known:
            return Fact(None, children.missing | couple.missing)
        pregnant = self.profile.get("pregnant")
        if not children.value and pregnant is False:
            return Fact(False)
        if not children.value and pregnant is None:
            return Fact(None, frozenset({"pregnant"}) | couple.missing)
        return Fact(True) if couple.known else Fact(None, couple.missing)

    def _qf_estimate(self) -> Fact:
        if "quotient_familial" in self.profile:
            return Fact(float(self.profile["quotient_familial"]))
        resources, children = self.get("resources"), self.get("children_ages")
        missing = resources.missing | children.missing
        if missing:
            return Fact(None, missing | {"quotient_familial"})
        return Fact(resources.value / caf_parts(len(children.value)), estimated=True)

    def scale(self) -> Fact:
        if "scale" not in self._known:
            self._known["scale"] = self._scale()
        return self._known["scale"]

    def _scale(self) -> Fact:
        couple, children = self.get("couple"), self.get("children_ages")
        if couple.missing or children.missing:
            return Fact(None, couple.missing | children.missing)
        adults = 2 if couple.value else 1
        return Fact(household_scale(adults + len(children.value), len(children.value)))
