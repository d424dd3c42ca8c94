"""Encryption at rest: what the database keeps about a person is sealed with a key only their next
message can rebuild.

A person's key is HKDF-SHA256(pepper, "person:" + channel + ":" + identifier). The identifier (phone
number, Telegram id) is never stored and the pepper lives outside the database, so a dump, a leftover
page, a WAL segment or a backup holds ciphertext that nobody can read until the person writes again;
once their row is erased, no copy anywhere can be read at all. See docs/threat-model.md.

Sealed values are text: "v1:" + base64(nonce || AES-256-GCM ciphertext and tag). The associated data
names where the value belongs (which row, which column), so a value copied to another row or column
does not open.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1:"
KEY_BYTES = 32
_NONCE_BYTES = 12
_SALT = b"aiguillage/at-rest/v1"


class SealError(ValueError):
    """A sealed value that does not open with this key and context (wrong pepper, moved, damaged)."""


def derive_key(pepper: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose ("person:sms:+336...", "handover:ABC234", "outbox")."""
    if not pepper:
        raise ValueError("empty pepper")
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_SALT,
                info=purpose.encode("utf-8", "surrogatepass")).derive(pepper)


def person_key(pepper: bytes, channel: str, identifier: str) -> bytes:
    return derive_key(pepper, f"person:{channel}:{identifier}")


def seal(key: bytes, plaintext: str, context: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8", "surrogatepass"), context.encode("utf-8"))
    return PREFIX + base64.b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes, value: str, context: str) -> str:
    if not is_sealed(value):
        raise SealError("not a sealed value")
    try:
        raw = base64.b64decode(value[len(PREFIX):], validate=True)
        opened = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise SealError("sealed value does not open") from exc
    return opened.decode("utf-8", "surrogatepass")


def seal_bytes(key: bytes, plaintext: bytes, context: str) -> str:
    return seal(key, base64.b64encode(plaintext).decode("ascii"), context)


def unseal_bytes(key: bytes, value: str, context: str) -> bytes:
    return base64.b64decode(unseal(key, value, context))


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def fingerprint(secret: bytes, name: str) -> str:
    """What the database keeps to recognise a secret without holding it: a keyed hash, so the stored
    value neither reveals the secret nor helps guess it."""
    return hmac.new(secret, f"fingerprint:{name}".encode(), hashlib.sha256).hexdigest()
