"""The SMS relay over real HTTP: the app served by uvicorn on 127.0.0.1, the gateways played by httpx,
and the Android gateway's own API played by a small recording server.

Signatures are computed here independently of bot/: Twilio's with its official library
(twilio.request_validator.RequestValidator), the Android app's with hmac as its source does.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import socket
import time
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.catalogue import load_catalogue
from bot.channels.sms.android_gateway import Outbox
from bot.channels.sms.gsm7 import is_gsm7, segments, septets
from bot.channels.sms.web import sms_channel_of
from bot.config import Secret, Settings
from bot.runtime import Runtime, build_runtime
from bot.storage.database import StorageUnavailable
from bot.storage.models import Conversation, ProcessedMessage, StoppedNumber
from bot.web import create_app
from tests.helpers.asgi import Served

try:
    from twilio.request_validator import RequestValidator
except ImportError:  # the oracle is a test dependency; without it, sign as Twilio documents it
    RequestValidator = None

TOKEN = "twilio-auth-token-for-tests"
KEY = "android-signing-key-for-tests"
PUBLIC_URL = "https://example.org"
NUMBER = "+33612345678"
GATEWAY_USER, GATEWAY_PASSWORD = "sms", "gateway-password"
UNAVAILABLE = "Service momentanément indisponible. Réessayez dans quelques minutes."
POSTCODE = re.compile(r"\b44\d{3} [A-Z]")

# Answers to every question the engine may ask on the way to the results (question id -> what is typed).
ANSWERS = {
    "age": "41", "children_ages": "non", "couple": "non", "employment": "je travaille", "work_income": "1100",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "where": "Malakoff", "quotient_familial": "je ne sais pas", "partner_age": "",
}


# -- servers -----------------------------------------------------------------------------------------


class FakeAndroidGateway:
    """The phone's API: records POST /message; can be slow, fail, or answer a given status."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []  # every attempt
        self.accepted: list[dict[str, Any]] = []  # what the phone would send
        self.authorizations: list[str] = []
        self.delay = 0.0
        self.fail_next = 0  # answer 500 to that many calls
        self.status = 202
        self.app = Starlette(routes=[Route("/message", self.message, methods=["POST"])])

    async def message(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.calls.append(body)
        self.authorizations.append(request.headers.get("authorization", ""))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"message": "boom"}, status_code=500)
        if self.status >= 300 and self.status != 409:
            return JSONResponse({"message": "no"}, status_code=self.status)
        if self.status != 409:
            self.accepted.append(body)
        return JSONResponse({"id": body.get("id"), "state": "Pending"}, status_code=self.status)

    def texts_to(self, number: str) -> list[str]:
        return [call["textMessage"]["text"] for call in self.accepted if call["phoneNumbers"] == [number]]


# -- the relay under test ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cached_catalogue():
    return load_catalogue()


@pytest.fixture
def make_runtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cached_catalogue):  # type: ignore[no-untyped-def]
    """build_runtime with test settings; the catalogue is loaded once per module."""
    monkeypatch.setattr("bot.runtime.load_catalogue", lambda *args, **kwargs: cached_catalogue)
    made = []

    def make(**overrides: Any) -> Runtime:
        values: dict[str, Any] = dict(
            data_dir=tmp_path / f"data{len(made)}", twilio_auth_token=Secret(TOKEN),
            smsgateway_signing_key=Secret(KEY), smsgateway_url="http://127.0.0.1:9",
            smsgateway_user=GATEWAY_USER, smsgateway_password=Secret(GATEWAY_PASSWORD), public_url=PUBLIC_URL)
        values.update(overrides)
        runtime = build_runtime(Settings(**values))
        made.append(runtime)
        return runtime

    yield make
    for runtime in made:
        runtime.database.dispose()


