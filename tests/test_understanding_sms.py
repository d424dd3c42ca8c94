"""Issue 15's examples over SMS: a real Twilio webhook on loopback, the real engine and storage.

What the person types by SMS reaches the same understanding as in a chat: the answers stored for the
number (read through the engine's view of the stored state), the emergency numbers in the texts sent.
"""

from __future__ import annotations

from test_sms_gateways import NUMBER, Relay, assert_sms, cached_catalogue, make_runtime, relay  # noqa: F401

from bot.dialog.messages import view


async def _stored(relay: Relay) -> dict[str, object]:
    return view(relay.runtime.service.state_of("sms", NUMBER)).answers


async def test_three_answers_in_one_sms_and_a_typed_choice(relay: Relay) -> None:
    assert_sms(await relay.twilio("vérifier tous mes droits"))
    asked = (relay.runtime.service.state_of("sms", NUMBER) or {}).get("q")
    assert asked == "age"
    assert_sms(await relay.twilio("34 ans seule avec 2 enfants de 4 et 9 ans"))
    assert await _stored(relay) == {"age": 34, "couple": False, "children_ages": [4, 9]}
    for _ in range(6):  # answer until the situation question, skipping the others
        state = relay.runtime.service.state_of("sms", NUMBER) or {}
        if state.get("q") == "employment":
            break
        await relay.twilio("je ne sais pas")
    assert_sms(await relay.twilio("je cherche du taf"))
    assert (await _stored(relay)).get("employment") == "unemployed"


async def test_an_emergency_by_sms_gets_its_numbers_and_no_answer_is_stored(relay: Relay) -> None:
    await relay.twilio("vérifier tous mes droits")
    texts = await relay.twilio("mon mari me bat")
    assert_sms(texts)
    assert any("3919" in text for text in texts)
    assert await _stored(relay) == {}


async def test_zero_children_by_sms_is_no_child_not_a_skip(relay: Relay) -> None:
    await relay.twilio("vérifier tous mes droits")
    await relay.twilio("34")
    state = relay.runtime.service.state_of("sms", NUMBER) or {}
    for _ in range(6):
        if state.get("q") == "children_ages":
            break
        await relay.twilio("je ne sais pas")
        state = relay.runtime.service.state_of("sms", NUMBER) or {}
    await relay.twilio("0")
    assert (await _stored(relay))["children_ages"] == []
