"""A slow and unreliable Android SMS gateway under traffic: the webhook keeps answering, and every reply
reaches the phone exactly once, in order per resident.

The phone's API (a fake on uvicorn) takes up to 0.5 s per call, answers 500 to one call in four, and is
slower than the outbox's timeout (0.3 s) now and then: such a call is refused by the client but was
accepted by the phone, so the retry, carrying the same SMS id, gets 409 (the app's "already have it")
and must count as sent, never as a second SMS. Twenty-four residents text at once. Checked: every webhook call
is answered 200 (the turn never waits for the phone), every batch of replies reaches the phone whole, in
order, once; nothing is left queued. Printed: how long the webhooks took while the phone was slow.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections import defaultdict

import httpx
import pytest

from bot.channels.sms.android_gateway import Outbox
from bot.channels.sms.web import sms_channel_of
from bot.runtime import build_runtime
from bot.web import create_app
from tests.hostile.harness import (
    GATEWAY_PASSWORD,
    GATEWAY_USER,
    FakeAndroidGateway,
    Served,
    android_body,
    android_headers,
    assert_sms_turn,
    sms_settings,
)

pytestmark = pytest.mark.slow

RESIDENTS = 24
SCRIPT = ["bonjour", "manger", "34"]


class SlowPhone(FakeAndroidGateway):
    """Delays drawn at random (seeded), some longer than the client's timeout."""

    def __init__(self) -> None:
        super().__init__()
        self.rng = random.Random(7)
        self.fail_every = 4

    async def message(self, request):  # type: ignore[no-untyped-def]
        self.delay = self.rng.choice([0.0, 0.02, 0.1, 0.2, 0.5])
        return await super().message(request)


async def test_a_slow_failing_phone_gets_every_reply_exactly_once_in_order(tmp_path, monkeypatch, catalogue):
    monkeypatch.setattr("bot.runtime.load_catalogue", lambda *args, **kwargs: catalogue)
    phone = SlowPhone()
    async with Served(phone.app) as phone_server:
        runtime = build_runtime(sms_settings(tmp_path, phone_server.url))
        app = create_app(runtime)
        channel = sms_channel_of(app)
        channel.use_outbox(url=phone_server.url, user=GATEWAY_USER, password=GATEWAY_PASSWORD, base_delay=0.05, max_delay=0.3,
                                timeout=0.3, max_attempts=20, concurrency=8)
        batches: dict[str, list[list[str]]] = defaultdict(list)
        queue_sms = channel.outbox.queued

        def recorded_send(recipient: str, texts: list[str]) -> None:
            batches[recipient].append(list(texts))
            queue_sms(recipient, texts)

        channel.outbox.queued = recorded_send
        webhook_seconds: list[float] = []
        try:
            async with Served(app) as served, httpx.AsyncClient(base_url=served.url, timeout=60) as client:

                async def resident(index: int) -> None:
                    number = f"+3367{index:07d}"
                    for step, text in enumerate(SCRIPT):
                        body = android_body(text, f"slow-{index}-{step}", number)
                        started = time.perf_counter()
                        response = await client.post("/sms/android", content=body, headers=android_headers(body))
                        webhook_seconds.append(time.perf_counter() - started)
                        assert response.status_code == 200 and response.json() == {"status": "ok"}
                        await asyncio.sleep(0.05)  # the person reads and answers (replies may still be queued)

                await asyncio.gather(*(resident(index) for index in range(RESIDENTS)))
                assert await channel.outbox.join(timeout=120), f"{channel.outbox.pending} SMS still queued"
            attempts = len(phone.calls)
            assert channel.outbox.failed == 0 and channel.outbox.pending == 0
            assert len(batches) == RESIDENTS
            for number, sent in batches.items():
                assert len(sent) == len(SCRIPT)
                for batch in sent:
                    assert_sms_turn(batch, number)
                # Whole, once, in order: retries (500, timeouts answered 409) never sent anything twice.
                assert phone.texts_to(number) == [text for batch in sent for text in batch], number
            assert phone.duplicates > 0, "no retry of an SMS the phone already had: the 409 path was not tested"
            assert attempts > len(phone.accepted)
        finally:
            runtime.database.dispose()
    print(f"\n[slow phone] {len(phone.accepted)} SMS delivered in {attempts} attempts "
          f"({phone.duplicates} answered 409: already there); webhook p50 "
          f"{statistics.median(webhook_seconds) * 1000:.0f} ms, max {max(webhook_seconds) * 1000:.0f} ms")
