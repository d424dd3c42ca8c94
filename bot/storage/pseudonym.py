"""Pseudonymous keys: what the database stores instead of a phone number or a Telegram id.

A key is HMAC-SHA256(pepper, channel + ":" + identifier). The pepper is a secret kept outside the
database, so a stolen database alone cannot be turned back into phone numbers by trying all of them
(there are only about 10^9 French mobile numbers: a plain hash would be reversed in minutes).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

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
    # Written to a private temporary file, then linked into place: link() fails if another process
    # created the pepper meanwhile, and no process can ever read a half-written pepper.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(PEPPER_BYTES) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
            log.info("created a new pepper file")
        except FileExistsError:
            pass  # another process won the race: use its pepper
    finally:
        tmp.unlink(missing_ok=True)


def _read_pepper_file(path: Path) -> bytes:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # The file lets other users read the pepper; tighten it rather than refuse to start.
        log.warning("pepper file was readable by others (mode %o); setting it to 0600", mode)
        path.chmod(0o600)
    try:
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise PepperError(f"cannot read the pepper file {path}") from exc
    if len(value) < MIN_ENV_PEPPER_CHARS:
        raise PepperError(f"the pepper file {path} is empty or truncated; restore it from backup")
    return value.encode("ascii")
