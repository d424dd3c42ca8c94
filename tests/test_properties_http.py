"""Properties of the HTTP endpoints: whatever the body and the headers, never a 5xx.

Requests are built by Hypothesis and given to the ASGI app directly (a hand-made ASGI call: any header
bytes, any body, split into any chunks), which is harsher than a real server (uvicorn's parser refuses
malformed requests before the app sees them). The app is the production one (bot.web.create_app) with
both SMS gateways, the desk, and the Telegram webhook with its Application running against FakeBotApi.

* /sms/twilio and /sms/android: random bodies and headers, and also correctly signed requests carrying
  random fields (so the turn really runs: any sender, any text, any message id);
* /telegram/webhook: random bodies, and random JSON updates sent with the right secret;
* /desk/*: random forms, signed in with a valid CSRF token or not, on every route;
* a last test sends random requests over real HTTP (uvicorn) as a cross-check.

A 503 from the Telegram webhook while the bot is stopped is the documented "retry later": the bot runs
for all these tests, so any 5xx is a failure. The bugs these properties found are regression tests at
the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.sms.web import sms_channel_of
from bot.channels.telegram import WEBHOOK_PATH, build_application, running_telegram, webhook_routes
from bot.config import Secret
from bot.runtime import build_runtime
from bot.web import create_app
from tests.fakes.bot_api import FakeBotApi
from tests.hostile.harness import ANDROID_KEY, PUBLIC_URL, Served, sms_settings, twilio_signature

WEBHOOK_SECRET = "hostile_Webhook-secret"
HTTP = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
DESK_ROUTES = ("/desk", "/desk/", "/desk/signin", "/desk/signout", "/desk/case", "/desk/case/update", "/desk/print",
               "/desk/pickup", "/desk/clear", "/desk/static/desk.css", "/desk/static/../../etc/passwd", "/",
               "/desk/static/%2e%2e/web.py")


# ----------------------------------------------------------------------------------- the app


class App:
    """The production app with every channel, in its own event loop kept for the whole module."""

    def __init__(self, data_dir: Path, catalogue: Any) -> None:
        import bot.runtime

        self.loop = asyncio.new_event_loop()
        self.api = FakeBotApi()
        self.loop.run_until_complete(self.api.start())
        original = bot.runtime.load_catalogue
        bot.runtime.load_catalogue = lambda *args, **kwargs: catalogue
        try:
            settings_ = sms_settings(data_dir, telegram_token=Secret(self.api.token),
                                     telegram_api_url=self.api.base_url,
                                     telegram_webhook_secret=Secret(WEBHOOK_SECRET))
            self.runtime = build_runtime(settings_)
        finally:
            bot.runtime.load_catalogue = original
        self.application = build_application(self.runtime)
        self.app = create_app(self.runtime, routes=webhook_routes(self.runtime, self.application))
        self.sent_sms: list[tuple[str, list[str]]] = []
        channel = sms_channel_of(self.app)
        channel.outbox.send = lambda recipient, texts: self.sent_sms.append((recipient, texts))  # no network
        self.telegram = running_telegram(self.runtime, self.application)
        self.loop.run_until_complete(self.telegram.__aenter__())
        self.cookie, self.csrf = self.run(self._sign_in())

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)

    async def sign_in_again(self) -> tuple[str, str]:
        from bot.channels.desk.accounts import reset_password

        self.password = await asyncio.to_thread(reset_password, self.runtime.database, "fuzz")
        return await self._sign_in(new_account=False)

    async def _sign_in(self, new_account: bool = True) -> tuple[str, str]:
        import re

        from bot.channels.desk.accounts import add_counsellor

        if new_account:
            self.password = await asyncio.to_thread(add_counsellor, self.runtime.database, "fuzz")
        password = self.password
        # Each sign-in from its own address: the desk throttles sign-ins per client, and this is not about that.
        self.sign_ins = getattr(self, "sign_ins", 0) + 1
        transport = httpx.ASGITransport(app=self.app, client=(f"10.1.{self.sign_ins // 250}.{self.sign_ins % 250 + 1}", 123))
        # https: the session cookie is Secure (the public URL is https).
        async with httpx.AsyncClient(transport=transport, base_url="https://desk.test") as client:
            page = await client.get("/desk/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
            response = await client.post("/desk/signin", data={"csrf": csrf, "name": "fuzz", "password": password})
            assert response.status_code == 303
            cookie = response.headers["set-cookie"].split(";", 1)[0]
            page = await client.get("/desk", headers={"cookie": cookie})
            return cookie, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)

    def close(self) -> None:
        self.run(self.telegram.__aexit__(None, None, None))
        self.run(self.api.stop())
        self.runtime.database.dispose()
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()

        async def drain() -> None:
            await asyncio.gather(*pending, return_exceptions=True)

        self.run(drain())
        self.loop.close()


@pytest.fixture(scope="module")
def app(tmp_path_factory, catalogue):
    served = App(tmp_path_factory.mktemp("http-properties"), catalogue)
    yield served
    served.close()


async def asgi_call(app: Any, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes],
                    query: bytes = b"") -> int:
    """One request given to the ASGI app as a server would; the status it answers (500 if it raised)."""
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode("utf-8", "surrogateescape"),
             "query_string": query, "root_path": "", "headers": headers, "client": ("127.0.0.1", 40000),
             "server": ("127.0.0.1", 8080), "state": {}}
    pending = list(chunks) or [b""]
    status: list[int] = []

    async def receive() -> dict:
        if pending:
            chunk = pending.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(pending)}
        await asyncio.sleep(0)
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    try:
        await asyncio.wait_for(app(scope, receive, send), 30)
    except Exception:
        return 500
    return status[0] if status else 500


# ------------------------------------------------------------------------------ strategies

header_names = st.sampled_from([b"content-type", b"content-length", b"x-twilio-signature", b"x-signature",
                                b"x-timestamp", b"x-telegram-bot-api-secret-token", b"cookie", b"host",
                                b"transfer-encoding", b"x-forwarded-for", b"accept", b"origin", b"referer"])
header_values = st.one_of(
    st.binary(max_size=60).map(lambda raw: bytes(b for b in raw if b not in b"\r\n\x00")),
    st.sampled_from([b"\xb2", b"1" * 5000, b"+12", b"12 ", b"\xd9\xa3", b"1e3", b"-0"]),  # Content-Length junk
    st.sampled_from([b"application/json", b"application/x-www-form-urlencoded", b"text/plain",
                     b"multipart/form-data; boundary=x", b"application/json; charset=utf-8", b"", b"0", b"-1",
                     b"99999999999", b"12", WEBHOOK_SECRET.encode(), b"aiguillage_desk=x", b"chunked"]),
    st.integers(0, 10**12).map(lambda n: str(n).encode()),
)
headers = st.lists(st.tuples(header_names, header_values), max_size=8)
bodies = st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(lambda t: t.encode("utf-8")),
                   st.just(b"{}"), st.just(b'{"event": "sms:received", "payload": {}}'),
                   st.just(b"From=%2B33612345678&Body=x&MessageSid=SM1"),
                   st.just(b'{"update_id": 1, "message": {"message_id": 1, "date": 1, '
                           b'"chat": {"id": 1, "type": "private"}, "text": "x"}}'))


def chunked(body: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(body) + 1) for c in cuts})
    pieces, start = [], 0
    for point in points:
        pieces.append(body[start:point])
        start = point
    pieces.append(body[start:])
    return pieces


# ----------------------------------------------------------------------------------- tests


@HTTP
@given(path=st.sampled_from(["/sms/twilio", "/sms/android", WEBHOOK_PATH, *DESK_ROUTES, "/healthcheck", "/nope"]),
       method=st.sampled_from(["POST", "GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"]),
       pairs=headers, body=bodies, cuts=st.lists(st.integers(0, 4000), max_size=3),
       query=st.binary(max_size=40))
def test_random_requests_never_get_a_5xx(app, path, method, pairs, body, cuts, query):
    status = app.run(asgi_call(app.app, method, path, pairs, chunked(body, cuts), query))
    assert status < 500, (method, path, pairs, body[:200])


sms_text = st.text(max_size=300)
senders = st.one_of(st.from_regex(r"\+33[67][0-9]{8}", fullmatch=True), st.text(max_size=20),
                    st.sampled_from(["+33612345678", "0612345678", "INFO", "", "+", "00336123456789012345678"]))
message_ids = st.one_of(st.text(min_size=1, max_size=70), st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True))


@HTTP
@given(sender=senders, text=sms_text, sid=message_ids,
       extra=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=5))
def test_signed_twilio_requests_with_any_fields_never_get_a_5xx(app, sender, text, sid, extra):
    params = {**extra, "From": sender, "Body": text, "MessageSid": sid}
    body = urlencode(params).encode()
    signature = twilio_signature(PUBLIC_URL + "/sms/twilio", params)
    pairs = [(b"content-type", b"application/x-www-form-urlencoded"), (b"x-twilio-signature", signature.encode())]
    status = app.run(asgi_call(app.app, "POST", "/sms/twilio", pairs, [body]))
    assert status in (200, 400), (status, params)


json_scalars = st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=30) | \
    st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=10)


@HTTP
@given(event=st.one_of(st.just("sms:received"), st.text(max_size=15)), message_id=json_values, sender=json_values,
       text=json_values, extra=st.dictionaries(st.text(max_size=10), json_values, max_size=3))
def test_signed_android_events_with_any_fields_never_get_a_5xx(app, event, message_id, sender, text, extra):
    document = {**extra, "event": event, "payload": {"messageId": message_id, "sender": sender, "message": text}}
    body = json.dumps(document).encode()
    stamp = str(int(time.time()))
    signature = hmac.new(ANDROID_KEY.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    pairs = [(b"content-type", b"application/json"), (b"x-signature", signature.encode()),
             (b"x-timestamp", stamp.encode())]
    status = app.run(asgi_call(app.app, "POST", "/sms/android", pairs, [body]))
    assert status in (200, 400, 403), (status, document)


def _update(draw_message: dict, kind: str) -> dict:
    return {"update_id": 1, kind: draw_message}


plausible_dates = st.one_of(st.integers(0, 2**31), st.text(max_size=5), st.none())
messages = st.fixed_dictionaries(
    {"message_id": st.one_of(st.integers(-5, 10**6), st.text(max_size=5)), "date": plausible_dates,
     "chat": st.fixed_dictionaries({"id": st.integers(-10**13, 10**13),
                                    "type": st.sampled_from(["private", "group", "supergroup", "channel", "x"])}),
     "from": st.fixed_dictionaries({"id": st.integers(1, 10**12), "is_bot": st.booleans(),
                                    "first_name": st.text(max_size=10)})},
    optional={"text": st.text(max_size=100), "entities": json_values, "caption": st.text(max_size=20),
              "location": json_values, "sticker": json_values, "reply_markup": json_values})


@HTTP
@given(update=st.one_of(
    st.builds(_update, messages, st.sampled_from(["message", "edited_message", "channel_post"])),
    st.dictionaries(st.sampled_from(["update_id", "message", "callback_query", "edited_message", "poll", "x"]),
                    json_values, max_size=4)))
def test_updates_with_the_right_secret_never_get_a_5xx(app, update):
    body = json.dumps(update).encode()
    pairs = [(b"content-type", b"application/json"), (b"x-telegram-bot-api-secret-token", WEBHOOK_SECRET.encode())]
    status = app.run(asgi_call(app.app, "POST", WEBHOOK_PATH, pairs, [body]))
    assert status in (200, 400), (status, update)


form_names = st.sampled_from(["age", "couple", "children_ages", "children_ages__none", "work_income", "housing",
                              "rent", "where", "disability_rate__skip", "lang", "first_name", "note", "q",
                              "offered", "pick", "code", "name", "password", "csrf"])


@HTTP
@given(route=st.sampled_from(DESK_ROUTES), fields=st.lists(st.tuples(form_names, st.text(max_size=60)), max_size=12),
       signed_in=st.booleans(), good_csrf=st.booleans(), kind=st.sampled_from(
           [b"application/x-www-form-urlencoded", b"multipart/form-data; boundary=x", b"text/plain", b""]))
def test_desk_forms_never_get_a_5xx(app, route, fields, signed_in, good_csrf, kind):
    if good_csrf:
        fields = [("csrf", app.csrf), *fields]
    body = urlencode(fields).encode()
    pairs = [(b"content-type", kind)] + ([(b"cookie", app.cookie.encode())] if signed_in else [])
    for method in ("POST", "GET"):
        status = app.run(asgi_call(app.app, method, route, pairs, [body]))
        assert status < 500, (method, route, status, fields)
    if route == "/desk/signout" and signed_in and good_csrf:
        app.cookie, app.csrf = app.run(app.sign_in_again())  # signed out: the next examples sign in again


def test_the_property_tests_reached_the_engine_and_the_bot(app):
    """The signed requests above really were turns (not all refused at the door)."""
    from sqlalchemy import func, select

    from bot.storage.models import Conversation

    with app.runtime.database.transaction() as session:
        conversations = session.execute(select(func.count()).select_from(Conversation)).scalar_one()
    assert conversations > 10
    app.run(asyncio.sleep(0.5))  # let queued webhook updates be handled


# ------------------------------------------------------------------------- over real HTTP


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/sms/twilio", "/sms/android", "/desk/case", "/desk/signin", "/healthcheck"]),
       pairs=st.lists(st.tuples(st.sampled_from(["content-type", "x-twilio-signature", "x-signature", "x-timestamp",
                                                 "cookie", "x-telegram-bot-api-secret-token"]),
                                st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                                        max_size=40).map(str.strip)),
                      max_size=5),
       body=st.binary(max_size=3000))
def test_random_requests_over_real_http_never_get_a_5xx(app, path, pairs, body):
    async def go() -> int:
        async with Served(app.app) as served, httpx.AsyncClient(base_url=served.url, timeout=30) as client:
            return (await client.post(path, content=body, headers=pairs)).status_code

    # One server per example is slow; the ASGI tests above do the volume.
    assert app.run(go()) < 500


# ----------------------------------------------------------------------------- bugs found
# Each was found by these properties, then fixed; kept as regressions (docs/hardening.md, "Bugs found").


def test_bug_h_an_update_with_an_impossible_date_is_a_400_not_a_500(app):
    """Was: PTB raised OverflowError for a date beyond time_t, which the webhook did not catch: a 500."""
    update = {"update_id": 1, "message": {"message_id": 1, "date": 10**20, "chat": {"id": 1, "type": "private"}}}
    pairs = [(b"content-type", b"application/json"), (b"x-telegram-bot-api-secret-token", WEBHOOK_SECRET.encode())]
    assert app.run(asgi_call(app.app, "POST", WEBHOOK_PATH, pairs, [json.dumps(update).encode()])) == 400


@pytest.mark.parametrize("path", ["/sms/twilio", "/sms/android", "/desk/case"])
@pytest.mark.parametrize("length", [b"\xb2", b"1" * 5000])
def test_bug_i_a_content_length_int_cannot_read_is_a_400_not_a_500(app, path, length):
    """Was: str.isdigit() accepts '²' and 5000 digits, then int() raised ValueError: a 500 (behind a server
    whose parser lets such a header through; uvicorn's does not)."""
    if path.startswith("/desk"):
        app.cookie, app.csrf = app.run(app.sign_in_again())  # signed in for sure: the desk reads the body then
    pairs = [(b"content-length", length), (b"content-type", b"application/x-www-form-urlencoded"),
             (b"x-twilio-signature", b"x"), (b"x-signature", b"x"), (b"x-timestamp", str(int(time.time())).encode()),
             (b"cookie", app.cookie.encode())]
    assert app.run(asgi_call(app.app, "POST", path, pairs, [b"x"])) < 500
