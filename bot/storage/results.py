"""What the turn service takes from a channel and gives back: the results of a turn, the channel's rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from bot.dialog.messages import Incoming, Reply, Turn


@dataclass(frozen=True)
class Rendered:
    """What a channel's callback returns inside the turn's transaction."""

    sent: str | None = None  # the channel's rendering of the replies, kept sealed with the processed id
    keep: str | None = None  # channel data kept until the next turn (None: nothing)
    queue: tuple[str, ...] = ()  # SMS for the durable outbox (Android gateway), committed with the turn


# Called inside a turn's transaction with the replies and the person's language: what the channel keeps
# (str or None, as channel data) or a Rendered. See TurnService.handle.
ChannelData = Callable[[tuple[Reply, ...], str], "str | None | Rendered"]
# Called inside TurnService.advance_channel_data with the kept data and the language.
ChannelDataStep = Callable[[str, str], "str | None | Rendered"]


class DialogEngine(Protocol):
    def handle(self, state: dict[str, Any] | None, incoming: Incoming, now: datetime) -> Turn: ...


@dataclass(frozen=True)
class TurnResult:
    replies: tuple[Reply, ...]  # send them (the state is already committed)
    # This message id was already handled: replies and rendered are those stored with the first delivery,
    # to send again (empty once the person was erased or after 48 h).
    duplicate: bool
    language: str  # the person's language after the turn, for the channel's own texts
    rendered: str | None = None  # the channel's own rendering (Rendered.sent), first delivery or this one
    erased: bool = False


@dataclass(frozen=True)
class ChannelDataResult:
    """What TurnService.advance_channel_data did."""

    applied: bool  # the step ran on the kept data; its result is stored and the message marked processed
    duplicate: bool  # this message id was already handled: nothing ran; rendered is what was sent then
    language: str  # the person's language (DEFAULT_LANGUAGE when there is no conversation)
    rendered: str | None = None


@dataclass(frozen=True)
class UsageCount:
    day: date
    channel: str
    event: str
    quartier: str  # "" when unknown
    aid_id: str  # "" for events not about an aid
    count: int


def as_rendered(value: str | None | Rendered) -> Rendered:
    return value if isinstance(value, Rendered) else Rendered(keep=value)
