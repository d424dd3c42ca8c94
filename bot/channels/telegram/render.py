"""How a channel-neutral Reply looks on Telegram: text chunks, inline buttons, the location keyboard.

Pure functions (no network), so the shapes Telegram is strict about (4096-character texts,
64-byte callback data, one markup per message) are tested without a server.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.constants import InlineKeyboardButtonLimit, MessageLimit

from bot.dialog.messages import Choice, Incoming, Reply
from bot.i18n import Translator

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
MAX_CALLBACK_DATA = InlineKeyboardButtonLimit.MAX_CALLBACK_DATA  # 64 bytes

# Callback data normally is the Choice.value itself. A value that cannot be callback data
# (too long, empty, or starting with this marker) is sent as "~" + its label instead and read
# back as typed text: the engine understands a choice's label as an answer.
TEXT_MARKER = "~"

# Labels up to this length sit two to a row; longer ones get a row each so nothing is cut off
# on a small phone screen.
SHORT_LABEL = 16

# Telegram commands (Latin lower case, no accents) -> the engine's channel-neutral commands.
# "help" is there too because Telegram clients suggest /help to every bot.
COMMANDS: dict[str, str] = {
    "aide": "help",
    "help": "help",
    "recommencer": "restart",
    "retour": "back",
    "resultats": "results",
    "langue": "language",
    "oubli": "erase",
}

# The menu shown by Telegram clients, in this order, with French descriptions (translated per language).
MENU: tuple[tuple[str, str], ...] = (
    ("aide", "Comment ça marche"),
    ("retour", "Revenir à la question précédente"),
    ("resultats", "Voir mes résultats"),
    ("recommencer", "Recommencer depuis le début"),
    ("langue", "Changer de langue"),
    ("oubli", "Effacer toutes mes réponses"),
)


def menu_commands(t: Translator) -> list[BotCommand]:
    # The descriptions are listed here in French so that string extraction finds them.
    described = {
        "aide": t.gettext("Comment ça marche"),
        "retour": t.gettext("Revenir à la question précédente"),
        "resultats": t.gettext("Voir mes résultats"),
        "recommencer": t.gettext("Recommencer depuis le début"),
        "langue": t.gettext("Changer de langue"),
        "oubli": t.gettext("Effacer toutes mes réponses"),
    }
    return [BotCommand(name, described[name]) for name, _ in MENU]


def location_label(t: Translator) -> str:
    return t.gettext("📍 Envoyer ma position")


# ---------------------------------------------------------------------------------------- messages


def merged(replies: Sequence[Reply]) -> list[Reply]:
    """A results turn in fewer messages, same words: a reply that asks nothing is joined with the
    next one (the follow-up offer and the menu are one message). An emergency stays a message of its
    own, the aids of the results start one, and a place keeps its pin (the next reply's words come
    under the venue). A results turn is then at most: the venue, where to go, the aids with the menu."""
    if not any(reply.kind == "results" for reply in replies):
        return list(replies)  # other turns are short already; their messages stay one per reply
    out: list[Reply] = []
    for reply in replies:
        previous = out[-1] if out else None
        if previous is not None and _joinable(previous, reply):
            out[-1] = replace(previous, kind=reply.kind if reply.choices else previous.kind,
                              text=previous.text + "\n\n" + reply.text, choices=reply.choices,
                              expects=reply.expects, data={**previous.data, **reply.data},
                              aids=previous.aids + reply.aids, emergency=previous.emergency or reply.emergency,
                              question=reply.question or previous.question, door=previous.door or reply.door)
        else:
            out.append(reply)
    return out


def _joinable(first: Reply, second: Reply) -> bool:
    return (not first.choices and first.expects == "none" and first.kind not in ("emergency", "handover")
            and second.kind not in ("emergency", "results", "handover") and second.place is None
            and len(first.text) + len(second.text) + 2 <= MAX_TEXT)


# ---------------------------------------------------------------------------------------- buttons


def callback_data(choice: Choice) -> str:
    value = choice.value
    if value and not value.startswith(TEXT_MARKER) and len(value.encode("utf-8")) <= MAX_CALLBACK_DATA:
        return value
    return TEXT_MARKER + _truncate_bytes(choice.label or value, MAX_CALLBACK_DATA - len(TEXT_MARKER))


def incoming_from_callback(data: str, lang: str) -> Incoming:
    """The Incoming for a pressed button's callback data (see callback_data)."""
    if data.startswith(TEXT_MARKER):
        return Incoming("text", text=data[len(TEXT_MARKER):], lang=lang)
    return Incoming("choice", choice=data, lang=lang)


def inline_keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    buttons = [InlineKeyboardButton(choice.label or choice.value, callback_data=callback_data(choice))
               for choice in choices]
    per_row = 2 if all(len(choice.label) <= SHORT_LABEL for choice in choices) else 1
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    # one_time_keyboard: the keyboard folds away once used; the adapter removes it for good
    # with the next message that can carry a ReplyKeyboardRemove.
    return ReplyKeyboardMarkup([[KeyboardButton(location_label(t), request_location=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def _truncate_bytes(text: str, limit: int) -> str:
    encoded = text.encode("utf-8")[:limit]
    return encoded.decode("utf-8", errors="ignore")


# ---------------------------------------------------------------------------------------- text

# Where a long text may be cut, best first: between paragraphs, between lines, after a sentence,
# between words. A cut earlier than a third of the limit would leave a needlessly short message,
# so a weaker boundary further on is preferred to it.
_BOUNDARIES = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?…:;])\s+"), re.compile(r"\s+"))


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut text into non-empty pieces of at most `limit` UTF-16 code units (never more than
    Telegram's limit however it counts), at the best boundary available."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        fit = _fitting_prefix(rest, limit)
        if fit >= len(rest):
            chunks.append(rest)
            break
        cut, resume = _cut_point(rest, fit, minimum=max(1, fit // 3))
        piece = rest[:cut].rstrip()
        if not piece:  # only whitespace before the cut: cut hard instead
            cut = resume = fit
            piece = rest[:cut]
        chunks.append(piece)
        rest = rest[resume:].lstrip()
    return chunks


def _fitting_prefix(text: str, limit: int) -> int:
    """How many characters of text fit in `limit` UTF-16 code units (astral characters count 2)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def _cut_point(text: str, fit: int, minimum: int) -> tuple[int, int]:
    """(end of this piece, start of the next) for a text longer than `fit` characters."""
    window = text[:fit + 1]  # a boundary right after the last fitting character counts too
    for boundary in _BOUNDARIES:
        best = None
        for match in boundary.finditer(window):
            if minimum <= match.start() <= fit:
                best = match
        if best is not None:
            return best.start(), best.end()
    return fit, fit
