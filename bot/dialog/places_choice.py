"""Typed words that name several places: which one, asked by number before the door is chosen.

Two places of one name with different doors ("Sainte-Anne"), a postcode of several communes, a street
across quartiers: the first match would send some people to the wrong accueil. The options are numbered
choices, so a reply "2" works by SMS as well as a button.
"""

from __future__ import annotations

from typing import Any

from bot.dialog.messages import SKIP, Choice, Reply
from bot.dialog.state import PlaceChoice, PlaceOption
from bot.dialog.step import Step
from bot.dialog.text import choice_number, fold
from bot.places.location import Location
from bot.places.why import ask_text, choice_label, options

PREFIX = "place:"  # the value of an option's button: "place:1", "place:2"…


def _option(location: Location, label: str | None = None) -> PlaceOption:
    return PlaceOption(label or location.label, location.insee, location.quartier, location.lat, location.lon)


def offer(step: Step, location: Any) -> bool:
    """When `location` leaves the door open, ask which place (or which end of the street) and return True.
    The caller asks once: an answer to this question that is ambiguous again is kept as it is."""
    state = step.state
    if not isinstance(location, Location) or not location.ambiguous or state.places is not None:
        return False
    offered = options(location)
    state.places = PlaceChoice(_option(location), [_option(o, choice_label(o)) for o in offered])
    step.say(reply(step))
    return True


def reply(step: Step) -> Reply:
    """The question of the pending choice (said again after an interruption)."""
    t, places = step.t, step.state.places
    assert places is not None
    # the wording is bot.places.why's, for the kind of doubt: several places, or a street across quartiers
    others = tuple(Location(o.label, "quartier", 0.0, 0.0) for o in places.options)
    text = ask_text(Location(places.best.label, "street", 0.0, 0.0, spans=not others, alternatives=others), t)
    skip = Choice(SKIP, t._("Je ne sais pas"))
    data = {"question": step.state.question or ""}
    if others:
        choices = tuple(Choice(f"{PREFIX}{n}", o.label) for n, o in enumerate(places.options, start=1))
        return Reply("question", text or "", (*choices, skip), expects="choice", data=data)
    return Reply("question", text or "", (skip,), expects="location", data=data)


def chosen(step: Step, text_or_value: str) -> PlaceOption | None:
    """The option a reply picks: its button, its number, or its words; None when it picks none."""
    places = step.state.places
    if places is None or not places.options:
        return None
    value = text_or_value.removeprefix(PREFIX) if text_or_value.startswith(PREFIX) else None
    number = int(value) if value is not None and value.isdigit() else choice_number(fold(text_or_value))
    if number is not None:
        return places.options[number - 1] if 1 <= number <= len(places.options) else None
    folded = fold(text_or_value)
    named = [o for o in places.options if folded and (folded == fold(o.label) or folded in fold(o.label).split(", "))]
    return named[0] if len(named) == 1 else None


def undecided(step: Step) -> PlaceOption | None:
    """What is kept when the person cannot say: the commune, when every option is in the same one."""
    places = step.state.places
    if places is None:
        return None
    communes = {o.insee for o in places.options} | {places.best.insee}
    if len(communes) == 1 and places.best.insee:
        best = places.best
        return PlaceOption(best.label, best.insee, None, best.lat, best.lon)
    return None
