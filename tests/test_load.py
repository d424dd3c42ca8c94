"""Load on loopback: hundreds of residents on Telegram and SMS at once, every message answered exactly once.

One process, one event loop, as `aiguillage run` serves them: python-telegram-bot long-polling FakeBotApi
(production handlers and per-resident ordering; Telegram's 30 messages/s flood limit off, or the figure
would be the limiter's), and the Twilio and Android gateway webhooks on uvicorn over real HTTP, the Android
replies going out through the outbox to a fake phone. One SQLite database behind all of them.

Each resident is a coroutine that talks like a person: sends a message, waits for the answer, sends the
next. Checked (correctness only, never timings):

* every inbound message id got exactly one turn (one non-duplicate TurnService result) and exactly one
  reply: one question on Telegram, one TwiML response, one batch of SMS to the phone;
* nothing sent twice (the phone saw each SMS id once), nothing lost (every batch reached the phone);
* a "try again" answer (a turn refused because the database stayed busy) is counted and the resident
  resends, as told: it is reported, and the resent message must then go through.

Printed (not asserted): replies per second, p50/p99 latency per channel, retries. Scale with
AIGUILLAGE_LOAD_TELEGRAM / AIGUILLAGE_LOAD_SMS (residents per channel) and AIGUILLAGE_LOAD_MESSAGES.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections import Counter, defaultdict

import httpx
import pytest

from bot.channels.sms.web import sms_channel_of
from bot.config import Secret
from bot.runtime import build_runtime
from bot.web import create_app
from tests.fakes.bot_api import FakeBotApi
from tests.hostile.harness import (
    TELEGRAM_RETRY,
    TELEGRAM_SORRY,
    UNAVAILABLE_SMS,
    FakeAndroidGateway,
    Served,
    TelegramTracker,
    android_body,
    android_headers,
    assert_sms_turn,
    sms_settings,
    telegram_bot,
    twilio_request,
    twiml_messages,
)

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")]

TELEGRAM_RESIDENTS = int(os.environ.get("AIGUILLAGE_LOAD_TELEGRAM", "120"))
SMS_RESIDENTS = int(os.environ.get("AIGUILLAGE_LOAD_SMS", "80"))  # half Twilio, half Android
MESSAGES = int(os.environ.get("AIGUILLAGE_LOAD_MESSAGES", "3"))
TURN_TIMEOUT = 120.0
# What residents say, in order (each answer is one turn that ends with a question).
SCRIPTS = [["bonjour", "manger", "34", "non", "je loue"],
           ["salut", "mon loyer", "41", "je loue", "0"],
           ["bonjour", "tous mes droits", "23", "aucun", "je dors dehors"],
           ["hello", "argent", "67", "non", "je suis propriétaire"]]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


def summary(name: str, latencies: list[float]) -> str:
    if not latencies:
        return f"{name}: no message"
    return (f"{name}: {len(latencies)} messages, p50 {statistics.median(latencies) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")


async def test_hundreds_of_residents_on_telegram_and_sms_each_message_answered_exactly_once(
        tmp_path, monkeypatch, catalogue, capsys):
    monkeypatch.setattr("bot.runtime.load_catalogue", lambda *args, **kwargs: catalogue)
    turns: Counter[tuple[str, str]] = Counter()  # (channel, message id) -> turns applied (non-duplicate)
    duplicates: Counter[tuple[str, str]] = Counter()
    retries: Counter[str] = Counter()
    latencies: dict[str, list[float]] = defaultdict(list)
    phone = FakeAndroidGateway()

    async with FakeBotApi() as api, Served(phone.app) as phone_server:
        tracker = TelegramTracker(api)
        # No public URL: Telegram long-polls (webhook mode needs one) and Twilio signs the server's own URL.
        runtime = build_runtime(sms_settings(tmp_path, phone_server.url, telegram_token=Secret(api.token),
                                             telegram_api_url=api.base_url, public_url=""))
        # Count what the storage really applied, per inbound id (the gateways' and Telegram's own ids).
        handle = runtime.service.handle

        def counted(channel, identifier, message_id, incoming, channel_data=None):
            result = handle(channel, identifier, message_id, incoming, channel_data=channel_data)
            (duplicates if result.duplicate else turns)[(channel, str(message_id))] += 1
            return result

        runtime.service.handle = counted
        app = create_app(runtime)
        channel = sms_channel_of(app)
        batches: dict[str, list[list[str]]] = defaultdict(list)
        # What the outbox was given to send: stored first (queued), or sent from memory when nothing
        # could be stored (send).
        for name in ("queued", "send"):
            original = getattr(channel.outbox, name)

            def recorded(recipient: str, texts: list[str], original=original) -> None:
                batches[recipient].append(list(texts))
                original(recipient, texts)

            setattr(channel.outbox, name, recorded)
        channel.outbox._base_delay = 0.05

        async with Served(app) as served, telegram_bot(runtime), \
                httpx.AsyncClient(base_url=served.url, timeout=TURN_TIMEOUT,
                                  limits=httpx.Limits(max_connections=64)) as client:

            async def telegram_resident(user: int, script: list[str]) -> None:
                for text in script:
                    while True:
                        before = tracker.chats[user].turn_ends
                        retried = tracker.chats[user].texts.count(TELEGRAM_RETRY)
                        started = time.perf_counter()
                        api.push_update(api.text_update(user, text))
                        await tracker.wait_turn_end(user, before + 1, TURN_TIMEOUT)
                        latencies["telegram"].append(time.perf_counter() - started)
                        if tracker.chats[user].texts.count(TELEGRAM_RETRY) == retried:
                            break
                        retries["telegram"] += 1  # "try again": the resident sends it again

            async def post(path: str, **request) -> httpx.Response:
                """As a gateway does: a request lost to the network is sent again, the same (same id)."""
                for _ in range(3):
                    try:
                        return await client.post(path, **request)
                    except httpx.TransportError:
                        retries["network"] += 1
                return await client.post(path, **request)

            async def twilio_resident(number: str, script: list[str]) -> None:
                for step, text in enumerate(script):
                    for attempt in range(5):
                        params, headers = twilio_request(text, f"SM{number[1:]}{step:03d}{attempt}", number,
                                                         served.url)
                        started = time.perf_counter()
                        response = await post("/sms/twilio", data=params, headers=headers)
                        latencies["twilio"].append(time.perf_counter() - started)
                        assert response.status_code == 200, response.text
                        messages = twiml_messages(response.text)
                        if not messages and retries["network"]:
                            break  # a redelivery of a message applied before the connection broke
                        assert_sms_turn(messages, f"twilio {number} {text}")
                        if messages != [UNAVAILABLE_SMS]:
                            break
                        retries["twilio"] += 1
                    else:
                        raise AssertionError(f"{number}: still refused after 5 attempts")

            async def android_resident(number: str, script: list[str]) -> None:
                for step, text in enumerate(script):
                    for attempt in range(5):
                        body = android_body(text, f"{number[1:]}-{step}-{attempt}", number)
                        expected = sum(len(batch) for batch in batches[number])
                        started = time.perf_counter()
                        response = await post("/sms/android", content=body, headers=android_headers(body))
                        assert response.status_code == 200, response.text
                        if response.json()["status"] == "duplicate" and retries["network"]:
                            break  # a redelivery of a message applied before the connection broke
                        assert response.json()["status"] == "ok", response.text
                        expected = sum(len(batch) for batch in batches[number])
                        while phone.count_to(number) < expected:  # the reply reached the phone
                            await asyncio.sleep(0.005)
                        latencies["android"].append(time.perf_counter() - started)
                        if batches[number][-1] != [UNAVAILABLE_SMS]:
                            break
                        retries["android"] += 1
                    else:
                        raise AssertionError(f"{number}: still refused after 5 attempts")

            residents = []
            for index in range(TELEGRAM_RESIDENTS):
                residents.append(telegram_resident(8_100_000_000 + index, SCRIPTS[index % len(SCRIPTS)][:MESSAGES]))
            for index in range(SMS_RESIDENTS):
                script = SCRIPTS[index % len(SCRIPTS)][:MESSAGES]
                if index % 2:
                    residents.append(twilio_resident(f"+3361{index:07d}", script))
                else:
                    residents.append(android_resident(f"+3362{index:07d}", script))
            started = time.perf_counter()
            await asyncio.gather(*residents)
            elapsed = time.perf_counter() - started
            assert await channel.outbox.join(timeout=60)
            await asyncio.sleep(0.2)  # the last Telegram turns' typing indicators

    try:
        # Exactly one turn per inbound id, on every channel; no id was applied twice.
        assert turns and all(count == 1 for count in turns.values()), [k for k, c in turns.items() if c != 1][:5]
        by_channel = Counter(channel_name for channel_name, _ in turns)
        refused = retries["telegram"] + retries["twilio"] + retries["android"]
        assert by_channel["telegram"] == TELEGRAM_RESIDENTS * MESSAGES
        assert by_channel["sms"] == SMS_RESIDENTS * MESSAGES
        # Telegram: one question per message (its last reply), nothing refused by the API, no crash.
        for index in range(TELEGRAM_RESIDENTS):
            log = tracker.chats[8_100_000_000 + index]
            assert log.turn_ends == MESSAGES + log.texts.count(TELEGRAM_RETRY), (index, log.turn_ends)
            assert not log.refused and TELEGRAM_SORRY not in log.texts
        # Android: every batch reached the phone, once, in order.
        assert phone.duplicates == 0 and channel.outbox.failed == 0
        for number, sent in batches.items():
            assert len(sent) >= MESSAGES or retries["network"]
            assert phone.texts_to(number) == [text for batch in sent for text in batch]
        assert not api.internal_errors
    finally:
        runtime.database.dispose()
    messages = (TELEGRAM_RESIDENTS + SMS_RESIDENTS) * MESSAGES + refused
    telegram_replies = sum(log.calls for log in tracker.chats.values())
    sms_replies = sum(len(m) for m in batches.values()) + sum(1 for _ in latencies["twilio"])
    with capsys.disabled():
        print(f"\n[load] {TELEGRAM_RESIDENTS} Telegram + {SMS_RESIDENTS} SMS residents x {MESSAGES} messages: "
              f"{messages} messages in {elapsed:.1f} s = {messages / elapsed:.0f} turns/s; "
              f"{telegram_replies} Telegram messages + {sms_replies} SMS replies = "
              f"{(telegram_replies + sms_replies) / elapsed:.0f} replies/s"
              f"; resent: {dict(retries)} (told to try again, or connection lost)")
        for name in ("telegram", "twilio", "android"):
            print(f"[load] {summary(name, latencies[name])}")
