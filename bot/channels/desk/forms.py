"""Small HTTP pieces of the desk: reading a posted form within bounds, refusals, the security headers
of the static files, and the sentence helper of the templates."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.channels.desk.security import SECURITY_HEADERS
from bot.i18n import Translator

MAX_BODY = 64 * 1024  # the case form is about 2 KiB
MAX_FIELDS = 400


class Refusal(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def say(t: Translator, message: str) -> Markup:
    """A desk sentence in the person's language; when it has no translation yet, the French text marked
    as French (lang="fr", left to right) so screen readers and right-to-left layout stay right."""
    translated = t.gettext(message)
    if t.lang != "fr" and translated == message:
        return Markup('<span lang="fr" dir="ltr">{}</span>').format(message)
    return Markup("{}").format(translated)


def static_version(static: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(static.glob("*")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


class WithHeaders:
    """ASGI wrapper adding the security headers to every response of an app (the static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def read_form(request: Request, refused: Callable[[int], Response]) -> dict[str, list[str]]:
    """The posted urlencoded form, or a Refusal: 415 for another type, 413 past MAX_BODY, 400 when unreadable."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refusal(refused(415))
    length = request.headers.get("content-length")
    if length is not None and (not (length.isascii() and length.isdigit() and len(length) <= 18)
                               or int(length) > MAX_BODY):
        raise Refusal(refused(413))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refusal(refused(413))
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Refusal(refused(400)) from None
    form: dict[str, list[str]] = {}
    for key, value in pairs:
        form.setdefault(key, []).append(value)
    return form


def first(form: dict[str, list[str]], name: str, limit: int) -> str:
    return (form.get(name) or [""])[0][:limit]
