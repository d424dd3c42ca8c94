"""Twilio-compatible inbound SMS: request signature, form fields, TwiML reply.

Our own implementation (the `twilio` package is only the tests' oracle): HMAC-SHA1, keyed with the
account's Auth Token, over the full URL Twilio called followed by every POST parameter, sorted by name,
as name + value; base64; compared in constant time. Like Twilio's own validator, the URL is tried
with and without its default port, because Twilio's signing is inconsistent about it.
(https://www.twilio.com/docs/usage/webhooks/webhooks-security)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
TWIML_CONTENT_TYPE = "text/xml; charset=utf-8"
MAX_FIELDS = 100  # Twilio sends about twenty; more is not Twilio

Params = Sequence[tuple[str, str]]


def signature(auth_token: str, url: str, params: Params) -> str:
    """The X-Twilio-Signature Twilio computes for a POST of `params` to `url`."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    data = url + "".join(name + value for name in sorted(values) for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_variants(url: str) -> list[str]:
    """The URL without and with its port (443/80 when none is written), as Twilio's validator tries."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return [url]
    host = parts.netloc.rsplit("@", 1)[-1]
    userinfo = parts.netloc[: len(parts.netloc) - len(host)]
    bare_host = host.rsplit(":", 1)[0] if port is not None else host
    default = 443 if parts.scheme == "https" else 80
    without = urlunsplit(parts._replace(netloc=userinfo + bare_host))
    with_port = urlunsplit(parts._replace(netloc=f"{userinfo}{bare_host}:{port if port is not None else default}"))
    return [without, with_port]


def verify(auth_token: str, url: str, params: Params, provided: str) -> bool:
    """Whether `provided` is Twilio's signature of this request. Constant time in the signature."""
    if not auth_token or not provided:
        return False
    given = provided.strip().encode("utf-8", "replace")
    valid = False
    for candidate in url_variants(url):
        # Both variants are always computed, so the time does not tell which one matched.
        valid |= hmac.compare_digest(signature(auth_token, candidate, params).encode("ascii"), given)
    return valid


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """The fields of an application/x-www-form-urlencoded body; ValueError when it is not one."""
    text = body.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        raise ValueError("control characters in a form body")
    return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")


def field(params: Params, name: str) -> str | None:
    """The first value of a field, or None."""
    return next((value for key, value in params if key == name), None)


def twiml(messages: Iterable[str]) -> str:
    """A TwiML reply sending each text as its own SMS (an empty Response sends nothing)."""
    body = "".join(f"<Message>{_xml_text(message)}</Message>" for message in messages)
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def _xml_text(text: str) -> str:
    # XML 1.0 forbids most control characters; GSM-7 text has none but a line feed, this is a safeguard.
    text = "".join(char for char in text if char in "\n\t" or ord(char) >= 0x20)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
