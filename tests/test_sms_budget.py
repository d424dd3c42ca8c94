"""The SMS budget (issue 16): every SMS is paid by the CCAS.

Twenty scripted residents of different situations talk through the real Twilio webhook (uvicorn on
127.0.0.1, signed requests): each reaches the results (the first results SMS) in at most 12 SMS sent
by us, welcome included; the welcome is one SMS; the first results SMS names the nearest accueil (address
and phone) and the top aid; no line, label or word is split across two SMS.
"""

from __future__ import annotations

import re
import statistics
from typing import Any

from test_sms_gateways import (  # noqa: F401  (fixtures)
    NUMBER,
    Relay,
    assert_sms,
    cached_catalogue,
    make_runtime,
    relay,
)

from bot.channels.sms.gsm7 import SINGLE_SEPTETS, septets, to_gsm7
from bot.channels.sms.render import render
from bot.dialog.messages import Choice, Reply

BUDGET = 12
POSTCODE = re.compile(r"\b44\d{3} [A-Z]")
PHONE = re.compile(r"Tél\. 0\d( \d\d){4}")

# What each resident types first, then their answers (question id -> text). Unlisted questions get
# DEFAULTS: a plain answer, as a resident would give it.
DEFAULTS = {
    "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille", "work_income": "1100",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "where": "Malakoff", "quotient_familial": "je ne sais pas", "partner_age": "40",
    "partner_work_income": "1200", "partner_other_income": "0", "separated_recently": "non", "rsdae": "non",
    "partner_disability_rate": "0",
}
RESIDENTS: list[tuple[str, str, dict[str, str]]] = [
    ("tenant working alone", "mon logement et mon loyer", {}),
    ("single mother, no job", "famille", {"children_ages": "3 et 7", "employment": "je cherche un emploi",
                                          "work_income": "0", "where": "Bellevue"}),
    ("retired woman", "argent", {"age": "72", "employment": "je suis à la retraite", "work_income": "0",
                                 "other_income": "800", "where": "Rezé"}),
    ("student", "tous mes droits", {"age": "20", "employment": "je suis étudiant", "work_income": "300",
                                    "where": "44300"}),
    ("young jobseeker", "travail", {"age": "19", "employment": "je cherche un emploi", "work_income": "0"}),
    ("couple with three children", "famille", {"couple": "oui", "children_ages": "2, 5 et 9",
                                              "work_income": "1900", "where": "Nantes Nord"}),
    ("disabled man", "argent", {"disability_rate": "80", "employment": "aucune", "work_income": "0",
                                "other_income": "0"}),
    ("homeless man", "un toit ce soir", {"housing": "je n'ai pas de logement", "employment": "aucune",
                                         "work_income": "0"}),
    ("hungry family", "manger", {"children_ages": "un enfant de 4 ans", "work_income": "0", "employment": "aucune"}),
    ("health", "me soigner", {"work_income": "700", "where": "Saint-Herblain"}),
    ("papers", "papiers", {"employment": "aucune", "work_income": "0"}),
    ("lonely senior", "solitude", {"age": "80", "employment": "je suis à la retraite", "other_income": "1200"}),
    ("social tenant", "logement", {"housing": "HLM", "rent": "380", "work_income": "1300"}),
    ("hosted at a friend's", "logement", {"housing": "hébergé chez un ami", "work_income": "0",
                                          "employment": "je cherche un emploi"}),
    ("owner, low income", "argent", {"housing": "propriétaire", "age": "64", "work_income": "600"}),
    ("self-employed", "tous mes droits", {"employment": "je suis à mon compte", "work_income": "900"}),
    ("pregnant, alone", "famille", {"age": "27", "pregnant": "oui", "work_income": "0",
                                   "employment": "je cherche un emploi"}),
    ("needs by number", "5", {}),
    ("all rights by number", "10", {"age": "35", "work_income": "1500", "where": "Doulon"}),
    ("bills", "factures d'électricité", {"work_income": "950", "where": "Orvault"}),
]


async def reach_results(relay: Relay, first: str, answers: dict[str, str], number: str) -> tuple[list[str], list[str]]:
    """All SMS we send until the results turn has been sent; and that turn's SMS."""
    sent: list[str] = []
    turn = await relay.twilio("Bonjour", sender=number)
    assert len(turn) == 2 or len(turn) == 1, turn
    sent += turn
    turn = await relay.twilio(first, sender=number)
    sent += turn
    for _ in range(20):
        state: dict[str, Any] = relay.runtime.service.state_of("sms", number)
        if state["phase"] != "ask":
            break
        turn = await relay.twilio({**DEFAULTS, **answers}[state["q"]], sender=number)
        assert_sms(turn)
        sent += turn
    assert relay.runtime.service.state_of("sms", number)["phase"] == "done"
    return sent, turn


