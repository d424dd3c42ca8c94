"""The database unavailable for a few seconds: residents are told to retry, the bot recovers by itself,
and nothing is lost or applied twice.

* SQLite: another connection holds an exclusive lock on the database file for a few seconds (what a
  backup tool or a stuck migration does), until every channel has been refused once. busy_timeout is
  lowered to 1 s for the test (the production 10 s would make the test ten times as slow), so turns
  give up while the lock is held. Telegram
  answers "try again" and marks nothing processed; both SMS gateways answer the unavailable SMS;
  /healthcheck says 503; once the lock is gone the same messages (same ids) are handled normally,
  without a restart.
* PostgreSQL: the bot talks to the test server through a TCP proxy that the test closes (connections
  cut, new ones refused: a server restart or a network cut), then opens again on the same port. Turns
  during the outage are refused with StorageUnavailable; after it, the pool reconnects by itself and
  the gateway's redeliveries (same message ids) are applied exactly once. The machine's PostgreSQL server
  itself is never touched.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.channels.sms.relay import InboundSms, SmsRelay
from bot.channels.sms.web import sms_channel_of
from bot.config import Secret, Settings
from bot.dialog.messages import Incoming
from bot.runtime import build_runtime
from bot.storage import StorageUnavailable, TurnService
from bot.storage.database import SQLITE_FILE, open_database
from bot.web import create_app
from tests.fakes.bot_api import FakeBotApi
from tests.hostile.harness import (
    TELEGRAM_RETRY,
    UNAVAILABLE_SMS,
    FakeAndroidGateway,
    Served,
    TelegramTracker,
    android_body,
    android_headers,
    settle_telegram,
    sms_settings,
    telegram_bot,
    twilio_request,
    twiml_messages,
)

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")]

LOCK_SECONDS = 30.0  # at most: the test releases the lock as soon as every channel has been refused
SHORT_BUSY_TIMEOUT = ("busy_timeout=1000", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                      "secure_delete=ON")


@contextmanager
def sqlite_locked(path: Path, seconds: float):
    """Another connection takes the write lock and keeps it `seconds`; yields once it is held."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        held.set()
        release.wait(seconds)
        connection.execute("ROLLBACK")
        connection.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(30), "could not take the lock"
    try:
        yield release
    finally:
        release.set()
        thread.join(30)


async def test_sqlite_locked_for_seconds_residents_retry_and_the_bot_recovers(tmp_path, monkeypatch, catalogue):
    monkeypatch.setattr("bot.runtime.load_catalogue", lambda *args, **kwargs: catalogue)
    monkeypatch.setattr("bot.storage.database.SQLITE_PRAGMAS", SHORT_BUSY_TIMEOUT)
    phone = FakeAndroidGateway()
    async with FakeBotApi() as api, Served(phone.app) as phone_server:
        tracker = TelegramTracker(api)
        runtime = build_runtime(sms_settings(tmp_path, phone_server.url, telegram_token=Secret(api.token),
                                             telegram_api_url=api.base_url, public_url=""))
        app = create_app(runtime)
        outbox = sms_channel_of(app).outbox
        residents = [8_200_000_000 + n for n in range(5)]
        numbers = [f"+3363{n:07d}" for n in range(5)]
        try:
            async with Served(app) as served, telegram_bot(runtime) as bot, \
                    httpx.AsyncClient(base_url=served.url, timeout=30) as client:

                async def twilio(number: str) -> list[str]:
                    params, headers = twilio_request("bonjour", f"SM{number[1:]}", number, served.url)
                    response = await client.post("/sms/twilio", data=params, headers=headers)
                    assert response.status_code == 200
                    return twiml_messages(response.text)

                async def android(number: str) -> str:
                    body = android_body("bonjour", f"{number}-a", number.replace("+3363", "+3364"))
                    response = await client.post("/sms/android", content=body, headers=android_headers(body))
                    return response.json()["status"]

                async def sms_round(together: bool) -> tuple[list[list[str]], list[str]]:
                    """Every SMS resident once; all at once (they are refused in parallel, the lock period
                    stays short), or one after the other (no turn waits for another)."""
                    if together:
                        replies = await asyncio.gather(*(twilio(n) for n in numbers))
                        statuses = await asyncio.gather(*(android(n) for n in numbers))
                    else:
                        replies = [await twilio(n) for n in numbers]
                        statuses = [await android(n) for n in numbers]
                    assert await outbox.join(timeout=30)
                    return list(replies), list(statuses)

                # 1. The database is locked: everyone is told to retry.
                updates = {}
                with sqlite_locked(tmp_path / SQLITE_FILE, LOCK_SECONDS):
                    # The healthcheck reads outside the write lock: the database is there, only writes wait.
                    assert (await client.get("/healthcheck")).status_code == 200
                    for user in residents:
                        updates[user] = api.push_update(api.text_update(user, "bonjour"))
                    await settle_telegram(api, bot.application, timeout=30)
                    replies, statuses = await sms_round(together=True)
                for user in residents:
                    assert tracker.chats[user].texts == [TELEGRAM_RETRY], tracker.chats[user].texts
                assert all(messages == [UNAVAILABLE_SMS] for messages in replies), replies
                assert statuses == ["ok"] * len(numbers)
                assert all(phone.texts_to(n.replace("+3363", "+3364")) == [UNAVAILABLE_SMS] for n in numbers)
                for user in residents:
                    assert runtime.service.state_of("telegram", str(user)) is None  # nothing stored

                # 2. The lock is gone: no restart, the same messages (same ids) are handled normally.
                assert (await client.get("/healthcheck")).status_code == 200
                for user in residents:
                    again = dict(updates[user])
                    del again["update_id"]  # Telegram does not redeliver: the resident sends it again
                    api.push_update(again)
                    await settle_telegram(api, bot.application, timeout=30)
                replies, statuses = await sms_round(together=False)  # the gateways' redelivery: same ids
                for user in residents:
                    texts = tracker.chats[user].texts
                    assert texts[1].startswith("Bonjour, ici Aiguillage"), texts
                    assert runtime.service.state_of("telegram", str(user))["phase"] == "need"
                assert all(messages and "Aiguillage" in messages[0] for messages in replies), replies
                assert statuses == ["ok"] * len(numbers)  # not "duplicate": nothing was marked before
                # 3. And once more: now they are duplicates, applied once only. Twilio's copy gets the same
                # TwiML again (it may never have received the first); the Android reply is not queued twice.
                sent_before = {n: len(phone.texts_to(n.replace("+3363", "+3364"))) for n in numbers}
                welcome = replies
                replies, statuses = await sms_round(together=False)
                assert replies == welcome and statuses == ["duplicate"] * len(numbers)
                assert all(len(phone.texts_to(n.replace("+3363", "+3364"))) == sent_before[n] for n in numbers)
        finally:
            runtime.database.dispose()


