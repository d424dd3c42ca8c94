"""The end of a round of questions, in the order that serves action.

First what to do now (the nearest accueil with its address, phone and hours; the emergency numbers
if any), then the aids as short lines by weight, each with its official name beside the plain one,
then the menu; the detail of every aid and what is missing to check the others come on request.
All of it from one result model (bot.dialog.outcome), computed once per turn.
"""

from __future__ import annotations

from dataclasses import replace

from bot.dialog import render
from bot.dialog.emergencies import show_emergency, shown
from bot.dialog.messages import Choice, DoorItem, EmergencyItem, Reply
from bot.dialog.outcome import Outcome, compute
from bot.dialog.step import Step

MAX_AIDS_SHOWN = 8  # short lines in the results; the others are named in the detail


def outcome_of(step: Step) -> Outcome:
    found = step.screening.results(step.state, step.now)
    return compute(step.catalogue, found, step.state, step.now)


def results(step: Step) -> None:
    outcome = outcome_of(step)
    for emergency_id in outcome.emergencies:
        show_emergency(step, emergency_id)
    step.say(*now_replies(step), render.results_reply(outcome, step.t, MAX_AIDS_SHOWN))


def now_replies(step: Step) -> list[Reply]:
    """What to do now: where to go (bot.places.doors), and the emergency numbers shown along the way,
    once more."""
    t = step.t
    replies = door_replies(step, lead=t._("À faire maintenant : allez à cet accueil, on vous y aide."))
    earlier = shown(step)
    if not earlier:
        return replies
    numbers = tuple(dict.fromkeys(n.number for e in earlier for n in e.numbers))
    first = replies[0]
    text = first.text + "\n" + t._("En cas d'urgence, appelez le {numbers}.").format(numbers=t.join(list(numbers)))
    return [replace(first, text=text, emergency=EmergencyItem(earlier[0].id, numbers)), *replies[1:]]


def details(step: Step) -> None:
    """Every aid in full (why, how much, how to apply, what to bring), then what is missing to check
    the others."""
    outcome = outcome_of(step)
    step.say(*(render.aid_reply(r, step.t, step.catalogue) for r in outcome.aids))
    check = render.to_check_reply(list(outcome.to_check), step.t)
    if check:
        step.say(check)
    if not outcome.aids and not check:
        step.say(Reply("info", step.t._("Je n'ai pas d'autre détail. Une personne de l'accueil peut regarder "
                                        "votre situation avec vous.")))


def nearest_replies(step: Step) -> None:
    """Where to go and why: the accueil of the person's quartier, the nearest one, or, for another
    commune, its CCAS with the contact we could source."""
    step.say(*door_replies(step))


def door_replies(step: Step, lead: str = "") -> list[Reply]:
    """The door of bot.places.doors as replies; `lead` replaces the reason's words when given (the
    results say "what to do now")."""
    from bot.places.doors import door_for_answers
    from bot.places.geo import haversine_m
    from bot.places.why import commune_lines, reason_text, unconfirmed_text

    state, t = step.state, step.t
    loc = state.location
    accueils = [p for p in step.catalogue.places.values() if p.kind == "accueil_solidarite"]
    if loc is not None:
        commune, quartier = state.answers.get("commune"), state.answers.get("quartier")
        door = door_for_answers(step.catalogue, commune if isinstance(commune, str) else None,
                                quartier if isinstance(quartier, str) else None, loc.lat, loc.lon)
        if door.reason == "commune":
            contact = door.contact
            item = DoorItem(contact.door, contact.address or "", contact.phone or "",
                            t.k(contact.hours) if contact.hours else "", verified=contact.verified) \
                if contact is not None else None
            return [Reply("info", "\n".join([reason_text(door, t), *commune_lines(door, t)]), door=item)]
        if door.place is not None and door.reason != "unknown":
            distance = door.distance_m
            if distance is None and loc.lat is not None and loc.lon is not None:
                distance = round(haversine_m(loc.lat, loc.lon, door.place.lat, door.place.lon))
            reason = reason_text(door, t)
            replies = [render.place_reply(door.place, step.now, t, lead + "\n" + reason if lead else reason,
                                          distance)]
            note = unconfirmed_text(door, step.catalogue.territory.confirm_phone, t)
            if note and not door.place.phone:  # no phone of its own: the CCAS' is the way to confirm
                replies.append(Reply("info", note))
            return replies
    place = step.catalogue.places.get(state.source or "") or step.catalogue.places.get(step.catalogue.territory.default_accueil) \
        or accueils[0]
    return [render.place_reply(place, step.now, t, lead or t._("Un accueil où l'on peut vous aider :"))]


def final_menu(step: Step) -> Reply:
    t = step.t
    choices = [Choice("details", t._("Voir le détail")), Choice("handover", t._("Montrer à un conseiller")),
               Choice("restart", t._("Recommencer"))]
    if not step.state.more:
        choices.insert(1, Choice("more", t._("Vérifier d'autres droits")))
    return Reply("question", t._("Que voulez-vous faire maintenant ?"), tuple(choices), expects="choice")
