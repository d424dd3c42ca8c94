"""The SMS adapters' pieces on their own: keywords, numbers, Twilio and Android signatures (checked
against independent computations), event parsing, TwiML, and the outbox's retries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import xml.etree.ElementTree as ElementTree

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.sms import android_gateway, twilio
from bot.channels.sms.keywords import keyword
from bot.channels.sms.relay import subscriber


@pytest.fixture(scope="module")
def oracle():  # type: ignore[no-untyped-def]
    """Twilio's own validator, keyed with "token"."""
    return pytest.importorskip("twilio.request_validator").RequestValidator("token")


# -- keywords ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("AIDE", "help"), ("aide", "help"), ("Aide !", "help"), ("MENU", "menu"), ("retour", "back"),
    ("Recommencer.", "restart"), ("LANGUE", "language"), ("Oubli", "erase"), ("SUITE", "more"),
    ("suite ?", "more"), ("Stop", "stop"), (" STOP ", "stop"), ("STOP SMS", "stop"), ("Arrêt", "stop"),
    ("Arrêter", "stop"), ("STOPALL", "stop"), ("Unsubscribe", "stop"), ("CANCEL", "stop"), ("end", "stop"),
    ("QUIT", "stop"), ("Désabonner", "stop"),
    ("ÂIDE", "help"), ("rétour", "back"), ("LÄNGUE", "language"),
])
def test_keywords_ignore_case_accents_and_punctuation(text: str, expected: str) -> None:
    assert keyword(text) == expected


@pytest.mark.parametrize("text", ["j'ai besoin d'aide", "aide au logement", "la suite de mes droits", "stopper",
                                  "", "1", "je veux arrêter de fumer", "menu du jour", "x" * 5000])
def test_a_keyword_must_be_the_whole_message(text: str) -> None:
    assert keyword(text) is None


# -- numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sender, expected", [
    ("+33612345678", "+33612345678"), ("+33 6 12 34 56 78", "+33612345678"), ("0612345678", "+33612345678"),
    ("06.12.34.56.78", "+33612345678"), ("0033612345678", "+33612345678"), ("+447700900123", "+447700900123"),
    ("36180", "36180"), ("ORANGE", None), ("Free Mobile", None), ("", None), ("+", None), ("+33 6x", None),
])
def test_senders_become_one_canonical_number(sender: str, expected: str | None) -> None:
    assert subscriber(sender) == expected


# -- Twilio ------------------------------------------------------------------------------------------

_names = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=200, deadline=None)
@given(params=st.dictionaries(_names, _values, max_size=8),
       url=st.sampled_from(["https://example.org/sms/twilio", "https://example.org:8443/sms/twilio?x=1",
                            "http://127.0.0.1:8080/sms/twilio", "https://example.org/sms/twilio?a=b&c=d"]))
def test_our_twilio_signature_is_twilios(oracle, params: dict[str, str], url: str) -> None:  # type: ignore[no-untyped-def]
    ours = twilio.signature("token", url, list(params.items()))
    assert ours == oracle.compute_signature(url, params)
    assert oracle.validate(url, params, ours)
    assert twilio.verify("token", url, list(params.items()), oracle.compute_signature(url, params))
    assert not twilio.verify("other", url, list(params.items()), ours)


def test_twilio_signatures_are_checked_with_and_without_the_default_port(oracle) -> None:  # type: ignore[no-untyped-def]
    params = [("Body", "bonjour"), ("From", "+33612345678"), ("MessageSid", "SM1")]
    for signed_url, public_url in [("https://example.org:443/sms/twilio", "https://example.org/sms/twilio"),
                                   ("https://example.org/sms/twilio", "https://example.org:443/sms/twilio"),
                                   ("http://example.org:80/sms/twilio", "http://example.org/sms/twilio")]:
        assert twilio.verify("token", public_url, params, oracle.compute_signature(signed_url, dict(params)))
    other_port = oracle.compute_signature("https://example.org:8443/sms/twilio", dict(params))
    assert not twilio.verify("token", "https://example.org/sms/twilio", params, other_port)


