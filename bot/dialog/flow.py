"""The questionnaire's moves: start from a need, accept an answer, ask again, go on, go back."""

from __future__ import annotations

from typing import Any

from bot.catalogue.questions import Need, Question
from bot.dialog import places_choice, render
from bot.dialog.emergencies import show_emergency, show_help
from bot.dialog.followup import offer_or_menu
from bot.dialog.messages import CONTINUE, Choice, QuestionItem, Reply
from bot.dialog.results import final_menu, results
from bot.dialog.selection import next_question
from bot.dialog.state import Answer, Location
from bot.dialog.step import Step
from bot.i18n import LANGUAGES

MAX_TRIES = 3  # after this many unclear answers, move on rather than loop


def welcome(step: Step) -> None:
    t = step.t
    # One SMS (160 characters), whatever the channel: every SMS is paid by the accueil.
    step.say(Reply("notice", t.ngettext(
        "Bonjour, ici Aiguillage : vos droits à Nantes. Réponses gardées {days} jour, sans nom ni numéro. "
        "OUBLI efface tout.",
        "Bonjour, ici Aiguillage : vos droits à Nantes. Réponses gardées {days} jours, sans nom ni numéro. "
        "OUBLI efface tout.", step.retention_days
    ).format(days=step.retention_days), data={"welcome": True}))


def need_menu(step: Step) -> Reply:
    t = step.t
    choices = tuple(Choice(n.id, t.k(n.label)) for n in step.catalogue.needs)
    # The same words in two parts, so that an SMS may drop the second when it would cost one more SMS.
    item = QuestionItem("need", t._("Qu'est-ce qui vous amène ?"), t._("Choisissez, ou écrivez avec vos mots."),
                        len(choices))
    return Reply("question", t._("Qu'est-ce qui vous amène ? Choisissez, ou écrivez avec vos mots."), choices,
                 expects="choice", data={"question": "need"}, question=item)


def language_menu(step: Step) -> Reply:
    return Reply("question", step.t._("Choisissez votre langue."),
                 tuple(Choice(code, name) for code, name in LANGUAGES.items()), expects="choice")


def current_question(step: Step, lead: str = "") -> Reply:
    phase = step.state.phase
    if phase == "need":
        return need_menu(step)
    if phase == "language":
        return language_menu(step)
    question = step.question
    if question is not None and step.state.places is not None:
        return places_choice.reply(step)
    if question is not None:
        return render.question_reply(question, step.t, lead=lead)
    return final_menu(step)


def ask_again(step: Step, lead: str = "") -> None:
    step.say(current_question(step, lead))


def start_need(step: Step, need: Need) -> None:
    state, t = step.state, step.t
    state.need, state.phase, state.question, state.tries = need.id, "ask", None, 0
    step.need_chosen = need.id
    state.wide = need.id == "all"
    if need.emergency:
        show_emergency(step, need.emergency)
    elif need.shows:
        show_help(step, need.shows)
    step.say(Reply("info", t._("D'accord : « {need} ». Je vais vous poser quelques questions courtes.")
                   .format(need=t.k(need.label)),
                   data={"brief": t._("« {need} » : quelques questions.").format(need=t.k(need.label))}))
    advance(step)


def accept(step: Step, question: Question, value: Any, skipped: bool = False) -> None:
    state = step.state
    state.tries = 0
    state.pending = None
    state.places = None
    if skipped:
        if question.id not in state.skipped:
            state.skipped.append(question.id)
    elif question.type == "location":
        store_location(step, value)
    else:
        state.answers[question.key] = value
    if question.id not in state.history:
        state.history.append(question.id)
    advance(step)


def store_answer(step: Step, key: str, value: Answer) -> None:
    """An answer to a question not asked yet, understood from the same message: kept, and that
    question is then not asked."""
    step.state.answers[key] = value


def unclear(step: Step, question: Question, problem: str) -> None:
    state = step.state
    state.tries += 1
    if state.tries >= MAX_TRIES:
        step.say(Reply("info", step.t._("Ce n'est pas grave, je passe à la question suivante.")))
        accept(step, question, None, skipped=True)
        return
    step.say(render.reprompt_reply(question, step.t, state.tries, problem))


def advance(step: Step, after_results: bool = False) -> None:
    state, t = step.state, step.t
    apply_implied(step)
    question = next_question(step.catalogue, step.screening, state, step.now)
    if question is not None:
        state.phase, state.question, state.tries = "ask", question.id, 0
        step.say(render.question_reply(question, t))
        return
    if after_results:
        step.say(Reply("info", t._("Je n'ai pas d'autre question utile. Voici vos résultats.")))
    state.phase, state.question, state.tries = "done", None, 0
    results(step)
    step.say(*offer_or_menu(step))


def back(step: Step) -> None:
    state = step.state
    state.pending = None
    state.places = None
    if not state.history:
        state.phase, state.question, state.need, state.tries = "need", None, None, 0
        step.say(need_menu(step))
        return
    question = step.questions.get(state.history.pop())
    if question is None:
        back(step)
        return
    forget(step, question)
    state.phase, state.question, state.tries = "ask", question.id, 0
    step.say(render.question_reply(question, step.t, lead=step.t._("D'accord, revenons à cette question.")))


def store_location(step: Step, location: Any, lat: float | None = None, lon: float | None = None) -> None:
    """`location`: a bot.places.search result (label, insee, quartier, lat, lon)."""
    answers = step.state.answers
    answers["commune"] = location.insee or answers.get("commune")
    if location.quartier:
        answers["quartier"] = location.quartier
    else:
        answers.pop("quartier", None)
    step.state.location = Location(location.label, lat if lat is not None else location.lat,
                                   lon if lon is not None else location.lon)


def forget(step: Step, question: Question) -> None:
    state = step.state
    if question.type == "location":
        state.answers.pop("commune", None)
        state.answers.pop("quartier", None)
        state.location = None
    else:
        state.answers.pop(question.key, None)
    if question.id in state.skipped:
        state.skipped.remove(question.id)


def resume_question(step: Step) -> Reply:
    t = step.t
    return Reply("question", t._("Voulez-vous continuer les questions ?"),
                 (Choice(CONTINUE, t._("Continuer")), Choice("results", t._("Voir mes résultats"))), expects="choice",
                 data={"question": step.state.question or ""})


def confirm_question(step: Step, question: Question, value: Any) -> Reply:
    t = step.t
    shown = t.money(value) if question.type == "money" else t.number(value)
    return Reply("question", t._("Vous avez écrit {value}. C'est bien cela ?").format(value=shown),
                 (Choice("yes", t._("Oui")), Choice("no", t._("Non"))), expects="boolean",
                 data={"question": question.id})


def apply_implied(step: Step) -> None:
    """Answers the data implies when a question cannot apply (not pregnant at 70): kept, not asked."""
    from bot.rules.conditions import NOT_ELIGIBLE, evaluate
    from bot.rules.facts import Facts

    answers = step.state.answers
    for question in step.catalogue.questions:
        if question.otherwise is None or question.ask_if is None or question.key in answers:
            continue
        if evaluate(question.ask_if, Facts(answers), step.now.date()).status == NOT_ELIGIBLE:
            answers[question.key] = question.otherwise
