"""The dialog engine: (state, incoming message, now) -> Turn(replies, new state). No I/O.

The stored state is a JSON dict (bot.dialog.state reads and migrates it). The engine asks, one at a
time, the question whose answer settles the most open aids (selection), understands free text at
every step (understanding), puts emergencies first (emergencies), and ends with the probable aids,
what to check, and the nearest accueil (results). Commands are one table (commands); what a message
means at each phase is one handler per phase (phases).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.catalogue import Catalogue
from bot.catalogue.questions import Question
from bot.catalogue.text import fold
from bot.dialog import flow, followup
from bot.dialog.commands import run_command
from bot.dialog.emergencies import show_detected
from bot.dialog.messages import Incoming, Reply, Turn
from bot.dialog.phases import TEXT, choose_language, on_choice
from bot.dialog.selection import Screening, focus, next_question
from bot.dialog.state import DialogState
from bot.dialog.step import Step
from bot.dialog.understanding import Understanding
from bot.i18n import LANGUAGES, supported, translator


class Engine:
    def __init__(self, catalogue: Catalogue, retention_days: int = 30) -> None:
        self.catalogue = catalogue
        self.understanding = Understanding(catalogue)
        self.screening = Screening(catalogue)
        self.retention_days = retention_days
        self.questions: dict[str, Question] = {q.id: q for q in catalogue.questions}
        self._deep_links = {p.deep_link: p.id for p in catalogue.places.values() if getattr(p, "deep_link", None)}

    def handle(self, state: Mapping[str, Any] | None, incoming: Incoming, now: datetime) -> Turn:
        typed, fresh = DialogState.from_json(state, incoming.lang)
        step = Step(self.catalogue, self.questions, self.understanding, self.screening, typed, now,
                    self.retention_days)
        if fresh:
            if incoming.kind == "start":
                self._apply_payload(step, incoming.payload)
            flow.welcome(step)
            if incoming.kind in ("start", "command") and incoming.command != "erase":
                step.say(flow.need_menu(step))
                return step.turn()
        elif incoming.kind == "start":
            self._apply_payload(step, incoming.payload)
            step.say(Reply("info", step.t._("Bon retour ! On reprend où vous en étiez.")))
            flow.ask_again(step)
            return step.turn()
        answered = followup.read(step, incoming)
        if answered is not None:
            return answered
        if incoming.kind == "unsupported":
            step.say(Reply("info", step.t._("Je ne lis que les messages écrits. Répondez avec des mots ou des "
                                            "chiffres, s'il vous plaît.")))
            flow.ask_again(step)
            return step.turn()
        if incoming.kind == "command":
            return run_command(step, incoming.command)
        if incoming.kind == "location":
            return self._location(step, incoming)
        if incoming.kind == "choice":
            return on_choice(step, incoming.choice, self._text)
        return self._text(step, incoming.text)

    # -- the inputs --------------------------------------------------------------------------------------

    def _text(self, step: Step, text: str) -> Turn:
        folded = fold(text)
        if not folded:
            step.say(Reply("reprompt", step.t._("Je n'ai rien reçu. Écrivez votre réponse, s'il vous plaît.")))
            flow.ask_again(step)
            return step.turn()
        found = show_detected(step, self.understanding.emergencies(folded, text))
        command = self.understanding.command(folded, step.state.lang)
        if command:
            return run_command(step, command)
        offered = step.state.offered
        if offered and offered != step.state.lang and folded.strip(" .!") == offered:
            return choose_language(step, offered)  # "I can also speak English: write EN"
        if offered is None and not found:
            self._offer_language(step, text)
        return TEXT[step.state.phase](step, text, folded, found)

    def _offer_language(self, step: Step, text: str) -> None:
        """On the first typed message: if it is written in another of our languages, one line offers it,
        in that language. Nothing switches until the person writes the code."""
        detected = self.understanding.language(text)
        step.state.offered = detected or step.state.lang
        if detected and detected != step.state.lang:
            offer = translator(detected)._("Je peux aussi vous parler en français : écrivez FR.")
            step.later.append(Reply("info", offer, data={"language": detected}))

    def _location(self, step: Step, incoming: Incoming) -> Turn:
        from bot.places.search import locate_point

        lat, lon = incoming.lat, incoming.lon
        if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
            flow.ask_again(step)
            return step.turn()
        location = locate_point(lat, lon, self.catalogue.gazetteer)
        # Keep the least: about 100 m is enough to find the nearest accueil.
        flow.store_location(step, location, lat=round(lat, 3), lon=round(lon, 3))
        question = step.question
        if question is not None and question.type == "location":
            step.state.history.append(question.id)
            step.state.tries = 0
            flow.advance(step)
            return step.turn()
        if step.state.phase == "done":
            from bot.dialog.results import final_menu, nearest_replies

            nearest_replies(step)
            step.say(final_menu(step))
            return step.turn()
        # A position shared at any moment: the nearest accueil, then the conversation goes on where it was.
        from bot.dialog.results import nearest_replies

        nearest_replies(step)
        flow.ask_again(step)
        return step.turn()

    def _apply_payload(self, step: Step, payload: str) -> None:
        payload = (payload or "").strip()
        if not payload:
            return
        code = supported(payload)
        if payload in LANGUAGES or (code != "fr" and len(payload) <= 6):  # "prs" and "fa-AF" are Dari
            step.state.lang = code
            step.relang()
        elif payload in self._deep_links:
            step.state.source = self._deep_links[payload]
        elif payload in self.catalogue.places:
            step.state.source = payload

    def follow_up(self, state: Mapping[str, Any] | None, now: datetime) -> Turn | None:
        """The message four weeks after a yes to the follow-up (bot.followup sends it), or None."""
        typed, fresh = DialogState.from_json(state)
        if fresh:
            return None
        return followup.write(Step(self.catalogue, self.questions, self.understanding, self.screening, typed, now,
                                   self.retention_days))

    # -- for tools and benchmarks ------------------------------------------------------------------------

    def next_question(self, state: Mapping[str, Any], now: datetime, *, limited: bool = True) -> Question | None:
        typed, _ = DialogState.from_json(state)
        return next_question(self.catalogue, self.screening, typed, now, limited=limited)

    def focus(self, state: Mapping[str, Any]) -> list[str]:
        typed, _ = DialogState.from_json(state)
        return focus(self.catalogue, typed)