def test_repeated_twilio_fields_are_signed_like_twilio_does(oracle) -> None:  # type: ignore[no-untyped-def]
    from starlette.datastructures import FormData

    params = [("To", "+331"), ("MediaUrl", "b"), ("MediaUrl", "a"), ("Body", "x")]
    assert twilio.signature("token", "https://e.org/", params) == oracle.compute_signature("https://e.org/",
                                                                                           FormData(params))


@pytest.mark.parametrize("signature", ["", "   ", "é" * 28, "x" * 1000, "\x00"])
def test_odd_twilio_signature_headers_are_refused_without_error(signature: str) -> None:
    assert not twilio.verify("token", "https://example.org/sms/twilio", [("Body", "x")], signature)


def test_twiml_has_one_escaped_message_per_sms() -> None:
    document = twilio.twiml(["A & B <c> \"d\"", "(2/2) deuxième\nligne"])
    root = ElementTree.fromstring(document)
    assert [message.text for message in root.findall("Message")] == ["A & B <c> \"d\"", "(2/2) deuxième\nligne"]
    assert ElementTree.fromstring(twilio.twiml([])).findall("Message") == []


def test_form_bodies_are_parsed_strictly() -> None:
    assert twilio.parse_form(b"From=%2B33612345678&Body=caf%C3%A9+cr%C3%A8me&Empty=") == [
        ("From", "+33612345678"), ("Body", "café crème"), ("Empty", "")]
    for body in (b"\xff\xfe", b"Body=%FF", b"Body=a\x00b", "&".join(["a=1"] * 200).encode()):
        with pytest.raises(ValueError):
            twilio.parse_form(body)


# -- Android SMS Gateway -----------------------------------------------------------------------------


def test_android_signature_is_hex_hmac_sha256_of_body_then_timestamp() -> None:
    body, stamp = b'{"event":"sms:received"}', "1764000000"
    expected = hmac.new(b"key", body + stamp.encode(), hashlib.sha256).hexdigest()
    assert android_gateway.signature("key", body, stamp) == expected
    assert android_gateway.verify("key", body, stamp, expected)
    assert android_gateway.verify("key", body, stamp, expected.upper())  # hex is hex
    assert not android_gateway.verify("key", body, "1764000001", expected)
    assert not android_gateway.verify("key", body + b" ", stamp, expected)
    assert not android_gateway.verify("", body, stamp, expected)
    assert not android_gateway.verify("key", body, stamp, "é" * 64)


@pytest.mark.parametrize("stamp, fresh", [("1000", True), ("1300", True), ("700", True), ("1301", False),
                                          ("699", False), ("-5", False), ("1e3", False), ("", False),
                                          ("١٠٠٠", False), ("9" * 40, False)])
def test_only_timestamps_within_five_minutes_are_fresh(stamp: str, fresh: bool) -> None:
    assert android_gateway.fresh(stamp, now=1000.0) is fresh


def test_the_replay_guard_refuses_a_signature_seen_before() -> None:
    guard = android_gateway.ReplayGuard()
    assert guard.first_time("abc") and guard.first_time("abd")
    assert not guard.first_time("abc")


def test_events_are_parsed_from_either_sender_field() -> None:
    new = {"event": "sms:received", "payload": {"messageId": "abc", "sender": "+336", "message": "hi"}}
    old = {"event": "sms:received", "payload": {"messageId": 12, "phoneNumber": "+336", "message": "hi"}}
    no_id = {"id": "ev-1", "event": "sms:received", "payload": {"sender": "+336", "message": ""}}
    assert android_gateway.parse_event(json.dumps(new).encode()) == android_gateway.Event(
        "sms:received", "abc", "+336", "hi")
    assert android_gateway.parse_event(json.dumps(old).encode()).message_id == "12"
    assert android_gateway.parse_event(json.dumps(no_id).encode()).message_id == "ev-1"
    assert android_gateway.parse_event(b'{"event": "system:ping"}').event == "system:ping"
    for bad in (b"", b"null", b"[]", b'{"event": 1}', b'{"event": "sms:received", "payload": []}',
                b'{"event": "sms:received", "payload": {"messageId": true, "sender": "+3", "message": ""}}'):
        with pytest.raises(ValueError):
            android_gateway.parse_event(bad)


