"""What goes into the engine and what comes out of it: channel-neutral values.

A channel turns what it receives into an `Incoming`, calls the engine, and renders
each `Reply` its own way (buttons on Telegram, numbered GSM-7 text by SMS, HTML at the desk).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

IncomingKind = Literal["start", "text", "choice", "location", "command", "unsupported"]

# Commands every channel can send; each channel maps its own words to these
# (/recommencer on Telegram, RECOMMENCER by SMS, a button at the desk).
COMMANDS = ("help", "restart", "back", "results", "language", "erase", "menu", "more", "handover", "details")


@dataclass(frozen=True)
class Incoming:
    kind: IncomingKind
    text: str = ""
    choice: str = ""  # the value of the chosen Choice, for kind "choice"
    command: str = ""  # one of COMMANDS, for kind "command"
    lat: float | None = None
    lon: float | None = None
    payload: str = ""  # deep-link payload or language code, for kind "start"
    what: str = ""  # for kind "unsupported": "sticker", "photo", "voice", "document", ...
    lang: str = ""  # the channel's language hint (Telegram language_code); used when a conversation starts

    @classmethod
    def from_text(cls, text: str) -> Incoming:
        return cls("text", text=text)


@dataclass(frozen=True)
class Choice:
    value: str  # stable id, short (fits Telegram's 64-byte callback data)
    label: str  # shown to the person, in their language


@dataclass(frozen=True)
class PlaceCard:
    id: str
    name: str
    address: str  # street, postcode and commune on one line
    lat: float
    lon: float
    phone: str = ""
    hours: str = ""  # plain words, in the person's language
    open_now: str = ""  # "Ouvert maintenant, jusqu'à 12 h" / "Fermé. Ouvre lundi à 9 h"
    distance_m: int | None = None
    verified: bool = True


@dataclass(frozen=True)
class AidItem:
    """One aid of the results, ready for any channel: a short line, its official and plain names."""

    id: str
    status: str  # bot.rules.conditions: "eligible" or "unknown"
    official: str  # the name the person says at the office ("RSA")
    plain: str  # plain words ("Un revenu minimum pour vivre")
    amount: str  # short ("environ 573 € par mois"), "" when unknown
    line: str  # "RSA : un revenu minimum pour vivre, environ 573 € par mois"
    open_to_all: bool = False  # a service for everyone, not a right that was checked


@dataclass(frozen=True)
class EmergencyItem:
    """An emergency shown: the numbers to call, so that a channel can put them first."""

    id: str
    numbers: tuple[str, ...]
    title: str = ""
    calls: tuple[str, ...] = ()  # one line per number: "3919 : Violences Femmes Info"
    text: str = ""  # what to know, in plain words


@dataclass(frozen=True)
class QuestionItem:
    """A question's parts, so that a short channel can drop the example when it would cost an SMS."""

    id: str
    prompt: str
    example: str = ""
    count: int = 0  # how many numbered choices (the "1 to n" of a short reprompt)


@dataclass(frozen=True)
class DoorItem:
    """Where to go when it is not a place of ours (another commune's CCAS): no coordinates, no pin."""

    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""
    open_now: str = ""
    verified: bool = True


Expect = Literal["choice", "integer", "money", "boolean", "ages", "location", "text", "none"]
ReplyKind = Literal["notice", "question", "info", "reprompt", "emergency", "results", "aid", "place", "erased",
                    "handover"]
HANDOVER_CODE = "{code}"  # in a "handover" reply: the storage layer puts the resident's code there


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str  # plain text (no markup), one idea per reply, in the person's language
    choices: tuple[Choice, ...] = ()
    expects: Expect = "none"
    place: PlaceCard | None = None
    data: dict[str, Any] = field(default_factory=dict)  # structured extras (e.g. aid id) for rich channels
    aids: tuple[AidItem, ...] = ()  # in a "results" reply: the aids in the order that serves action
    emergency: EmergencyItem | None = None
    question: QuestionItem | None = None
    door: DoorItem | None = None


@dataclass(frozen=True)
class Turn:
    """What the engine answers. Other layers read the accessors, never the state's inside: the state is
    the engine's (bot.dialog.state), stored as is."""

    replies: tuple[Reply, ...]
    state: dict[str, Any]  # small, JSON-serialisable; store it as is
    erase: bool = False  # the person asked to forget everything: the channel deletes what it stored
    handover: bool = False  # the person asked for a code to show a counsellor their answers
    # The four-week follow-up (bot.dialog.followup): True when the person said yes to it, False when no
    # (storage schedules or cancels it); the answer to it with the aids it was about (anonymous counters).
    follow_up_accepted: bool | None = None
    follow_up_answer: tuple[str, tuple[str, ...]] | None = None
    need_chosen: str | None = None  # the need the person chose in this turn (anonymous counters)

    @property
    def language(self) -> str:
        """The person's language now (a code of bot.i18n.LANGUAGES)."""
        return view(self.state).language

    @property
    def answers(self) -> dict[str, Any]:
        """What the person answered so far: profile keys (knowledge/profile.yaml) -> values."""
        return view(self.state).answers

    @property
    def location(self) -> Place | None:
        """Where the person said they are, if they did."""
        return view(self.state).location


@dataclass(frozen=True)
class Place:
    label: str
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class StateView:
    """A stored conversation state as other layers may read it (a desk reading a handover's answers)."""

    language: str
    answers: dict[str, Any]
    skipped: tuple[str, ...]  # questions the person chose not to answer
    location: Place | None


def view(state: Mapping[str, Any] | None) -> StateView:
    from bot.dialog.state import read

    typed = read(state)
    loc = typed.location
    return StateView(typed.lang, dict(typed.answers), tuple(typed.skipped),
                     Place(loc.label, loc.lat, loc.lon) if loc else None)


SKIP = "skip"  # the value of the "Je ne sais pas / passer" choice, always numbered 0
CONTINUE = "continue"  # after an emergency card mid-way: go on with the questions


def numbers_shown(reply: Reply) -> bool:
    """Whether a text channel numbers the choices: not when the answer itself is a number
    (an age, an amount), where "0" must stay zero euros or a newborn."""
    return bool(reply.choices) and reply.expects not in ("integer", "money", "ages")


def numbered(choices: tuple[Choice, ...]) -> list[tuple[int, Choice]]:
    """The numbers every channel shows and the engine accepts: 1, 2, 3… and 0 for "skip"."""
    result: list[tuple[int, Choice]] = []
    number = 0
    for choice in choices:
        if choice.value == SKIP:
            result.append((0, choice))
        else:
            number += 1
            result.append((number, choice))
    return result