@contextlib.asynccontextmanager
async def drain_sms(app: Starlette):  # type: ignore[no-untyped-def]
    yield
    channel = sms_channel_of(app)
    if channel is not None:
        await channel.aclose(timeout=5)


class Relay:
    """The running app and both gateways, with helpers that talk like the gateways do."""

    def __init__(self, runtime: Runtime, served: Served, gateway: FakeAndroidGateway, client: httpx.AsyncClient):
        self.runtime, self.served, self.gateway, self.client = runtime, served, gateway, client
        self.channel = sms_channel_of(served.app)
        self.gateway_url = ""
        self._ids = 0

    def next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}{self._ids:032d}"

    # Twilio
    def twilio_params(self, text: str, sid: str, sender: str = NUMBER) -> dict[str, str]:
        return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender,
                "To": "+33700000000", "Body": text, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}

    async def twilio_post(self, params: dict[str, str], url: str = PUBLIC_URL + "/sms/twilio",
                          token: str = TOKEN, signature: str | None = None, **kwargs: Any) -> httpx.Response:
        if signature is None:
            signature = twilio_signature(token, url, params)
        headers = {"X-Twilio-Signature": signature, **kwargs.pop("headers", {})}
        return await self.client.post(self.served.url + "/sms/twilio", data=params, headers=headers, **kwargs)

    async def twilio(self, text: str, sid: str | None = None, sender: str = NUMBER) -> list[str]:
        response = await self.twilio_post(self.twilio_params(text, sid or self.next_id("SM"), sender))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml")
        return twiml_messages(response.text)

    # Android SMS Gateway
    def android_body(self, text: str, message_id: str, sender: str = NUMBER, sender_field: str = "sender",
                     event: str = "sms:received") -> bytes:
        payload = {"messageId": message_id, sender_field: sender, "message": text,
                   "receivedAt": "2026-11-23T10:00:00.000+01:00", "simNumber": 1}
        return json.dumps({"id": uuid.uuid4().hex, "webhookId": "aiguillage", "event": event,
                           "deviceId": "device-1", "payload": payload}).encode()

    async def android_post(self, body: bytes, key: str = KEY, timestamp: int | None = None,
                           content_type: str = "application/json", headers: dict[str, str] | None = None
                           ) -> httpx.Response:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {"X-Timestamp": stamp, "X-Signature": android_signature(key, body, stamp),
                  "Content-Type": content_type}
        signed.update(headers or {})
        return await self.client.post(self.served.url + "/sms/android", content=body, headers=signed)

    async def android(self, text: str, message_id: str | None = None, sender: str = NUMBER, **kwargs: Any) -> list[str]:
        before = len(self.gateway.texts_to(sender))
        response = await self.android_post(self.android_body(text, message_id or self.next_id("m"), sender, **kwargs))
        assert response.status_code == 200, response.text
        assert await self.channel.outbox.join(timeout=20)
        return self.gateway.texts_to(sender)[before:]

    # storage
    def rows(self, table: Any) -> int:
        with self.runtime.database.transaction() as session:
            return session.execute(select(func.count()).select_from(table)).scalar_one()


def twilio_signature(token: str, url: str, params: dict[str, str]) -> str:
    """X-Twilio-Signature, computed by Twilio's own library (the oracle)."""
    if RequestValidator is not None:
        return RequestValidator(token).compute_signature(url, params)
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_the_twilio_oracle_is_installed() -> None:
    if RequestValidator is None:
        pytest.skip("twilio is not installed: Twilio signatures are computed from its documentation instead")


def android_signature(key: str, body: bytes, timestamp: str) -> str:
    """As the app's PayloadSigningPlugin: hex HMAC-SHA256 of the body followed by the timestamp."""
    return hmac.new(key.encode(), body + timestamp.encode(), hashlib.sha256).hexdigest()


def twiml_messages(document: str) -> list[str]:
    root = ElementTree.fromstring(document)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


