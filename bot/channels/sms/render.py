"""The engine's replies as SMS texts: plain GSM-7, numbered choices, at most three SMS per turn.

A feature phone shows plain text only, so choices become numbers the person types back (the same
numbers the engine accepts, from `messages.numbered`) and a place becomes its name, address, hours
and phone. What does not fit in `MAX_PARTS` SMS is kept as `pending` and sent when the person
texts `MORE_KEYWORD`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.channels.sms.gsm7 import SINGLE_SEPTETS, septets, split_sms, to_gsm7
from bot.dialog.messages import PlaceCard, Reply, numbered, numbers_shown
from bot.i18n import Translator, translator

# Three SMS is what a person reads in one go on a small screen, and bounds the cost of one turn.
MAX_PARTS = 3
# The word that asks for the rest. Not translated: one fixed word is easier to announce, to type on
# any keypad and to recognise, whatever the person's language (like STOP for opting out).
# "1 = suite" would collide with the numbered choices of the same message.
MORE_KEYWORD = "SUITE"


@dataclass(frozen=True)
class SmsBatch:
    """SMS texts to send now (each one GSM-7 segment) and the GSM-7 text kept for MORE_KEYWORD."""

    messages: list[str] = field(default_factory=list)
    pending: str = ""


def render(replies: Sequence[Reply], lang: str) -> SmsBatch:
    t = translator(lang)
    # An emergency number must never wait behind "SUITE": it goes first, other replies keep their order.
    ordered = sorted(replies, key=lambda reply: reply.kind != "emergency")
    blocks = [block for block in (_tidy(to_gsm7(_reply_text(reply, t))) for reply in ordered) if block]
    if not blocks:
        return SmsBatch()
    compact = "\n".join(blocks)
    if septets(compact) <= SINGLE_SEPTETS:
        return SmsBatch([compact])
    # Several SMS: a blank line between replies lets the splitter keep each reply in one SMS.
    return _split("\n\n".join(blocks), t)


def render_pending(pending: str, lang: str) -> SmsBatch:
    """The next SMS when the person asks for the rest of a long answer."""
    return _split(pending, translator(lang))


def _split(text: str, t: Translator) -> SmsBatch:
    more = t.gettext("Envoyez {keyword} pour la suite.").format(keyword=MORE_KEYWORD)
    parts, remainder = split_sms(text, MAX_PARTS, more=more)
    return SmsBatch(parts, remainder)


def _reply_text(reply: Reply, t: Translator) -> str:
    if reply.place is not None:
        # The engine's text repeats the card for chat channels: by SMS, its first line and the card.
        lead = reply.text.strip().split("\n", 1)[0] if reply.text.strip() else ""
        lines = ([lead] if lead and lead != reply.place.name else []) + _place_lines(reply.place, t)
    else:
        # Aids come as one line each (name and amount): the details wait at the accueil.
        text = str(reply.data.get("brief") or reply.text).strip()
        lines = [text] if text else []
    if numbers_shown(reply):
        # One choice per line: a newline costs one septet like a space, and "2 25 ans ou plus" on one
        # line with other choices would be ambiguous.
        lines += [f"{number} {choice.label.strip()}" for number, choice in numbered(reply.choices)]
    return "\n".join(lines)


def _place_lines(place: PlaceCard, t: Translator) -> list[str]:
    lines = [part for part in (place.name, place.address, place.open_now, place.hours) if part]
    if place.phone:
        lines.append(t.gettext("Tél. {phone}").format(phone=place.phone))
    return lines


_SPACES = re.compile(r"[ ]{2,}")
_SPACE_AT_LINE_END = re.compile(r"[ ]+\n|\n[ ]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _tidy(text: str) -> str:
    # Removed emoji and marks leave double spaces; every septet counts.
    text = _SPACES.sub(" ", text)
    text = _SPACE_AT_LINE_END.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()