# -- the outbox --------------------------------------------------------------------------------------


class PhoneApi:
    """httpx transport answering like the app's POST /message, from a script of statuses."""

    def __init__(self, statuses: list[int | Exception], delay: float = 0.0) -> None:
        self.statuses, self.delay = statuses, delay
        self.requests: list[dict] = []

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(json.loads(request.content))
        if self.delay:
            await asyncio.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 202
        if isinstance(status, Exception):
            raise status
        return httpx.Response(status, json={})


def outbox_for(phone: PhoneApi, **kwargs) -> android_gateway.Outbox:  # type: ignore[no-untyped-def]
    options = dict(base_delay=0.001, max_delay=0.002, max_attempts=4, transport=httpx.MockTransport(phone.handle))
    options.update(kwargs)
    return android_gateway.Outbox("http://phone:8080/", "user", "pw", **options)


async def test_the_outbox_sends_in_order_per_recipient() -> None:
    phone = PhoneApi([])
    outbox = outbox_for(phone)
    outbox.send("+331", ["(1/2) a", "(2/2) b"])
    outbox.send("+332", ["x"])
    outbox.send("+331", ["c"])
    assert await outbox.join(5)
    to_first = [r["textMessage"]["text"] for r in phone.requests if r["phoneNumbers"] == ["+331"]]
    assert to_first == ["(1/2) a", "(2/2) b", "c"]
    assert outbox.sent == 4 and outbox.pending == 0
    await outbox.aclose()


async def test_the_outbox_retries_network_errors_timeouts_and_5xx_with_the_same_id() -> None:
    phone = PhoneApi([httpx.ConnectError("down"), httpx.ReadTimeout("slow"), 503, 429, 202])
    outbox = outbox_for(phone, max_attempts=6)
    outbox.send("+331", ["a"])
    assert await outbox.join(5)
    assert outbox.sent == 1 and outbox.failed == 0
    assert len(phone.requests) == 5 and len({r["id"] for r in phone.requests}) == 1
    await outbox.aclose()


async def test_the_outbox_gives_up_on_a_refusal_or_after_its_attempts() -> None:
    refused = PhoneApi([400])
    outbox = outbox_for(refused)
    outbox.send("+331", ["a", "b"])
    assert await outbox.join(5)
    assert (outbox.failed, outbox.sent, len(refused.requests)) == (1, 1, 2)  # "b" still went
    down = PhoneApi([500] * 10)
    outbox = outbox_for(down, max_attempts=3)
    outbox.send("+331", ["a"])
    assert await outbox.join(5)
    assert (outbox.failed, len(down.requests)) == (1, 3)


async def test_a_full_outbox_drops_and_says_so_without_blocking(caplog: pytest.LogCaptureFixture) -> None:
    outbox = outbox_for(PhoneApi([], delay=0.01), max_queued=3)
    outbox.send("+331", ["a", "b", "c"])
    outbox.send("+332", ["d"])
    assert outbox.pending == 3 and outbox.failed == 1
    assert "outbox full" in caplog.text and "+332" not in caplog.text
    await outbox.aclose(5)
    assert outbox.sent == 3


async def test_closing_waits_a_bounded_time_then_gives_up() -> None:
    outbox = outbox_for(PhoneApi([], delay=5))
    outbox.send("+331", ["a"])
    await asyncio.wait_for(outbox.aclose(timeout=0.1), 2)
    assert outbox.sent == 0
