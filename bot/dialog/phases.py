"""What a typed message or a pressed button means at each phase: one handler per phase."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.catalogue.questions import Emergency, Need, Question
from bot.catalogue.text import fold
from bot.dialog import flow, places_choice, render
from bot.dialog.commands import run_command
from bot.dialog.messages import CONTINUE, SKIP, Reply, Turn, numbered
from bot.dialog.results import final_menu
from bot.dialog.state import Pending
from bot.dialog.step import Step
from bot.dialog.text import choice_number
from bot.dialog.understanding import UNCLEAR
from bot.i18n import LANGUAGES, supported

# -- typed text ------------------------------------------------------------------------------------------


def match_need(step: Step, folded: str) -> Need | None:
    index = choice_number(folded)
    if index is not None:
        return step.catalogue.needs[index - 1] if 1 <= index <= len(step.catalogue.needs) else None
    return step.understanding.need(folded, step.state.lang, k=step.t.k)


def _text_need(step: Step, text: str, folded: str, found: list[Emergency]) -> Turn:
    alerted = bool(found)
    # After a card, the need it points to is chosen for the person ("roof" after no roof tonight).
    need = next((n for e in found for n in step.catalogue.needs if n.after == e.id), None) or \
        match_need(step, folded)
    if need is not None:
        flow.start_need(step, need)
    elif alerted or any(step.understanding.is_intent(folded, "greeting", lang, whole=False)
                        for lang in (step.state.lang, step.state.offered or step.state.lang)):
        step.say(flow.need_menu(step))  # after an emergency card: the menu, no scolding
    else:
        # The list is on the screen already: one short line; after two misses, every right is looked at.
        step.state.tries += 1
        everything = step.catalogue.need("all")
        if step.state.tries >= NEED_TRIES and everything is not None:
            step.say(Reply("info", step.t._("Ce n'est pas grave : je regarde tous vos droits.")))
            flow.start_need(step, everything)
            return step.turn()
        menu = flow.need_menu(step)
        step.say(Reply("reprompt", step.t._("Je n'ai pas bien compris. Répondez par un numéro de 1 à {n}, ou "
                                            "écrivez avec vos mots.").format(n=len(menu.choices)),
                       menu.choices, expects="choice", data={"question": "need"}))
    return step.turn()


NEED_TRIES = 2  # unclear answers to the needs question before going on with every right


def _text_done(step: Step, text: str, folded: str, found: list[Emergency]) -> Turn:
    alerted = bool(found)
    menu = final_menu(step)
    number = choice_number(folded)
    if number is not None and not alerted:
        chosen = dict(numbered(menu.choices)).get(number)
        if chosen:
            return run_command(step, chosen.value)
    if step.understanding.is_intent(folded, "more", step.state.lang):
        return run_command(step, "more")
    need = match_need(step, folded)
    if need and not alerted:
        flow.start_need(step, need)
        return step.turn()
    if not alerted:
        step.say(Reply("info", step.t._("Pour une nouvelle recherche, écrivez « recommencer ». "
                                        "Pour revoir vos aides, écrivez « résultats ».")))
    step.say(menu)
    return step.turn()


def _text_ask(step: Step, text: str, folded: str, found: list[Emergency]) -> Turn:
    question = step.question
    state = step.state
    if question is None:
        flow.advance(step)
        return step.turn()
    if found:
        # A message that is an emergency is never stored as an answer: the card, then one line asking
        # whether to go on with the questions (the numbers come back at the end of the results).
        state.pending = None
        state.resume = True
        step.say(flow.resume_question(step))
        return step.turn()
    if state.resume:
        state.resume = False
        if step.understanding.is_intent(folded, "yes", state.lang) or \
                step.understanding.is_intent(folded, "more", state.lang):
            flow.ask_again(step)
            return step.turn()
    if state.places is not None:
        return _place_answer(step, question, text, folded)
    if state.pending is not None:
        confirmed = _confirmation(step, folded)
        if confirmed is not None:
            return _confirmed(step, question, confirmed)
        state.pending = None
    understood = step.understanding.answer(question, text, state.lang, choice_tuples(question, step))
    for slot in understood.extras:
        if slot.key not in state.answers and slot.confidence >= EXTRA_CONFIDENCE:
            flow.store_answer(step, slot.key, slot.value)
    if understood.confirm:
        state.pending = Pending(question.id, understood.value)
        step.say(flow.confirm_question(step, question, understood.value))
        return step.turn()
    if understood.value is UNCLEAR:
        flow.unclear(step, question, understood.problem)
        return step.turn()
    if question.type == "location" and places_choice.offer(step, understood.value):
        return step.turn()
    flow.accept(step, question, understood.value, understood.skipped)
    return step.turn()


def _place_answer(step: Step, question: Question, text: str, folded: str) -> Turn:
    """The reply to "which of these places": an option, "je ne sais pas", or other words for the place."""
    option = places_choice.chosen(step, text)
    if option is not None:
        flow.accept(step, question, option)
        return step.turn()
    if text == SKIP or choice_number(folded) == 0 or step.understanding.is_intent(folded, "dont_know", step.state.lang):
        kept = places_choice.undecided(step)
        flow.accept(step, question, kept, skipped=kept is None)
        return step.turn()
    places = step.state.places
    assert places is not None
    understood = step.understanding.answer(question, text, step.state.lang, [])
    if understood.value is UNCLEAR and not places.options and any(c.isdigit() for c in text):
        # "16" after "which number on this street": the number with the street's name
        understood = step.understanding.answer(question, f"{text} {places.best.label}", step.state.lang, [])
    if understood.value is UNCLEAR or understood.skipped:
        if places.options:
            step.state.tries += 1
            if step.state.tries < flow.MAX_TRIES:
                step.say(Reply("reprompt", step.t._("Je n'ai pas bien compris."), ()), places_choice.reply(step))
                return step.turn()
        kept = places_choice.undecided(step) if places.options else places.best
        flow.accept(step, question, kept, skipped=kept is None)
        return step.turn()
    flow.accept(step, question, understood.value)  # asked once: still ambiguous, it is kept as it is
    return step.turn()


EXTRA_CONFIDENCE = 0.9  # an answer to another question is kept only when read plainly


def _confirmation(step: Step, folded: str) -> bool | None:
    lang = step.state.lang
    if step.understanding.is_intent(folded, "yes", lang):
        return True
    if step.understanding.is_intent(folded, "no", lang):
        return False
    return None


def _confirmed(step: Step, question: Question, yes: bool) -> Turn:
    pending = step.state.pending
    step.state.pending = None
    if not yes or pending is None:
        flow.ask_again(step, lead=step.t._("D'accord, revenons à cette question."))
        return step.turn()
    spec = step.catalogue.profile.keys.get(question.key)
    value = pending.value
    if spec and isinstance(value, int | float) and not isinstance(value, bool) and (
            (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max)):
        flow.unclear(step, question, "range")
        return step.turn()
    flow.accept(step, question, value)
    return step.turn()


def _text_language(step: Step, text: str, folded: str, found: list[Emergency]) -> Turn:
    return choose_language(step, folded)


TEXT: dict[str, Callable[[Step, str, str, list[Emergency]], Turn]] = {
    "need": _text_need, "ask": _text_ask, "done": _text_done, "language": _text_language,
}


def choose_language(step: Step, value: str) -> Turn:
    value = value.strip()
    alias = supported(fold(value)) if 2 <= len(value) <= 6 else ""  # "prs", "fa-AF": Dari
    code = value if value in LANGUAGES else alias if alias and (alias != "fr" or fold(value) == "fr") else None
    if code is None:
        for index, (lang, name) in enumerate(LANGUAGES.items(), start=1):
            if fold(name) == fold(value) or index == choice_number(value):
                code = lang
    if code is None:
        step.say(flow.language_menu(step))
        return step.turn()
    state = step.state
    state.lang = code
    if state.phase == "language":
        state.phase = state.back_phase or "need"
        state.back_phase = None
    step.relang()
    step.say(Reply("info", step.t._("C'est noté : je vous parle en français.")))
    flow.ask_again(step)
    return step.turn()


def choice_tuples(question: Question, step: Step) -> list[tuple[str, str, tuple[str, ...]]]:
    synonyms = {c.value: c.synonyms for c in question.choices}
    return [(c.value, c.label, synonyms.get(c.value, ())) for c in render.question_choices(question, step.t)]


# -- pressed buttons -------------------------------------------------------------------------------------

BUTTON_COMMANDS = ("restart", "more", "help", "results", "back", "language", "erase", "handover", "details")


def on_choice(step: Step, value: str, on_text: Callable[[Step, str], Turn]) -> Turn:
    phase = step.state.phase
    if phase == "language":
        return choose_language(step, value)
    if phase == "need":
        need = step.catalogue.need(value)
        if need is None:
            step.say(flow.need_menu(step))
        else:
            flow.start_need(step, need)
        return step.turn()
    if value in BUTTON_COMMANDS:
        return run_command(step, value)
    question = step.question
    if value == CONTINUE:
        step.state.resume = False
        flow.ask_again(step)
        return step.turn()
    if question is not None and step.state.pending is not None and value in ("yes", "no"):
        return _confirmed(step, question, value == "yes")
    if question is not None and step.state.places is not None and (
            value.startswith(places_choice.PREFIX) or value == SKIP):
        step.state.resume = False
        return _place_answer(step, question, value, fold(value))
    step.state.resume = False
    if question is None:
        flow.ask_again(step)
        return step.turn()
    answer: Any
    if value == SKIP:
        flow.accept(step, question, None, skipped=True)
    elif question.type == "boolean" and value in ("yes", "no"):
        flow.accept(step, question, value == "yes")
    elif question.type == "ages" and value == "none":
        answer = []
        flow.accept(step, question, answer)
    elif any(c.value == value for c in question.choices):
        flow.accept(step, question, value)
    else:
        return on_text(step, value)  # a button from an older message: answered as text, so nothing is lost
    return step.turn()
