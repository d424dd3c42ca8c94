"""The end of a round of questions: the probable aids, what to check, and where to go."""

from __future__ import annotations

from dataclasses import replace

from bot.dialog import render
from bot.dialog.emergencies import reminder, show_emergency, shown
from bot.dialog.messages import Choice, Reply
from bot.dialog.state import DialogState
from bot.dialog.step import Step
from bot.rules.conditions import ELIGIBLE, UNKNOWN
from bot.rules.screen import AidResult

MAX_AIDS_SHOWN = 8  # one message each; the others are named in one more message


def results(step: Step) -> None:
    state, t = step.state, step.t
    # A situation flagged as an emergency in the data (the need, or an answer such as "no home") comes first.
    need_entry = step.catalogue.need(state.need or "")
    flagged = [need_entry.emergency if need_entry else ""]
    for question in step.catalogue.questions:
        value = state.answers.get(question.key)
        flagged += [c.emergency for c in question.choices if c.emergency and c.value == value]
    for emergency_id in flagged:
        if emergency_id:
            show_emergency(step, emergency_id)
    found = step.screening.results(state, step.now)
    need = state.need
    # A service open to everyone (no machine-checked condition) is listed only for the need it serves:
    # "tous mes droits" must not tell a working tenant that the 115 is for him.
    probable = by_relevance([r for r in found if r.status == ELIGIBLE and (r.aid.conditions or need in r.aid.needs)],
                            state)
    to_check = [r for r in found if r.status == UNKNOWN]
    if probable:
        step.say(Reply("results", t.ngettext(
            "Voici {n} aide à laquelle vous avez probablement droit.",
            "Voici {n} aides auxquelles vous avez probablement droit.", len(probable)).format(n=len(probable)),
            data={"eligible": [r.aid.id for r in probable]}))
        step.say(*(render.aid_reply(r, t, step.catalogue) for r in probable[:MAX_AIDS_SHOWN]))
        rest = probable[MAX_AIDS_SHOWN:]
        if rest:
            step.say(Reply("info", t._("Autres aides possibles : {names}. Demandez-les à l'accueil.").format(
                names=t.join([t.k(r.aid.title) for r in rest])), data={"more_aids": [r.aid.id for r in rest]}))
    else:
        step.say(Reply("results", t._("Je n'ai pas trouvé d'aide sûre avec vos réponses. "
                                      "Une personne de l'accueil peut regarder votre situation avec vous."),
                       data={"eligible": []}))
    check = render.to_check_reply(by_relevance(to_check, state), t)
    if check:
        step.say(check)
    nearest_replies(step)
    earlier = shown(step)
    if earlier:  # the numbers of an emergency card shown along the way, once more at the end
        step.say(replace(reminder(step, earlier), kind="info"))


def nearest_replies(step: Step) -> None:
    """Where to go and why (bot.places.doors): the accueil of the person's quartier, the nearest one, or,
    for another commune, its CCAS with the contact we could source."""
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
            step.say(Reply("info", "\n".join([reason_text(door, t), *commune_lines(door, t)])))
            return
        if door.place is not None and door.reason != "unknown":
            distance = door.distance_m
            if distance is None and loc.lat is not None and loc.lon is not None:
                distance = round(haversine_m(loc.lat, loc.lon, door.place.lat, door.place.lon))
            step.say(render.place_reply(door.place, step.now, t, reason_text(door, t), distance))
            note = unconfirmed_text(door, step.catalogue.territory.confirm_phone, t)
            if note and not door.place.phone:  # no phone of its own: the CCAS' is the way to confirm
                step.say(Reply("info", note))
            return
    place = step.catalogue.places.get(state.source or "") or step.catalogue.places.get(step.catalogue.territory.default_accueil) \
        or accueils[0]
    step.say(render.place_reply(place, step.now, t, t._("Un accueil où l'on peut vous aider :")))


def final_menu(step: Step) -> Reply:
    t = step.t
    choices = [Choice("handover", t._("Montrer à un conseiller")), Choice("restart", t._("Recommencer"))]
    if not step.state.more:
        choices.insert(0, Choice("more", t._("Vérifier d'autres droits")))
    return Reply("question", t._("Que voulez-vous faire maintenant ?"), tuple(choices), expects="choice")


def by_relevance(found: list[AidResult], state: DialogState) -> list[AidResult]:
    """Aids that answer the person's need first; among them, the ones checked against the person's
    answers (rights with conditions) before services open to all."""
    need = state.need

    def pays(result: AidResult) -> bool:
        amount = result.amount
        return bool(amount and ((amount.value or 0) > 0 or (amount.max or 0) > 0))

    return sorted(found, key=lambda r: (0 if need in r.aid.needs else 1, 0 if r.aid.conditions else 1,
                                        0 if pays(r) else 1))
