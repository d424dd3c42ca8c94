"""Counsellor accounts of the desk: creation, password reset, sign-in with lock-out.

    password = add_counsellor(runtime.database, "camille")     # shown once, give it in person
    password = reset_password(runtime.database, "camille")     # also lifts a lock-out
    result = authenticate(runtime.database, "camille", typed, now)

Passwords are generated here, never chosen: a counsellor account opens residents' cases, so it gets
about 100 bits of randomness instead of a word a person can guess. They are stored as argon2id hashes
(memory-hard: a stolen database cannot be brute-forced on GPUs cheaply).

Lock-out: after MAX_FAILED attempts from one client, the account refuses that client every attempt,
even with the right password, until LOCK_DURATION after the first of them. The lock is per account and
client, so a stranger's wrong passwords never lock the counsellor out of their own browser; the counter
lives in the database (desk_attempts) so it holds across processes and restarts. With generated
passwords of 99 bits, guessing from many addresses stays hopeless; the lock only stops the hammering.
Every refusal looks the same to the caller (unknown name, wrong password, locked account): the
sign-in page must not tell a stranger which names exist.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from bot.channels.desk import store
from bot.storage.database import Database
from bot.storage.models import Counsellor

log = logging.getLogger(__name__)

MAX_FAILED = 5
LOCK_DURATION = timedelta(minutes=15)
NAME_MAX = 100
# Read aloud or copied from a terminal: no 0/O, 1/l/I. 20 characters of 31 symbols: 99 bits.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
PASSWORD_GROUPS, PASSWORD_GROUP_LENGTH = 4, 5
# A typed password longer than this is not one of ours; refusing early keeps argon2 from hashing megabytes.
PASSWORD_MAX = 200

# argon2-cffi's defaults are argon2id, 64 MiB, 3 passes: RFC 9106's second recommended setting.
_hasher = PasswordHasher()
# Verified when the name is unknown or the account locked, so that every refusal takes as long as a
# real check: the response time must not reveal which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class CounsellorError(ValueError):
    """A counsellor command that cannot be done (name taken, unknown, invalid); the message says why."""


@dataclass(frozen=True)
class SignedIn:
    counsellor_id: int
    name: str
    password_hash: str  # to bind sessions to the current password (a reset signs every session out)


def generate_password() -> str:
    groups = ("".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
              for _ in range(PASSWORD_GROUPS))
    return "-".join(groups)


def normalise_name(name: str) -> str:
    """The account name as stored: NFC, trimmed; refused when empty, too long or with control characters."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    if not cleaned:
        raise CounsellorError("the counsellor name is empty")
    if len(cleaned) > NAME_MAX:
        raise CounsellorError(f"the counsellor name is longer than {NAME_MAX} characters")
    if any(unicodedata.category(c).startswith("C") for c in cleaned):
        raise CounsellorError("the counsellor name contains control characters")
    return cleaned


def _now() -> datetime:
    return datetime.now(UTC)


def add_counsellor(database: Database, name: str) -> str:
    """Create an account and return its generated password (shown once; only its hash is kept).

    Raises CounsellorError (a ValueError) when the name is invalid or already taken."""
    name = normalise_name(name)
    password = generate_password()
    password_hash = _hasher.hash(password)
    with database.transaction() as session:
        if session.execute(select(Counsellor.id).where(Counsellor.name == name)).first() is not None:
            raise CounsellorError(f"a counsellor named {name!r} already exists")
        session.add(Counsellor(name=name, password_hash=password_hash, failed_attempts=0, locked_until=None,
                               created_at=_now()))
    log.info("counsellor account created")
    return password


def reset_password(database: Database, name: str) -> str:
    """Give an account a new generated password (returned once) and lift any lock-out.

    Every session of the account ends at its next request (sessions are bound to the password hash).
    Raises CounsellorError (a ValueError) when there is no such account."""
    name = normalise_name(name)
    password = generate_password()
    password_hash = _hasher.hash(password)
    with database.transaction() as session:
        counsellor = session.execute(select(Counsellor).where(Counsellor.name == name)
                                     .with_for_update()).scalar_one_or_none()
        if counsellor is None:
            raise CounsellorError(f"no counsellor named {name!r}")
        counsellor.password_hash = password_hash
        counsellor_id = counsellor.id
    store.clear_attempts(database, f"signin:{counsellor_id}:", prefix=True)
    store.close_sessions_of(database, counsellor_id)
    log.info("counsellor password reset")
    return password


def remove_counsellor(database: Database, name: str) -> None:
    """Delete an account (its sessions end at their next request). Raises CounsellorError when unknown."""
    name = normalise_name(name)
    with database.transaction() as session:
        counsellor = session.execute(select(Counsellor).where(Counsellor.name == name)).scalar_one_or_none()
        if counsellor is None:
            raise CounsellorError(f"no counsellor named {name!r}")
        session.delete(counsellor)
    log.info("counsellor account removed")


