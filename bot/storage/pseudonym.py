"""Pseudonymous keys: what the database stores instead of a phone number or a Telegram id.

A key is HMAC-SHA256(pepper, channel + ":" + identifier). The pepper is a secret kept outside the
database, so a stolen database alone cannot be turned back into phone numbers by trying all of them
(there are only about 10^9 French mobile numbers: a plain hash would be reversed in minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.secretfile import create_secret_file, read_secret_file

if TYPE_CHECKING:
    from bot.storage.database import Database

log = logging.getLogger(__name__)

PEPPER_FILE = "pepper"
PEPPER_BYTES = 32
# A pepper given by the operator must resist guessing as well as a generated one would.
MIN_ENV_PEPPER_CHARS = 16


class PepperError(RuntimeError):
    """The pepper is missing, unreadable or too weak; the program must not start without it."""


def pseudonymise(pepper: bytes, channel: str, identifier: str) -> str:
    """The stored key of a person on a channel (64 hex characters)."""
    return _mac(pepper, f"{channel}:{identifier}")


def message_key(pepper: bytes, channel: str, user_key: str, message_id: str) -> str:
    """The stored key of one inbound message: gateway ids are not stored as such.

    The "message:" prefix keeps these keys in another domain than person keys, so no message key can
    ever equal a person key.
    """
    return _mac(pepper, f"message:{channel}:{user_key}:{message_id}")


def handover_code_hash(pepper: bytes, code: str) -> str:
    """The stored form of a handover code: keyed, because 30^6 codes are few enough to try them all."""
    return _mac(pepper, f"handover:{code}")


def _mac(pepper: bytes, text: str) -> str:
    if not pepper:
        raise PepperError("empty pepper")
    return hmac.new(pepper, text.encode("utf-8"), hashlib.sha256).hexdigest()


def load_or_create_pepper(data_dir: Path, env_value: str | None) -> bytes:
    """The pepper from AIGUILLAGE_PEPPER when given, else from data_dir/pepper, created once (mode 0600).

    Losing or changing the pepper orphans every stored conversation, so an existing but unreadable or
    empty file is an error, never a reason to generate a new one.
    """
    if env_value is not None and env_value.strip():
        value = env_value.strip()
        if len(value) < MIN_ENV_PEPPER_CHARS:
            raise PepperError(f"AIGUILLAGE_PEPPER must have at least {MIN_ENV_PEPPER_CHARS} characters")
        return value.encode("utf-8")

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = data_dir / PEPPER_FILE
    if not path.exists():
        _create_pepper_file(path)
    return _read_pepper_file(path)


def _create_pepper_file(path: Path) -> None:
    if create_secret_file(path, PEPPER_BYTES):
        log.info("created a new pepper file")


def _read_pepper_file(path: Path) -> bytes:
    value = read_secret_file(path, "pepper file")
    if value is None:
        raise PepperError(f"cannot read the pepper file {path}")
    if len(value) < MIN_ENV_PEPPER_CHARS:
        raise PepperError(f"the pepper file {path} is empty or truncated; restore it from backup")
    return value.encode("ascii")


def check_fingerprint(database: Database, name: str, secret: bytes, now: datetime) -> None:
    """Store the secret's fingerprint on first start; refuse (PepperError) when it differs from the
    stored one: another worker, or the database, uses another secret."""
    from sqlalchemy import select
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from bot.storage.models import SecretFingerprint
    from bot.storage.sealing import fingerprint

    mine = fingerprint(secret, name)
    with database.transaction() as session:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(SecretFingerprint).values(name=name, fingerprint=mine, created_at=now)
                        .on_conflict_do_nothing(index_elements=["name"]))
        stored = session.execute(select(SecretFingerprint.fingerprint)
                                 .where(SecretFingerprint.name == name)).scalar_one()
    if not hmac.compare_digest(stored, mine):
        where = "AIGUILLAGE_PEPPER" if name == "pepper" else name
        raise PepperError(f"this {name} is not the one the database was created with (fingerprints differ): "
                          f"start every worker with the same {where} (or restore the data directory's {name} "
                          f"file from backup); with another {name}, no one's conversation could be found")
