"""Telegram results (issue 16), through real python-telegram-bot long-polling the fake Bot API.

The results turn is at most 4 messages (the venue pin, where to go, the aids as short lines with
the menu and its "Voir le détail" button), each under Telegram's limit; a position shared at any
moment, even before any question, is answered with the nearest accueil as a venue, and the
conversation goes on where it was.
"""

from __future__ import annotations

from test_telegram import ALICE, ANSWERS, Harness, callback_values, make_runtime, texts, tg  # noqa: F401

from bot.channels.telegram.render import MAX_TEXT
from tests.fakes.fixtures import fake_bot_api  # noqa: F401

# Bellevue, on the Nantes side (as in test_telegram).
BELLEVUE = (47.2043, -1.6054)


async def answer_until_results(tg: Harness) -> list[dict]:
    """Answer every question; returns the messages of the last turn (the results)."""
    last: list[dict] = []
    for _ in range(30):
        state = tg.state(ALICE)
        if state["phase"] != "ask":
            break
        how, answer = ANSWERS.get(state["q"], ("button", "skip"))
        last = await (tg.say(ALICE, answer) if how == "text" else tg.press(ALICE, answer))
    assert tg.state(ALICE)["phase"] == "done"
    return last


async def test_the_results_are_at_most_four_messages_with_a_venue_first(tg: Harness) -> None:
    await tg.command(ALICE, "/start")
    await tg.say(ALICE, "vérifier tous mes droits")
    results = await answer_until_results(tg)
    assert 2 <= len(results) <= 4, [m.get("text", m.get("venue")) for m in results]
    assert "venue" in results[0] and results[0]["venue"]["address"]
    assert all(len(m.get("text", "")) <= MAX_TEXT for m in results)
    aids = next(m["text"] for m in results if "probablement droit" in m.get("text", ""))
    assert "- " in aids  # the aids as short lines
    assert "details" in callback_values(results[-1])  # one "Voir le détail" button
    detail = await tg.press(ALICE, "details")
    assert any("Comment faire" in text for text in texts(detail))


async def test_a_location_sent_before_any_question_is_answered_by_a_venue(tg: Harness) -> None:
    await tg.command(ALICE, "/start")
    assert tg.state(ALICE)["phase"] == "need"
    before = len(tg.api.sent_messages(ALICE))
    await tg.push(tg.api.location_update(ALICE, *BELLEVUE))
    replies = tg.api.sent_messages(ALICE)[before:]
    venues = [m for m in replies if "venue" in m]
    assert venues and venues[0]["venue"]["title"] and venues[0]["venue"]["address"]
    # Then the conversation goes on where it was: the needs question again.
    assert tg.state(ALICE)["phase"] == "need"
    assert "food" in callback_values(tg.api.sent_messages(ALICE)[-1])


async def test_a_location_sent_mid_way_is_answered_by_a_venue_and_the_question_again(tg: Harness) -> None:
    await tg.command(ALICE, "/start")
    await tg.say(ALICE, "vérifier tous mes droits")
    asked = tg.state(ALICE)["q"]
    assert asked != "where"
    before = len(tg.api.sent_messages(ALICE))
    await tg.push(tg.api.location_update(ALICE, *BELLEVUE))
    after = tg.api.sent_messages(ALICE)[before:]
    assert any("venue" in m for m in after)
    assert tg.state(ALICE)["q"] == asked and tg.state(ALICE)["phase"] == "ask"
