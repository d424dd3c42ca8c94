"""The opt-in follow-up in the dialog: one offer after the first results that showed probable aids
("Puis-je vous écrire dans 4 semaines… ?", its yes the final menu's last choice; default no), the message written four weeks later
(`Engine.follow_up`, sent by bot.followup), and the answer read from it: 1 oui, 2 pas encore, 3 refusé,
4 besoin d'aide.

What other layers need travels on the Turn: `follow_up_accepted` (True after a yes, False after a no:
storage schedules or cancels) and `follow_up_answer` ((answer, aid ids): the anonymous counters).
"""

from __future__ import annotations

from dataclasses import replace

from bot.catalogue.text import fold
from bot.dialog.messages import Choice, Incoming, Reply, Turn, numbered
from bot.dialog.results import final_menu, nearest_replies
from bot.dialog.step import Step
from bot.dialog.text import choice_number

OFFER = "follow_up_offer"  # data["question"] of the offer
ASKED = "follow_up"  # data["question"] of the message sent four weeks later
YES = "follow_up_yes"
ANSWERS = (("follow_up_claimed", "claimed"), ("follow_up_not_yet", "not_yet"),
           ("follow_up_refused", "refused"), ("follow_up_help", "help_wanted"))
WEEKS = 4
TOP_AIDS = 2  # the follow-up asks about the first aids shown, no more: one message, at most two SMS


def offer_or_menu(step: Step) -> list[Reply]:
    """After results: the final menu; when probable aids were shown in this turn and the follow-up was never
    offered, the offer before it and its yes as the menu's last choice (the other numbers stay as they are;
    not choosing it is a no)."""
    state, t = step.state, step.t
    menu = final_menu(step)
    aids = [aid for reply in step.replies if reply.kind == "results"
            for aid in reply.data.get("eligible", ()) if isinstance(aid, str)]
    # A conversation kept less than the four weeks would be gone before the message: never promise it.
    if state.follow_up is not None or not aids or step.retention_days <= WEEKS * 7:
        return [menu]
    state.follow_up, state.follow_up_aids = "offered", aids[:TOP_AIDS]
    offer = Reply("info", t._("Puis-je vous écrire dans 4 semaines pour savoir si ça a marché ?"),
                  data={"question": OFFER})
    return [offer, replace(menu, choices=(*menu.choices, Choice(YES, t._("Oui, écrivez-moi dans 4 semaines"))))]


def read(step: Step, incoming: Incoming) -> Turn | None:
    """The answer to the offer or to the follow-up message, or None (the message is read as usual)."""
    state = step.state
    if state.follow_up == "offered":
        yes = _yes_no(step, incoming)
        if yes is None:
            state.follow_up = "no"  # default no: anything else than a yes is read as usual
            return None
        t = step.t
        state.follow_up = "yes" if yes else "no"
        step.follow_up_accepted = yes
        step.say(Reply("info", t._("C'est noté : je vous écrirai une seule fois, dans 4 semaines.") if yes
                       else t._("D'accord, je ne vous écrirai pas.")), final_menu(step))
        return step.turn()
    if state.follow_up == "asking":
        state.follow_up = "answered"
        answer = _answer(step, incoming)
        if answer is None:
            return None
        step.follow_up_answer = (answer, tuple(state.follow_up_aids))
        state.phase, state.question = "done", None
        _answered(step, answer)
        return step.turn()
    return None


def write(step: Step) -> Turn | None:
    """The message four weeks later, from the state of a person who said yes; None when there is none to
    write (they restarted without aids, or the state is not theirs any more)."""
    state, t = step.state, step.t
    names = [t.k(step.catalogue.aids[aid].name) for aid in state.follow_up_aids if aid in step.catalogue.aids]
    if state.follow_up != "yes" or not names:
        return None
    state.follow_up, state.phase, state.question = "asking", "done", None
    step.say(Reply("question", t._("Bonjour, c'est Aiguillage. Il y a 4 semaines, nous avons parlé de : {names}. "
                                   "Avez-vous fait la demande ?").format(names=t.join(names)),
                   (Choice(ANSWERS[0][0], t._("Oui")), Choice(ANSWERS[1][0], t._("Pas encore")),
                    Choice(ANSWERS[2][0], t._("On me l'a refusée")), Choice(ANSWERS[3][0], t._("J'ai besoin d'aide"))),
                   expects="choice", data={"question": ASKED}))
    return step.turn()


def _yes_no(step: Step, incoming: Incoming) -> bool | None:
    """A yes or a no to the offer; None for anything else (a menu choice, another answer)."""
    if incoming.kind == "choice":
        return True if incoming.choice == YES else None
    if incoming.kind != "text":
        return None
    folded = fold(incoming.text)
    number = choice_number(folded)
    if number is not None:
        # The yes is the menu's last number: 4, or 3 when "Vérifier d'autres droits" is not offered.
        return True if number == len(numbered(final_menu(step).choices)) + 1 else None
    if step.understanding.is_intent(folded, "yes", step.state.lang):
        return True
    if step.understanding.is_intent(folded, "no", step.state.lang):
        return False
    return None


def _answer(step: Step, incoming: Incoming) -> str | None:
    values = dict(ANSWERS)
    if incoming.kind == "choice":
        return values.get(incoming.choice)
    if incoming.kind != "text":
        return None
    folded = fold(incoming.text)
    number = choice_number(folded)
    if number is not None:
        return ANSWERS[number - 1][1] if 1 <= number <= len(ANSWERS) else None
    return "claimed" if step.understanding.is_intent(folded, "yes", step.state.lang) else None


def _answered(step: Step, answer: str) -> None:
    t = step.t
    if answer == "claimed":
        step.say(Reply("info", t._("Merci de votre réponse. C'est une bonne nouvelle !")), final_menu(step))
        return
    step.say(Reply("info", {
        "not_yet": t._("Merci de votre réponse. Il n'est pas trop tard pour faire la demande."),
        "refused": t._("Merci de votre réponse. Un refus peut parfois être revu : un conseiller peut "
                       "regarder avec vous."),
        "help_wanted": t._("Un conseiller Nantes Solidaire peut vous aider. Choisissez « Montrer à un "
                           "conseiller » pour avoir un code, ou allez à l'accueil."),
    }[answer]))
    nearest_replies(step)
    step.say(final_menu(step))