def count_counsellors(database: Database) -> int:
    with database.transaction() as session:
        return int(session.execute(select(func.count(Counsellor.id))).scalar_one())


def counsellor_names(database: Database) -> list[str]:
    with database.transaction() as session:
        return list(session.execute(select(Counsellor.name).order_by(Counsellor.name)).scalars())


def current_counsellor(database: Database, counsellor_id: int) -> SignedIn | None:
    """The account behind a session, or None when it was removed."""
    with database.transaction() as session:
        row = session.get(Counsellor, counsellor_id)
        return None if row is None else SignedIn(row.id, row.name, row.password_hash)


@dataclass(frozen=True)
class Attempt:
    """What a sign-in attempt came to: the account when it succeeded; for the audit trail, the name of
    the existing account that was tried ("" for an unknown name) and whether its lock refused it."""

    signed_in: SignedIn | None
    account: str
    locked: bool = False


def lock_key(counsellor_id: int, client: str) -> str:
    """The lock-out is per account *and* client: a stranger's wrong passwords lock only the stranger."""
    return f"signin:{counsellor_id}:" + hashlib.sha256(client.encode("utf-8", "replace")).hexdigest()[:40]


def authenticate(database: Database, name: str, password: str, now: datetime | None = None,
                 client: str = "") -> SignedIn | None:
    """The account when the name and password are right and not locked for this client, else None."""
    return attempt_sign_in(database, name, password, now, client).signed_in


def attempt_sign_in(database: Database, name: str, password: str, now: datetime | None = None,
                    client: str = "") -> Attempt:
    """The three steps of a sign-in in one call (the desk runs them on different threads)."""
    prepared = prepare_sign_in(database, name, password, now, client)
    return finish_sign_in(database, prepared, check_password(prepared, password))


@dataclass(frozen=True)
class Prepared:
    """A counted attempt, ready for the password check: the hash to check against, or None to burn."""

    account: str
    counsellor_id: int | None
    password_hash: str | None
    key: str
    locked: bool


def prepare_sign_in(database: Database, name: str, password: str, now: datetime | None = None,
                    client: str = "") -> Prepared:
    """Find the account and count the attempt, *before* the password is checked, in one atomic statement
    (bot.channels.desk.store): parallel guesses on several workers cannot slip past the limit, at most
    MAX_FAILED passwords are checked per LOCK_DURATION for one account from one client."""
    now = now or _now()
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    try:
        name = normalise_name(name)
    except CounsellorError:
        name = ""
    if not name or not password or len(password) > PASSWORD_MAX:
        return Prepared("", None, None, "", False)
    with database.transaction() as session:
        row = session.execute(select(Counsellor.id, Counsellor.password_hash)
                              .where(Counsellor.name == name)).first()
    if row is None:
        return Prepared("", None, None, "", False)
    counsellor_id, password_hash = row
    key = lock_key(counsellor_id, client)
    if not store.reserve_attempt(database, key, MAX_FAILED, LOCK_DURATION, now):
        log.info("desk sign-in refused: locked for this client")
        return Prepared(name, counsellor_id, None, key, True)
    return Prepared(name, counsellor_id, password_hash, key, False)


def check_password(prepared: Prepared, password: str) -> bool:
    """The argon2 check (no database): every refusal costs one, so its timing tells nothing."""
    if prepared.password_hash is None:
        _burn(password)
        return False
    try:
        return bool(_hasher.verify(prepared.password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def finish_sign_in(database: Database, prepared: Prepared, password_ok: bool) -> Attempt:
    """A success clears the client's counter for the account; a refusal is logged without the name."""
    if not password_ok or prepared.counsellor_id is None:
        if not prepared.locked and prepared.account:
            log.info("desk sign-in refused")
        return Attempt(None, prepared.account, prepared.locked)
    store.clear_attempts(database, prepared.key)
    with database.transaction() as session:
        counsellor = session.get(Counsellor, prepared.counsellor_id)
        if counsellor is None:
            return Attempt(None, "")
        signed_in = SignedIn(counsellor.id, counsellor.name, counsellor.password_hash)
    log.info("desk sign-in")
    return Attempt(signed_in, prepared.account)


def _burn(password: str) -> None:
    """Spend the time of a real check, so that a refusal's timing tells nothing."""
    try:
        _hasher.verify(_DUMMY_HASH, (password or "")[:PASSWORD_MAX] or "-")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


__all__ = ["LOCK_DURATION", "MAX_FAILED", "Attempt", "CounsellorError", "Prepared", "SignedIn", "add_counsellor",
           "attempt_sign_in", "authenticate", "check_password", "count_counsellors", "counsellor_names",
           "current_counsellor", "finish_sign_in", "generate_password", "lock_key", "prepare_sign_in",
           "remove_counsellor", "reset_password"]
