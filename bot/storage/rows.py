"""Statements the turn service runs inside its transactions, and the codecs of what it stores.

The statements of a turn are built once per dialect (`statements(connection)`) and executed with
parameters on a Core Connection: no ORM unit of work, no statement construction or cache-key
computation per turn. Every function takes an open Connection and commits nothing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from bot.dialog.messages import Choice, PlaceCard, Reply
from bot.storage.models import (
    Conversation,
    HandoverCode,
    OutboxSms,
    ProcessedMessage,
    StoppedNumber,
    UsageCounter,
    UTCDateTime,
)
from bot.storage.models_followup import FollowUp

log = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "fr"
_LARGE_STATE = 16_000  # the engine promises < 2 KB; far above that something is wrong

C = cast(Table, Conversation.__table__)
P = cast(Table, ProcessedMessage.__table__)
S = cast(Table, StoppedNumber.__table__)
U = cast(Table, UsageCounter.__table__)


class Statements:
    """The prebuilt statements of a turn, for one dialect."""

    def __init__(self, dialect: str) -> None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        now = bindparam("now", type_=UTCDateTime())
        # The duplicate check: a unique insert, the first statement of the turn's transaction.
        self.claim = (insert(P).values(channel=bindparam("channel"), message_key=bindparam("message_key"),
                                       conversation_id=None, processed_at=now, reply=None)
                      .on_conflict_do_nothing(index_elements=["channel", "message_key"]).returning(P.c.message_key))
        self.reply = select(P.c.reply).where(P.c.channel == bindparam("channel"),
                                             P.c.message_key == bindparam("message_key"))
        self.finish = (update(P).where(P.c.channel == bindparam("w_channel"), P.c.message_key == bindparam("w_key"))
                       .values(conversation_id=bindparam("w_conversation"), reply=bindparam("w_reply")))
        # FOR UPDATE on PostgreSQL: two workers never apply two turns of one person at once. SQLite ignores
        # it; there BEGIN IMMEDIATE (and the process's writer lock) already made this the only writer.
        self.lock = (select(C.c.id, C.c.language, C.c.state, C.c.channel_data)
                     .where(C.c.channel == bindparam("channel"), C.c.user_key == bindparam("user_key"))
                     .with_for_update())
        self.language = select(C.c.language).where(C.c.channel == bindparam("channel"),
                                                   C.c.user_key == bindparam("user_key"))
        # ON CONFLICT DO NOTHING: two first messages of one person arriving together on PostgreSQL do not
        # fail on the unique key; the second waits for the first and then finds its row.
        self.create = (insert(C).values(channel=bindparam("channel"), user_key=bindparam("user_key"),
                                        language=DEFAULT_LANGUAGE, state=None, channel_data=None,
                                        created_at=now, updated_at=now)
                       .on_conflict_do_nothing(index_elements=["channel", "user_key"]).returning(C.c.id))
        self.save = (update(C).where(C.c.id == bindparam("w_id"))
                     .values(state=bindparam("w_state"), language=bindparam("w_language"),
                             updated_at=bindparam("w_now", type_=UTCDateTime()),
                             channel_data=bindparam("w_channel_data")))
        self.save_state = (update(C).where(C.c.id == bindparam("w_id"))
                           .values(state=bindparam("w_state"), language=bindparam("w_language"),
                                   updated_at=bindparam("w_now", type_=UTCDateTime())))
        self.save_channel_data = (update(C).where(C.c.id == bindparam("w_id"))
                                  .values(updated_at=bindparam("w_now", type_=UTCDateTime()),
                                          channel_data=bindparam("w_channel_data")))
        self.lift_stop = delete(S).where(S.c.channel == bindparam("channel"), S.c.user_key == bindparam("user_key"))
        self.stop = (insert(S).values(channel=bindparam("channel"), user_key=bindparam("user_key"), stopped_at=now)
                     .on_conflict_do_nothing(index_elements=["channel", "user_key"]))
        counter = insert(U).values(day=bindparam("day"), channel=bindparam("channel"), event=bindparam("event"),
                                   quartier=bindparam("quartier"), aid_id=bindparam("aid_id"),
                                   count=bindparam("count"))
        self.count = counter.on_conflict_do_update(index_elements=["day", "channel", "event", "quartier", "aid_id"],
                                                   set_={"count": U.c.count + counter.excluded.count})
        self.outbox = cast(Table, OutboxSms.__table__).insert()


@cache
def _statements(dialect: str) -> Statements:
    return Statements(dialect)


def statements(connection: Connection) -> Statements:
    return _statements(connection.dialect.name)


def claim_message(connection: Connection, channel: str, message_key: str, now: datetime) -> bool:
    """Record the message as processed, first thing in the turn: False when it already was.

    A unique insert, so two copies of one message in parallel transactions (two workers) cannot both
    pass: on PostgreSQL the second waits for the first to commit and then finds the row; on SQLite
    BEGIN IMMEDIATE already serialised them.
    """
    inserted = connection.execute(statements(connection).claim,
                                  {"channel": channel, "message_key": message_key, "now": now}).first()
    return inserted is not None


def stored_reply(connection: Connection, channel: str, message_key: str) -> str | None:
    found = connection.execute(statements(connection).reply, {"channel": channel, "message_key": message_key})
    return found.scalar_one_or_none()


def finish_message(connection: Connection, channel: str, message_key: str, conversation_id: int | None,
                   reply: str | None) -> None:
    connection.execute(statements(connection).finish, {"w_channel": channel, "w_key": message_key,
                                                       "w_conversation": conversation_id, "w_reply": reply})


def lock(connection: Connection, channel: str, user_key: str) -> Row[Any, Any, Any, Any] | None:
    """(id, language, state, channel_data) of the person's conversation, locked; None when there is none."""
    return connection.execute(statements(connection).lock, {"channel": channel, "user_key": user_key}).first()


