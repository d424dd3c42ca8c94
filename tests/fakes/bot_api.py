"""A fake Telegram Bot API server on 127.0.0.1, spoken to over real HTTP by python-telegram-bot.

Usage::

    async with FakeBotApi() as api:
        app = Application.builder().token(api.token).base_url(api.base_url).build()
        ...
        api.push_update(api.text_update(42, "bonjour"))
        await api.wait_for(lambda api: api.sent_texts(42))

Why a plain asyncio HTTP/1.1 server rather than Starlette + uvicorn (both are installed):

* The fake shares the event loop with the bot under test, so every microsecond the server spends
  is taken from the bot in benchmarks. Measured on this machine with httpx as the client, uvicorn
  (pure-Python h11, no httptools here) cost about 0.3 ms more per request than this server, a
  noticeable share of a PTB round trip.
* uvicorn has traps in this setting: handing it a pre-bound socket (the easy way to get a free
  port) left TCP_NODELAY off and fell into Nagle + delayed-ACK stalls (22 requests/s); its
  graceful shutdown waits for pending long polls; it captures SIGINT/SIGTERM of the test process.
* The only client is httpx through PTB: HTTP/1.1, keep-alive, Content-Length bodies, no
  pipelining. A small parser covers that (plus chunked bodies and multipart uploads for
  robustness) and asyncio's transports set TCP_NODELAY on accepted sockets.

What PTB 22 sends (read from telegram/request/_httpxrequest.py and _requestparameter.py): a POST
to ``base_url + token + "/" + method`` whose body is ``application/x-www-form-urlencoded`` (or
``multipart/form-data`` when files are uploaded); string parameters are sent raw, every other
value JSON-encoded ("123", "true", '{"inline_keyboard": ...}'). So, like the real server, the fake
decodes each parameter by its declared type (see ``_STRING_PARAMS``); JSON bodies are accepted too.

The fake enforces the Telegram rules bots most often break (text length, callback_data size,
HTML/MarkdownV2 entity syntax, "message is not modified", double-answered callback queries,
getUpdates while a webhook is set, two concurrent pollers) so tests catch those bugs before
residents do. Error descriptions follow the wording of the real server (tdlib's
MessageEntity.cpp for entity errors) where known.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import html
import inspect
import itertools
import json
import logging
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

__all__ = ["Call", "FakeBotApi", "UploadedFile", "DEFAULT_TOKEN"]

_LOGGER = logging.getLogger(__name__)

DEFAULT_TOKEN = "7000000001:AAFake-token-for-Aiguillage-tests_0123"

# Telegram's limits (https://core.telegram.org/bots/api). The text limit counts Unicode scalar
# values, not UTF-16 code units: a live probe with 4096 astral emoji (8192 UTF-16 units) was
# accepted and 4097 refused (FerroxLabs/wayland#934), so len() is the right measure.
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_COMMANDS = 100
# Telegram holds a long poll for at most 50 s; capping keeps a mistaken huge timeout from hanging a test.
MAX_LONG_POLL_SECONDS = 50.0
# How often a pending long poll checks whether its client went away (httpx closes the connection
# when PTB cancels a poll on stop). Idle-time only, so it costs nothing in benchmarks.
_DISCONNECT_CHECK_SECONDS = 0.05

# Parameters Telegram declares as String: PTB sends them unencoded, so they must never go through
# json.loads ("123" is a valid text, not a number).
_STRING_PARAMS = frozenset(
    {
        "action", "address", "business_connection_id", "callback_query_id", "caption", "description",
        "emoji", "file_id", "first_name", "foursquare_id", "foursquare_type", "google_place_id",
        "google_place_type", "inline_message_id", "ip_address", "language_code", "last_name",
        "message_effect_id", "name", "parse_mode", "phone_number", "question", "secret_token",
        "short_description", "text", "title", "url", "vcard",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)

# Update types Telegram delivers when allowed_updates is empty or never set.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_INLINE_BUTTON_ACTIONS = frozenset(
    {
        "url", "callback_data", "web_app", "login_url", "switch_inline_query",
        "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
        "callback_game", "pay",
    }
)

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PATH_RE = re.compile(r"/bot([^/]+)/([A-Za-z]+)/?")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
_QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)


# --------------------------------------------------------------------------------------------
# Records and errors
# --------------------------------------------------------------------------------------------


@dataclass
class UploadedFile:
    """A file part of a multipart request (kept so tests can check what was uploaded)."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Call:
    """One Bot API request as the fake answered it."""

    method: str
    params: dict[str, Any]
    time: float  # time.monotonic() when the request arrived
    status: int | None = None  # None: the client went away (or was cut off) before an answer
    response: dict[str, Any] | None = None
    injected: bool = False  # answered by fault injection rather than by the method

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")


class _ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad_request(description: str) -> _ApiError:
    return _ApiError(400, description if description.startswith("Bad Request") else f"Bad Request: {description}")


class _EntityError(Exception):
    """A parse_mode syntax error; becomes "Bad Request: can't parse entities: ..."."""


class _ClientGone(Exception):
    """The client closed the connection while its request was pending."""


class _Disconnect(Exception):
    """Injected fault: close the connection without answering."""


@dataclass
class _Fault:
    kind: str  # "error", "disconnect" or "delay"
    remaining: int
    error: _ApiError | None = None
    delay: float = 0.0


@dataclass(eq=False)  # kept in a set, so hashed by identity
class _Poll:
    """A pending getUpdates long poll."""

    wake: asyncio.Future
    conflict: str | None = None


@dataclass
class _Connection:
    writer: asyncio.StreamWriter
    busy: bool = False


