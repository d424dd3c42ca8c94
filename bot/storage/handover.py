"""Handover codes: a 6-character code a resident gives a counsellor so the desk opens their case once.

The code is stored as a keyed hash, beside the person's key sealed with a key derived from the code:
the desk, which never learns the person's identifier, can open the current state with the code alone,
and only while the code is valid. Erasing the person deletes the code with everything else.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from bot.stats.events import HANDOVER_PICKED_UP
from bot.storage import rows
from bot.storage.models import Conversation, HandoverCode
from bot.storage.pseudonym import handover_code_hash
from bot.storage.sealing import SealError, derive_key, is_sealed, seal_bytes, unseal, unseal_bytes

if TYPE_CHECKING:
    from bot.storage.database import Database

log = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")  # counters are per day in Paris

HANDOVER_VALIDITY = timedelta(hours=24)
# No 0/O, 1/I/L, U/V: the code is read aloud over a desk or copied from a small screen.
HANDOVER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
HANDOVER_LENGTH = 6


class HandoverMixin:
    """The handover part of TurnService (same database, pepper and person keys)."""

    _database: Database
    _pepper: bytes
    _handover_validity: timedelta  # knowledge/territory.yaml's, which the reply states

    def create_handover_code(self, channel: str, identifier: str, now: datetime) -> str:
        """A 6-character code the person gives a counsellor; valid 24 h, once. Replaces any earlier code
        of this person. Raises LookupError when the person has no conversation."""
        person = self._person(channel, identifier)  # type: ignore[attr-defined]
        with self._database.connection() as db:
            conversation = rows.lock(db, channel, person.user_key)
            if conversation is None:
                raise LookupError("no conversation to hand over")
            code = self._new_handover_code(db, conversation.id, person.key, now)
        log.info("handover code created channel=%s", channel)
        return code

    def _new_handover_code(self, db: Connection, conversation_id: int, person_key: bytes, now: datetime) -> str:
        db.execute(delete(HandoverCode).where(HandoverCode.conversation_id == conversation_id))
        while True:
            code = "".join(secrets.choice(HANDOVER_ALPHABET) for _ in range(HANDOVER_LENGTH))
            code_hash = handover_code_hash(self._pepper, code)
            taken = db.execute(select(HandoverCode.id).where(HandoverCode.code_hash == code_hash))
            if taken.first() is None:
                break
        wrapped = seal_bytes(derive_key(self._pepper, f"handover:{code}"), person_key, f"handover:{code_hash}")
        db.execute(insert(HandoverCode).values(code_hash=code_hash, conversation_id=conversation_id,
                                               expires_at=now + self._handover_validity, used_at=None,
                                               wrapped_key=wrapped))
        return code

    def redeem_handover_code(self, code: str, now: datetime) -> dict[str, Any] | None:
        """The state behind a valid code, once; None for an unknown, used or expired code."""
        normalised = normalise_handover_code(code)
        if normalised is None:
            return None
        code_hash = handover_code_hash(self._pepper, normalised)
        with self._database.connection() as db:
            handover = db.execute(select(HandoverCode.id, HandoverCode.conversation_id, HandoverCode.used_at,
                                         HandoverCode.expires_at, HandoverCode.wrapped_key)
                                  .where(HandoverCode.code_hash == code_hash).with_for_update()).first()
            if handover is None or handover.used_at is not None or handover.expires_at <= now:
                log.info("handover code refused")
                return None
            db.execute(update(HandoverCode).where(HandoverCode.id == handover.id).values(used_at=now))
            conversation = db.execute(select(Conversation.state, Conversation.channel, Conversation.user_key).where(
                Conversation.id == handover.conversation_id)).one()
            sealed, channel, user_key = conversation.state, conversation.channel, conversation.user_key
            rows.bump_counters(db, now.astimezone(PARIS).date(), Counter({(channel, HANDOVER_PICKED_UP, "", ""): 1}))
            wrapped = handover.wrapped_key
        log.info("handover code redeemed")
        if not sealed:
            return {}
        if not is_sealed(sealed):
            return dict(json.loads(sealed))  # written before encryption at rest
        if wrapped is None:
            return None
        try:
            key = unseal_bytes(derive_key(self._pepper, f"handover:{normalised}"), wrapped, f"handover:{code_hash}")
            return dict(json.loads(unseal(key, sealed, f"state:{channel}:{user_key}")))
        except SealError:
            log.warning("handover code redeemed but the case does not open")
            return None


def normalise_handover_code(code: str) -> str | None:
    """Upper case, without spaces or dashes; None when it cannot be a code (no database access)."""
    cleaned = "".join(ch for ch in code.upper() if ch not in " -.\t")
    if len(cleaned) != HANDOVER_LENGTH or any(ch not in HANDOVER_ALPHABET for ch in cleaned):
        return None
    return cleaned