def assert_sms(messages: list[str]) -> None:
    """What one turn sends: at most 3 SMS, each GSM-7 and a single segment."""
    assert len(messages) <= 3, messages
    for message in messages:
        assert is_gsm7(message), message
        assert septets(message) <= 160 and segments(message) == 1, message


@pytest.fixture
async def relay(make_runtime):  # type: ignore[no-untyped-def]
    gateway = FakeAndroidGateway()
    async with Served(gateway.app) as phone:
        runtime = make_runtime(smsgateway_url=phone.url)
        app = create_app(runtime, lifespan=drain_sms)
        async with Served(app) as served, httpx.AsyncClient(timeout=30) as client:
            relay = Relay(runtime, served, gateway, client)
            relay.gateway_url = phone.url
            # Quick retries: the default backoff (1 s, 2 s, 4 s...) is for a real phone.
            relay.channel.use_outbox(url=phone.url, user=GATEWAY_USER, password=GATEWAY_PASSWORD, base_delay=0.01,
                                          max_delay=0.05, max_attempts=4)
            yield relay


async def converse(send, runtime: Runtime, number: str = NUMBER) -> list[str]:  # type: ignore[no-untyped-def]
    """Start, give a need, answer every question, then read the whole results with SUITE."""
    received: list[str] = []

    async def say(text: str) -> None:
        messages = await send(text)
        assert_sms(messages)
        assert messages, f"no answer to {text!r}"
        received.extend(messages)

    await say("Bonjour")
    assert runtime.service.state_of("sms", number)["phase"] == "need"
    await say("mon logement et mon loyer")
    for _ in range(15):
        state = runtime.service.state_of("sms", number)
        if state["phase"] != "ask":
            break
        await say(ANSWERS[state["q"]])
    assert runtime.service.state_of("sms", number)["phase"] == "done"
    for _ in range(40):
        if runtime.service.channel_data_of("sms", number) is None:
            break
        await say("SUITE")
    assert runtime.service.channel_data_of("sms", number) is None
    return received


# -- whole conversations -----------------------------------------------------------------------------


async def test_a_whole_conversation_through_twilio_ends_with_an_accueil_address(relay: Relay) -> None:
    received = await converse(relay.twilio, relay.runtime)
    text = "\n".join(received)
    assert "1 Un toit ce soir" in text  # choices are numbered
    assert "Vous avez probablement droit à" in text or "Autres aides" in text or "1re aide : " in text
    assert POSTCODE.search(text), "no accueil address"
    assert "Tél. 0" in text and " h " in text  # its phone and hours
    assert "Envoyez SUITE pour la suite." in text


async def test_a_whole_conversation_through_the_android_gateway_ends_with_an_accueil_address(relay: Relay) -> None:
    received = await converse(relay.android, relay.runtime)
    text = "\n".join(received)
    assert POSTCODE.search(text) and "Tél. 0" in text
    # Every reply went through the phone's API, authenticated, one number per call, each with its id.
    assert relay.gateway.accepted and len(relay.gateway.accepted) == len(received)
    expected = "Basic " + base64.b64encode(f"{GATEWAY_USER}:{GATEWAY_PASSWORD}".encode()).decode()
    assert set(relay.gateway.authorizations) == {expected}
    assert all(call["phoneNumbers"] == [NUMBER] and call["id"] for call in relay.gateway.accepted)
    assert len({call["id"] for call in relay.gateway.accepted}) == len(relay.gateway.accepted)


async def test_both_gateways_reach_the_same_conversation_for_one_number(relay: Relay) -> None:
    await relay.twilio("bonjour", sender="+33 6 12 34 56 78")
    await relay.android("manger", sender="0612345678")
    assert relay.runtime.service.state_of("sms", NUMBER)["need"] is not None
    assert relay.rows(Conversation) == 1


async def test_the_older_phone_number_field_of_the_android_app_is_understood(relay: Relay) -> None:
    messages = await relay.android("bonjour", sender_field="phoneNumber")
    assert messages and relay.runtime.service.state_of("sms", NUMBER) is not None