# ------------------------------------------------------------------------------- PostgreSQL


class TcpProxy:
    """A loopback TCP proxy to PostgreSQL that can be cut (connections closed, new ones refused) and
    restored on the same port. Runs in its own thread."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server: asyncio.AbstractServer | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.up()

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, upstream_writer}
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))

    async def _up(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port, reuse_address=True)

    async def _down(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        self.server = None
        for writer in self.writers:
            writer.transport.abort()  # a cut, not a polite close
        self.writers.clear()

    def up(self) -> None:
        self._call(self._up())

    def down(self) -> None:
        self._call(self._down())

    def close(self) -> None:
        if self.server is not None:
            self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_postgresql_cut_then_restored_refuses_then_recovers_exactly_once(tmp_path, postgres_url, catalogue):
    from bot.dialog.engine import Engine

    parsed = make_url(postgres_url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        url = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        database = open_database(url, tmp_path)
        service = TurnService(database, Engine(catalogue), b"pepper-for-the-postgresql-fault-test")
        relay = SmsRelay(service)
        sms = [InboundSms("twilio", f"+3365{n:07d}", text, f"SM{n}-{step}")
               for n in range(4) for step, text in enumerate(["bonjour", "manger", "34"])]
        first, rest = sms[:4], sms[4:]
        for message in first:
            assert not relay.process(message).unavailable

        proxy.down()
        refused = [relay.process(message) for message in rest]
        assert all(outcome.unavailable and outcome.messages == [UNAVAILABLE_SMS] for outcome in refused)
        with pytest.raises(StorageUnavailable):
            service.handle("telegram", "42", "m1", Incoming.from_text("bonjour"))
        time.sleep(1.0)

        proxy.up()  # no restart of anything: the pool reconnects by itself
        delivered = [relay.process(message) for message in rest]  # the gateway's redeliveries, same ids
        assert not any(outcome.unavailable or outcome.duplicate for outcome in delivered)
        assert all(relay.process(message).duplicate for message in sms)  # and never twice

        expected = Engine(catalogue)
        for n in range(4):
            state = None
            for text in ("bonjour", "manger", "34"):
                state = expected.handle(state, Incoming.from_text(text), service._now()).state
            assert service.state_of("sms", f"+3365{n:07d}") == state
        database.dispose()
    finally:
        proxy.close()


def test_the_proxy_really_cuts(tmp_path, postgres_url):
    """The test above proves something only if the cut is a cut: new connections are refused."""
    parsed = make_url(postgres_url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        proxy.down()
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
        proxy.up()
        socket.create_connection(("127.0.0.1", proxy.port), timeout=2).close()
    finally:
        proxy.close()


def test_a_sqlite_file_made_unreadable_is_refused_at_start_not_later(tmp_path):
    """Start-up on a database that cannot be opened stops with StorageUnavailable, never a traceback loop."""
    data = tmp_path / "data"
    data.mkdir()
    (data / SQLITE_FILE).write_bytes(b"this is not a database" * 100)
    with pytest.raises(Exception) as refused:
        build_runtime(Settings(data_dir=data))
    assert isinstance(refused.value, (StorageUnavailable,)) or "database" in str(refused.value).lower()
