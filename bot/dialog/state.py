"""The dialog state, typed, and its JSON form (what storage keeps), with migrations between versions.

The JSON keeps short keys (the state travels with every turn and is stored per person): `v` the
version, `lang`, `phase`, `q` the question asked, `a` the answers (profile keys), `skip`, `hist`,
`need`, `wide`, `more`, `tries`, `loc`, `src`, `em`, and since version 2 `bp` (the phase to return
to from the language menu), `pend` (an answer waiting for confirmation), `off` (a language offered)
and `cont` (an emergency card shown mid-flow: the next message says whether to go on); `fu` and `fa`
(the four-week follow-up and its aids) only once it was offered.

A stored state of an older version is migrated, never restarted; a state that is not one of ours
(junk, a newer version) starts a new conversation, keeping its language when it names one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from bot.i18n import supported

STATE_VERSION = 2
Phase = Literal["need", "ask", "done", "language"]
PHASES: tuple[Phase, ...] = ("need", "ask", "done", "language")
# A profile value as the state keeps it: JSON scalars, or a list of ages.
Answer = bool | int | float | str | list[int] | None


@dataclass
class Location:
    label: str
    lat: float | None = None
    lon: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "lat": self.lat, "lon": self.lon}


@dataclass
class Pending:
    """An answer understood but implausible ("12" at the age question): stored once confirmed."""

    question: str
    value: Answer

    def to_json(self) -> dict[str, Any]:
        return {"q": self.question, "v": self.value}


@dataclass
class PlaceOption:
    """One of the places the typed words may name, as the door needs it (bot.dialog.places_choice)."""

    label: str
    insee: str | None = None
    quartier: str | None = None
    lat: float | None = None
    lon: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "insee": self.insee, "quartier": self.quartier, "lat": self.lat, "lon": self.lon}


@dataclass
class PlaceChoice:
    """Typed words that name several places (or a street across quartiers): which one, asked before storing.
    `best` is kept when the person cannot say; `options` are offered by number (empty: a street, where a
    house number or a place nearby is asked instead)."""

    best: PlaceOption
    options: list[PlaceOption] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"best": self.best.to_json(), "opts": [o.to_json() for o in self.options]}


@dataclass
class DialogState:
    lang: str = "fr"
    phase: Phase = "need"
    question: str | None = None
    answers: dict[str, Answer] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # questions skipped ("je ne sais pas")
    history: list[str] = field(default_factory=list)  # questions answered, in order, for "retour"
    need: str | None = None
    wide: bool = False  # every aid is considered ("tous mes droits", or "vérifier d'autres droits")
    more: bool = False  # the person chose to answer more questions than the first round
    tries: int = 0  # unclear answers to the current question
    location: Location | None = None
    source: str | None = None  # a place named by a deep link (poster at an accueil)
    emergencies: list[str] = field(default_factory=list)  # emergency cards already shown
    back_phase: Phase | None = None  # where the language menu returns to
    pending: Pending | None = None
    places: PlaceChoice | None = None  # the where question's words named several places: which one
    offered: str | None = None  # a language offered after the first message ("write EN")
    resume: bool = False  # an emergency card interrupted the questions: ask whether to go on
    # The four-week follow-up (bot.dialog.followup): None (never offered), "offered", "yes", "no",
    # "asking" (the message went, its answer is awaited), "answered"; and the aids it is about.
    follow_up: str | None = None
    follow_up_aids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": STATE_VERSION, "lang": self.lang, "phase": self.phase, "q": self.question,
            "a": {key: list(value) if isinstance(value, list) else value for key, value in self.answers.items()},
            "skip": list(self.skipped), "hist": list(self.history), "need": self.need, "wide": self.wide,
            "more": self.more, "tries": self.tries, "loc": self.location.to_json() if self.location else None,
            "src": self.source, "em": list(self.emergencies),
        }
        # Rarely set: kept out of the JSON when empty, so a state stays small.
        if self.back_phase:
            data["bp"] = self.back_phase
        if self.pending:
            data["pend"] = self.pending.to_json()
        if self.places:
            data["plc"] = self.places.to_json()
        if self.offered:
            data["off"] = self.offered
        if self.resume:
            data["cont"] = True
        if self.follow_up:
            data["fu"] = self.follow_up
            data["fa"] = list(self.follow_up_aids)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None, default_lang: str = "fr") -> tuple[DialogState, bool]:
        """(the state, whether it is a new conversation). Never raises on foreign input."""
        if not isinstance(data, Mapping) or not data:
            return cls(lang=supported(default_lang or None)), True
        migrated = migrate(data)
        if migrated is None:
            lang = data.get("lang") if isinstance(data.get("lang"), str) else None
            return cls(lang=supported(lang or default_lang or None)), True
        return _parse(migrated), False


def read(data: Mapping[str, Any] | None) -> DialogState:
    """A state read as it is, whatever its version, for looking at (never for going on with)."""
    return _parse(migrate(data) or data) if isinstance(data, Mapping) else DialogState()


# -- migrations: one function per version step, applied in order ----------------------------------------


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept the language menu's return phase as an ad hoc `back_phase`, only when set."""
    back = data.pop("back_phase", None)
    if back:
        data["bp"] = back
    return data


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2}