def language_of(connection: Connection, channel: str, user_key: str) -> str | None:
    found = connection.execute(statements(connection).language, {"channel": channel, "user_key": user_key})
    return found.scalar_one_or_none()


def lock_or_create(connection: Connection, channel: str, user_key: str,
                   now: datetime) -> tuple[Row[Any, Any, Any, Any], bool]:
    """The person's conversation, locked; created (state None) if new. Returns (conversation, created).

    A new conversation also lifts the person's STOP record: writing again is asking to be answered (a
    stopped person has no conversation, so an existing one needs no such statement)."""
    statement = statements(connection)
    # Retried: the row may be erased by another transaction between our insert and our lock.
    for _ in range(3):
        # Look first: the usual case writes nothing here (and burns no PostgreSQL sequence value).
        conversation = lock(connection, channel, user_key)
        if conversation is not None:
            return conversation, False
        inserted = connection.execute(statement.create, {"channel": channel, "user_key": user_key, "now": now}).first()
        connection.execute(statement.lift_stop, {"channel": channel, "user_key": user_key})
        conversation = lock(connection, channel, user_key)
        if conversation is not None:
            return conversation, inserted is not None
    raise RuntimeError("conversation kept disappearing while being locked")


def delete_person(connection: Connection, channel: str, user_key: str, conversation_id: int | None) -> None:
    """Everything about the person goes, but the pseudonymous processed ids stay (detached, their
    replies cleared) for their 48 h, so late redeliveries remain duplicates.

    Explicit statements rather than trusting ON DELETE alone: erasure must not depend on a connection
    setting (SQLite's foreign_keys pragma)."""
    if conversation_id is not None:
        connection.execute(update(ProcessedMessage).where(ProcessedMessage.conversation_id == conversation_id)
                           .values(conversation_id=None, reply=None))
        connection.execute(delete(HandoverCode).where(HandoverCode.conversation_id == conversation_id))
        connection.execute(delete(Conversation).where(Conversation.id == conversation_id))
    connection.execute(delete(OutboxSms).where(OutboxSms.user_key == user_key))
    connection.execute(delete(FollowUp).where(FollowUp.channel == channel, FollowUp.user_key == user_key))


def record_stop(connection: Connection, channel: str, user_key: str, now: datetime) -> None:
    connection.execute(statements(connection).stop, {"channel": channel, "user_key": user_key, "now": now})


def is_stopped(connection: Connection, channel: str, user_key: str) -> bool:
    return connection.execute(select(StoppedNumber.user_key).where(
        StoppedNumber.channel == channel, StoppedNumber.user_key == user_key)).first() is not None


def bump_counters(connection: Connection, day: date, counts: Counter[tuple[str, str, str, str]]) -> None:
    """Upsert counter rows, in sorted order: two turns bumping the same rows lock them in the same
    order, so they wait for each other instead of deadlocking on PostgreSQL."""
    statement = statements(connection).count
    for (channel, event, quartier, aid_id), n in sorted(counts.items()):
        connection.execute(statement, {"day": day, "channel": channel, "event": event, "quartier": quartier,
                                       "aid_id": aid_id, "count": n})


def insert_outbox(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(statements(connection).outbox, rows)


# -- codecs ------------------------------------------------------------------------------------------


def encode_state(state: dict[str, Any], channel: str) -> str:
    encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(encoded) > _LARGE_STATE:
        log.warning("large state stored channel=%s bytes=%d", channel, len(encoded))
    return encoded


def encode_sent(replies: tuple[Reply, ...], rendered: str | None) -> str:
    """What a processed message keeps of its answer: the channel's rendering when it gave one (all a
    redelivery needs), else the engine's replies."""
    if rendered is not None:
        return json.dumps({"rendered": rendered}, ensure_ascii=False, separators=(",", ":"))
    return json.dumps({"replies": [asdict(reply) for reply in replies]}, ensure_ascii=False, separators=(",", ":"))


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