# --------------------------------------------------------------------------------------------
# Text formatting: parse_mode validation producing Telegram's plain text + entities
# --------------------------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TextBuilder:
    """Accumulates plain text and tracks the UTF-16 offset that entity offsets are measured in."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0

    def add(self, chars: str) -> None:
        self.parts.append(chars)
        self.offset += _utf16_len(chars) if len(chars) != 1 or ord(chars) > 0xFFFF else 1

    def text(self) -> str:
        return "".join(self.parts)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _entity(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    entity = {"type": kind, "offset": offset, "length": length}
    entity.update({key: value for key, value in extra.items() if value is not None})
    return entity


_HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "tg-spoiler": "spoiler",
    "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HTML_ATTR_RE = re.compile(r"""\s*([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")


def _parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    out = _TextBuilder()
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "&":
            # Only the entities Telegram documents; anything else is a literal "&" (tdlib does the same).
            match = _HTML_ENTITY_RE.match(text, i)
            if match:
                if match.group(3):
                    out.add(html.unescape(match.group(0)))
                else:
                    code = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
                    out.add(chr(code) if 0 < code <= 0x10FFFF else "\ufffd")
                i = match.end()
            else:
                out.add("&")
                i += 1
            continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        close = text.find(">", i)
        if close < 0:
            raise _EntityError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        inner = text[i + 1 : close]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _EntityError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            top = stack.pop()
            if top["tag"] != name:
                raise _EntityError(
                    f'Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "</{top["tag"]}>", '
                    f'found "</{name}>"'
                )
            length = out.offset - top["offset"]
            if top["type"] and length > 0:  # Telegram silently drops empty entities
                entities.append(_entity(top["type"], top["offset"], length, **top["extra"]))
        else:
            match = re.match(r"[A-Za-z][-A-Za-z0-9]*", inner)
            name = match.group(0).lower() if match else ""
            if name not in _HTML_TAGS:
                raise _EntityError(f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, i)}')
            attrs = {
                m.group(1).lower(): html.unescape(next((g for g in m.group(2, 3, 4) if g is not None), ""))
                for m in _HTML_ATTR_RE.finditer(inner, len(name))
            }
            kind: str | None = _HTML_TAGS[name]
            extra: dict[str, Any] = {}
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _EntityError(f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, i)}')
            if name == "a":
                extra["url"] = attrs.get("href") or None
                if not extra["url"]:
                    kind = None  # a link without href is plain text for Telegram
            elif name == "tg-emoji":
                if not attrs.get("emoji-id"):
                    raise _EntityError(f"Custom emoji identifier expected at byte offset {_byte_offset(text, i)}")
                extra["custom_emoji_id"] = attrs["emoji-id"]
            elif name == "blockquote" and "expandable" in attrs:
                kind = "expandable_blockquote"
            elif name == "code" and stack and stack[-1]["tag"] == "pre":
                # <pre><code class="language-x"> is one pre entity carrying the language.
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    stack[-1]["extra"]["language"] = language[len("language-") :]
                kind = None
            stack.append({"tag": name, "type": kind, "offset": out.offset, "extra": extra})
        i = close + 1
    if stack:
        raise _EntityError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return out.text(), entities


_MDV2_SPECIAL = frozenset("_*[]()~`>#+-=|{}.!")
_TD_ENTITY_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl", "custom_emoji": "CustomEmoji",
}


def _reserved(char: str) -> _EntityError:
    return _EntityError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _parse_markdown_v2(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Follows tdlib's parse_markdown_v2: only the innermost open entity can be closed, any other
    special character must be escaped, and unclosed entities fail at the end."""
    out = _TextBuilder()
    stack: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    quote: dict[str, Any] | None = None
    i, n = 0, len(text)
    line_start = True

    def close_quote() -> None:
        nonlocal quote
        if quote is not None:
            length = out.offset - quote["offset"]
            if out.parts and out.parts[-1] == "\n":
                length -= 1  # the line break that ends the quotation is not part of it
            if length > 0:
                entities.append(_entity(quote["type"], quote["offset"], length))
            quote = None

    while i < n:
        char = text[i]
        in_code = bool(stack) and stack[-1]["type"] in ("code", "pre")
        if line_start and not in_code:
            line_start = False
            if text.startswith("**>", i) or char == ">":
                if quote is None:
                    kind = "expandable_blockquote" if char == "*" else "blockquote"
                    quote = {"type": kind, "offset": out.offset}
                i += 3 if char == "*" else 1
                continue
            close_quote()
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        if in_code:
            top = stack[-1]
            if top["type"] == "pre" and text.startswith("```", i):
                stack.pop()
                if out.offset > top["offset"]:
                    entities.append(_entity("pre", top["offset"], out.offset - top["offset"], language=top.get("language")))
                i += 3
            elif top["type"] == "code" and char == "`":
                stack.pop()
                if out.offset > top["offset"]:
                    entities.append(_entity("code", top["offset"], out.offset - top["offset"]))
                i += 1
            else:
                out.add(char)
                i += 1
            continue
        if char == "\n":
            out.add(char)
            line_start = True
            i += 1
            continue
        if quote is not None and quote["type"] == "expandable_blockquote" and text.startswith("||", i) and (
            i + 2 == n or text[i + 2] == "\n"
        ):
            i += 2  # the "||" that ends an expandable block quotation
            continue
        if char not in _MDV2_SPECIAL:
            out.add(char)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < n else ""
        if stack:
            top = stack[-1]
            kind = top["type"]
            ends = {
                "bold": char == "*",
                "italic": char == "_" and nxt != "_",
                "underline": char == "_" and nxt == "_",
                "strikethrough": char == "~",
                "spoiler": char == "|" and nxt == "|",
                "text_link": char == "]",
                "custom_emoji": char == "]",
            }.get(kind, False)
            if ends:
                stack.pop()
                i += 2 if kind in ("underline", "spoiler") else 1
                extra: dict[str, Any] = {}
                if kind in ("text_link", "custom_emoji"):
                    url = None
                    if i < n and text[i] == "(":
                        j, chars = i + 1, []
                        while j < n and text[j] != ")":
                            if text[j] == "\\" and j + 1 < n and 0 < ord(text[j + 1]) <= 126:
                                j += 1
                            chars.append(text[j])
                            j += 1
                        if j >= n:
                            raise _EntityError(f"Can't find end of a URL at byte offset {_byte_offset(text, i)}")
                        url = "".join(chars)
                        i = j + 1
                    if kind == "custom_emoji":
                        match = re.fullmatch(r"tg://emoji\?id=(\d+)", url or "")
                        if not match:
                            raise _EntityError("Custom emoji URL must have an emoji identifier")
                        extra["custom_emoji_id"] = match.group(1)
                    else:
                        # "[text]" without "(url)": Telegram uses the text as URL when it is one.
                        extra["url"] = url or None
                        if not extra["url"]:
                            continue
                length = out.offset - top["offset"]
                if length > 0:
                    entities.append(_entity(kind, top["offset"], length, **extra))
                continue
        start = {"offset": out.offset, "index": i}
        if char == "_":
            start["type"], width = ("underline", 2) if nxt == "_" else ("italic", 1)
        elif char == "*":
            start["type"], width = "bold", 1
        elif char == "~":
            start["type"], width = "strikethrough", 1
        elif char == "|" and nxt == "|":
            start["type"], width = "spoiler", 2
        elif char == "[":
            start["type"], width = "text_link", 1
        elif char == "!" and nxt == "[":
            start["type"], width = "custom_emoji", 2
        elif char == "`":
            if text.startswith("```", i):
                start["type"], width = "pre", 3
                newline = text.find("\n", i + 3)
                language = text[i + 3 : newline] if newline >= 0 else ""
                if newline >= 0 and language and not re.search(r"[\s`\\]", language):
                    start["language"] = language
                    width = newline + 1 - i
            else:
                start["type"], width = "code", 1
        else:
            raise _reserved(char)
        stack.append(start)
        i += width
    close_quote()
    if stack:
        top = stack[-1]
        raise _EntityError(
            f"Can't find end of {_TD_ENTITY_NAMES[top['type']]} entity at byte offset {_byte_offset(text, top['index'])}"
        )
    return out.text(), entities


def _parse_markdown_legacy(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Legacy "Markdown": no nesting; an unclosed *, _, ` or [ is the classic error (often an
    underscore in a username or URL)."""
    out = _TextBuilder()
    entities: list[dict[str, Any]] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        is_pre = text.startswith("```", i)
        end_marker = "```" if is_pre else ("]" if char == "[" else char)
        i += 3 if is_pre else 1
        language = None
        if is_pre:
            newline = text.find("\n", i)
            candidate = text[i:newline] if newline >= 0 else ""
            if newline >= 0 and candidate and not re.search(r"[\s`]", candidate):
                language, i = candidate, newline + 1
        end = text.find(end_marker, i)
        if end < 0:
            raise _EntityError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}")
        offset = out.offset
        out.add(text[i:end])
        i = end + len(end_marker)
        kind = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}[char] if not is_pre else "pre"
        extra: dict[str, Any] = {"language": language}
        if kind == "text_link":
            url = None
            if i < n and text[i] == "(":
                close = text.find(")", i)
                if close >= 0:
                    url, i = text[i + 1 : close], close + 1
            if not url:
                continue
            extra["url"] = url
        if out.offset > offset:
            entities.append(_entity(kind, offset, out.offset - offset, **extra))
    return out.text(), entities