def migrate(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The state in the current version's JSON form, or None when it is not a state we wrote."""
    version = data.get("v")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= STATE_VERSION:
        return None
    migrated = dict(data)
    while version < STATE_VERSION:
        migrated = MIGRATIONS[version](migrated)
        version += 1
    migrated["v"] = STATE_VERSION
    return migrated


# -- reading the JSON defensively: a stored state may have been tampered with ----------------------------


def _parse(data: Mapping[str, Any]) -> DialogState:
    phase = data.get("phase")
    back = data.get("bp")
    pending = data.get("pend")
    return DialogState(
        lang=supported(_text(data.get("lang"))),
        phase=cast(Phase, phase) if phase in PHASES else "need",
        question=_text(data.get("q")),
        answers=_answers(data.get("a")),
        skipped=_ids(data.get("skip")),
        history=_ids(data.get("hist")),
        need=_text(data.get("need")),
        wide=data.get("wide") is True,
        more=data.get("more") is True,
        tries=data["tries"] if isinstance(data.get("tries"), int) and 0 <= data["tries"] < 100 else 0,
        location=_location(data.get("loc")),
        source=_text(data.get("src")),
        emergencies=_ids(data.get("em")),
        back_phase=cast(Phase, back) if back in PHASES and back != "language" else None,
        pending=Pending(pending["q"], _answer(pending.get("v")))
        if isinstance(pending, Mapping) and isinstance(pending.get("q"), str) else None,
        places=_places(data.get("plc")),
        offered=_text(data.get("off")),
        resume=data.get("cont") is True,
        follow_up=data["fu"] if data.get("fu") in FOLLOW_UP else None,
        follow_up_aids=_ids(data.get("fa"))[:5],
    )


FOLLOW_UP = ("offered", "yes", "no", "asking", "answered")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ids(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)][:50] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _answer(value: Any) -> Answer:
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [int(v) for v in value if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)]
    return None


def _answers(value: Any) -> dict[str, Answer]:
    if not isinstance(value, Mapping):
        return {}
    return {key: _answer(item) for key, item in value.items() if isinstance(key, str)}


def _location(value: Any) -> Location | None:
    if not isinstance(value, Mapping):
        return None
    label = value.get("label")
    return Location(label if isinstance(label, str) else "", _number(value.get("lat")), _number(value.get("lon")))


def _place_option(value: Any) -> PlaceOption | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("label"), str):
        return None
    return PlaceOption(value["label"][:200], _text(value.get("insee")), _text(value.get("quartier")),
                       _number(value.get("lat")), _number(value.get("lon")))


def _places(value: Any) -> PlaceChoice | None:
    if not isinstance(value, Mapping):
        return None
    best = _place_option(value.get("best"))
    if best is None:
        return None
    opts = value.get("opts")
    options = [o for o in (_place_option(item) for item in opts[:9]) if o] if isinstance(opts, list) else []
    return PlaceChoice(best, options)