async def test_twenty_residents_reach_their_results_within_the_sms_budget(relay: Relay, cached_catalogue) -> None:  # noqa: F811
    without_phone = [to_gsm7(p.name.split(" (")[0]) for p in cached_catalogue.places.values() if not p.phone]
    without_address = [to_gsm7(d.door) for d in cached_catalogue.territory.communes.values() if not d.address]
    counts: dict[str, int] = {}
    whole: dict[str, int] = {}
    transcripts: dict[str, list[str]] = {}
    for index, (who, first, answers) in enumerate(RESIDENTS):
        number = f"+336000000{index:02d}"
        sent, results = await reach_results(relay, first, answers, number)
        # "Reaches results": the first results SMS is the 12th at most; the whole turn is printed too.
        counts[who] = len(sent) - len(results) + 1
        whole[who] = len(sent)
        transcripts[who] = sent
        first_results = results[0]
        # The address, unless the data has none (another commune's CCAS whose address is not sourced).
        assert POSTCODE.search(first_results) or any(name in first_results for name in without_address), \
            (who, first_results)
        # The accueil's phone, unless the data has none for it (never an invented number).
        assert PHONE.search(first_results) or any(name in first_results for name in without_phone), (who, results)
        assert "1re aide : " in first_results or "Je n'ai pas trouvé" in "\n".join(results), (who, results)
        for message in sent:
            assert septets(message) <= SINGLE_SEPTETS
            for line in message.split("\n"):
                # A line cut inside would start with a small letter ("soigner", "maintenant ?").
                assert not line[:1].islower(), (who, message)
    values = sorted(counts.values())
    print(f"\nSMS sent up to the first results SMS, {len(values)} residents: median {statistics.median(values)}, "
          f"max {max(values)}; to the end of the results turn: median {statistics.median(whole.values())}, "
          f"max {max(whole.values())}; " + ", ".join(f"{who}={counts[who]}/{whole[who]}" for who in counts))
    over = {who: transcripts[who] for who, n in counts.items() if n > BUDGET}
    assert not over, over


async def test_the_welcome_is_one_sms(relay: Relay) -> None:
    turn = await relay.twilio("Bonjour")
    assert "Aiguillage" in turn[0] and "OUBLI" in turn[0]
    assert "1 Un toit ce soir" in "\n".join(turn)


async def test_a_reprompt_at_the_needs_question_is_one_short_sms_then_all_rights(relay: Relay) -> None:
    await relay.twilio("Bonjour")
    again = await relay.twilio("0")
    assert len(again) == 1 and "Répondez par un numéro de 1 à 10" in again[0], again
    assert "Un toit ce soir" not in again[0]  # the list is not sent again
    on = await relay.twilio("0")
    assert "tous vos droits" in "\n".join(on), on
    state = relay.runtime.service.state_of("sms", NUMBER)
    assert state["need"] == "all" and state["phase"] == "ask"


async def test_a_reprompt_at_a_choice_question_does_not_resend_the_list(relay: Relay) -> None:
    await relay.twilio("Bonjour")
    await relay.twilio("logement")
    state = relay.runtime.service.state_of("sms", NUMBER)
    assert state["q"] == "housing"
    again = await relay.twilio("bof")
    assert len(again) == 1 and "Répondez par un numéro de 1 à 6" in again[0], again
    assert "Je loue un logement" not in again[0]


def test_no_sms_splits_a_line_and_the_first_lines_stay_whole() -> None:
    menu = Reply("question", "Que voulez-vous faire maintenant ?",
                 tuple(Choice(str(n), f"Choix numéro {n} assez long pour remplir") for n in range(1, 12)),
                 expects="choice")
    long_lines = "\n".join(f"Ligne {n} : " + "mot " * (n % 7 + 3) + "fin." for n in range(30))
    batch = render([Reply("info", long_lines), menu], "fr")
    expected = set(long_lines.split("\n")) | {"Que voulez-vous faire maintenant ?"} | {
        f"{n} Choix numéro {n} assez long pour remplir" for n in range(1, 12)}
    for message in batch.messages:
        assert septets(message) <= SINGLE_SEPTETS
        for line in message.split("\n"):
            assert line in expected or line == "Envoyez SUITE pour la suite.", line
    for line in batch.pending.split("\n"):
        assert line in expected, line


def test_a_line_longer_than_an_sms_is_cut_between_words() -> None:
    text = " ".join(f"mot{n}" for n in range(80))
    batch = render([Reply("info", text)], "fr")
    words = set(text.split()) | set("Envoyez SUITE pour la suite.".split())
    assert len(batch.messages) >= 2
    for message in batch.messages:
        assert all(word in words for word in message.split()), message


def test_gsm7_is_the_rule_and_ucs2_only_where_the_language_needs_it() -> None:
    from bot.channels.sms.gsm7 import SINGLE_UCS2, is_gsm7, segments

    question = Reply("question", "هل لديك سكن؟ 🏠", choices=(Choice("yes", "نعم"), Choice("no", "لا")),
                     expects="choice")
    (arabic,) = render([question], "ar").messages
    assert "سكن" in arabic and "🏠" not in arabic  # the script kept, the emoji dropped
    assert len(arabic) <= SINGLE_UCS2 and segments(arabic) == 1
    (french,) = render([Reply("info", "Voilà, c’est noté 🙂")], "fr").messages
    assert is_gsm7(french)
    long_ukrainian = render([Reply("info", "\n".join(["Рядок номер один довгий текст"] * 8))], "uk")
    assert all(segments(m) == 1 for m in long_ukrainian.messages) and len(long_ukrainian.messages) >= 2
