"""Tables. Keep the least: no raw identifier, no message text, nothing that is not needed to resume a
conversation, to deduplicate deliveries, to hand a case over, or to count usage anonymously.

The schema is created by the Alembic migrations in bot/storage/migrations/, never by create_all():
a change here needs a new migration (tests/test_storage_migrations.py checks they agree).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, MetaData, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so later migrations (batch mode on SQLite) can refer to them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

KEY_LENGTH = 64  # hex HMAC-SHA256


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both databases.

    SQLite has no time zone type: values are stored as naive UTC text, which also keeps string
    comparison (purges) correct. PostgreSQL gets timestamptz.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (Europe/Paris or UTC)")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Conversation(Base):
    """One person on one channel: the engine's small state, under a pseudonymous key."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "user_key"),
        # Ids are never reused on SQLite either: a desk page holding an old id must not show someone else.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    language: Mapped[str] = mapped_column(String(16))
    state: Mapped[str | None] = mapped_column(Text)  # the engine's JSON, sealed with the person's key
    # What a channel must keep between two messages of the person, beside the engine's state: the SMS
    # channel keeps the text still to send when the person texts "SUITE". Opaque to storage; written
    # in the turn's transaction (TurnService.handle(channel_data=...)), deleted with the conversation.
    # May hold aid names and amounts, never an identifier; sealed like the state.
    channel_data: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # retention purge


class ProcessedMessage(Base):
    """An inbound message already applied, so a redelivery has no second effect. Kept 48 h, erasure
    included: a late redelivery after « oubli » or STOP must stay a duplicate, not start a new
    conversation. The key is pseudonymous (a keyed hash of the gateway's id and the person's key).

    reply: what was sent for it (sealed with the person's key), sent again on a redelivery. Erasure
    clears it and detaches the row from the conversation (conversation_id NULL).
    """

    __tablename__ = "processed_messages"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="SET NULL"),
                                                        index=True)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reply: Mapped[str | None] = mapped_column(Text)


class StoppedNumber(Base):
    """A person who texted STOP: nothing is sent to them until they write again. Pseudonymous key only."""

    __tablename__ = "stopped_numbers"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    stopped_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SecretFingerprint(Base):
    """A keyed hash of each secret every worker must share (the pepper...), stored on first start: a
    worker started with another secret refuses to start instead of splitting people in two."""

    __tablename__ = "secret_fingerprints"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(KEY_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxSms(Base):
    """An SMS waiting to go out through the Android gateway's API, durable so a crash loses none.

    Sent in id order per person. recipient is sealed with a key derived from the pepper (the number must
    be readable to send), text with the person's key; the row is deleted once sent, given up on, or
    when the person is erased.
    """

    __tablename__ = "sms_outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_key: Mapped[str] = mapped_column(String(KEY_LENGTH), index=True)
    recipient: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    sms_id: Mapped[str] = mapped_column(String(32))  # sent with every attempt: the app drops a repeat (409)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counsellor(Base):
    """A counsellor account for the desk page."""

    __tablename__ = "counsellors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoverCode(Base):
    """A short code a resident gives a counsellor so the desk can open their case: single use, 24 h."""

    __tablename__ = "handover_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(KEY_LENGTH), unique=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's key sealed with a key derived from the code: the code alone opens the case.
    wrapped_key: Mapped[str | None] = mapped_column(Text)


class UsageCounter(Base):
    """Anonymous daily counts for `aiguillage stats`: no identifier, no link to a conversation.

    Empty strings instead of NULL for "no quartier" / "no aid", so the unique constraint (and the
    upsert relying on it) treats them as equal on both databases.
    """

    __tablename__ = "usage_counters"
    __table_args__ = (UniqueConstraint("day", "channel", "event", "quartier", "aid_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(32))
    quartier: Mapped[str] = mapped_column(String(64), default="", server_default="")
    aid_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class DeskSession(Base):
    """A signed-in desk session (migration 0003). The cookie is signed, and it must also have its row here:
    signing out deletes the row, so a copied cookie is refused after a restart and on every worker."""

    __tablename__ = "desk_sessions"

    sid_hash: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)  # sha256 of the cookie's id
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeskAttempt(Base):
    """Counted attempts per key (a counsellor and client at sign-in, a counsellor at handover codes) in a
    window: incremented atomically *before* the check, so parallel attempts on several workers cannot slip
    past the limit."""

    __tablename__ = "desk_attempts"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeskAudit(Base):
    """What a counsellor did at the desk, and when: never a resident's answers, only a pseudonymous case id."""

    __tablename__ = "desk_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    action: Mapped[str] = mapped_column(String(32))
    counsellor: Mapped[str] = mapped_column(String(100))  # the account's name; "" for an unknown name
    client: Mapped[str] = mapped_column(String(16), default="", server_default="")  # keyed tag, not the address
    case_ref: Mapped[str] = mapped_column(String(16), default="", server_default="")


ALL_TABLES = ("conversations", "processed_messages", "counsellors", "handover_codes", "usage_counters",
              "stopped_numbers", "secret_fingerprints", "sms_outbox", "desk_sessions", "desk_attempts", "desk_audit",
              "counsellor_roles", "followups")

__all__ = ["ALL_TABLES", "Base", "Conversation", "Counsellor", "DeskAttempt", "DeskAudit", "DeskSession",
           "HandoverCode", "OutboxSms", "ProcessedMessage", "SecretFingerprint", "StoppedNumber", "UTCDateTime",
           "UsageCounter"]

# Tables of migration 0005 (desk roles, follow-ups) live beside these, on the same metadata.
from bot.storage import models_followup as _models_followup  # noqa: E402,F401
