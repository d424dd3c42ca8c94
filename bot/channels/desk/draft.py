"""A case carried in the page's address, sealed: what lets a reload keep a picked-up case.

    drafts = Drafts(secret)
    token = drafts.seal(session_id, posted, now)    # after a pick-up: redirect to /desk?case=<token>
    posted = drafts.open(session_id, token, now)    # GET /desk?case=<token>: the form fields, or None

The desk stores no case on the server, on any worker. So after a pick-up (POST) the answers travel to
the redirected page (GET) in its address, encrypted and authenticated with a key derived from the
desk's session secret, bound to the counsellor's session and valid a few hours: the browser's history
holds only ciphertext, useless after sign-out. The page's script re-seals the form after each change
(the update's answer carries a fresh token), so a reload also keeps the counsellor's additions.

The cipher is AES-256-GCM from `cryptography` (as storage's sealing: audited primitives, never
hand-rolled), its key derived from the session secret, the counsellor's session id as associated data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LIFETIME = timedelta(hours=8)  # a working day at the desk
MAX_TOKEN = 6000  # characters: far above a full form, far below what a browser or proxy accepts
MAX_FIELDS = 200
NONCE, TAG = 12, 16  # AES-GCM's nonce and tag


class Drafts:
    def __init__(self, secret: bytes | str) -> None:
        root = secret.encode() if isinstance(secret, str) else secret
        self._aead = AESGCM(hmac.new(root, b"aiguillage desk draft: aes-256-gcm", hashlib.sha256).digest())

    def seal(self, session_id: str, posted: Mapping[str, Sequence[str]], now: datetime) -> str:
        fields = {name: [str(v) for v in values] for name, values in list(posted.items())[:MAX_FIELDS]
                  if name not in ("csrf", "code") and values}
        plain = zlib.compress(json.dumps(
            {"s": session_id, "e": int((now + LIFETIME).timestamp()), "f": fields},
            ensure_ascii=False, separators=(",", ":")).encode())
        nonce = secrets.token_bytes(NONCE)
        sealed = self._aead.encrypt(nonce, plain, session_id.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, session_id: str, token: str, now: datetime) -> dict[str, list[str]] | None:
        """The sealed form fields, or None when the token is forged, damaged, expired or another session's."""
        if not token or len(token) > MAX_TOKEN:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (ValueError, TypeError):
            return None
        if len(raw) <= NONCE + TAG:
            return None
        try:
            plain = zlib.decompress(self._aead.decrypt(raw[:NONCE], raw[NONCE:], session_id.encode()),
                                    bufsize=MAX_TOKEN * 4)
            data = json.loads(plain)
        except (InvalidTag, zlib.error, ValueError):
            return None
        if not isinstance(data, dict) or data.get("s") != session_id or not isinstance(data.get("e"), int):
            return None
        if now.timestamp() > data["e"]:
            return None
        fields = data.get("f")
        if not isinstance(fields, dict):
            return None
        return {str(k): [str(v) for v in vs] for k, vs in fields.items() if isinstance(vs, list)}
