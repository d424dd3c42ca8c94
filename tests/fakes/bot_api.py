"""A fake Telegram Bot API on 127.0.0.1, sized to what Aiguillage uses, spoken to over real HTTP by the
real python-telegram-bot (pointed at it by `base_url`).

    async with FakeBotApi() as api:
        application = Application.builder().token(api.token).base_url(api.base_url).build()
        ...
        api.push_update(api.text_update(42, "bonjour"))
        await api.wait_for(lambda api: api.sent_texts(42))

In the spirit of opsdroid's ExternalAPIMockServer: a table of routes (one per Bot API method the bot
calls), every call recorded (`calls`, `count`, `sent_messages`), answers canned (`stub`) or scripted
(`fail_next`, `rate_limit_next`, `disconnect_next`, `delay_next`, `forbid_chat`, `intercept`). The app is
plain ASGI on uvicorn (tests/helpers/asgi.py). The methods check the rules of Telegram that a bot breaks
(text length, empty text, callback_data size, one answer per button press, "message is not modified",
getUpdates while a webhook is set, two pollers), with Telegram's wording, so a bot bug fails a test.
The bot sends plain text only: a `parse_mode` is refused. A method not listed answers 404 naming `stub`.

PTB sends form-encoded parameters, strings raw and everything else JSON-encoded: hence STRING_PARAMS.
`python -m tests.fakes.bot_api` serves it alone (for bench/), with two control routes: POST /fake/updates
(a JSON list of updates to queue) and GET /fake/count?method=sendMessage&ok=1 (answered calls, and
the time.monotonic() of the last).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import inspect
import json
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from tests.fakes.updates import UpdateBuilders
from tests.helpers.asgi import Served

__all__ = ["ApiError", "Call", "DEFAULT_TOKEN", "Disconnect", "FakeBotApi"]

DEFAULT_TOKEN = "7000000001:AAFake-token-for-Aiguillage-tests_0123"
MAX_TEXT_LENGTH = 4096  # characters, as Telegram counts them (4096 emoji are accepted)
MAX_CALLBACK_DATA_BYTES = 64
MAX_LONG_POLL_SECONDS = 50.0
STRING_PARAMS = frozenset({"text", "title", "address", "action", "callback_query_id", "url", "secret_token",
                           "language_code", "parse_mode", "description", "google_place_id"})
CHAT_ACTIONS = frozenset({"typing", "find_location", "upload_document", "upload_photo"})
_PATH = re.compile(r"/bot([^/]+)/([A-Za-z]+)/?")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply markup are exactly "
                 "the same as a current content and reply markup of the message")
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Set in the request whose connection the fake drops on purpose: uvicorn then logs an error that is no error.
_DROPPING = contextvars.ContextVar("fake_bot_api_dropping", default=False)
logging.getLogger("uvicorn.error").addFilter(lambda record: not _DROPPING.get())


class ApiError(Exception):
    """An error answer: raised by a method, a script or an `intercept` function."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        return body | ({"parameters": self.parameters} if self.parameters else {})


class Disconnect(Exception):
    """Raised by a script or an `intercept` function: the connection is closed without an answer."""


def bad_request(description: str) -> ApiError:
    return ApiError(400, description if description.startswith("Bad Request") else f"Bad Request: {description}")


