"""Tables of migration 0005: desk roles and scheduled follow-ups (see bot.followup)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import KEY_LENGTH, Base, UTCDateTime

ADMIN = "admin"


class CounsellorRole(Base):
    """A role a desk account holds beyond reading cases: "admin" opens /desk/stats."""

    __tablename__ = "counsellor_roles"

    counsellor_id: Mapped[int] = mapped_column(ForeignKey("counsellors.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)


class FollowUp(Base):
    """One follow-up message to send on due_at, to a person who said yes to it.

    Nothing but the pseudonymous key, the channel, the date, and the address (phone number or Telegram
    chat) sealed with a key derived from the pepper: what they were shown is read from their own sealed
    state when the message is written. One per person and channel; deleted once sent, and with the person
    (STOP, « oubli », retention).
    """

    __tablename__ = "followups"
    __table_args__ = (UniqueConstraint("channel", "user_key"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    user_key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    address: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # moved past a lease when claimed
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


__all__ = ["ADMIN", "CounsellorRole", "FollowUp"]
