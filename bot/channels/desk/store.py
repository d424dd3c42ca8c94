"""What the desk keeps in the database: signed-in sessions, attempt counters and the audit trail.

Kept there rather than in a process's memory so that every worker and every restart sees the same:
a signed-out cookie is refused everywhere, and a limit counts the attempts made on every worker.

    allowed = reserve_attempt(database, key, limit=10, window=timedelta(minutes=15), now=now)
    record(database, "pickup", "camille", now, case_ref="3fa9c2e1d0")
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage.database import Database
from bot.storage.models import DeskAttempt, DeskAudit, DeskSession, HandoverCode

ACTIONS = ("signin", "signin_refused", "signin_throttled", "signout", "pickup", "pickup_refused", "print")


# -- attempt counters ----------------------------------------------------------------------------------

def reserve_attempt(database: Database, key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one attempt for `key` and say whether it may go ahead (at most `limit` per window).

    One statement (an upsert returning the new count), so two workers counting at once both see the
    other's attempt: the check is made only after the attempt is counted."""
    if not 0 < len(key) <= 64:
        raise ValueError("an attempt key has 1 to 64 characters")
    cutoff = now - window
    dialect = postgresql if database.dialect == "postgresql" else sqlite
    table = DeskAttempt.__table__
    stale = table.c.window_start < cutoff
    statement = dialect.insert(table).values(key=key, count=1, window_start=now)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={"count": case((stale, literal(1)), else_=table.c.count + 1),
              "window_start": case((stale, statement.excluded.window_start), else_=table.c.window_start)},
    ).returning(table.c.count)
    with database.transaction() as session:
        count = int(session.execute(statement).scalar_one())
    return count <= limit


def refund_attempt(database: Database, key: str) -> None:
    """Give back an attempt that succeeded: limits count failures."""
    with database.transaction() as session:
        session.execute(update(DeskAttempt).where(DeskAttempt.key == key, DeskAttempt.count > 0)
                        .values(count=DeskAttempt.count - 1))


def clear_attempts(database: Database, key: str, prefix: bool = False) -> None:
    """Forget the attempts of `key` (or of every key starting with it)."""
    with database.transaction() as session:
        where = DeskAttempt.key.startswith(key, autoescape=True) if prefix else DeskAttempt.key == key
        session.execute(delete(DeskAttempt).where(where))


# -- sessions ------------------------------------------------------------------------------------------

def session_key(sid: str) -> str:
    return hashlib.sha256(sid.encode("ascii", "replace")).hexdigest()


def open_session(database: Database, sid: str, counsellor_id: int, now: datetime, expires_at: datetime) -> None:
    with database.transaction() as session:
        session.add(DeskSession(sid_hash=session_key(sid), counsellor_id=counsellor_id, created_at=now,
                                expires_at=expires_at))


def session_is_open(database: Database, sid: str, counsellor_id: int, now: datetime) -> bool:
    with database.transaction() as session:
        found = session.execute(select(DeskSession.sid_hash).where(
            DeskSession.sid_hash == session_key(sid), DeskSession.counsellor_id == counsellor_id,
            DeskSession.expires_at > now)).first()
    return found is not None


def close_session(database: Database, sid: str) -> None:
    with database.transaction() as session:
        session.execute(delete(DeskSession).where(DeskSession.sid_hash == session_key(sid)))


def close_sessions_of(database: Database, counsellor_id: int) -> None:
    with database.transaction() as session:
        session.execute(delete(DeskSession).where(DeskSession.counsellor_id == counsellor_id))


# -- audit trail ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    action: str
    counsellor: str
    client: str
    case_ref: str


def record(database: Database, action: str, counsellor: str, now: datetime, client: str = "",
           case_ref: str = "") -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with database.transaction() as session:
        session.add(DeskAudit(at=now, action=action, counsellor=counsellor[:100], client=client[:16],
                              case_ref=case_ref[:16]))


def entries(database: Database, since: datetime | None = None, counsellor: str | None = None,
            action: str | None = None, limit: int = 10_000) -> list[AuditEntry]:
    query = select(DeskAudit).order_by(DeskAudit.at, DeskAudit.id).limit(limit)
    if since is not None:
        query = query.where(DeskAudit.at >= since)
    if counsellor is not None:
        query = query.where(DeskAudit.counsellor == counsellor)
    if action is not None:
        query = query.where(DeskAudit.action == action)
    with database.transaction() as session:
        rows = session.execute(query).scalars().all()
        return [AuditEntry(r.at, r.action, r.counsellor, r.client, r.case_ref) for r in rows]


def purge(database: Database, now: datetime, audit_kept: timedelta, attempts_kept: timedelta) -> int:
    """Delete audit rows older than `audit_kept`, expired sessions and stale counters; returns audit rows
    deleted."""
    with database.transaction() as session:
        result = session.execute(delete(DeskAudit).where(DeskAudit.at < now - audit_kept))
        deleted = getattr(result, "rowcount", 0)  # a CursorResult for a DELETE
        session.execute(delete(DeskSession).where(DeskSession.expires_at <= now))
        session.execute(delete(DeskAttempt).where(DeskAttempt.window_start < now - attempts_kept))
    return int(deleted or 0)


def case_ref_of_code(database: Database, pepper: bytes, code: str) -> str:
    """The pseudonymous id of the case a handover code opens (stable per conversation, "" for no case):
    the audit trail says which case was opened without naming anyone."""
    from bot.storage.handover import normalise_handover_code
    from bot.storage.pseudonym import handover_code_hash

    normalised = normalise_handover_code(code)
    if normalised is None:
        return ""
    with database.transaction() as session:
        conversation_id = session.execute(select(HandoverCode.conversation_id).where(
            HandoverCode.code_hash == handover_code_hash(pepper, normalised))).scalar_one_or_none()
    if conversation_id is None:
        return ""
    return hmac.new(pepper, f"desk-case:{conversation_id}".encode("ascii"), hashlib.sha256).hexdigest()[:10]


def client_tag(pepper: bytes, address: str) -> str:
    """A keyed tag of a client's address: the audit can tell attempts from one client apart from
    another's without keeping the address."""
    return hmac.new(pepper, f"desk-client:{address}".encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:12]