@dataclass
class Call:
    """One Bot API request as the fake answered it (status None: no answer, the connection closed)."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() on arrival
    status: int | None = None
    response: dict[str, Any] | None = None
    injected: bool = False  # answered by a script rather than by the method

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")


Outcome = ApiError | Disconnect | float  # a float: answer normally after that many seconds


class FakeBotApi(UpdateBuilders):
    def __init__(self, token: str = DEFAULT_TOKEN, bot_username: str = "aiguillage_test_bot", port: int = 0) -> None:
        self.port = port  # 0: a free one; a test that points a bot at the API before it is up gives one
        super().__init__({"id": int(token.split(":")[0]), "is_bot": True, "first_name": "Aiguillage",
                          "username": bot_username})
        self.token = token
        self._calls: list[Call] = []
        self._by_method: dict[str, list[Call]] = defaultdict(list)
        self._ok: dict[str, int] = defaultdict(int)
        self._waiters: set[asyncio.Future[None]] = set()
        self.internal_errors: list[BaseException] = []  # bugs of the fake itself (answered 500)
        self.in_progress = 0  # requests being answered now, getUpdates aside
        self.most_in_progress = 0
        self._updates: list[dict[str, Any]] = []  # pushed, not yet confirmed by a getUpdates offset
        self._last_update_id = 0
        self._allowed_updates: list[str] = []
        self._polls: dict[asyncio.Future[None], list[str | None]] = {}  # wake-up -> [conflict]
        self._webhook: dict[str, Any] = {}
        self._scripts: dict[str, deque[Outcome]] = defaultdict(deque)
        self._stubs: dict[str, Any] = {}
        self._forbidden: dict[int, str] = {}
        self._interceptors: list[Callable[[str, dict[str, Any]], None]] = []
        self._served: Served | None = None
        self._closing = asyncio.Event()
        self.routes: dict[str, Callable[[dict[str, Any], Any], Any]] = {
            "getMe": lambda params, receive: self.bot_user | {"can_join_groups": True, "supports_inline_queries": False},
            "getUpdates": self._get_updates, "deleteWebhook": self._delete_webhook, "setWebhook": self._set_webhook,
            "setMyCommands": self._set_my_commands, "sendMessage": self._send_message, "sendVenue": self._send_venue,
            "sendChatAction": self._send_chat_action, "answerCallbackQuery": self._answer_callback_query,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
        }
        self._names = {name.lower(): name for name in self.routes}

    # ------------------------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder.base_url: PTB appends the token, then "/" + the method."""
        if self._served is None:
            raise RuntimeError("FakeBotApi is not started: use `async with FakeBotApi() as api:`")
        return f"{self._served.url}/bot"

    @property
    def base_file_url(self) -> str:
        return self.base_url.replace("/bot", "/file/bot")

    async def start(self) -> FakeBotApi:
        self._closing = asyncio.Event()
        self._served = await Served(self, port=self.port, lifespan="off").__aenter__()
        return self

    async def stop(self) -> None:
        """Answer the pending long polls and delayed calls, then close every connection."""
        if self._served is not None:
            self._closing.set()
            for wake in self._polls:
                _wake(wake)
            await self._served.stop(timeout=2.0)
            self._served = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------------------ recording

    def calls(self, method: str | None = None) -> list[Call]:
        """The recorded calls in the order they were answered, of one method or all."""
        return list(self._calls if method is None else self._by_method.get(self._name(method), ()))

    def count(self, method: str | None = None, *, ok_only: bool = False) -> int:
        if method is None:
            return sum(self._ok.values()) if ok_only else len(self._calls)
        name = self._name(method)
        return self._ok.get(name, 0) if ok_only else len(self._by_method.get(name, ()))

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The Messages returned by successful send* calls (to one chat), in order."""
        return [call.result for call in self._calls if call.ok and call.method.startswith("send")
                and isinstance(call.result, dict) and chat_id in (None, call.result["chat"]["id"])]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [message["text"] for message in self.sent_messages(chat_id) if "text" in message]

    @property
    def pending_update_count(self) -> int:
        return len(self._updates)

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook as set (url, secret_token, max_connections); empty when none."""
        return dict(self._webhook)

    async def wait_for(self, condition: int | Callable[[FakeBotApi], Any], timeout: float = 5.0, *,
                       method: str = "sendMessage") -> Any:
        """Wait until `condition(api)` is truthy (returned), or until `condition` calls of `method`
        were answered (they are returned); checked again at every answered call and pushed update."""
        if isinstance(condition, int):
            wanted = condition

            def check(api: FakeBotApi) -> Any:
                return api.count(method) >= wanted and api.calls(method)
            what = f"{wanted} {method} call(s) (got {{}})"
        else:
            check, what = condition, f"condition {getattr(condition, '__name__', condition)!r}{{}}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not (value := check(self)):
            if loop.time() >= deadline:
                recent = ", ".join(f"{c.method}:{c.status}" for c in self._calls[-10:])
                got = self.count(method) if isinstance(condition, int) else ""
                raise TimeoutError(f"FakeBotApi.wait_for: {what.format(got)} not met in {timeout}s; last: [{recent}]")
            waiter = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait([waiter], timeout=deadline - loop.time())
            finally:
                self._waiters.discard(waiter)
        return value

    def _record(self, call: Call) -> None:
        """Every answered call goes through here (tests/hostile/harness.py wraps it to index replies)."""
        self._calls.append(call)
        self._by_method[call.method].append(call)
        self._ok[call.method] += call.ok
        self._notify()

    def _notify(self) -> None:
        for waiter in self._waiters:
            _wake(waiter)

    # ------------------------------------------------------------------------------ scripting

    def script(self, method: str, *outcomes: Outcome) -> None:
        """The next calls of `method` ("*": of any method but getUpdates) get these outcomes, in order."""
        self._scripts[method if method == "*" else self._name(method)].extend(outcomes)

    def fail_next(self, method: str, status: int = 500, count: int = 1, description: str = "Internal Server Error") -> None:
        self.script(method, *[ApiError(status, description)] * count)

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """Telegram's flood control: 429 with parameters.retry_after (PTB raises RetryAfter)."""
        error = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self.script(method, *[error] * count)

    def bad_request_next(self, method: str, description: str = "Bad Request: injected failure", count: int = 1) -> None:
        self.script(method, *[bad_request(description)] * count)

    def disconnect_next(self, method: str, count: int = 1) -> None:
        self.script(method, *[Disconnect()] * count)

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        self.script(method, *[float(seconds)] * count)

    def forbid_chat(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """Every call aimed at `chat_id` answers 403 until allow_chat (the resident blocked the bot)."""
        self._forbidden[chat_id] = description

    def allow_chat(self, chat_id: int) -> None:
        self._forbidden.pop(chat_id, None)

    def stub(self, method: str, result: Any) -> None:
        """Answer `method` with `result`, or `result(params)` when callable (built-in methods too)."""
        self._stubs[method.lower()] = result
        self._names.setdefault(method.lower(), method)

    def intercept(self, function: Callable[[str, dict[str, Any]], None]) -> None:
        """`function(method, params)` sees every call first; raising ApiError or Disconnect answers it."""
        self._interceptors.append(function)

    # ------------------------------------------------------------------------------ updates

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an update_id is given when missing; ids only grow)."""
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        elif update["update_id"] <= self._last_update_id:
            raise ValueError(f"update_id {update['update_id']} pushed after {self._last_update_id}: "
                             "push updates in the order they were built")
        self._last_update_id = update["update_id"]
        self._updates.append(update)
        for wake in self._polls:
            _wake(wake)
        self._notify()
        return update

    def push_updates(self, updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.push_update(update) for update in updates]

    # ------------------------------------------------------------------------------ HTTP

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = unquote(scope["path"])
        if path.startswith("/fake/"):
            status, payload = self._control(path, scope, body)
        else:
            answer = await self._answer(path, scope, body, receive)
            if answer is None:  # the connection is dropped: a response begun, never finished
                _DROPPING.set(True)
                await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]})
                return
            status, payload = answer
        data = json.dumps(payload, ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
        await send({"type": "http.response.body", "body": data})

    async def _answer(self, path: str, scope: dict[str, Any], body: bytes, receive: Any) -> tuple[int, Any] | None:
        match = _PATH.fullmatch(path)
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if match.group(1) != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = self._name(match.group(2))
        call = Call(method, {}, time.monotonic())
        counted = method != "getUpdates"
        self.in_progress += counted
        self.most_in_progress = max(self.most_in_progress, self.in_progress)
        try:
            call.params = _params(scope, body)
            outcome = self._next_outcome(method)
            call.injected = outcome is not None
            if isinstance(outcome, Exception):
                raise outcome
            if outcome is not None:
                await _wait(self._closing, outcome)
            for function in self._interceptors:
                function(method, call.params)
            if call.params.get("chat_id") in self._forbidden:
                raise ApiError(403, self._forbidden[call.params["chat_id"]])
            result = await self._dispatch(method, call.params, receive)
            call.status, call.response = 200, {"ok": True, "result": result}
        except ApiError as error:
            call.status, call.response = error.status, error.payload()
        except Disconnect:
            pass
        except Exception as error:  # a bug of the fake: 500, and kept for the test to see
            logging.getLogger(__name__).exception("FakeBotApi failed on %s", method)
            self.internal_errors.append(error)
            call.status, call.response = 500, {"ok": False, "error_code": 500, "description": f"fake bug {error!r}"}
        finally:
            self.in_progress -= counted
        self._record(call)
        return None if call.status is None else (call.status, call.response)

    def _next_outcome(self, method: str) -> Outcome | None:
        for key in (method, "*"):
            queue = self._scripts.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                return queue.popleft()
        return None

    async def _dispatch(self, method: str, params: dict[str, Any], receive: Any) -> Any:
        if method.lower() in self._stubs:
            result = self._stubs[method.lower()]
            result = result(params) if callable(result) else result
        elif method in self.routes:
            result = self.routes[method](params, receive)
        else:
            raise ApiError(404, f"Not Found: {method} is not modelled by FakeBotApi; use api.stub({method!r}, result)")
        return await result if inspect.isawaitable(result) else result

    def _name(self, method: str) -> str:
        return self._names.get(method.lower(), method)

    def _control(self, path: str, scope: dict[str, Any], body: bytes) -> tuple[int, Any]:
        if path == "/fake/updates":  # built elsewhere: the ids are given here
            updates = [{name: value for name, value in update.items() if name != "update_id"} for update in json.loads(body)]
            return 200, {"pushed": len(self.push_updates(updates))}
        if path == "/fake/count":
            query = dict(parse_qsl(scope.get("query_string", b"").decode()))
            method = query.get("method")
            calls = self._calls if method is None else self._by_method.get(self._name(method), [])
            # time.monotonic() is the machine's: a benchmark in another process reads it as its own.
            return 200, {"count": self.count(method, ok_only=query.get("ok") == "1"),
                         "last": calls[-1].time if calls else None}
        return 404, {"ok": False, "description": "Not Found"}

    # ------------------------------------------------------------------------------ the methods

    async def _get_updates(self, params: dict[str, Any], receive: Any) -> list[dict[str, Any]]:
        if self._webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset") or 0), min(int(params.get("limit") or 100), 100)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])  # kept for the next calls, as Telegram does
        if offset:  # confirms (forgets) every update below it
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        for other in self._polls.values():  # a new poll ends the one still waiting (409)
            other[0] = _POLL_CONFLICT
        for wake in self._polls:
            _wake(wake)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(float(params.get("timeout") or 0), MAX_LONG_POLL_SECONDS)
        gone = asyncio.ensure_future(receive())  # http.disconnect when PTB gives the poll up
        conflict: list[str | None] = [None]
        try:
            while True:
                if conflict[0]:
                    # PTB's stop() drops its poll and polls once more: when that poll's connection is
                    # already closing, it is a normal stop, not a second bot.
                    await asyncio.wait([gone], timeout=0.02)
                    raise Disconnect if gone.done() else ApiError(409, conflict[0])
                allowed = self._allowed_updates
                batch = [update for update in self._updates if not allowed or any(kind in update for kind in allowed)]
                if batch or loop.time() >= deadline or self._closing.is_set():
                    return batch[:limit]
                if gone.done():
                    raise Disconnect
                wake = loop.create_future()
                self._polls[wake] = conflict
                try:
                    await asyncio.wait([wake, gone], timeout=deadline - loop.time(), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    del self._polls[wake]
        finally:
            gone.cancel()

    def _delete_webhook(self, params: dict[str, Any], receive: Any) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {}
        return True

    def _set_webhook(self, params: dict[str, Any], receive: Any) -> bool:
        url, secret = str(params.get("url") or ""), params.get("secret_token")
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._webhook = {"url": url, "secret_token": secret, "max_connections": int(params.get("max_connections") or 40)}
        for wake, conflict in self._polls.items():
            conflict[0] = "Conflict: terminated by setWebhook request"
            _wake(wake)
        return True

    def _set_my_commands(self, params: dict[str, Any], receive: Any) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not _COMMAND.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        if not re.fullmatch(r"([a-z]{2})?", params.get("language_code") or ""):
            raise bad_request("invalid language code specified")
        return True

    def _send_message(self, params: dict[str, Any], receive: Any) -> dict[str, Any]:
        if params.get("parse_mode"):
            raise bad_request("parse_mode is not modelled by FakeBotApi: Aiguillage sends plain text")
        text = str(params.get("text") or "")
        if not text.strip():
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return self._send(params, text=text)

    def _send_venue(self, params: dict[str, Any], receive: Any) -> dict[str, Any]:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad_request("wrong coordinates")
        if not str(params.get("title") or "").strip() or not str(params.get("address") or "").strip():
            raise bad_request("venue title and address must be non-empty")
        location = {"latitude": latitude, "longitude": longitude}
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._send(params, venue=venue, location=location)

    def _send(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        markup = _checked_markup(params.get("reply_markup"))
        # Telegram echoes only inline keyboards in Message.reply_markup.
        inline = markup if markup and markup.get("inline_keyboard") else None
        return self.new_message(self.chat(int(params["chat_id"])), self.bot_user, reply_markup=inline, **content)

    def _send_chat_action(self, params: dict[str, Any], receive: Any) -> bool:
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def _answer_callback_query(self, params: dict[str, Any], receive: Any) -> bool:
        query_id = params.get("callback_query_id")
        if query_id not in self._open_callback_queries:  # one answer per button press
            raise bad_request(_QUERY_INVALID)
        self._open_callback_queries.discard(query_id)
        return True

    def _edit_message_reply_markup(self, params: dict[str, Any], receive: Any) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self._messages.get(key)
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request("message can't be edited")
        markup = _checked_markup(params.get("reply_markup"))
        markup = markup if markup and markup.get("inline_keyboard") else None
        if markup == message.get("reply_markup"):
            raise bad_request(_NOT_MODIFIED)
        edited = {name: value for name, value in message.items() if name != "reply_markup"}
        self._messages[key] = edited | ({"reply_markup": markup} if markup else {}) | {"edit_date": int(time.time())}
        return self._messages[key]


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds`, or less if `event` is set (the fake is stopping)."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), seconds)


def _params(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    headers = dict(scope["headers"])
    if headers.get(b"content-type", b"").startswith(b"application/json"):
        return {name: value for name, value in json.loads(body or b"{}").items()}
    pairs = parse_qsl(scope.get("query_string", b"").decode()) + parse_qsl(body.decode(), keep_blank_values=True)
    return {name: value if name in STRING_PARAMS else _json_or_raw(value) for name, value in pairs}


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _checked_markup(markup: Any) -> dict[str, Any] | None:
    if not markup:
        return None
    if "inline_keyboard" in markup:
        for button in (button for row in markup["inline_keyboard"] for button in row):
            if not isinstance(button.get("text"), str) or len(button) < 2:
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
    elif "keyboard" in markup:
        if not all(isinstance(button, str) or isinstance(button.get("text"), str)
                   for row in markup["keyboard"] for button in row):
            raise bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise bad_request("can't parse reply keyboard markup JSON object")
    return dict(markup)


async def _serve_forever(port: int) -> None:
    import uvicorn

    api = FakeBotApi()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, lifespan="off", log_level="warning",
                                           access_log=False))
    await server.serve()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve FakeBotApi alone (bench/), token " + DEFAULT_TOKEN)
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(_serve_forever(parser.parse_args(argv).port))


if __name__ == "__main__":
    main()
