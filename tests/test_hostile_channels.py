"""The hostile corpus through every channel, over real HTTP, then a look at what was stored.

* Telegram: python-telegram-bot long-polling FakeBotApi; 48 residents, each first brought to one of the
  engine's phases, send their share of the corpus in order. Every message gets a reply, the fake
  refuses none of them (length, entities, empty text), the bot never apologises for a crash.
* SMS: the Twilio webhook and the Android gateway's webhook on uvicorn, the same way (48 numbers per
  gateway); every message gets 1 to 3 GSM-7 SMS of one segment, never a 5xx, never the "service
  unavailable" apology, and the phone receives every batch once, in order.
* Desk: the counsellors' form posted with hostile values in every field on every route: never a 5xx,
  and no value ever becomes markup in the page.
* Storage, after each: no phone number or Telegram id in any table or in the database file, no
  message text anywhere.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from markupsafe import escape

from bot.channels.desk.accounts import add_counsellor
from bot.channels.sms.relay import subscriber
from bot.channels.sms.web import sms_channel_of
from bot.dialog.messages import Incoming
from bot.dialog.text import clean
from bot.runtime import build_runtime
from bot.web import create_app
from tests.fakes.bot_api import FakeBotApi
from tests.hostile import Hostile, for_json, for_sms, for_telegram
from tests.hostile.harness import (
    TELEGRAM_RETRY,
    TELEGRAM_SORRY,
    UNAVAILABLE_SMS,
    FakeAndroidGateway,
    Served,
    ServedApp,
    TelegramTracker,
    android_body,
    android_headers,
    assert_sms_turn,
    distinctive,
    settle_telegram,
    sms_settings,
    sqlite_bytes,
    stored_text,
    telegram_bot,
    telegram_settings,
    twilio_request,
    twiml_messages,
)

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")]

# How a resident's conversation is brought to a phase before the hostile message (engine inputs).
PREPARATIONS: dict[str, list[Incoming]] = {
    "new": [],
    "need menu": [Incoming("start")],
    "age": [Incoming("start"), Incoming("choice", choice="all")],
    "children": [Incoming("start"), Incoming("choice", choice="all"), Incoming.from_text("34")],
    "housing": [Incoming("start"), Incoming("choice", choice="all"), Incoming.from_text("34"),
                Incoming("choice", choice="none")],
    "money": [Incoming("start"), Incoming("choice", choice="all"), Incoming.from_text("34"),
              Incoming("choice", choice="none"), Incoming("choice", choice="skip")],
    "results": [Incoming("start"), Incoming("choice", choice="food"), *[Incoming("choice", choice="skip")] * 8],
    "language": [Incoming("start"), Incoming("command", command="language")],
}


def prepare(runtime, channel: str, identifier: str, phase: str) -> dict | None:
    for number, incoming in enumerate(PREPARATIONS[phase]):
        runtime.service.handle(channel, identifier, f"prep-{number}", incoming)
    return runtime.service.state_of(channel, identifier)


def check_privacy(runtime, data_dir: Path, identifiers: list[str], messages: list[Hostile]) -> None:
    stored = stored_text(runtime)
    runtime.database.checkpoint()
    raw = sqlite_bytes(data_dir)
    for identifier in identifiers:
        assert identifier not in stored, f"identifier {identifier} stored"
        assert identifier.encode() not in raw, f"identifier {identifier} in the database file"
    for item in messages:
        if distinctive(item.text):
            assert item.text not in stored and clean(item.text) not in stored, f"message stored: {item}"
            assert clean(item.text).encode("utf-8") not in raw, f"message in the database file: {item}"


@pytest.fixture
def use_session_catalogue(monkeypatch, catalogue):
    monkeypatch.setattr("bot.runtime.load_catalogue", lambda *args, **kwargs: catalogue)


# ------------------------------------------------------------------------------------- Telegram

RESIDENTS = 48  # each resident sends its share of the corpus, in order, from a prepared phase
# One turn at a time: these tests are about what the messages do, not load (test_load.py). With several
# at once, SQLite's busy handler can make a turn wait seconds (see docs/hardening.md), and a turn waiting
# longer than busy_timeout is refused with "try again", which is right but not what is checked here.
ONE_AT_A_TIME = 1


def plan(items: list[Hostile]) -> list[tuple[str, list[Hostile]]]:
    """For each resident: the phase it starts from, and its share of the messages, in order."""
    return [(phase, items[resident::RESIDENTS]) for resident, phase in zip(range(RESIDENTS), cycle(PREPARATIONS))]


async def test_every_hostile_message_on_telegram_gets_a_reply_telegram_accepts(tmp_path, use_session_catalogue,
                                                                                monkeypatch):
    from bot.channels.telegram.adapter import TelegramAdapter

    items = for_telegram()
    assert len(items) >= 500
    async with FakeBotApi() as api:
        tracker = TelegramTracker(api)
        sent_per_message: dict[str, int] = {}
        original_turn = TelegramAdapter._turn

        async def counted_turn(self, update, context, incoming, inbound_id, pressed=None):
            # One resident's updates run one at a time: what its chat received meanwhile is this turn's.
            chat = update.effective_chat.id
            before = tracker.chats[chat].calls
            try:
                return await original_turn(self, update, context, incoming, inbound_id, pressed)
            finally:
                sent_per_message[inbound_id] = tracker.chats[chat].calls - before

        monkeypatch.setattr(TelegramAdapter, "_turn", counted_turn)
        runtime = build_runtime(telegram_settings(tmp_path, api))
        updates: list[tuple[int, Hostile, dict]] = []
        for resident, (phase, messages) in enumerate(plan(items)):
            user = 7_300_000_000 + resident
            prepare(runtime, "telegram", str(user), phase)
            updates += [(user, item, api.text_update(user, item.text)) for item in messages]
        updates.sort(key=lambda entry: entry[2]["update_id"])
        try:
            async with telegram_bot(runtime, max_concurrent_updates=ONE_AT_A_TIME) as handle:
                api.push_updates(update for _, _, update in updates)
                await settle_telegram(api, handle.application, timeout=240)
            for user, item, update in updates:
                inbound = f"m{user}:{update['message']['message_id']}"
                assert sent_per_message.get(inbound, 0) >= 1, f"no reply to {item}"
            for log in tracker.chats.values():
                assert not log.refused, f"Telegram refused a reply: {log.refused}"
                assert TELEGRAM_RETRY not in log.texts and TELEGRAM_SORRY not in log.texts, log.texts
            for call in api.calls("sendMessage"):
                assert "parse_mode" not in call.params and len(call.params["text"]) <= 4096
                assert call.params["text"].strip()
            assert not api.internal_errors
            check_privacy(runtime, tmp_path, [str(user) for user, _, _ in updates], items)
        finally:
            runtime.database.dispose()


# ------------------------------------------------------------------------------------------ SMS


def _number(gateway: int, index: int) -> str:
    return f"+336{gateway}{index:07d}"


async def test_every_hostile_sms_on_both_gateways_gets_at_most_three_gsm7_sms(tmp_path, use_session_catalogue):
    sms_items = for_sms()
    json_items = for_json()  # the Android gateway's JSON carries lone surrogates too
    assert len(sms_items) >= 500
    phone = FakeAndroidGateway()
    async with Served(phone.app) as phone_server:
        runtime = build_runtime(sms_settings(tmp_path, phone_server.url))
        app = create_app(runtime)
        channel = sms_channel_of(app)
        channel.outbox._base_delay, channel.outbox._max_delay = 0.01, 0.05  # quick retries
        batches: dict[str, list[list[str]]] = defaultdict(list)  # what each webhook call queued, per number
        queue_sms = channel.outbox.queued

        def recorded_send(recipient: str, texts: list[str]) -> None:
            batches[recipient].append(list(texts))
            queue_sms(recipient, texts)

        channel.outbox.queued = recorded_send
        residents: list[tuple[str, str, list[Hostile]]] = []  # (gateway, number, messages)
        for gateway, items, digit in (("twilio", sms_items, 1), ("android", json_items, 2)):
            for resident, (phase, messages) in enumerate(plan(items)):
                number = _number(digit, resident)
                prepare(runtime, "sms", number, phase)
                residents.append((gateway, number, messages))
        answers: dict[tuple[str, int], list[str] | int] = {}
        async with Served(app) as served, httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            one_at_a_time = asyncio.Semaphore(ONE_AT_A_TIME)

            async def resident_sends(gateway: str, number: str, messages: list[Hostile]) -> None:
                async with one_at_a_time:
                    await sends(gateway, number, messages)

            async def sends(gateway: str, number: str, messages: list[Hostile]) -> None:
                for item in messages:  # one after the other, as from one phone
                    if gateway == "twilio":
                        params, headers = twilio_request(item.text, f"SM{item.index:032d}", number)
                        response = await client.post("/sms/twilio", data=params, headers=headers)
                        answers[(number, item.index)] = (twiml_messages(response.text)
                                                         if response.status_code == 200 else response.status_code)
                    else:
                        body = android_body(item.text, f"hostile-{item.index}", number)
                        response = await client.post("/sms/android", content=body, headers=android_headers(body))
                        answers[(number, item.index)] = response.status_code
                        # The phone gets the reply before the person answers it (STOP or OUBLI would
                        # otherwise cancel replies still queued, as they should).
                        assert await channel.outbox.join(timeout=30)

            await asyncio.gather(*(resident_sends(*resident) for resident in residents))
            assert await channel.outbox.join(timeout=120)
        try:
            for gateway, number, messages in residents:
                if gateway == "twilio":
                    for item in messages:
                        sms = answers[(number, item.index)]
                        assert isinstance(sms, list), f"Twilio answered {sms} to {item}"
                        assert_sms_turn(sms, f"twilio {item}")
                        assert sms != [UNAVAILABLE_SMS], item
                else:
                    assert all(answers[(number, item.index)] == 200 for item in messages), number
                    assert len(batches[number]) == len(messages), f"a message got no reply: {number}"
                    for item, sms in zip(messages, batches[number], strict=False):
                        assert_sms_turn(sms, f"android {item}")
                        assert sms != [UNAVAILABLE_SMS], item
                    # The phone was asked to send every one of them, once, in order.
                    assert phone.texts_to(number) == [text for batch in batches[number] for text in batch]
            assert phone.duplicates == 0 and channel.outbox.failed == 0
            numbers = [number for _, number, _ in residents]
            check_privacy(runtime, tmp_path, numbers + [n.replace("+33", "0") for n in numbers], sms_items)
        finally:
            runtime.database.dispose()


# ------------------------------------------------------------------------------------------ desk


DESK_TEXT_FIELDS = ("age", "partner_age", "children_ages", "work_income", "other_income", "quotient_familial",
                    "rent", "where", "disability_rate", "couple", "pregnant", "employment", "housing", "lang",
                    "first_name", "note", "q", "offered", "pick", "code")
DESK_FLAGS = ("children_ages__none", "disability_rate__skip")
TAG = re.compile(r"<\s*([A-Za-z][A-Za-z0-9-]*)")
OPENING_TAG = re.compile(r"<[A-Za-z/!?]")


def _fit(text: str, budget: int = 2500) -> str:
    """The head of text whose url-encoded form fits in budget bytes: every field of a post together
    stays under the desk's 64 KiB limit (a bigger post is refused with 413, tested apart)."""
    while len(quote_plus(text)) > budget:
        text = text[: len(text) * 2 // 3]
    return text


def _tags(html: str) -> set[str]:
    return {tag.lower() for tag in TAG.findall(html)}


def test_hostile_desk_forms_never_break_the_page(tmp_path, use_session_catalogue):
    from test_desk_support import csrf_of, sign_in

    items = for_sms()  # a form body is UTF-8: no lone surrogates
    runtime = build_runtime(sms_settings(tmp_path, public_url=""))  # http: cookies not Secure
    password = add_counsellor(runtime.database, "fuzz")
    try:
        with ServedApp(create_app(runtime)) as served, \
                httpx.Client(base_url=served.url, follow_redirects=False, timeout=60) as client:
            assert sign_in(client, password, "fuzz").status_code == 303
            csrf = csrf_of(client.get("/desk").text)
            benign = {"csrf": csrf, "age": "34", "first_name": "Camille", "q": "loyer", "note": "RAS"}
            allowed = {route: _tags(client.post(route, data=benign).text)
                       for route in ("/desk/case", "/desk/print", "/desk/pickup")}
            allowed["/desk/case"] |= allowed["/desk/pickup"]
            source = cycle(items)
            posts = 0
            for _start in range(0, len(items), len(DESK_TEXT_FIELDS)):
                form: dict[str, Any] = {"csrf": csrf}
                used = {}
                for name in DESK_TEXT_FIELDS:
                    item = next(source)
                    item = Hostile(item.index, item.tag, _fit(item.text))
                    form[name] = item.text
                    used[name] = item
                for name in DESK_FLAGS:
                    form[name] = _fit(next(source).text)
                for route in ("/desk/case", "/desk/case/update", "/desk/print", "/desk/pickup"):
                    response = client.post(route, data=form)
                    posts += 1
                    assert response.status_code < 500, (route, response.status_code, list(used.values()))
                    assert response.status_code == 200, (route, response.status_code)
                    if route == "/desk/case/update":
                        payload = response.json()
                        page = "".join(v for v in payload.values() if isinstance(v, str)) + "".join(
                            payload["errors"].values())
                        known = allowed["/desk/case"]
                    else:
                        page = response.text
                        known = allowed["/desk/case" if route == "/desk/pickup" else route]
                        if route == "/desk/case":
                            case_page = page
                    extra = _tags(page) - known
                    assert not extra, f"{route}: new markup {extra} from {[str(i) for i in used.values()]}"
                    for name, item in used.items():
                        value = clean(item.text)[:40]
                        if OPENING_TAG.search(value):
                            # Shown escaped, or not at all: never as written.
                            assert value not in page, (route, name, str(item))
                # The case page shows the counsellor's search words back, escaped.
                query = clean(used["q"].text)[:100]
                if query.strip():
                    assert str(escape(query)) in case_page or str(escape(query.strip())) in case_page, used["q"]
            assert posts >= 4 * (len(items) // len(DESK_TEXT_FIELDS))
            huge = {"csrf": csrf, "note": "x" * 70_000}
            for route in ("/desk/case", "/desk/case/update", "/desk/print", "/desk/pickup"):
                assert client.post(route, data=huge).status_code == 413
        stored = stored_text(runtime)
        for item in items:
            if distinctive(item.text):
                assert clean(item.text) not in stored, f"the desk stored {item}"
    finally:
        runtime.database.dispose()


def test_hostile_sign_in_values_are_refused_without_a_crash(tmp_path, use_session_catalogue):
    from test_desk_support import csrf_of

    runtime = build_runtime(sms_settings(tmp_path, public_url=""))
    add_counsellor(runtime.database, "fuzz")
    try:
        with ServedApp(create_app(runtime)) as served, \
                httpx.Client(base_url=served.url, follow_redirects=False, timeout=60) as client:
            items = for_sms()[::60]
            for item, other in zip(items, reversed(items), strict=False):
                page = client.get("/desk/signin")
                response = client.post("/desk/signin", data={"csrf": csrf_of(page.text), "name": item.text,
                                                             "password": other.text})
                assert response.status_code in (401, 403, 413, 429), (response.status_code, item)
                assert "<script>alert" not in response.text
    finally:
        runtime.database.dispose()


def test_sms_sender_numbers_that_are_not_numbers_are_ignored(tmp_path):
    for item in for_sms():
        canonical = subscriber(item.text)
        assert canonical is None or re.fullmatch(r"\+?[0-9]{3,20}", canonical), item
