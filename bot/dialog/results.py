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
from bot.dialog.messages import Choice, EmergencyItem, Reply
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
    step.say(now_reply(step, outcome), render.results_reply(outcome, step.t, MAX_AIDS_SHOWN))


def now_reply(step: Step, outcome: Outcome) -> Reply:
    """What to do now: where to go, and the emergency numbers shown along the way, once more."""
    t = step.t
    nearby = outcome.accueils[0]
    lead = t._("À faire maintenant : allez à l'accueil le plus proche de vous.") if outcome.located \
        else t._("À faire maintenant : allez à cet accueil, on vous y aide.")
    reply = render.place_reply(nearby.place, step.now, t, lead, nearby.distance_m)
    earlier = shown(step)
    if not earlier:
        return reply
    numbers = tuple(dict.fromkeys(n.number for e in earlier for n in e.numbers))
    text = reply.text + "\n" + t._("En cas d'urgence, appelez le {numbers}.").format(numbers=t.join(list(numbers)))
    return replace(reply, text=text, emergency=EmergencyItem(earlier[0].id, numbers))


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
    """The nearest accueil alone (a position shared at any moment)."""
    step.say(nearest_reply(step))


def nearest_reply(step: Step) -> Reply:
    from bot.dialog.outcome import nearest_accueils

    t = step.t
    accueils, located = nearest_accueils(step.catalogue, step.state)
    lead = t._("L'accueil le plus proche de vous :") if located else t._("Un accueil où l'on peut vous aider :")
    return render.place_reply(accueils[0].place, step.now, t, lead, accueils[0].distance_m)


def final_menu(step: Step) -> Reply:
    t = step.t
    choices = [Choice("details", t._("Voir le détail")), Choice("handover", t._("Montrer à un conseiller")),
               Choice("restart", t._("Recommencer"))]
    if not step.state.more:
        choices.insert(1, Choice("more", t._("Vérifier d'autres droits")))
    return Reply("question", t._("Que voulez-vous faire maintenant ?"), tuple(choices), expects="choice")