# -- signatures --------------------------------------------------------------------------------------


async def test_twilio_signatures_with_or_without_the_default_port_are_accepted(relay: Relay) -> None:
    for url in (PUBLIC_URL + "/sms/twilio", "https://example.org:443/sms/twilio"):
        response = await relay.twilio_post(relay.twilio_params("bonjour", relay.next_id("SM")), url=url)
        assert response.status_code == 200
        assert twiml_messages(response.text)


async def test_forged_unsigned_or_tampered_twilio_requests_are_refused_and_change_nothing(relay: Relay) -> None:
    params = relay.twilio_params("bonjour", relay.next_id("SM"))
    signed = twilio_signature(TOKEN, PUBLIC_URL + "/sms/twilio", params)
    attempts = [
        await relay.twilio_post(params, token="not-the-token"),  # forged
        await relay.twilio_post(params, signature=""),  # unsigned
        await relay.client.post(relay.served.url + "/sms/twilio", data=params),  # no header at all
        await relay.twilio_post({**params, "Body": "OUBLI"}, signature=signed),  # body changed after signing
        await relay.twilio_post({**params, "From": "+33699999999"}, signature=signed),  # sender changed
        await relay.twilio_post(params, url="https://attacker.example/sms/twilio"),  # another URL
        await relay.twilio_post(params, signature=signed[:-2] + "AA"),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert relay.rows(Conversation) == 0 and relay.rows(ProcessedMessage) == 0


async def test_android_requests_unsigned_forged_stale_or_replayed_are_refused_and_change_nothing(relay: Relay) -> None:
    body = relay.android_body("bonjour", relay.next_id("m"))
    now = int(time.time())
    refused = [
        await relay.android_post(body, key="not-the-key"),
        await relay.android_post(body, timestamp=now - 301),  # stale
        await relay.android_post(body, timestamp=now + 301),  # from the future
        await relay.android_post(body, headers={"X-Signature": ""}),
        await relay.client.post(relay.served.url + "/sms/android", content=body,
                                headers={"Content-Type": "application/json"}),
        await relay.android_post(body, headers={"X-Timestamp": "soon"}),
        # Signed for one timestamp, sent with another.
        await relay.android_post(body, headers={"X-Timestamp": str(now - 10)}),
    ]
    assert [response.status_code for response in refused] == [403] * len(refused)
    assert relay.rows(Conversation) == 0

    stamp = str(now)
    headers = {"X-Timestamp": stamp, "X-Signature": android_signature(KEY, body, stamp),
               "Content-Type": "application/json"}
    first = await relay.client.post(relay.served.url + "/sms/android", content=body, headers=headers)
    again = await relay.client.post(relay.served.url + "/sms/android", content=body, headers=headers)
    assert (first.status_code, again.status_code) == (200, 403)  # the very same signed request is a replay
    await relay.channel.outbox.join(10)
    assert relay.rows(ProcessedMessage) == 1


async def test_an_unconfigured_gateway_does_not_exist(make_runtime) -> None:  # type: ignore[no-untyped-def]
    runtime = make_runtime(twilio_auth_token=Secret(""), smsgateway_signing_key=Secret(""))
    keyless = make_runtime(smsgateway_url="")  # a key but nowhere to send the replies
    for which in (runtime, keyless):
        async with Served(create_app(which, lifespan=drain_sms)) as served, httpx.AsyncClient() as client:
            android = await client.post(served.url + "/sms/android", content=b"{}",
                                        headers={"Content-Type": "application/json", "X-Signature": "00",
                                                 "X-Timestamp": str(int(time.time()))})
            assert android.status_code == 404
            if which is runtime:
                twilio = await client.post(served.url + "/sms/twilio", data={"From": NUMBER, "Body": "x"},
                                           headers={"X-Twilio-Signature": "x"})
                assert twilio.status_code == 404
        with which.database.transaction() as session:
            assert session.execute(select(func.count()).select_from(Conversation)).scalar_one() == 0


# -- retries: one effect -----------------------------------------------------------------------------


async def test_a_twilio_retry_of_the_same_message_sid_has_one_effect(relay: Relay) -> None:
    await relay.twilio("bonjour")
    await relay.twilio("mon logement et mon loyer")
    state = relay.runtime.service.state_of("sms", NUMBER)
    sid = relay.next_id("SM")
    first = await relay.twilio(ANSWERS[state["q"]], sid=sid)
    after = relay.runtime.service.state_of("sms", NUMBER)
    again = await relay.twilio(ANSWERS[state["q"]], sid=sid)
    # Twilio retries when it did not get our answer: the same TwiML again, the turn not applied twice.
    assert first and again == first
    assert relay.runtime.service.state_of("sms", NUMBER) == after


async def test_simultaneous_deliveries_of_one_message_sid_answer_once(relay: Relay) -> None:
    await relay.twilio("bonjour")
    sid = relay.next_id("SM")
    answers = await asyncio.gather(*(relay.twilio("manger", sid=sid) for _ in range(4)))
    assert answers[0] and all(messages == answers[0] for messages in answers)  # one turn, one answer, 4 copies
    assert relay.runtime.service.state_of("sms", NUMBER)["need"] is not None


async def test_an_android_retry_of_the_same_message_id_has_one_effect(relay: Relay) -> None:
    await relay.android("bonjour")
    body = relay.android_body("manger", relay.next_id("m"))
    first = await relay.android_post(body, timestamp=int(time.time()) - 2)
    assert first.status_code == 200 and first.json() == {"status": "ok"}
    assert await relay.channel.outbox.join(10)
    sent, state = len(relay.gateway.accepted), relay.runtime.service.state_of("sms", NUMBER)
    retry = await relay.android_post(body, timestamp=int(time.time()))  # the app signs each attempt anew
    assert retry.status_code == 200 and retry.json() == {"status": "duplicate"}
    assert await relay.channel.outbox.join(10)
    assert len(relay.gateway.accepted) == sent  # nothing sent twice
    assert relay.runtime.service.state_of("sms", NUMBER) == state


async def test_other_android_events_are_acknowledged_and_ignored(relay: Relay) -> None:
    for event in ("system:ping", "sms:sent", "sms:delivered", "app:started"):
        response = await relay.android_post(relay.android_body("x", relay.next_id("m"), event=event))
        assert response.status_code == 200 and response.json() == {"status": "ignored"}
    assert relay.rows(Conversation) == 0 and relay.gateway.calls == []


# -- hostile bodies ----------------------------------------------------------------------------------


async def test_hostile_twilio_bodies_get_a_clear_4xx_and_store_nothing(relay: Relay) -> None:
    url = relay.served.url + "/sms/twilio"
    signature = {"X-Twilio-Signature": twilio_signature(TOKEN, PUBLIC_URL + "/sms/twilio", {})}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    cases = {
        "empty": (await relay.client.post(url, content=b"", headers={**signature, **form}), 400),
        "huge": (await relay.client.post(url, content=b"Body=" + b"a" * (1 << 20), headers={**signature, **form}),
                 413),
        "binary": (await relay.client.post(url, content=bytes(range(256)) * 4, headers={**signature, **form}), 400),
        "not utf-8": (await relay.client.post(url, content=b"From=%FF%FE&Body=x", headers={**signature, **form}),
                      400),
        "json": (await relay.client.post(url, json={"From": NUMBER, "Body": "x"},
                                         headers={**signature, "Content-Type": "application/json"}), 415),
        "no content type": (await relay.client.post(url, content=b"From=x", headers=signature), 415),
        "too many fields": (await relay.client.post(url, content="&".join(f"f{i}=1" for i in range(500)).encode(),
                                                    headers={**signature, **form}), 400),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, name
    # Signed and well formed, but without the fields an SMS has.
    incomplete = {"From": NUMBER, "Body": "bonjour"}
    response = await relay.twilio_post(incomplete)
    assert response.status_code == 400
    assert relay.rows(Conversation) == 0 and relay.rows(ProcessedMessage) == 0


async def test_a_huge_body_announced_by_its_length_is_refused_before_it_is_read(relay: Relay) -> None:
    async def endless():  # type: ignore[no-untyped-def]
        for _ in range(64):
            yield b"x" * 65536

    response = await relay.client.post(relay.served.url + "/sms/android", content=endless(),
                                       headers={"Content-Type": "application/json", "X-Signature": "ab",
                                                "X-Timestamp": str(int(time.time()))})
    assert response.status_code == 413


async def test_hostile_android_bodies_get_a_clear_4xx_and_store_nothing(relay: Relay) -> None:
    cases = {
        "empty": (await relay.android_post(b""), 400),
        "huge": (await relay.android_post(b"[" + b"1," * 40000 + b"1]"), 413),
        "binary": (await relay.android_post(bytes(range(256)) * 4), 400),
        "text/plain": (await relay.android_post(relay.android_body("x", "m1"), content_type="text/plain"), 415),
        "a list": (await relay.android_post(b"[1, 2]"), 400),
        "no payload": (await relay.android_post(b'{"event": "sms:received"}'), 400),
        "no sender": (await relay.android_post(
            json.dumps({"event": "sms:received", "payload": {"messageId": "1", "message": "x"}}).encode()), 400),
        "no message id": (await relay.android_post(
            json.dumps({"event": "sms:received", "payload": {"sender": NUMBER, "message": "x"}}).encode()), 400),
        "numbers for text": (await relay.android_post(
            json.dumps({"event": "sms:received", "payload": {"messageId": "1", "sender": NUMBER, "message": 42}})
            .encode()), 400),
    }
    for name, (response, status) in cases.items():
        assert response.status_code == status, name
    assert relay.rows(Conversation) == 0 and relay.gateway.calls == []


async def test_an_operator_sender_that_is_not_a_number_is_not_answered(relay: Relay) -> None:
    assert await relay.twilio("Votre forfait est renouvelé", sender="ORANGE") == []
    assert await relay.android("Info conso", sender="Free Mobile") == []
    assert relay.rows(Conversation) == 0


async def test_control_characters_and_emoji_in_an_sms_are_handled(relay: Relay) -> None:
    messages = await relay.twilio("bonjour \x00\x07 😀 \u202e")
    assert_sms(messages)
    assert relay.runtime.service.state_of("sms", NUMBER) is not None


# -- keywords ----------------------------------------------------------------------------------------


async def test_stop_erases_everything_confirms_once_and_a_new_sms_starts_afresh(relay: Relay) -> None:
    await relay.twilio("bonjour")
    await relay.twilio("mon logement et mon loyer")
    sid = relay.next_id("SM")
    confirmation = await relay.twilio("Stop", sid=sid)
    assert_sms(confirmation)
    assert len(confirmation) == 1 and "ne recevrez plus" in confirmation[0]
    assert relay.runtime.service.state_of("sms", NUMBER) is None
    # Nothing kept about the person but pseudonymous ids: the three processed messages and a STOP record.
    assert relay.rows(Conversation) == 0 and relay.rows(ProcessedMessage) == 3 and relay.rows(StoppedNumber) == 1
    assert await relay.twilio("STOP", sid=sid) == confirmation  # the gateway's retry: the answer it missed
    assert relay.rows(Conversation) == 0 and relay.rows(ProcessedMessage) == 3
    fresh = await relay.twilio("bonjour")
    assert "ici Aiguillage" in fresh[0]  # a new conversation
    assert relay.rows(StoppedNumber) == 0  # writing again is asking to be answered again


async def test_stop_through_the_android_gateway_cancels_replies_still_waiting(relay: Relay) -> None:
    relay.channel.use_outbox(url=relay.gateway_url, user=GATEWAY_USER, password=GATEWAY_PASSWORD, base_delay=0.2, max_delay=0.2,
                                  max_attempts=100)
    relay.gateway.fail_next = 10**6  # the phone is unreachable for now
    response = await relay.android_post(relay.android_body("bonjour", relay.next_id("m")))
    assert response.status_code == 200
    await asyncio.sleep(0.3)
    assert relay.gateway.calls and not relay.gateway.accepted
    stop = await relay.android_post(relay.android_body("STOP", relay.next_id("m")))
    assert stop.status_code == 200
    relay.gateway.fail_next = 0  # the phone is back
    assert await relay.channel.outbox.join(10)
    texts = relay.gateway.texts_to(NUMBER)
    assert len(texts) == 1 and "ne recevrez plus" in texts[0]  # the welcome was dropped, only STOP's answer
    assert relay.runtime.service.state_of("sms", NUMBER) is None


async def test_oubli_erases_and_says_so(relay: Relay) -> None:
    await relay.android("bonjour")
    await relay.android("manger")
    messages = await relay.android("oubli")
    assert_sms(messages)
    assert "effacé" in messages[0]
    assert relay.runtime.service.state_of("sms", NUMBER) is None
    assert relay.runtime.service.channel_data_of("sms", NUMBER) is None
    assert relay.rows(Conversation) == 0


async def test_suite_sends_the_rest_and_a_new_turn_replaces_it(relay: Relay) -> None:
    await relay.twilio("bonjour")
    first = await relay.twilio("j'ai faim")  # the places to eat today: more than 3 SMS
    # Issue 16: SUITE is announced before the question, which never waits behind it.
    assert len(first) <= 3 and any(m.endswith("Envoyez SUITE pour la suite.") for m in first)
    pending = relay.runtime.service.channel_data_of("sms", NUMBER)
    assert pending
    sid = relay.next_id("SM")
    rest = await relay.twilio("suite", sid=sid)
    assert_sms(rest)
    assert rest and pending.split()[0] in rest[0]  # the rest starts where the last SMS stopped
    assert relay.runtime.service.channel_data_of("sms", NUMBER) != pending
    kept = relay.runtime.service.channel_data_of("sms", NUMBER)
    assert await relay.twilio("SUITE", sid=sid) == rest  # a retried SUITE: the same part, not the next one
    assert relay.runtime.service.channel_data_of("sms", NUMBER) == kept

    other = "+33698765432"
    await relay.twilio("bonjour", sender=other)
    await relay.twilio("j'ai faim", sender=other)  # a long answer again
    kept = relay.runtime.service.channel_data_of("sms", other)
    assert kept
    await relay.twilio("34", sender=other)  # a new turn replaces what SUITE would have sent
    assert relay.runtime.service.channel_data_of("sms", other) != kept


async def test_keywords_work_in_any_case_and_without_accents(relay: Relay) -> None:
    await relay.twilio("bonjour")
    await relay.twilio("mon logement et mon loyer")
    question = relay.runtime.service.state_of("sms", NUMBER)["q"]
    await relay.twilio(ANSWERS[question])
    assert relay.runtime.service.state_of("sms", NUMBER)["q"] != question
    back = await relay.twilio("Retour")
    assert_sms(back)
    assert relay.runtime.service.state_of("sms", NUMBER)["q"] == question
    help_text = "\n".join(await relay.twilio("aide"))
    assert "SUITE" in help_text and "STOP" in help_text
    assert relay.runtime.service.state_of("sms", NUMBER)["q"] == question  # help does not lose the question
    await relay.twilio("MENU")
    assert relay.runtime.service.state_of("sms", NUMBER)["phase"] == "need"
    await relay.twilio("manger")
    await relay.twilio("RECOMMENCER")
    assert relay.runtime.service.state_of("sms", NUMBER)["need"] is None


async def test_langue_lists_the_languages_numbered_and_a_number_chooses(relay: Relay) -> None:
    await relay.twilio("bonjour")
    messages = await relay.twilio("langue")
    assert_sms(messages)
    lines = "\n".join(messages).splitlines()
    # Each language in its own name, in GSM-7 letters (Cyrillic and Arabic script are transliterated).
    for line in ("1 Francais", "2 English", "4 Español", "5 Ukrayinska", "6 Romana"):
        assert line in lines
    assert [line.split(" ", 1)[0] for line in lines[-8:]] == [str(n) for n in range(1, 9)]
    await relay.twilio("2")
    assert relay.runtime.service.state_of("sms", NUMBER)["lang"] == "en"


# -- failures ----------------------------------------------------------------------------------------


async def test_storage_unavailable_is_told_in_one_gsm7_sms_on_both_gateways(relay: Relay,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise StorageUnavailable("database unavailable (OperationalError); try again later")

    monkeypatch.setattr(relay.runtime.service, "handle", unavailable)
    monkeypatch.setattr(relay.runtime.service, "advance_channel_data", unavailable)
    monkeypatch.setattr(relay.runtime.service, "stop", unavailable)
    for send in (relay.twilio, relay.android):
        for text in ("bonjour", "SUITE", "STOP"):
            messages = await send(text)
            assert_sms(messages)
            assert messages == [UNAVAILABLE]


async def test_a_slow_phone_does_not_delay_the_webhook(relay: Relay) -> None:
    relay.gateway.delay = 2.0
    started = time.monotonic()
    response = await relay.android_post(relay.android_body("bonjour", relay.next_id("m")))
    assert response.status_code == 200
    assert time.monotonic() - started < 1.5
    assert await relay.channel.outbox.join(20)
    assert relay.gateway.texts_to(NUMBER)  # delivered all the same


async def test_a_failing_phone_gets_the_reply_after_retries_without_duplicates(relay: Relay) -> None:
    relay.gateway.fail_next = 2
    messages = await relay.android("bonjour")
    assert messages
    first_id = relay.gateway.calls[0]["id"]
    assert [call["id"] for call in relay.gateway.calls[:3]] == [first_id] * 3  # the same SMS, retried


async def test_a_phone_that_already_has_the_sms_is_not_asked_again(relay: Relay) -> None:
    relay.gateway.status = 409  # "this id exists": a previous attempt got through
    await relay.android_post(relay.android_body("bonjour", relay.next_id("m")))
    assert await relay.channel.outbox.join(10)
    assert relay.channel.outbox.failed == 0 and relay.channel.outbox.sent == len(relay.gateway.calls)


async def test_a_reply_that_cannot_be_delivered_is_logged_without_number_or_text(
        relay: Relay, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    relay.gateway.fail_next = 10**6
    response = await relay.android_post(relay.android_body("bonjour", relay.next_id("m")))
    assert response.status_code == 200
    assert await relay.channel.outbox.join(10)
    assert relay.channel.outbox.failed >= 1
    failures = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert failures and "status 500" in failures[0].getMessage()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "612345678" not in logged and "Aiguillage" not in logged and "bonjour" not in logged


async def test_logs_carry_neither_numbers_nor_texts(relay: Relay, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await converse(relay.twilio, relay.runtime)
    await relay.android("OUBLI")
    await relay.twilio("STOP")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "turn handled" in logged  # the logs are there...
    for secret in ("612345678", "loyer", "Malakoff", "Bonjour", "Saint-Similien", TOKEN, KEY, GATEWAY_PASSWORD):
        assert secret not in logged  # ...without what the person wrote or received
