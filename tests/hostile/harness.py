"""Helpers shared by the hardening tests (test_hostile_*, test_load, test_faults_*): the app on a real
uvicorn server, the SMS gateways' signatures, a fake Android gateway, a Telegram bot against FakeBotApi
with per-chat reply tracking, and a dump of every table for privacy checks.

Signatures are computed here independently of bot/ (Twilio's with its official library when
installed, the Android app's with hmac as its source does).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import socket
import time
import uuid
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text as sql_text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.channels.sms.gsm7 import is_gsm7, segments, septets
from bot.config import Secret, Settings
from bot.runtime import Runtime
from tests.helpers.asgi import Served, ServedInThread

try:
    from twilio.request_validator import RequestValidator
except ImportError:  # pragma: no cover - a test dependency
    RequestValidator = None

TWILIO_TOKEN = "hostile-twilio-token"
ANDROID_KEY = "hostile-android-key"
PUBLIC_URL = "https://aiguillage.example.org"
GATEWAY_USER, GATEWAY_PASSWORD = "sms", "gateway-password"
UNAVAILABLE_SMS = "Service momentanément indisponible. Réessayez dans quelques minutes."
TELEGRAM_RETRY = "Le service est momentanément indisponible. Réessayez dans quelques minutes."
TELEGRAM_SORRY = "Désolé, un problème est survenu. Réessayez dans un instant, s'il vous plaît."
REPLY_METHODS = ("sendMessage", "sendVenue", "sendLocation")


def sms_settings(data_dir: Path, gateway_url: str = "http://127.0.0.1:9", **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(data_dir=data_dir, twilio_auth_token=Secret(TWILIO_TOKEN),
                                  smsgateway_signing_key=Secret(ANDROID_KEY), smsgateway_url=gateway_url,
                                  smsgateway_user=GATEWAY_USER, smsgateway_password=Secret(GATEWAY_PASSWORD),
                                  public_url=PUBLIC_URL)
    values.update(overrides)
    return Settings(**values)


# -- a real HTTP server in the test's event loop -------------------------------------------------------


# One way to serve an app on a free port, for every test (tests/helpers/asgi.py).
ServedApp = ServedInThread


# -- SMS gateways ----------------------------------------------------------------------------------------


def twilio_signature(url: str, params: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    if RequestValidator is not None:
        return RequestValidator(token).compute_signature(url, params)
    data = url + "".join(name + params[name] for name in sorted(params))  # pragma: no cover
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_params(text: str, sid: str, sender: str) -> dict[str, str]:
    return {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+33700000000",
            "Body": text, "NumMedia": "0", "NumSegments": "1", "ApiVersion": "2010-04-01"}


def twilio_request(text: str, sid: str, sender: str, base_url: str = PUBLIC_URL
                   ) -> tuple[dict[str, str], dict[str, str]]:
    """(form fields, headers) of a signed Twilio webhook call. base_url: the public URL, or the server's
    own when no public URL is configured (polling Telegram in the same process)."""
    params = twilio_params(text, sid, sender)
    return params, {"X-Twilio-Signature": twilio_signature(base_url + "/sms/twilio", params)}


def twiml_messages(document: str) -> list[str]:
    root = ElementTree.fromstring(document)
    assert root.tag == "Response"
    return [message.text or "" for message in root.findall("Message")]


def android_body(text: str, message_id: str, sender: str) -> bytes:
    payload = {"messageId": message_id, "sender": sender, "message": text,
               "receivedAt": "2026-11-23T10:00:00.000+01:00", "simNumber": 1}
    return json.dumps({"id": uuid.uuid4().hex, "webhookId": "aiguillage", "event": "sms:received",
                       "deviceId": "device-1", "payload": payload}).encode()


def android_headers(body: bytes, key: str = ANDROID_KEY) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    return {"X-Timestamp": stamp, "X-Signature": signature, "Content-Type": "application/json"}


def assert_sms_turn(messages: list[str], where: str = "") -> None:
    """What one turn may send by SMS: 1 to 3 SMS, each one segment: GSM-7, or UCS-2 for a language
    whose script GSM-7 lacks (issue 16: Arabic, Dari, Pashto, Ukrainian)."""
    assert 1 <= len(messages) <= 3, (len(messages), where)
    for message in messages:
        assert message.strip(), where
        assert not is_gsm7(message) or septets(message) <= 160, (message, where)
        assert segments(message) == 1, (message, where)


class FakeAndroidGateway:
    """The phone's API (POST /message): records what it would send; can be slow or fail."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.accepted: dict[str, dict[str, Any]] = {}  # SMS id -> body, first acceptance
        self.order: list[str] = []  # SMS ids in acceptance order
        self.duplicates = 0  # the same SMS id accepted again (answered 409, as the app does)
        self.delay = delay
        self.fail_every = 0  # answer 500 to every n-th call (0: never)
        self.app = Starlette(routes=[Route("/message", self.message, methods=["POST"])])

    async def message(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.calls.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_every and len(self.calls) % self.fail_every == 0:
            return JSONResponse({"message": "boom"}, status_code=500)
        if body["id"] in self.accepted:
            self.duplicates += 1
            return JSONResponse({"message": "exists"}, status_code=409)
        self.accepted[body["id"]] = body
        self.order.append(body["id"])
        return JSONResponse({"id": body["id"], "state": "Pending"}, status_code=202)

    def texts_to(self, number: str) -> list[str]:
        return [self.accepted[i]["textMessage"]["text"] for i in self.order
                if self.accepted[i]["phoneNumbers"] == [number]]

    def count_to(self, number: str) -> int:
        return sum(1 for i in self.order if self.accepted[i]["phoneNumbers"] == [number])


# -- Telegram ------------------------------------------------------------------------------------------------


@dataclass
class ChatLog:
    """Replies the bot sent to one chat, in order, as recorded by the fake."""

    texts: list[str] = field(default_factory=list)
    calls: int = 0  # successful send* calls
    refused: list[tuple[str, int, str]] = field(default_factory=list)  # (method, status, description)
    turn_ends: int = 0  # messages carrying a keyboard: the last message of a question turn
    waiter: asyncio.Future | None = None
    wanted: int = 0


class TelegramTracker:
    """Wraps FakeBotApi._record to index replies per chat in O(1) and wake waiting residents.

    A turn of the engine that asks something ends with a message carrying buttons (an inline keyboard)
    or the location keyboard, a refused turn with "try again" or "sorry": `wait_turn_end(chat, n)`
    waits until the n-th such message.
    """

    def __init__(self, api: Any) -> None:
        self.api = api
        self.chats: dict[int, ChatLog] = defaultdict(ChatLog)
        original = api._record

        def record(call: Any) -> None:
            original(call)
            self._index(call)

        api._record = record

    def _index(self, call: Any) -> None:
        if call.method not in REPLY_METHODS:
            return
        chat_id = call.params.get("chat_id")
        try:
            chat = int(chat_id)
        except (TypeError, ValueError):
            return
        log = self.chats[chat]
        if not call.ok:
            if call.status is not None:
                description = (call.response or {}).get("description", "")
                log.refused.append((call.method, call.status, description))
            return
        log.calls += 1
        if call.method == "sendMessage":
            log.texts.append(call.params.get("text", ""))
        markup = call.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        keyboard = isinstance(markup, dict) and ("inline_keyboard" in markup or "keyboard" in markup)
        # "Try again" and "sorry" end a turn too: they are all the person gets.
        if keyboard or call.params.get("text") in (TELEGRAM_RETRY, TELEGRAM_SORRY):
            log.turn_ends += 1
            if log.waiter is not None and log.turn_ends >= log.wanted and not log.waiter.done():
                log.waiter.set_result(None)

    async def wait_turn_end(self, chat: int, count: int, timeout: float) -> None:
        log = self.chats[chat]
        if log.turn_ends >= count:
            return
        log.wanted = count
        log.waiter = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(log.waiter, timeout)
        finally:
            log.waiter = None


async def settle_telegram(api: Any, application: Any, timeout: float = 60.0) -> None:
    """Wait until every pushed update was fetched and completely handled (replies sent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while api.pending_update_count:
        if loop.time() > deadline:
            raise TimeoutError(f"{api.pending_update_count} updates not fetched")
        await asyncio.sleep(0.01)
    await asyncio.wait_for(application.update_queue.join(), max(0.01, deadline - loop.time()))
    # update_queue.join() returns when PTB took the update; its handling task may still run.
    while application.update_processor.current_concurrent_updates:
        if loop.time() > deadline:
            raise TimeoutError("updates still being handled")
        await asyncio.sleep(0.01)


def unthrottled_application(runtime: Runtime, max_concurrent_updates: int = 256) -> Any:
    """The production Application (handlers, per-resident order, retries) without Telegram's flood
    limits (30 messages per second): with them a test of hundreds of residents measures the limiter.
    As bench/telegram_bot.py does; build_application is the same with the default limiter."""
    from telegram.ext import Application

    from bot.channels.telegram import TelegramAdapter, configure_builder
    from bot.channels.telegram.pacing import PacedRateLimiter
    from bot.channels.telegram.runner import _file_url, quiet_library_logs

    quiet_library_logs()
    settings = runtime.settings
    builder = (Application.builder().token(settings.telegram_token.value).base_url(settings.telegram_api_url)
               .base_file_url(_file_url(settings.telegram_api_url)))
    limiter = PacedRateLimiter(overall_max_rate=0, group_max_rate=0)
    application = configure_builder(builder, rate_limiter=limiter,
                                    max_concurrent_updates=max_concurrent_updates).build()
    TelegramAdapter(runtime).register(application)
    return application


@contextlib.asynccontextmanager
async def telegram_bot(runtime: Runtime, throttled: bool = False, max_concurrent_updates: int = 256
                       ) -> AsyncIterator[Any]:
    """The bot long-polling FakeBotApi; unthrottled unless asked (see unthrottled_application)."""
    from bot.channels.telegram import running_telegram

    application = None if throttled else unthrottled_application(runtime, max_concurrent_updates)
    async with running_telegram(runtime, application) as handle:
        yield handle


def telegram_settings(data_dir: Path, api: Any, **overrides: Any) -> Settings:
    return Settings(data_dir=data_dir, telegram_token=Secret(api.token), telegram_api_url=api.base_url, **overrides)


# -- storage ---------------------------------------------------------------------------------------------


def dump_tables(runtime: Runtime) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic's included), as stored."""
    engine = runtime.database.engine
    tables = sa_inspect(engine).get_table_names()
    dumped = {}
    with engine.connect() as connection:
        for table in tables:
            dumped[table] = [tuple(row) for row in connection.execute(sql_text(f'SELECT * FROM "{table}"'))]
    return dumped


def stored_text(runtime: Runtime) -> str:
    """Every stored value as one text, for substring checks."""
    return "\n".join(repr(value) + "\n" + (value if isinstance(value, str) else "")
                     for rows in dump_tables(runtime).values() for row in rows for value in row)


def sqlite_bytes(data_dir: Path) -> bytes:
    """The SQLite file and its WAL, as on disk (deleted rows must not linger either)."""
    return b"".join(path.read_bytes() for path in sorted(Path(data_dir).glob("aiguillage.sqlite3*")))


def distinctive(text: str, minimum: int = 12) -> bool:
    """A message long and odd enough that finding it in storage cannot be a coincidence."""
    from bot.dialog.text import clean

    cleaned = clean(text)
    return len(cleaned) >= minimum and len(set(cleaned)) >= 4
