"""A person as the service knows them: a pseudonym and a key from their identifier, never stored, and
what is kept about them sealed with that key (bot.storage.sealing)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.storage import rows
from bot.storage.database import Database
from bot.storage.models import Conversation
from bot.storage.pseudonym import message_key, pseudonymise
from bot.storage.sealing import derive_key, is_sealed, person_key, seal, unseal


@dataclass(frozen=True)
class Person:
    channel: str
    user_key: str
    key: bytes = field(repr=False)  # never logged, never stored


class PersonMixin:
    """The part of TurnService that turns identifiers into pseudonyms and keys, and seals and opens."""

    _database: Database
    _pepper: bytes
    _clock: Callable[[], datetime]

    def state_of(self, channel: str, identifier: str) -> dict[str, Any] | None:
        """The stored state of a person, or None (for tests and the desk)."""
        person = self._person(channel, identifier)
        with self._database.connection() as session:
            sealed = session.execute(select(Conversation.state).where(
                Conversation.channel == channel, Conversation.user_key == person.user_key)).scalar_one_or_none()
        return self._open(person, sealed, "state")

    def channel_data_of(self, channel: str, identifier: str) -> str | None:
        """The channel data kept for a person, or None (for tests and operators)."""
        person = self._person(channel, identifier)
        with self._database.connection() as session:
            sealed = session.execute(select(Conversation.channel_data).where(
                Conversation.channel == channel, Conversation.user_key == person.user_key)).scalar_one_or_none()
        return self._open_text(person, sealed, "channel_data")

    def _person(self, channel: str, identifier: str) -> Person:
        _check_channel(channel)
        if not identifier:
            raise ValueError("empty identifier")
        identifier = str(identifier)
        return Person(channel, pseudonymise(self._pepper, channel, identifier),
                      person_key(self._pepper, channel, identifier))

    def _message_key(self, person: Person, message_id: str | None) -> str | None:
        if message_id is None:
            return None
        return message_key(self._pepper, person.channel, person.user_key, str(message_id))

    def _seal(self, person: Person, text: str, column: str) -> str:
        return seal(person.key, text, f"{column}:{person.channel}:{person.user_key}")

    def _seal_optional(self, person: Person, text: str | None, column: str) -> str | None:
        return None if text is None else self._seal(person, text, column)

    def _open_text(self, person: Person, sealed: str | None, column: str) -> str | None:
        if sealed is None:
            return None
        if not is_sealed(sealed):
            return sealed  # written before encryption at rest; sealed at the next write
        return unseal(person.key, sealed, f"{column}:{person.channel}:{person.user_key}")

    def _open(self, person: Person, sealed: str | None, column: str) -> dict[str, Any] | None:
        text = self._open_text(person, sealed, column)
        return json.loads(text) if text else None

    def _queue(self, db: Connection, person: Person, identifier: str, texts: tuple[str, ...], now: datetime) -> None:
        if not texts:
            return
        recipient = seal(derive_key(self._pepper, "outbox"), identifier, "outbox:recipient")
        rows.insert_outbox(db, [{"user_key": person.user_key, "recipient": recipient,
                                 "text": self._seal(person, text, "outbox"), "sms_id": uuid.uuid4().hex,
                                 "attempts": 0, "next_attempt_at": now, "created_at": now} for text in texts])

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now


def _check_channel(channel: str) -> None:
    if not channel or len(channel) > 32:
        raise ValueError("channel must be a short non-empty name")
