"""Emergency cards: shown first, whatever question is open, and once per situation in a row."""

from __future__ import annotations

from bot.catalogue.dialogue import Emergency
from bot.dialog import render
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


def show_detected(step: Step, found: list[Emergency]) -> list[Emergency]:
    """Cards for the situations a message names. A situation named again is shown again (the person
    may need the numbers now), but only once per message; the list says which ones were named."""
    for emergency in found:
        _card(step, emergency)
    return found


def _card(step: Step, emergency: Emergency) -> None:
    step.say(*render.emergency_replies(emergency, step.catalogue, step.now, step.t))
    if emergency.id not in step.state.emergencies:
        step.state.emergencies.append(emergency.id)
