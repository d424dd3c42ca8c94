"""Statements the turn service runs inside its transactions, and the codecs of what it stores.

Every function takes an open Session and commits nothing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.dialog.messages import Choice, PlaceCard, Reply
from bot.storage.models import Conversation, HandoverCode, OutboxSms, ProcessedMessage, StoppedNumber, UsageCounter
from bot.storage.models_followup import FollowUp

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "fr"
_LARGE_STATE = 16_000  # the engine promises < 2 KB; far above that something is wrong


def _insert(session: Session):  # type: ignore[no-untyped-def]
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def claim_message(session: Session, channel: str, message_key: str, now: datetime) -> bool:
    """Record the message as processed, first thing in the turn: False when it already was.

    A unique insert, so two copies of one message in parallel transactions (two workers) cannot both
    pass: on PostgreSQL the second waits for the first to commit and then finds the row; on SQLite
    BEGIN IMMEDIATE already serialised them.
    """
    inserted = session.execute(
        _insert(session)(ProcessedMessage)
        .values(channel=channel, message_key=message_key, conversation_id=None, processed_at=now, reply=None)
        .on_conflict_do_nothing(index_elements=["channel", "message_key"])
        .returning(ProcessedMessage.message_key)
    ).scalar_one_or_none()
    return inserted is not None


def stored_reply(session: Session, channel: str, message_key: str) -> str | None:
    return session.execute(select(ProcessedMessage.reply).where(
        ProcessedMessage.channel == channel, ProcessedMessage.message_key == message_key)).scalar_one_or_none()


def finish_message(session: Session, channel: str, message_key: str, conversation_id: int | None,
                   reply: str | None) -> None:
    session.execute(update(ProcessedMessage).where(
        ProcessedMessage.channel == channel, ProcessedMessage.message_key == message_key)
        .values(conversation_id=conversation_id, reply=reply))


def lock(session: Session, channel: str, user_key: str) -> Conversation | None:
    # FOR UPDATE on PostgreSQL: two workers never apply two turns of one person at once. SQLite ignores
    # it; there BEGIN IMMEDIATE already made this transaction the only writer.
    return session.execute(select(Conversation).where(Conversation.channel == channel,
                                                      Conversation.user_key == user_key)
                           .with_for_update()).scalar_one_or_none()


def lock_or_create(session: Session, channel: str, user_key: str, now: datetime) -> tuple[Conversation, bool]:
    """The person's conversation, locked; created (state None) if new. Returns (conversation, created)."""
    # Retried: the row may be erased by another transaction between our insert and our lock.
    for _ in range(3):
        # Look first: the usual case writes nothing here (and burns no PostgreSQL sequence value).
        conversation = lock(session, channel, user_key)
        if conversation is not None:
            return conversation, False
        # ON CONFLICT DO NOTHING: two first messages of one person arriving together on PostgreSQL
        # do not fail on the unique key; the second waits for the first and then finds its row.
        inserted = session.execute(
            _insert(session)(Conversation)
            .values(channel=channel, user_key=user_key, language=DEFAULT_LANGUAGE, state=None,
                    created_at=now, updated_at=now)
            .on_conflict_do_nothing(index_elements=["channel", "user_key"])
            .returning(Conversation.id)
        ).scalar_one_or_none()
        conversation = lock(session, channel, user_key)
        if conversation is not None:
            return conversation, inserted is not None
    raise RuntimeError("conversation kept disappearing while being locked")


def delete_person(session: Session, channel: str, user_key: str, conversation_id: int | None) -> None:
    """Everything about the person goes, but the pseudonymous processed ids stay (detached, their
    replies cleared) for their 48 h, so late redeliveries remain duplicates.

    Explicit statements rather than trusting ON DELETE alone: erasure must not depend on a connection
    setting (SQLite's foreign_keys pragma)."""
    if conversation_id is not None:
        session.execute(update(ProcessedMessage).where(ProcessedMessage.conversation_id == conversation_id)
                        .values(conversation_id=None, reply=None))
        session.execute(delete(HandoverCode).where(HandoverCode.conversation_id == conversation_id))
        session.execute(delete(Conversation).where(Conversation.id == conversation_id))
    session.execute(delete(OutboxSms).where(OutboxSms.user_key == user_key))
    session.execute(delete(FollowUp).where(FollowUp.channel == channel, FollowUp.user_key == user_key))


def record_stop(session: Session, channel: str, user_key: str, now: datetime) -> None:
    session.execute(_insert(session)(StoppedNumber).values(channel=channel, user_key=user_key, stopped_at=now)
                    .on_conflict_do_nothing(index_elements=["channel", "user_key"]))


def lift_stop(session: Session, channel: str, user_key: str) -> None:
    """The person wrote again: answering them is what they ask for now."""
    session.execute(delete(StoppedNumber).where(StoppedNumber.channel == channel, StoppedNumber.user_key == user_key))


def is_stopped(session: Session, channel: str, user_key: str) -> bool:
    return session.execute(select(StoppedNumber.user_key).where(
        StoppedNumber.channel == channel, StoppedNumber.user_key == user_key)).first() is not None


def bump_counters(session: Session, day: date, counts: Counter[tuple[str, str, str, str]]) -> None:
    """Upsert counter rows, in sorted order: two turns bumping the same rows lock them in the same
    order, so they wait for each other instead of deadlocking on PostgreSQL."""
    insert = _insert(session)
    for (channel, event, quartier, aid_id), n in sorted(counts.items()):
        statement = insert(UsageCounter).values(day=day, channel=channel, event=event, quartier=quartier,
                                                aid_id=aid_id, count=n)
        session.execute(statement.on_conflict_do_update(
            index_elements=["day", "channel", "event", "quartier", "aid_id"],
            set_={"count": UsageCounter.count + statement.excluded.count}))


# -- codecs ------------------------------------------------------------------------------------------


def encode_state(state: dict[str, Any], channel: str) -> str:
    encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(encoded) > _LARGE_STATE:
        log.warning("large state stored channel=%s bytes=%d", channel, len(encoded))
    return encoded


def encode_sent(replies: tuple[Reply, ...], rendered: str | None) -> str:
    """What a processed message keeps of its answer: the engine's replies and the channel's rendering."""
    return json.dumps({"replies": [asdict(reply) for reply in replies], "rendered": rendered},
                      ensure_ascii=False, separators=(",", ":"))


def decode_sent(text: str) -> tuple[tuple[Reply, ...], str | None]:
    document = json.loads(text)
    replies = tuple(_reply(item) for item in document.get("replies", ()))
    rendered = document.get("rendered")
    return replies, rendered if isinstance(rendered, str) else None


def _reply(item: dict[str, Any]) -> Reply:
    place = item.get("place")
    return Reply(kind=item["kind"], text=item["text"],
                 choices=tuple(Choice(**choice) for choice in item.get("choices", ())),
                 expects=item.get("expects", "none"),
                 place=PlaceCard(**place) if isinstance(place, dict) else None,
                 data=dict(item.get("data") or {}))
