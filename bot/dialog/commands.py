"""The commands, in one table: what each does, whatever the channel it came from.

A channel sends a command as `Incoming("command", command=...)` (a Telegram /command, an SMS keyword,
a desk button), as a button value, or the person types one of its words (lexicon/<lang>.yaml, intent
of the same name) at any step. `KEYWORDS` are the Latin, accent-free words a channel may offer as
commands (Telegram's menu, SMS keywords): the same names in every channel.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.dialog import flow
from bot.dialog.messages import Reply, Turn
from bot.dialog.results import final_menu, results
from bot.dialog.state import DialogState
from bot.dialog.step import Step


def _erase(step: Step) -> Turn:
    return Turn((Reply("erased", step.t._("C'est fait : j'ai effacé toutes vos réponses. "
                                          "Vous pouvez recommencer quand vous voulez.")),), {}, erase=True)


def _handover(step: Step) -> Turn:
    t = step.t
    if not step.state.answers:
        step.say(Reply("info", t._("Je n'ai encore aucune réponse à montrer à un conseiller. "
                                   "Répondez d'abord à quelques questions.")))
        flow.ask_again(step)
        return step.turn()
    # "{code}" stays: storage puts the person's code there.
    step.say(Reply("handover", t._(
        "Votre code pour le conseiller : {code}. Donnez-le au conseiller Nantes Solidaire : il verra "
        "vos réponses. Le code marche une seule fois, pendant {hours} heures.").replace(
        "{hours}", str(step.catalogue.territory.handover_validity_hours))))
    flow.ask_again(step)
    return step.turn(handover=True)


def _restart(step: Step) -> Turn:
    # A follow-up the person said yes to still comes: starting another search does not cancel it.
    kept = step.state.follow_up if step.state.follow_up in ("yes", "asking") else None
    step.state = DialogState(lang=step.state.lang, source=step.state.source, follow_up=kept,
                             follow_up_aids=step.state.follow_up_aids if kept else [])
    step.say(Reply("info", step.t._("D'accord, on recommence.")), flow.need_menu(step))
    return step.turn()


def _help(step: Step) -> Turn:
    step.say(Reply("info", step.t._(
        "Je vous pose quelques questions. Ensuite, je vous montre les aides possibles "
        "et l'accueil le plus proche. À tout moment, vous pouvez écrire : retour, recommencer, "
        "résultats, langue, code (pour un conseiller) ou oubli.")))
    flow.ask_again(step)
    return step.turn()


def _language(step: Step) -> Turn:
    state = step.state
    if state.phase != "language":
        state.back_phase = state.phase
    state.phase = "language"
    step.say(flow.language_menu(step))
    return step.turn()


def _back(step: Step) -> Turn:
    flow.back(step)
    return step.turn()


def _results(step: Step) -> Turn:
    t, state = step.t, step.state
    if state.phase == "need" and not state.answers:
        step.say(Reply("info", t._("Je n'ai encore aucune réponse. Commençons !")), flow.need_menu(step))
        return step.turn()
    results(step)
    if step.question is not None:
        flow.ask_again(step, lead=t._("Pour préciser, répondez à cette question :"))
    else:
        step.say(final_menu(step))
    return step.turn()


def _details(step: Step) -> Turn:
    from bot.dialog.results import details

    details(step)
    step.say(final_menu(step))
    return step.turn()


def _more(step: Step) -> Turn:
    state = step.state
    state.wide = state.more = True
    state.phase = "ask"
    state.skipped = [q for q in state.skipped if q in step.questions and step.questions[q].type == "location"]
    flow.advance(step, after_results=True)
    return step.turn()


COMMANDS: dict[str, Callable[[Step], Turn]] = {
    "help": _help, "restart": _restart, "menu": _restart, "back": _back, "results": _results,
    "language": _language, "erase": _erase, "more": _more, "handover": _handover,
    "details": _details,
}
# The commands a person can type as a word at any step (lexicon intents of the same name).
TYPED = ("back", "restart", "help", "results", "erase", "language", "handover")
KEYWORDS: dict[str, str] = {
    "aide": "help", "menu": "menu", "retour": "back", "recommencer": "restart", "resultats": "results",
    "langue": "language", "oubli": "erase", "code": "handover", "suite": "more",
}


def run_command(step: Step, command: str) -> Turn:
    handler = COMMANDS.get(command)
    if handler is None:
        flow.ask_again(step)
        return step.turn()
    return handler(step)
