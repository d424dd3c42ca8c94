"""Sessions, CSRF tokens and security headers of the desk.

A session is a signed cookie (stdlib HMAC-SHA256, no new dependency). A signed-in session also has a
row in the database (bot.channels.desk.store, checked by the desk on every request): signing out
deletes it, so a kept copy of the cookie is refused after a restart and on every worker. Nothing
about residents is in either. The cookie carries a random session id, the counsellor's
id, a fingerprint of their password hash (a password reset ends every session at its next request),
and two times: when the session started (absolute limit) and when it was last used (idle limit).

    sessions = Sessions(secret, secure=True)
    session = sessions.read(request.cookies.get(COOKIE))       # None: absent, forged or expired
    token = sessions.csrf_token(session)                      # put in every form
    sessions.csrf_ok(session, form.get("csrf"))

Every visitor of the sign-in page gets an anonymous session (counsellor None), so the sign-in form
has a CSRF token too; signing in issues a new session id (no session fixation).

Cookie attributes: HttpOnly (no script reads it), Path=/desk, Secure when the public URL is https,
SameSite=Strict: the desk is opened from a bookmark or by typing its address, never from another site,
so Strict costs nothing and means no other site can make the browser send the cookie at all (a
second wall behind the CSRF tokens).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bot.secretfile import create_secret_file, read_secret_file

log = logging.getLogger(__name__)

COOKIE = "aiguillage_desk"
COOKIE_PATH = "/desk"
SECRET_FILE = "session_secret"
MIN_SECRET_CHARS = 32
IDLE_LIMIT = 60 * 60  # a case rarely stays untouched an hour; a forgotten open desk signs itself out
ABSOLUTE_LIMIT = 10 * 60 * 60  # a working day; then sign in again
REFRESH_AFTER = 5 * 60  # re-issue the cookie (new last-use time) at most every 5 minutes

SECURITY_HEADERS = {
    # Scripts and styles only from our own static files: an injected <script> or style attribute does nothing.
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}
# Pages showing a case (and every page of the desk: the name of the signed-in counsellor at least):
# never kept by the browser or a proxy, so "back" after signing out shows nothing.
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class SecretError(RuntimeError):
    """The session secret is missing, unreadable or too weak: the desk must not start with it."""


@dataclass(frozen=True)
class Session:
    sid: str
    counsellor_id: int | None  # None: not signed in (sign-in page visitor)
    password_tag: str  # fingerprint of the password hash; "" when not signed in
    started: int
    seen: int

    @property
    def signed_in(self) -> bool:
        return self.counsellor_id is not None


def load_or_create_session_secret(data_dir: Path, value: str | None) -> bytes:
    """settings.session_secret when given (at least 32 characters), else data_dir/session_secret,
    created once with mode 0600. Changing it signs every counsellor out, nothing more."""
    if value is not None and value.strip():
        value = value.strip()
        if len(value) < MIN_SECRET_CHARS:
            raise SecretError(f"AIGUILLAGE_SESSION_SECRET must have at least {MIN_SECRET_CHARS} characters")
        return value.encode("utf-8")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / SECRET_FILE
    if not path.exists() and create_secret_file(path, 32):
        log.info("created a new desk session secret")
    secret = read_secret_file(path, "desk session secret")
    if secret is None:
        raise SecretError(f"cannot read the desk session secret {path}")
    if len(secret) < MIN_SECRET_CHARS:
        raise SecretError(f"the desk session secret {path} is empty or truncated: delete it to make a new one")
    return secret.encode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(self, secret: bytes, secure: bool, clock=time.time) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise SecretError("session secret too short")
        # Separate keys per use: a value signed for one purpose can never pass as another.
        self._cookie_key = hmac.new(secret, b"desk-cookie", hashlib.sha256).digest()
        self._csrf_key = hmac.new(secret, b"desk-csrf", hashlib.sha256).digest()
        self._password_key = hmac.new(secret, b"desk-password-tag", hashlib.sha256).digest()
        self.secure = secure
        self._clock = clock

    def now(self) -> int:
        return int(self._clock())

    # -- cookie ---------------------------------------------------------------------------------------

    def new(self, counsellor_id: int | None = None, password_hash: str = "") -> Session:
        now = self.now()
        return Session(secrets.token_urlsafe(18), counsellor_id,
                       self.password_tag(password_hash) if counsellor_id is not None else "", now, now)

    def password_tag(self, password_hash: str) -> str:
        return hmac.new(self._password_key, password_hash.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def encode(self, session: Session) -> str:
        payload = json.dumps({"s": session.sid, "c": session.counsellor_id, "p": session.password_tag,
                              "t": session.started, "u": session.seen}, separators=(",", ":")).encode("utf-8")
        body = _b64(payload)
        mac = hmac.new(self._cookie_key, body.encode("ascii"), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def read(self, cookie: str | None) -> Session | None:
        """The session in a cookie; None when absent, malformed, forged, expired or signed out."""
        if not cookie or len(cookie) > 1024 or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        expected = hmac.new(self._cookie_key, body.encode("ascii", "replace"), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(mac), expected):
                return None
            data = json.loads(_unb64(body))
            session = Session(str(data["s"]), data["c"] if isinstance(data["c"], int) else None, str(data["p"]),
                              int(data["t"]), int(data["u"]))
        except (ValueError, KeyError, TypeError):
            return None
        now = self.now()
        if now - session.started > ABSOLUTE_LIMIT or now - session.seen > IDLE_LIMIT or session.seen > now + 60:
            return None
        return session

    def touched(self, session: Session) -> Session | None:
        """A copy with a fresh last-use time when the cookie should be re-issued, else None."""
        now = self.now()
        return replace(session, seen=now) if now - session.seen >= REFRESH_AFTER else None

    def cookie_header(self, session: Session) -> str:
        parts = [f"{COOKIE}={self.encode(session)}", f"Path={COOKIE_PATH}", "HttpOnly", "SameSite=Strict",
                 f"Max-Age={ABSOLUTE_LIMIT}"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    def clear_cookie_header(self) -> str:
        parts = [f"{COOKIE}=", f"Path={COOKIE_PATH}", "HttpOnly", "SameSite=Strict", "Max-Age=0"]
        if self.secure:
            parts.append("Secure")
        return "; ".join(parts)

    # -- CSRF -----------------------------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        """Bound to the session id: a token is worthless with any other cookie, and changes at sign-in."""
        return hmac.new(self._csrf_key, session.sid.encode("ascii"), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session | None, token: object) -> bool:
        if session is None or not isinstance(token, str) or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session).encode("ascii"), token.encode("utf-8", "replace"))
