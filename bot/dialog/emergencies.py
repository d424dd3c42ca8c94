"""Emergency cards: shown first, whatever question is open, and once per situation in a row."""

from __future__ import annotations

from bot.catalogue.questions import Emergency
from bot.dialog import render
from bot.dialog.messages import Reply
from bot.dialog.step import Step


def show_emergency(step: Step, emergency_id: str) -> bool:
    """Show the card of a situation not shown yet; whether it was shown."""
    if emergency_id in step.state.emergencies:
        return False
    emergency = next((e for e in step.catalogue.emergencies if e.id == emergency_id), None)
    if emergency is None:
        return False
    _card(step, emergency)
    return True


def show_help(step: Step, emergency_id: str) -> None:
    """The help of a situation as information, not as an emergency card (the food need: where to eat
    today); not counted as a card shown."""
    emergency = next((e for e in step.catalogue.emergencies if e.id == emergency_id), None)
    if emergency is not None and emergency_id not in step.state.emergencies:
        step.say(*render.emergency_replies(emergency, step.catalogue, step.now, step.t, urgent=False))


def show_detected(step: Step, found: list[Emergency]) -> list[Emergency]:
    """Cards for the situations a message names. A situation shown before gets one line with its
    numbers, not the whole card again: repeating a sentence must not loop on the same card."""
    for emergency in found:
        if emergency.id in step.state.emergencies:
            step.say(reminder(step, [emergency]))
        else:
            _card(step, emergency)
    return found


def reminder(step: Step, emergencies: list[Emergency]) -> Reply:
    numbers = list(dict.fromkeys(n.number for e in emergencies for n in e.numbers))
    return Reply("emergency", step.t._("Rappel, les numéros d'urgence : {numbers}.").format(
        numbers=", ".join(numbers) or "112"), data={"emergency": emergencies[0].id if len(emergencies) == 1 else ""})


def shown(step: Step) -> list[Emergency]:
    return [e for e in step.catalogue.emergencies if e.id in step.state.emergencies]


def _card(step: Step, emergency: Emergency) -> None:
    step.say(*render.emergency_replies(emergency, step.catalogue, step.now, step.t))
    if emergency.id not in step.state.emergencies:
        step.state.emergencies.append(emergency.id)