_PARSERS: dict[str, Callable[[str], tuple[str, list[dict[str, Any]]]]] = {
    "html": _parse_html,
    "markdownv2": _parse_markdown_v2,
    "markdown": _parse_markdown_legacy,
}


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """A Telegram Bot API double on 127.0.0.1; see the module docstring.

    Recording: ``calls(method)``, ``count(method, ok_only)``, ``sent_texts(chat_id)``,
    ``sent_messages(chat_id)``, ``wait_for(condition, timeout)``, ``clear_calls()``.
    Updates: ``push_update(update)``/``push_updates(...)`` and the ``*_update`` builders.
    Faults: ``fail_next``, ``rate_limit_next``, ``bad_request_next``, ``disconnect_next``,
    ``delay_next``, ``forbid_chat``/``allow_chat``. Extension: ``stub(method, result)``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_first_name: str = "Aiguillage",
        bot_username: str = "aiguillage_test_bot",
    ) -> None:
        self.token = token
        self.host = host
        self._requested_port = port
        self.port: int | None = None
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 7000000001
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self._get_me = {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        # Recording
        self._calls: list[Call] = []
        self._calls_by_method: dict[str, list[Call]] = defaultdict(list)
        self._ok_counts: dict[str, int] = defaultdict(int)
        self._call_waiters: set[asyncio.Future] = set()
        self.internal_errors: list[BaseException] = []  # bugs of the fake itself, answered with 500

        # Updates and long polls
        self._updates: list[dict[str, Any]] = []  # delivered-or-not, not yet confirmed by an offset
        self._last_pushed_update_id = 0
        self._update_ids = itertools.count(10_001)
        self._allowed_updates: list[str] = []
        self._polls: set[_Poll] = set()

        # Chats, users and messages
        self._users: dict[int, dict[str, Any]] = {}
        self._chats: dict[int, dict[str, Any]] = {}
        self._message_ids: dict[int, int] = defaultdict(int)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._last_bot_message: dict[int, int] = {}
        self._last_user_text: dict[int, int] = {}
        self._callback_ids = itertools.count(4_611_686_018_427_387_904)
        self._open_callback_queries: set[str] = set()

        # Bot settings
        self._webhook: dict[str, Any] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}

        # Faults and stubs
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._forbidden: dict[int, str] = {}
        self._stubs: dict[str, Any] = {}

        # Server state
        self._server: asyncio.AbstractServer | None = None
        self._connections: dict[asyncio.Task, _Connection] = {}
        self._closing = False
        self._closing_future: asyncio.Future | None = None

        self._methods: dict[str, tuple[str, Callable[..., Any]]] = {}
        for name in (
            "getMe", "getUpdates", "sendMessage", "sendVenue", "sendLocation", "answerCallbackQuery",
            "editMessageText", "editMessageReplyMarkup", "deleteMessage", "sendChatAction",
            "setMyCommands", "getMyCommands", "deleteMyCommands", "setWebhook", "deleteWebhook",
            "getWebhookInfo", "close", "logOut", "setMyDescription", "setMyShortDescription",
            "setMyName", "setChatMenuButton",
        ):
            self._methods[name.lower()] = (name, getattr(self, f"_m_{name}"))

    # ----------------------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url``: PTB appends the token, then "/" + method."""
        return f"http://{self.host}:{self._require_port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self._require_port()}/file/bot"

    def _require_port(self) -> int:
        if self.port is None:
            raise RuntimeError("FakeBotApi is not started; use `async with FakeBotApi() as api:`")
        return self.port

    async def start(self) -> FakeBotApi:
        if self._server is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = False
        self._closing_future = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._serve_connection, self.host, self._requested_port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Answer pending long polls, close every connection and the listening socket."""
        if self._server is None:
            return
        self._closing = True
        if self._closing_future and not self._closing_future.done():
            self._closing_future.set_result(None)
        for poll in list(self._polls):
            _wake(poll)
        self._server.close()
        # Idle keep-alive connections sit in readuntil(): closing them makes it return at once.
        # Busy ones finish their answer first (long polls were just woken).
        for connection in list(self._connections.values()):
            if not connection.busy:
                connection.writer.close()
        tasks = list(self._connections)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=2.0)
            for task in pending:
                self._connections[task].writer.close()
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=1.0)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------------------- recording

    def calls(self, method: str | None = None) -> list[Call]:
        """Recorded calls in answer order (``Call.time`` is the arrival time), optionally of one
        method (case-insensitive, as in Telegram)."""
        if method is None:
            return list(self._calls)
        return list(self._calls_by_method.get(self._canonical(method), ()))

    def count(self, method: str | None = None, *, ok_only: bool = False) -> int:
        """How many calls (of ``method``) were answered; O(1), cheap enough for hot predicates."""
        if method is None:
            return sum(self._ok_counts.values()) if ok_only else len(self._calls)
        name = self._canonical(method)
        return self._ok_counts.get(name, 0) if ok_only else len(self._calls_by_method.get(name, ()))

    def sent_texts(self, chat_id: int | str | None = None) -> list[str]:
        """The ``text`` parameter (as sent, markup included) of every successful sendMessage,
        to ``chat_id`` or to any chat."""
        chat = _as_chat_id(chat_id)
        return [
            call.params.get("text", "")
            for call in self._calls_by_method.get("sendMessage", ())
            if call.ok and (chat is None or call.result["chat"]["id"] == chat)
        ]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """The Message objects returned for successful send* calls, in answer order."""
        chat = _as_chat_id(chat_id)
        return [
            call.result
            for call in self._calls
            if call.ok
            and call.method.startswith("send")
            and isinstance(call.result, dict)
            and (chat is None or call.result["chat"]["id"] == chat)
        ]

    def clear_calls(self) -> None:
        self._calls.clear()
        self._calls_by_method.clear()
        self._ok_counts.clear()

    @property
    def pending_update_count(self) -> int:
        """Updates pushed but not yet confirmed by a getUpdates offset."""
        return len(self._updates)

    async def wait_for(
        self,
        condition: int | Callable[[FakeBotApi], Any],
        timeout: float = 5.0,
        *,
        method: str = "sendMessage",
    ) -> Any:
        """Wait until ``condition`` holds, re-checking whenever a call is answered or an update pushed.

        ``condition`` is either a predicate called with this fake (its truthy result is returned),
        or a count: at least that many answered calls of ``method`` (sendMessage by default); the
        calls are returned. Raises TimeoutError with the last calls for diagnosis.
        """
        if isinstance(condition, int):
            wanted = condition

            def check() -> tuple[bool, Any]:
                # count() first: copying the call list on every wake-up would be quadratic in benchmarks.
                if self.count(method) >= wanted:
                    return True, self.calls(method)
                return False, None

            def describe() -> str:
                return f"{wanted} {method} call(s) (got {self.count(method)})"
        else:

            def check() -> tuple[bool, Any]:
                value = condition(self)
                return bool(value), value

            def describe() -> str:
                return f"condition {getattr(condition, '__name__', condition)!r}"

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            done, value = check()
            if done:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = ", ".join(f"{c.method}:{c.status}" for c in self._calls[-10:])
                raise TimeoutError(f"FakeBotApi.wait_for: {describe()} not met within {timeout}s; last calls: [{recent}]")
            waiter = loop.create_future()
            self._call_waiters.add(waiter)
            try:
                await asyncio.wait((waiter,), timeout=remaining)
            finally:
                self._call_waiters.discard(waiter)
                waiter.cancel()

    def _notify(self) -> None:
        for waiter in self._call_waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        self._calls_by_method[call.method].append(call)
        if call.ok:
            self._ok_counts[call.method] += 1
        self._notify()

    # ----------------------------------------------------------------------------- faults

    def fail_next(self, method: str, status: int = 500, count: int = 1, description: str | None = None) -> None:
        """The next ``count`` calls of ``method`` ("*" for any) answer ``status`` (PTB: NetworkError
        for 5xx)."""
        if description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = "Error"
        self._add_fault(method, _Fault("error", count, error=_ApiError(status, description)))

    def rate_limit_next(self, method: str, retry_after: int = 1, count: int = 1) -> None:
        """429 with parameters.retry_after, as Telegram's flood control (PTB raises RetryAfter)."""
        error = _ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._add_fault(method, _Fault("error", count, error=error))

    def bad_request_next(self, method: str, description: str = "Bad Request: injected failure", count: int = 1) -> None:
        """400 with ``description`` ("Bad Request: " is prepended when missing)."""
        self._add_fault(method, _Fault("error", count, error=_bad_request(description)))

    def disconnect_next(self, method: str, count: int = 1) -> None:
        """Close the connection without answering (PTB raises NetworkError)."""
        self._add_fault(method, _Fault("disconnect", count))

    def delay_next(self, method: str, seconds: float, count: int = 1) -> None:
        """Answer normally but only after ``seconds`` (to provoke client timeouts)."""
        self._add_fault(method, _Fault("delay", count, delay=seconds))

    def forbid_chat(self, chat_id: int, description: str = "Forbidden: bot was blocked by the user") -> None:
        """Every call aimed at ``chat_id`` answers 403 until ``allow_chat`` (a resident blocked the bot)."""
        self._forbidden[int(chat_id)] = description

    def allow_chat(self, chat_id: int) -> None:
        self._forbidden.pop(int(chat_id), None)

    def stub(self, method: str, result: Any) -> None:
        """Answer ``method`` with ``result``, or with ``result(params)`` when callable; overrides
        built-in methods too. Lets tests use Bot API methods the fake does not model."""
        self._stubs[method.lower()] = (method, result)

    def _add_fault(self, method: str, fault: _Fault) -> None:
        if fault.remaining < 1:
            raise ValueError("count must be >= 1")
        self._faults["*" if method == "*" else method.lower()].append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method.lower(), "*"):
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                return fault
        return None

    # ----------------------------------------------------------------------------- updates

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates; assigns update_id when missing. Ids must increase,
        as Telegram guarantees; a builder's update pushed out of order is a test bug."""
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        elif update["update_id"] <= self._last_pushed_update_id:
            raise ValueError(
                f"update_id {update['update_id']} pushed after {self._last_pushed_update_id}: push updates in "
                "the order they were built"
            )
        self._last_pushed_update_id = update["update_id"]
        self._updates.append(update)
        for poll in list(self._polls):
            _wake(poll)
        self._notify()
        return update

    def push_updates(self, updates: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.push_update(update) for update in updates]

    def _new_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._update_ids)
        return {"update_id": update_id, kind: payload}

    def user(self, user_id: int, *, language_code: str | None = "fr", first_name: str | None = None,
             username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name or f"Résident {user_id}"}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        self._users[user_id] = user
        return user

    def _chat_for_user(self, user: dict[str, Any], chat_id: int | None, title: str | None = None) -> dict[str, Any]:
        if chat_id is None or chat_id == user["id"]:
            chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                chat["username"] = user["username"]
        else:
            chat = dict(self._chats.get(chat_id) or self._synthesized_chat(chat_id))
            if title:
                chat["title"] = title
        self._chats[chat["id"]] = chat
        return chat

    def _incoming_message(self, user_id: int, chat_id: int | None, language_code: str | None,
                          title: str | None = None, **content: Any) -> dict[str, Any]:
        user = self.user(user_id, language_code=language_code)
        chat = self._chat_for_user(user, chat_id, title)
        message = self._new_message(chat, user, **content)
        if "text" in message:
            self._last_user_text[chat["id"]] = message["message_id"]
        return message

    def text_update(self, user_id: int, text: str, chat_id: int | None = None, language_code: str | None = "fr",
                    entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        message = self._incoming_message(user_id, chat_id, language_code, text=text, entities=entities)
        return self._new_update("message", message)

    def command_update(self, user_id: int, command: str, args: str | Iterable[str] | None = None,
                       chat_id: int | None = None, language_code: str | None = "fr") -> dict[str, Any]:
        """``/command args``, with the bot_command entity PTB's CommandHandler requires."""
        command = command if command.startswith("/") else f"/{command}"
        if args is not None and not isinstance(args, str):
            args = " ".join(args)
        text = f"{command} {args}" if args else command
        entity = _entity("bot_command", 0, _utf16_len(command))
        return self.text_update(user_id, text, chat_id, language_code, entities=[entity])

    def callback_update(self, user_id: int, data: str, message_id: int | None = None, chat_id: int | None = None,
                        language_code: str | None = "fr") -> dict[str, Any]:
        """A button press on ``message_id`` (default: the bot's latest message in the chat)."""
        user = self.user(user_id, language_code=language_code)
        chat = self._chat_for_user(user, chat_id)
        if message_id is None:
            message_id = self._last_bot_message.get(chat["id"])
        message = self._messages.get((chat["id"], message_id)) if message_id is not None else None
        if message is None:
            message = self._new_message(chat, self.bot_user, text="…", message_id=message_id)
        query_id = str(next(self._callback_ids))
        self._open_callback_queries.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(abs(hash((chat["id"], self.bot_user["id"]))) % 10**18),
            "data": data,
        }
        return self._new_update("callback_query", query)

    def location_update(self, user_id: int, latitude: float, longitude: float, chat_id: int | None = None,
                        language_code: str | None = "fr", horizontal_accuracy: float | None = None) -> dict[str, Any]:
        location = {"latitude": latitude, "longitude": longitude}
        if horizontal_accuracy is not None:
            location["horizontal_accuracy"] = horizontal_accuracy
        return self._new_update("message", self._incoming_message(user_id, chat_id, language_code, location=location))

    def sticker_update(self, user_id: int, emoji: str = "👍", chat_id: int | None = None,
                       language_code: str | None = "fr") -> dict[str, Any]:
        sticker = {
            **self._file("sticker"), "type": "regular", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "emoji": emoji,
        }
        return self._new_update("message", self._incoming_message(user_id, chat_id, language_code, sticker=sticker))

    def photo_update(self, user_id: int, caption: str | None = None, chat_id: int | None = None,
                     language_code: str | None = "fr") -> dict[str, Any]:
        photo = [
            {**self._file("photo-s"), "width": 90, "height": 67, "file_size": 1_400},
            {**self._file("photo-m"), "width": 1280, "height": 960, "file_size": 98_000},
        ]
        message = self._incoming_message(user_id, chat_id, language_code, photo=photo, caption=caption)
        return self._new_update("message", message)

    def voice_update(self, user_id: int, duration: int = 3, chat_id: int | None = None,
                     language_code: str | None = "fr") -> dict[str, Any]:
        voice = {**self._file("voice"), "duration": duration, "mime_type": "audio/ogg", "file_size": 9_000 * duration}
        return self._new_update("message", self._incoming_message(user_id, chat_id, language_code, voice=voice))

    def document_update(self, user_id: int, file_name: str = "attestation.pdf", mime_type: str = "application/pdf",
                        caption: str | None = None, chat_id: int | None = None,
                        language_code: str | None = "fr") -> dict[str, Any]:
        document = {**self._file("document"), "file_name": file_name, "mime_type": mime_type, "file_size": 52_000}
        message = self._incoming_message(user_id, chat_id, language_code, document=document, caption=caption)
        return self._new_update("message", message)

    def edited_message_update(self, user_id: int, text: str, message_id: int | None = None,
                              chat_id: int | None = None, language_code: str | None = "fr") -> dict[str, Any]:
        """An edit of the user's message ``message_id`` (default: their latest text in the chat)."""
        user = self.user(user_id, language_code=language_code)
        chat = self._chat_for_user(user, chat_id)
        if message_id is None:
            message_id = self._last_user_text.get(chat["id"])
        original = self._messages.get((chat["id"], message_id)) if message_id is not None else None
        if original is None:
            original = self._new_message(chat, user, text=text)
        edited = {key: value for key, value in original.items() if key not in ("text", "entities")}
        edited.update(text=text, edit_date=int(time.time()))
        self._messages[(chat["id"], edited["message_id"])] = edited
        return self._new_update("edited_message", edited)

    def group_message_update(self, user_id: int, text: str, chat_id: int = -1001234567890, title: str = "Entraide Nantes",
                             language_code: str | None = "fr") -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        message = self._incoming_message(user_id, chat_id, language_code, title=title, text=text)
        return self._new_update("message", message)

    def _file(self, kind: str) -> dict[str, str]:
        serial = next(self._callback_ids)
        return {"file_id": f"fake-{kind}-{serial}", "file_unique_id": f"u{serial:x}"}

    # ----------------------------------------------------------------------------- messages

    def _synthesized_chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id > 0:
            user = self._users.get(chat_id)
            return {"id": chat_id, "type": "private", "first_name": user["first_name"] if user else f"Résident {chat_id}"}
        if chat_id <= -1_000_000_000_000:
            return {"id": chat_id, "type": "supergroup", "title": "Groupe"}
        return {"id": chat_id, "type": "group", "title": "Groupe"}

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise _bad_request("chat_id is empty")
        chat_id = _as_chat_id(raw)
        if isinstance(chat_id, str):
            for chat in self._chats.values():
                if chat.get("username") and f"@{chat['username']}".lower() == chat_id.lower():
                    chat_id = chat["id"]
                    break
            else:
                raise _bad_request("chat not found")
        if chat_id in self._forbidden:
            raise _ApiError(403, self._forbidden[chat_id])
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = self._synthesized_chat(chat_id)
        return chat

    def _new_message(self, chat: dict[str, Any], sender: dict[str, Any], message_id: int | None = None,
                     **content: Any) -> dict[str, Any]:
        # One counter per chat shared by both sides, as in Telegram private chats.
        if message_id is None:
            self._message_ids[chat["id"]] += 1
            message_id = self._message_ids[chat["id"]]
        else:
            self._message_ids[chat["id"]] = max(self._message_ids[chat["id"]], message_id)
        message: dict[str, Any] = {"message_id": message_id, "from": sender, "chat": chat, "date": int(time.time())}
        message.update({key: value for key, value in content.items() if value is not None and value != []})
        self._messages[(chat["id"], message_id)] = message
        if sender is self.bot_user:
            self._last_bot_message[chat["id"]] = message_id
        return message

    def _send(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        chat = self._chat(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        reply_to = self._reply_to(chat, params)
        return self._new_message(
            chat,
            self.bot_user,
            reply_to_message=reply_to,
            # Message.reply_markup is an InlineKeyboardMarkup: Telegram never echoes reply keyboards,
            # and echoing one would make PTB fail to parse the Message.
            reply_markup=markup if markup and "inline_keyboard" in markup else None,
            **content,
        )

    def _reply_to(self, chat: dict[str, Any], params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = _json_or_raw(reply)
        if not isinstance(reply, dict) and params.get("reply_to_message_id") is not None:
            reply = {"message_id": params["reply_to_message_id"]}
        if not isinstance(reply, dict) or reply.get("message_id") is None:
            return None
        target_chat = _as_chat_id(reply.get("chat_id", chat["id"]))
        original = self._messages.get((target_chat, int(reply["message_id"])))
        if original is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise _bad_request("message to be replied not found")
        return {key: value for key, value in original.items() if key != "reply_to_message"}

    def _formatted_text(self, params: dict[str, Any], key: str = "text") -> tuple[str, list[dict[str, Any]]]:
        text = params.get(key)
        if text is None:
            text = ""
        text = str(text)
        parse_mode = params.get("parse_mode")
        if parse_mode:
            parser = _PARSERS.get(str(parse_mode).lower())
            if parser is None:
                raise _bad_request(f"unsupported parse_mode {parse_mode}")
            try:
                plain, entities = parser(text)
            except _EntityError as exc:
                raise _bad_request(f"can't parse entities: {exc}") from None
        else:
            plain, entities = text, params.get("entities") or []
        if not plain.strip():
            raise _bad_request("message text is empty")
        if len(plain) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        return plain, sorted(entities, key=lambda e: (e["offset"], -e["length"]))

    def _stored_bot_message(self, params: dict[str, Any], action: str) -> dict[str, Any]:
        chat = self._chat(params)
        if params.get("message_id") is None:
            raise _bad_request("message identifier is not specified")
        message = self._messages.get((chat["id"], int(params["message_id"])))
        if message is None:
            raise _bad_request(f"message to {action} not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise _bad_request(f"message can't be {action}ed" if action == "edit" else f"message can't be {action}d")
        return message

    # ----------------------------------------------------------------------------- methods

    def _m_getMe(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return self._get_me

    async def _m_getUpdates(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if self._webhook.get("url"):
            raise _ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = min(max(float(params.get("timeout") or 0), 0.0), MAX_LONG_POLL_SECONDS)
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])  # persists, as in Telegram
        # Confirming: updates below the offset are forgotten; a negative offset keeps the last -offset.
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        # A new poll terminates the one still waiting (Telegram answers it 409).
        for other in list(self._polls):
            other.conflict = _POLL_CONFLICT
            _wake(other)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        poll = _Poll(wake=loop.create_future())
        self._polls.add(poll)
        try:
            while True:
                if poll.conflict:
                    # PTB's stop() cancels its poll (httpx closes the connection) and then polls once
                    # more; give that FIN a moment to arrive so a normal stop is not recorded as a
                    # Conflict. A live second poller still gets its 409.
                    await asyncio.sleep(0.02)
                    if reader.at_eof() or reader.exception() is not None:
                        raise _ClientGone
                    raise _ApiError(409, poll.conflict)
                batch = self._deliverable(limit)
                remaining = deadline - loop.time()
                if batch or remaining <= 0 or self._closing:
                    return batch
                if reader.at_eof() or reader.exception() is not None:
                    raise _ClientGone
                if poll.wake.done():
                    poll.wake = loop.create_future()
                await asyncio.wait((poll.wake,), timeout=min(remaining, _DISCONNECT_CHECK_SECONDS))
        finally:
            self._polls.discard(poll)
            poll.wake.cancel()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        allowed = set(self._allowed_updates)
        batch = []
        for update in self._updates:
            kind = next((key for key in update if key != "update_id"), "")
            if (kind in allowed) if allowed else (kind not in _OPT_IN_UPDATE_TYPES):
                batch.append(update)
                if len(batch) >= limit:
                    break
        return batch

    def _m_sendMessage(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        self._chat(params)  # chat errors come before text errors, as in Telegram
        text, entities = self._formatted_text(params)
        return self._send(params, text=text, entities=entities)

    def _m_sendVenue(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        location = _location(params)
        for key in ("title", "address"):
            if not params.get(key):
                raise _bad_request(f"venue {key} is empty")
        venue: dict[str, Any] = {"location": location, "title": str(params["title"]), "address": str(params["address"])}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(key):
                venue[key] = params[key]
        return self._send(params, venue=venue, location=location)

    def _m_sendLocation(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        location = _location(params)
        for key in ("horizontal_accuracy", "live_period", "heading", "proximity_alert_radius"):
            if params.get(key) is not None:
                location[key] = params[key]
        return self._send(params, location=location)

    def _m_answerCallbackQuery(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        # Telegram accepts one answer per query; a second one (or an invented id) is refused.
        if query_id not in self._open_callback_queries:
            raise _bad_request(_QUERY_INVALID)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_callback_queries.discard(query_id)
        return True

    def _m_editMessageText(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if params.get("inline_message_id"):
            self._formatted_text(params)
            _check_reply_markup(params.get("reply_markup"))
            return True  # inline messages are not modelled; Telegram answers True for them
        message = self._stored_bot_message(params, "edit")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text, entities = self._formatted_text(params)
        markup = _check_reply_markup(params.get("reply_markup"))
        markup = markup if markup and "inline_keyboard" in markup else None
        if text == message.get("text") and entities == message.get("entities", []) and markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED)
        return self._edit(message, text=text, entities=entities or None, reply_markup=markup)

    def _m_editMessageReplyMarkup(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if params.get("inline_message_id"):
            _check_reply_markup(params.get("reply_markup"))
            return True
        message = self._stored_bot_message(params, "edit")
        markup = _check_reply_markup(params.get("reply_markup"))
        markup = markup if markup and "inline_keyboard" in markup and markup["inline_keyboard"] else None
        if markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED)
        return self._edit(message, reply_markup=markup)

    def _edit(self, message: dict[str, Any], **changes: Any) -> dict[str, Any]:
        edited = {key: value for key, value in message.items() if key not in changes}
        edited.update({key: value for key, value in changes.items() if value is not None})
        edited["edit_date"] = int(time.time())
        self._messages[(message["chat"]["id"], message["message_id"])] = edited
        return edited

    def _m_deleteMessage(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        # Bots may delete incoming messages of private chats too, so the sender is not checked.
        chat = self._chat(params)
        key = (chat["id"], int(params.get("message_id") or 0))
        if key not in self._messages:
            raise _bad_request("message to delete not found")
        del self._messages[key]
        return True

    def _m_sendChatAction(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _commands_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad_request("invalid language code specified")
        return json.dumps(scope, sort_keys=True), language

    def _m_setMyCommands(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad_request("too many commands specified")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise _bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command["command"], "description": command["description"]})
        key = self._commands_key(params)
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    def _m_getMyCommands(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return [dict(command) for command in self._commands.get(self._commands_key(params), [])]

    def _m_deleteMyCommands(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _m_setWebhook(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return self._m_deleteWebhook(params, reader)
        if not url.lower().startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        max_connections = int(params.get("max_connections") or 40)
        if not 1 <= max_connections <= 100:
            raise _bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        self._webhook = {
            "url": url,
            "has_custom_certificate": "certificate" in params,
            "max_connections": max_connections,
            "ip_address": params.get("ip_address"),
            "secret_token": secret,
        }
        for poll in list(self._polls):
            poll.conflict = "Conflict: terminated by setWebhook request"
            _wake(poll)
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = {}
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": self._webhook.get("has_custom_certificate", False),
            "pending_update_count": len(self._updates),
        }
        if self._webhook:
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook.get("ip_address"):
                info["ip_address"] = self._webhook["ip_address"]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    @property
    def webhook(self) -> dict[str, Any]:
        """The webhook as set (url, secret_token, max_connections, ...); empty when none."""
        return dict(self._webhook)

    def _m_close(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return True

    def _m_logOut(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return True

    def _m_setMyDescription(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if len(str(params.get("description") or "")) > 512:
            raise _bad_request("BOT_DESCRIPTION_INVALID")
        return True

    def _m_setMyShortDescription(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        if len(str(params.get("short_description") or "")) > 120:
            raise _bad_request("BOT_DESCRIPTION_INVALID")
        return True

    def _m_setMyName(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return True

    def _m_setChatMenuButton(self, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        return True

    # ----------------------------------------------------------------------------- HTTP

    def _canonical(self, method: str) -> str:
        lowered = method.lower()
        if lowered in self._stubs:
            return self._stubs[lowered][0]
        entry = self._methods.get(lowered)
        return entry[0] if entry else method

    async def _serve_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connection = _Connection(writer)
        self._connections[task] = connection
        try:
            if not self._closing:
                await self._serve_requests(reader, writer, connection)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels, as a last resort. Ending normally keeps asyncio's stream
            # callback from logging the cancellation as an error.
            pass
        finally:
            self._connections.pop(task, None)
            writer.close()

    async def _serve_requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                              connection: _Connection) -> None:
        while not self._closing:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                return  # the client closed an idle keep-alive connection
            except asyncio.LimitOverrunError:
                writer.write(_http_response(431, {"ok": False, "error_code": 431, "description": "Headers too large"}, False))
                return
            connection.busy = True
            request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
            parts = request_line.split(" ")
            if len(parts) != 3:
                writer.write(_http_response(400, {"ok": False, "error_code": 400, "description": "Bad Request"}, False))
                return
            http_method, target, version = parts
            headers: dict[str, str] = {}
            for line in header_lines:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if headers.get("expect", "").lower() == "100-continue":
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            if "chunked" in headers.get("transfer-encoding", "").lower():
                body = await _read_chunked(reader)
            else:
                body = await reader.readexactly(int(headers.get("content-length") or 0))
            connection_header = headers.get("connection", "").lower()
            keep_alive = (version == "HTTP/1.1" and connection_header != "close") or connection_header == "keep-alive"
            outcome = await self._answer(http_method, target, headers, body, reader)
            if outcome is None:
                return  # injected disconnect, or the client is gone
            keep_alive = keep_alive and not self._closing
            writer.write(_http_response(outcome[0], outcome[1], keep_alive))
            await writer.drain()
            connection.busy = False
            if not keep_alive:
                return

    async def _answer(self, http_method: str, target: str, headers: dict[str, str], body: bytes,
                      reader: asyncio.StreamReader) -> tuple[int, dict[str, Any]] | None:
        arrived = time.monotonic()
        url = urlsplit(target)
        match = _PATH_RE.fullmatch(unquote(url.path))
        if match is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        token, raw_method = match.groups()
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = self._canonical(raw_method)
        call = Call(method=method, params={}, time=arrived)
        try:
            call.params = _decode_params(url.query, headers, body)
            fault = self._take_fault(method)
            if fault is not None and fault.kind == "error":
                call.injected = True
                assert fault.error is not None
                raise fault.error
            if fault is not None and fault.kind == "disconnect":
                call.injected = True
                raise _Disconnect
            if fault is not None and fault.kind == "delay":
                call.injected = True
                assert self._closing_future is not None
                await asyncio.wait((self._closing_future,), timeout=fault.delay)
            result = await self._dispatch(method, call.params, reader)
            call.status, call.response = 200, {"ok": True, "result": result}
        except _ApiError as exc:
            call.status, call.response = exc.status, exc.payload()
        except (_ClientGone, _Disconnect):
            call.status, call.response = None, None
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the tests to see
            _LOGGER.exception("FakeBotApi failed on %s", method)
            self.internal_errors.append(exc)
            call.status = 500
            call.response = {"ok": False, "error_code": 500, "description": f"Internal Server Error: fake bug {exc!r}"}
        self._record(call)
        if call.status is None:
            return None
        assert call.response is not None
        return call.status, call.response

    async def _dispatch(self, method: str, params: dict[str, Any], reader: asyncio.StreamReader) -> Any:
        lowered = method.lower()
        if lowered in self._stubs:
            result = self._stubs[lowered][1]
            if callable(result):
                result = result(params)
                if inspect.isawaitable(result):
                    result = await result
            return result
        entry = self._methods.get(lowered)
        if entry is None:
            # Telegram answers "Not Found" (PTB raises InvalidToken); say how to fix it.
            raise _ApiError(404, f"Not Found: {method} is not modelled by FakeBotApi; use api.stub({method!r}, result)")
        result = entry[1](params, reader)
        if inspect.isawaitable(result):
            result = await result
        return result


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _wake(poll: _Poll) -> None:
    if not poll.wake.done():
        poll.wake.set_result(None)


def _as_chat_id(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _normalise(name: str, value: Any) -> Any:
    if name in _STRING_PARAMS:
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)
    if isinstance(value, str):
        value = _json_or_raw(value)
    if name == "chat_id":
        value = _as_chat_id(value)
    return value


def _decode_params(query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params[name] = _normalise(name, value)
    if not body:
        return params
    content_type = headers.get("content-type", "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise _bad_request("can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise _bad_request("request body must be a JSON object")
        params.update({name: _normalise(name, value) for name, value in decoded.items()})
    elif mime == "application/x-www-form-urlencoded":
        for name, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
            params[name] = _normalise(name, value)
    elif mime == "multipart/form-data":
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        if not message.is_multipart():
            raise _bad_request("can't parse multipart request body")
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not name:
                continue
            data = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                params[name] = UploadedFile(filename, part.get_content_type(), data)
            else:
                params[name] = _normalise(name, data.decode("utf-8"))
    else:
        raise _bad_request(f"unsupported Content-Type {mime!r}")
    return params


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            # Trailers (rare) end with an empty line.
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _http_response(status: int, payload: dict[str, Any], keep_alive: bool) -> bytes:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def _location(params: dict[str, Any]) -> dict[str, Any]:
    try:
        latitude, longitude = float(params["latitude"]), float(params["longitude"])
    except (KeyError, TypeError, ValueError):
        raise _bad_request("latitude and longitude must be numbers") from None
    if not -90 <= latitude <= 90:
        raise _bad_request("wrong latitude")
    if not -180 <= longitude <= 180:
        raise _bad_request("wrong longitude")
    return {"latitude": latitude, "longitude": longitude}


def _check_reply_markup(markup: Any) -> dict[str, Any] | None:
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
                actions = _INLINE_BUTTON_ACTIONS.intersection(button)
                if not actions:
                    raise _bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).strip():
                    raise _bad_request("BUTTON_URL_INVALID")
        return markup
    if "keyboard" in markup:
        rows = markup["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not (isinstance(button, str) or (isinstance(button, dict) and isinstance(button.get("text"), str))):
                    raise _bad_request("can't parse keyboard button: KeyboardButton must be a String or an Object")
        return markup
    if "remove_keyboard" in markup or "force_reply" in markup:
        return markup
    raise _bad_request("can't parse reply keyboard markup JSON object")
