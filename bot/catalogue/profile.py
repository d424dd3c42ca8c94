"""The profile vocabulary (knowledge/profile.yaml): which keys exist and what values they take."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TYPES = ("integer", "number", "money", "boolean", "choice", "ages", "text")

# Values the engine computes from the answers; conditions may use them like profile keys.
DERIVED = {
    "household_size": "integer",
    "resources": "money",
    "single_parent": "boolean",
    "qf_estimate": "money",
}


@dataclass(frozen=True)
class KeySpec:
    key: str
    type: str
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    sensitive: bool = False
    default: object = None
    label: str = ""  # what the answer is about, in plain French ("votre âge"): shown when it is missing


# The labels of the last schema loaded, for callers that word a missing answer without the catalogue at hand.
_LABELS: dict[str, str] = {}
_DEFAULTS: dict[str, object] = {}


def registered_label(key: str) -> str:
    return _LABELS.get(key, "")


def registered_default(key: str) -> object:
    """profile.yaml's default for a key (the commune served first), assumed until the person says otherwise."""
    return _DEFAULTS.get(key)


@dataclass(frozen=True)
class ProfileSchema:
    keys: dict[str, KeySpec]

    def type_of(self, key: str) -> str | None:
        if key in self.keys:
            return self.keys[key].type
        return DERIVED.get(key)

    def label(self, key: str) -> str:
        spec = self.keys.get(key)
        return spec.label if spec else ""

    def validate(self, profile: dict[str, Any]) -> list[str]:
        """Problems with a profile given from outside (a JSON file, the desk form)."""
        problems: list[str] = []
        for key, value in profile.items():
            spec = self.keys.get(key)
            if spec is None:
                problems.append(f"{key}: unknown profile key")
                continue
            if value is None:
                continue
            problem = check_value(spec, value)
            if problem:
                problems.append(f"{key}: {problem}")
        return problems


def check_value(spec: KeySpec, value: Any) -> str | None:
    kind = spec.type
    if kind in ("integer", "number", "money"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"must be a number, got {value!r}"
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        if kind == "integer" and int(value) != value:
            return f"must be a whole number, got {value!r}"
        if spec.min is not None and value < spec.min or spec.max is not None and value > spec.max:
            return f"must be between {spec.min:g} and {spec.max:g}, got {value!r}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"must be true or false, got {value!r}"
    elif kind == "choice":
        if value not in spec.values:
            return f"must be one of {', '.join(spec.values)}, got {value!r}"
    elif kind == "ages":
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 30 for v in value
        ):
            return f"must be a list of ages from 0 to 30, got {value!r}"
    elif kind == "text":
        if not isinstance(value, str):
            return f"must be text, got {value!r}"
    return None


def load_profile_schema(raw: object, report: Callable[[str, str, str], None]) -> ProfileSchema:
    keys: dict[str, KeySpec] = {}
    if not isinstance(raw, dict):
        report("", "", "must be a mapping of profile keys")
        return ProfileSchema(keys)
    for key, spec in raw.items():
        if key == "derived":
            continue
        if not isinstance(spec, dict) or spec.get("type") not in TYPES:
            report(key, "type", f"must be one of {', '.join(TYPES)}")
            continue
        values = tuple(spec.get("values") or ())
        if spec["type"] == "choice" and not values:
            report(key, "values", "a choice key needs its values")
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            report(key, "label", "say in plain French what this answer is about (like « votre âge »)")
            label = ""
        keys[key] = KeySpec(
            key=key,
            type=spec["type"],
            values=values,
            min=spec.get("min"),
            max=spec.get("max"),
            sensitive=bool(spec.get("sensitive", False)),
            default=spec.get("default"),
            label=label.strip(),
        )
    _LABELS.clear()
    _LABELS.update({key: spec.label for key, spec in keys.items()})
    _DEFAULTS.clear()
    _DEFAULTS.update({key: spec.default for key, spec in keys.items() if spec.default is not None})
    return ProfileSchema(keys)
