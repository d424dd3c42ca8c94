"""The dialog engine: (state, incoming message, now) -> (replies, new state). No I/O.

The state is a small JSON dict (see `new_state`). The engine asks, one at a time, the
question whose answer settles the most open aids, understands free text at every step,
puts emergencies first, and ends with the probable aids, what to check, and the nearest accueil.
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from typing import Any

from bot.catalogue import Catalogue
from bot.catalogue.dialogue import Question
from bot.dialog import render
from bot.dialog.messages import SKIP, Choice, Incoming, Reply, Turn, numbered
from bot.dialog.text import choice_number, fold
from bot.dialog.understanding import UNCLEAR, Understanding
from bot.i18n import LANGUAGES, Translator, supported, translator
from bot.rules.conditions import ELIGIBLE, UNKNOWN, evaluate
from bot.rules.facts import Facts
from bot.rules.screen import AidResult, screen

STATE_VERSION = 1
MAX_TRIES = 3  # after this many unclear answers, move on rather than loop
MAX_AIDS_SHOWN = 8  # one message each; the others are named in one more message
MAX_QUESTIONS = 6  # before the first results (the place question comes on top): a result in under 8
EMERGENCY_HOUSING = ("homeless",)


def new_state(lang: str = "fr") -> dict[str, Any]:
    return {
        "v": STATE_VERSION,
        "lang": lang,
        "phase": "need",  # need | ask | done | language
        "q": None,  # the question being asked
        "a": {},  # answers: profile keys
        "skip": [],  # questions skipped ("je ne sais pas")
        "hist": [],  # questions answered, in order, for "retour"
        "need": None,
        "wide": False,  # every aid is considered ("tous mes droits", or "vérifier d'autres droits")
        "more": False,  # the person chose to answer more questions than the first round
        "tries": 0,
        "loc": None,  # {"label", "lat", "lon"} of the place the person gave
        "src": None,  # a place named by a deep link (poster at an accueil)
        "em": [],  # emergencies already shown
    }


class Engine:
    def __init__(self, catalogue: Catalogue, retention_days: int = 30):
        self.catalogue = catalogue
        self.understanding = Understanding(catalogue)
        self.retention_days = retention_days
        self._questions = {q.id: q for q in catalogue.questions}
        self._deep_links = {p.deep_link: p.id for p in catalogue.places.values() if getattr(p, "deep_link", None)}

    # ------------------------------------------------------------------ entry point

    def handle(self, state: dict[str, Any] | None, incoming: Incoming, now: datetime) -> Turn:
        fresh = not state or state.get("v") != STATE_VERSION
        if fresh:
            state = new_state(supported((state or {}).get("lang") or incoming.lang or None))
        else:
            state = _copy(state)
        replies: list[Reply] = []
        if fresh:
            if incoming.kind == "start":
                self._apply_payload(state, incoming.payload)
            t = translator(state["lang"])
            replies += self._welcome(t)
            if incoming.kind in ("start", "command") and incoming.command != "erase":
                replies.append(self._ask_need(state, t))
                return Turn(tuple(replies), state)
        if incoming.kind == "start" and not fresh:
            self._apply_payload(state, incoming.payload)
            t = translator(state["lang"])
            replies.append(Reply("info", t._("Bon retour ! On reprend où vous en étiez.")))
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        t = translator(state["lang"])

        if incoming.kind == "unsupported":
            replies.append(Reply("info", t._("Je ne lis que les messages écrits. Répondez avec des mots ou des "
                                             "chiffres, s'il vous plaît.")))
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        if incoming.kind == "command":
            return self._command(incoming.command, state, t, now, replies)
        if incoming.kind == "location":
            return self._location(incoming, state, t, now, replies)
        if incoming.kind == "choice":
            return self._choice(incoming.choice, state, t, now, replies)
        return self._text(incoming.text, state, t, now, replies)

    # ------------------------------------------------------------------ inputs

    def _text(self, text: str, state, t: Translator, now, replies) -> Turn:
        folded = fold(text)
        if not folded:
            replies.append(Reply("reprompt", t._("Je n'ai rien reçu. Écrivez votre réponse, s'il vous plaît.")))
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        for emergency in self.understanding.emergencies(folded):
            replies += render.emergency_replies(emergency, self.catalogue, now, t)
            if emergency.id not in state["em"]:
                state["em"].append(emergency.id)
        command = self.understanding.command(folded, state["lang"])
        if command:
            return self._command(command, state, t, now, replies)
        phase = state["phase"]
        if phase == "language":
            return self._choose_language(folded, state, t, now, replies)
        if phase == "need":
            need = self._match_need(text, folded, state, t)
            if need is None:
                if replies:  # an emergency was shown: offer the menu, no scolding
                    replies.append(self._ask_need(state, t))
                elif self.understanding.is_intent(folded, "greeting", state["lang"], whole=False):
                    replies.append(self._ask_need(state, t))
                else:
                    replies.append(Reply("reprompt", t._("Je n'ai pas bien compris. Choisissez ce qui vous "
                                                         "ressemble le plus, ou écrivez-le avec vos mots.")))
                    replies.append(self._ask_need(state, t, with_text=False))
                return Turn(tuple(replies), state)
            return self._start_need(need, state, t, now, replies)
        if phase == "done":
            menu = self._final_menu(state, t)
            if choice_number(folded) is not None and not replies:
                chosen = dict(numbered(menu.choices)).get(choice_number(folded))
                if chosen:
                    return self._command(chosen.value, state, t, now, replies)
            if self.understanding.is_intent(folded, "more", state["lang"]):
                return self._command("more", state, t, now, replies)
            need = self._match_need(text, folded, state, t)
            if need and not replies:
                return self._start_need(need, state, t, now, replies)
            if not replies:
                replies.append(Reply("info", t._("Pour une nouvelle recherche, écrivez « recommencer ». "
                                                 "Pour revoir vos aides, écrivez « résultats ».")))
            replies.append(self._final_menu(state, t))
            return Turn(tuple(replies), state)
        question = self._questions.get(state["q"])
        if question is None:
            return self._advance(state, t, now, replies)
        understood = self.understanding.answer(question, text, state["lang"], self._choice_tuples(question, t))
        if understood.value is UNCLEAR:
            if replies:  # an emergency was shown: just ask again, gently
                replies.append(self._current_question(state, t))
                return Turn(tuple(replies), state)
            return self._unclear(question, understood.problem, state, t, now, replies)
        return self._accept(question, understood.value, understood.skipped, state, t, now, replies)

    def _choice(self, value: str, state, t: Translator, now, replies) -> Turn:
        phase = state["phase"]
        if phase == "language":
            return self._choose_language(value, state, t, now, replies)
        if phase == "need":
            need = self.catalogue.need(value)
            if need is None:
                replies.append(self._ask_need(state, t))
                return Turn(tuple(replies), state)
            return self._start_need(need, state, t, now, replies)
        if value in ("restart", "more", "help", "results", "back", "language", "erase", "handover"):
            return self._command(value, state, t, now, replies)
        question = self._questions.get(state["q"])
        if question is None or phase != "ask":
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        if value == SKIP:
            return self._accept(question, None, True, state, t, now, replies)
        if question.type == "boolean" and value in ("yes", "no"):
            return self._accept(question, value == "yes", False, state, t, now, replies)
        if question.type == "ages" and value == "none":
            return self._accept(question, [], False, state, t, now, replies)
        if any(c.value == value for c in question.choices):
            return self._accept(question, value, False, state, t, now, replies)
        # A button from an older message: answer it as text so nothing is lost.
        return self._text(value, state, t, now, replies)

    def _location(self, incoming: Incoming, state, t: Translator, now, replies) -> Turn:
        from bot.places.search import locate_point

        if incoming.lat is None or incoming.lon is None or not (math.isfinite(incoming.lat)
                                                                and math.isfinite(incoming.lon)):
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        location = locate_point(incoming.lat, incoming.lon, self.catalogue.gazetteer)
        # Keep the least: about 100 m is enough to find the nearest accueil.
        self._store_location(state, location, lat=round(incoming.lat, 3), lon=round(incoming.lon, 3))
        if state["phase"] == "ask" and self._questions.get(state["q"]) and self._questions[state["q"]].type == "location":
            question = self._questions[state["q"]]
            state["hist"].append(question.id)
            state["tries"] = 0
            return self._advance(state, t, now, replies)
        if state["phase"] == "done":
            replies += self._nearest_replies(state, t, now)
            replies.append(self._final_menu(state, t))
            return Turn(tuple(replies), state)
        replies.append(Reply("info", t._("Merci, j'ai noté où vous êtes.")))
        replies.append(self._current_question(state, t))
        return Turn(tuple(replies), state)

    # ------------------------------------------------------------------ commands

    def _command(self, command: str, state, t: Translator, now, replies) -> Turn:
        if command == "erase":
            return Turn((Reply("erased", t._("C'est fait : j'ai effacé toutes vos réponses. "
                                             "Vous pouvez recommencer quand vous voulez.")),),
                        {}, erase=True)
        if command == "handover":
            if not state["a"]:
                replies.append(Reply("info", t._("Je n'ai encore aucune réponse à montrer à un conseiller. "
                                                 "Répondez d'abord à quelques questions.")))
                replies.append(self._current_question(state, t))
                return Turn(tuple(replies), state)
            replies.append(Reply("handover", t._(
                "Votre code pour le conseiller : {code}. Donnez-le au conseiller Nantes Solidaire : il verra "
                "vos réponses. Le code marche une seule fois, pendant 24 heures.")))
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state, handover=True)
        if command in ("restart", "menu"):
            fresh = new_state(state["lang"])
            fresh["src"] = state.get("src")
            replies.append(Reply("info", t._("D'accord, on recommence.")))
            replies.append(self._ask_need(fresh, t))
            return Turn(tuple(replies), fresh)
        if command == "help":
            replies.append(Reply("info", t._(
                "Je vous pose quelques questions. Ensuite, je vous montre les aides possibles "
                "et l'accueil le plus proche. À tout moment, vous pouvez écrire : retour, recommencer, "
                "résultats, langue, code (pour un conseiller) ou oubli.")))
            replies.append(self._current_question(state, t))
            return Turn(tuple(replies), state)
        if command == "language":
            state["back_phase"] = state["phase"]
            state["phase"] = "language"
            replies.append(Reply("question", t._("Choisissez votre langue."),
                                 tuple(Choice(code, name) for code, name in LANGUAGES.items()), expects="choice"))
            return Turn(tuple(replies), state)
        if command == "back":
            return self._back(state, t, now, replies)
        if command == "results":
            if state["phase"] == "need" and not state["a"]:
                replies.append(Reply("info", t._("Je n'ai encore aucune réponse. Commençons !")))
                replies.append(self._ask_need(state, t))
                return Turn(tuple(replies), state)
            replies += self._results(state, t, now)
            if state["phase"] == "ask" and state["q"]:
                replies.append(self._current_question(state, t, lead=t._("Pour préciser, répondez à cette "
                                                                        "question :")))
            else:
                replies.append(self._final_menu(state, t))
            return Turn(tuple(replies), state)
        if command == "more":
            state["wide"] = True
            state["more"] = True
            state["phase"] = "ask"
            state["skip"] = [q for q in state["skip"] if self._questions.get(q) and
                             self._questions[q].type == "location"]
            return self._advance(state, t, now, replies, after_results=True)
        replies.append(self._current_question(state, t))
        return Turn(tuple(replies), state)

    def _back(self, state, t: Translator, now, replies) -> Turn:
        if not state["hist"]:
            state.update(phase="need", q=None, need=None, tries=0)
            replies.append(self._ask_need(state, t))
            return Turn(tuple(replies), state)
        question = self._questions[state["hist"].pop()]
        self._forget(state, question)
        state.update(phase="ask", q=question.id, tries=0)
        replies.append(question_reply_with_lead(question, t, t._("D'accord, revenons à cette question.")))
        return Turn(tuple(replies), state)

    def _choose_language(self, value: str, state, t: Translator, now, replies) -> Turn:
        value = value.strip()
        code = value if value in LANGUAGES else None
        if code is None:
            for lang, name in LANGUAGES.items():
                if fold(name) == fold(value) or list(LANGUAGES).index(lang) + 1 == choice_number(value):
                    code = lang
        if code is None:
            replies.append(Reply("question", t._("Choisissez votre langue."),
                                 tuple(Choice(c, n) for c, n in LANGUAGES.items()), expects="choice"))
            return Turn(tuple(replies), state)
        state["lang"] = code
        state["phase"] = state.pop("back_phase", "need") or "need"
        t = translator(code)
        replies.append(Reply("info", t._("C'est noté : je vous parle en français.")))
        replies.append(self._current_question(state, t))
        return Turn(tuple(replies), state)

    # ------------------------------------------------------------------ the questionnaire

    def _match_need(self, text: str, folded: str, state, t: Translator):
        index = choice_number(folded)
        if index is not None:
            if 1 <= index <= len(self.catalogue.needs):
                return self.catalogue.needs[index - 1]
            return None
        return self.understanding.need(folded, state["lang"], k=t.k)

    def _start_need(self, need, state, t: Translator, now, replies) -> Turn:
        state.update(need=need.id, phase="ask", q=None, tries=0, wide=need.id == "all")
        if need.emergency and need.emergency not in state["em"]:
            emergency = next((e for e in self.catalogue.emergencies if e.id == need.emergency), None)
            if emergency:
                replies += render.emergency_replies(emergency, self.catalogue, now, t)
                state["em"].append(emergency.id)
        replies.append(Reply("info", t._("D'accord : « {need} ». Je vais vous poser quelques questions courtes.")
                             .format(need=t.k(need.label))))
        return self._advance(state, t, now, replies)

    def _accept(self, question: Question, value, skipped: bool, state, t: Translator, now, replies) -> Turn:
        state["tries"] = 0
        if skipped:
            if question.id not in state["skip"]:
                state["skip"].append(question.id)
        elif question.type == "location":
            self._store_location(state, value)
        else:
            state["a"][question.key] = value
        if question.id not in state["hist"]:
            state["hist"].append(question.id)
        return self._advance(state, t, now, replies)

    def _unclear(self, question: Question, problem: str, state, t: Translator, now, replies) -> Turn:
        state["tries"] = state.get("tries", 0) + 1
        if state["tries"] >= MAX_TRIES:
            replies.append(Reply("info", t._("Ce n'est pas grave, je passe à la question suivante.")))
            return self._accept(question, None, True, state, t, now, replies)
        replies.append(render.reprompt_reply(question, t, state["tries"], problem))
        return Turn(tuple(replies), state)

    def _advance(self, state, t: Translator, now, replies, after_results: bool = False) -> Turn:
        question = self.next_question(state, now)
        if question is not None:
            state.update(phase="ask", q=question.id, tries=0)
            replies.append(render.question_reply(question, t))
            return Turn(tuple(replies), state)
        if after_results:
            replies.append(Reply("info", t._("Je n'ai pas d'autre question utile. Voici vos résultats.")))
        state.update(phase="done", q=None, tries=0)
        replies += self._results(state, t, now)
        replies.append(self._final_menu(state, t))
        return Turn(tuple(replies), state)

    def _screen(self, state, now: datetime) -> list[AidResult]:
        """Screening is most of a turn's work, and a turn that asks its last question screens the same
        answers again for the results: remember the last few."""
        answers = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in state["a"].items()))
        return self._screen_cached(answers, now.date(), tuple(self.focus(state)))

    @lru_cache(maxsize=64)  # noqa: B019 - one engine per process, kept for its whole life
    def _screen_cached(self, answers: tuple, today, focus: tuple[str, ...]) -> list[AidResult]:
        profile = {k: list(v) if isinstance(v, tuple) else v for k, v in answers}
        return screen(self.catalogue, profile, today, focus)

    def focus(self, state) -> list[str]:
        """The aids the person's need points to (every aid for "tous mes droits" or after "préciser")."""
        need = state.get("need")
        if state.get("wide") or not need or need == "all":
            return list(self.catalogue.aids)
        return [aid.id for aid in self.catalogue.aids.values() if need in aid.needs] or list(self.catalogue.aids)

    def next_question(self, state, now: datetime, *, limited: bool = True) -> Question | None:
        """The question whose answer settles the most open aids; None when no answer can change them.

        Each open aid shares one point among the answers it still misses, so an aid one answer away
        weighs more than one that needs four. Before the first results at most MAX_QUESTIONS are asked:
        the person can then choose to answer more.
        """
        done = set(state["skip"]) | set(state["hist"])
        if not (limited and not state.get("more") and len(done) >= MAX_QUESTIONS):
            best = self._most_useful(state, now, done)
            if best is not None:
                return best
        where = next((q for q in self.catalogue.questions if q.type == "location"), None)
        if where and where.id not in done and not state.get("loc"):
            return where
        return None

    def _most_useful(self, state, now: datetime, done: set[str]) -> Question | None:
        results = self._screen(state, now)
        facts = Facts(state["a"])
        candidates = []
        for question in self.catalogue.questions:
            if question.id in done or question.type == "location" or question.key in state["a"]:
                continue
            if question.ask_if is not None and evaluate(question.ask_if, facts, now.date()).status != ELIGIBLE:
                continue
            candidates.append(question)
        asked_keys = {q.key for q in candidates}
        best, best_score = None, 0.0
        scores: dict[str, float] = {}
        for result in results:
            if result.status != UNKNOWN:
                continue
            keys = result.missing & asked_keys
            for key in keys:
                scores[key] = scores.get(key, 0.0) + 1 / len(keys)
        for question in candidates:
            score = scores.get(question.key, 0.0)
            if score > best_score + 1e-9:
                best, best_score = question, score
        return best

    # ------------------------------------------------------------------ results

    def _results(self, state, t: Translator, now) -> list[Reply]:
        replies: list[Reply] = []
        housing = state["a"].get("housing")
        if (housing in EMERGENCY_HOUSING or state.get("need") == "roof") and "no_roof" not in state["em"]:
            emergency = next((e for e in self.catalogue.emergencies if e.id == "no_roof"), None)
            if emergency:
                replies += render.emergency_replies(emergency, self.catalogue, now, t)
                state["em"].append("no_roof")
        results = self._screen(state, now)
        need = state.get("need")
        # A service open to everyone (no machine-checked condition) is listed only for the need it serves:
        # "tous mes droits" must not tell a working tenant that the 115 is for him.
        probable = _by_relevance([r for r in results if r.status == ELIGIBLE
                                  and (r.aid.conditions or need in r.aid.needs)], state)
        to_check = [r for r in results if r.status == UNKNOWN]
        if probable:
            replies.append(Reply("results", t.ngettext(
                "Voici {n} aide à laquelle vous avez probablement droit.",
                "Voici {n} aides auxquelles vous avez probablement droit.", len(probable)).format(n=len(probable)),
                data={"eligible": [r.aid.id for r in probable]}))
            replies += [render.aid_reply(r, t, self.catalogue) for r in probable[:MAX_AIDS_SHOWN]]
            rest = probable[MAX_AIDS_SHOWN:]
            if rest:
                replies.append(Reply("info", t._("Autres aides possibles : {names}. Demandez-les à l'accueil.").format(
                    names=t.join([t.k(r.aid.title) for r in rest])), data={"more_aids": [r.aid.id for r in rest]}))
        else:
            replies.append(Reply("results", t._("Je n'ai pas trouvé d'aide sûre avec vos réponses. "
                                                "Une personne de l'accueil peut regarder votre situation avec vous."),
                                 data={"eligible": []}))
        check = render.to_check_reply(_by_relevance(to_check, state), t)
        if check:
            replies.append(check)
        replies += self._nearest_replies(state, t, now)
        return replies

    def _nearest_replies(self, state, t: Translator, now) -> list[Reply]:
        from bot.places.search import nearest

        loc = state.get("loc")
        accueils = [p for p in self.catalogue.places.values() if p.kind == "accueil_solidarite"]
        if loc and loc.get("lat") is not None:
            found = nearest(accueils, loc["lat"], loc["lon"], kinds=("accueil_solidarite",), limit=1)
            if found:
                return [render.place_reply(found[0].place, now, t, t._("L'accueil le plus proche de vous :"),
                                           found[0].distance_m)]
        place = self.catalogue.places.get(state.get("src") or "") or self.catalogue.places.get("ccas_nantes") \
            or accueils[0]
        return [render.place_reply(place, now, t, t._("Un accueil où l'on peut vous aider :"))]

    def _final_menu(self, state, t: Translator) -> Reply:
        choices = [Choice("handover", t._("Montrer à un conseiller")), Choice("restart", t._("Recommencer"))]
        if not state.get("more"):
            choices.insert(0, Choice("more", t._("Vérifier d'autres droits")))
        return Reply("question", t._("Que voulez-vous faire maintenant ?"), tuple(choices), expects="choice")

    # ------------------------------------------------------------------ helpers

    def _welcome(self, t: Translator) -> list[Reply]:
        return [
            Reply("notice", t._("Bonjour ! Je suis Aiguillage. Je vous aide à trouver vos droits à Nantes, "
                                "et un lieu où quelqu'un vous reçoit.")),
            Reply("notice", t.ngettext(
                "Je garde vos réponses {days} jour, sans votre nom ni votre numéro. "
                "Écrivez « oubli » pour tout effacer.",
                "Je garde vos réponses {days} jours, sans votre nom ni votre numéro. "
                "Écrivez « oubli » pour tout effacer.", self.retention_days
            ).format(days=self.retention_days)),
        ]

    def _ask_need(self, state, t: Translator, with_text: bool = True) -> Reply:
        choices = tuple(Choice(n.id, t.k(n.label)) for n in self.catalogue.needs)
        text = t._("Qu'est-ce qui vous amène ? Choisissez, ou écrivez avec vos mots.")
        return Reply("question", text, choices, expects="choice", data={"question": "need"})

    def _current_question(self, state, t: Translator, lead: str = "") -> Reply:
        if state["phase"] == "need":
            return self._ask_need(state, t)
        if state["phase"] == "language":
            return Reply("question", t._("Choisissez votre langue."),
                         tuple(Choice(c, n) for c, n in LANGUAGES.items()), expects="choice")
        question = self._questions.get(state.get("q") or "")
        if state["phase"] == "ask" and question:
            return question_reply_with_lead(question, t, lead)
        return self._final_menu(state, t)

    def _choice_tuples(self, question: Question, t: Translator):
        return [(c.value, c.label, tuple(getattr(q, "synonyms", ())) if (q := _find(question, c.value)) else ())
                for c in render.question_choices(question, t)]

    def _apply_payload(self, state, payload: str) -> None:
        payload = (payload or "").strip()
        if not payload:
            return
        if payload in LANGUAGES:
            state["lang"] = payload
        elif payload in self._deep_links:
            state["src"] = self._deep_links[payload]
        elif payload in self.catalogue.places:
            state["src"] = payload

    def _store_location(self, state, location, lat: float | None = None, lon: float | None = None) -> None:
        state["a"]["commune"] = location.insee or state["a"].get("commune")
        if location.quartier:
            state["a"]["quartier"] = location.quartier
        else:
            state["a"].pop("quartier", None)
        state["loc"] = {"label": location.label, "lat": lat if lat is not None else location.lat,
                        "lon": lon if lon is not None else location.lon}

    def _forget(self, state, question: Question) -> None:
        if question.type == "location":
            state["a"].pop("commune", None)
            state["a"].pop("quartier", None)
            state["loc"] = None
        else:
            state["a"].pop(question.key, None)
        if question.id in state["skip"]:
            state["skip"].remove(question.id)


def question_reply_with_lead(question: Question, t: Translator, lead: str) -> Reply:
    return render.question_reply(question, t, lead=lead)


def _find(question: Question, value: str):
    return next((c for c in question.choices if c.value == value), None)


def _by_relevance(results: list[AidResult], state) -> list[AidResult]:
    """Aids that answer the person's need first; among them, the ones checked against the person's
    answers (rights with conditions) before services open to all."""
    need = state.get("need")

    def pays(result: AidResult) -> bool:
        amount = result.amount
        return bool(amount and ((amount.value or 0) > 0 or (amount.max or 0) > 0))

    return sorted(results, key=lambda r: (0 if need in r.aid.needs else 1, 0 if r.aid.conditions else 1,
                                          0 if pays(r) else 1))


def _copy(state: dict[str, Any]) -> dict[str, Any]:
    copied = dict(state)
    copied["a"] = dict(state.get("a") or {})
    for key in ("skip", "hist", "em"):
        copied[key] = list(state.get(key) or [])
    copied["loc"] = dict(state["loc"]) if state.get("loc") else None
    return copied
