"""The hostile-message corpus (messages.json, built by generate.py) and what each transport can carry.

    from tests.hostile import corpus, for_telegram, for_sms, for_json

tests/ is not a package: modules importing this put the project root on sys.path first (pytest's
pythonpath setting does it for test modules).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.dialog.text import fold
from bot.i18n import LANGUAGES

HERE = Path(__file__).resolve().parent
PHASES = ("need", "ask", "done", "language")
STATE_LIMIT = 2048  # bytes of JSON: the engine's promise (docs/architecture.md)
# A {word} left in a reply is a template that was not filled (or a person's "{0}" echoed back).
PLACEHOLDER = re.compile(r"\{[A-Za-z_0-9!:.\[\]]*\}")
INTERNALS = ("Traceback", "<class ", "__class__", "object at 0x", "None", "nan", "inf")
TELEGRAM_MAX_TEXT = 4096  # Telegram refuses longer messages from clients: they never reach a bot
SMS_MAX_TEXT = 1600  # the longest inbound SMS Twilio delivers (10 concatenated segments)


@dataclass(frozen=True)
class Hostile:
    index: int
    tag: str
    text: str

    def __str__(self) -> str:  # for assertion messages: short and printable
        shown = ascii(self.text)
        return f"#{self.index} [{self.tag}] {shown[:80]}{'…' if len(shown) > 80 else ''}"


@lru_cache(maxsize=1)
def corpus() -> tuple[Hostile, ...]:
    raw = json.loads((HERE / "messages.json").read_text(encoding="ascii"))
    return tuple(Hostile(index, item["tag"], item["text"]) for index, item in enumerate(raw))


def has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(char) <= 0xDFFF for char in text)


def for_telegram() -> list[Hostile]:
    """What a Telegram client can send as a text message: valid UTF-8, not blank, at most 4096
    characters (longer texts are cut by the client into several messages: the head is what arrives)."""
    kept = []
    for item in corpus():
        if has_surrogate(item.text) or not item.text.strip():
            continue
        text = item.text[:TELEGRAM_MAX_TEXT]
        kept.append(Hostile(item.index, item.tag, text) if text != item.text else item)
    return kept


def _cut(item: Hostile, limit: int) -> Hostile:
    return item if len(item.text) <= limit else Hostile(item.index, item.tag, item.text[:limit])


def for_sms() -> list[Hostile]:
    """What an SMS gateway can post in a UTF-8 form body: everything but lone surrogates (the empty SMS
    included: some phones send one), at most 1600 characters (a concatenated SMS of 10 segments, the
    most Twilio delivers; longer texts arrive as several messages)."""
    return [_cut(item, SMS_MAX_TEXT) for item in corpus() if not has_surrogate(item.text)]


def for_json() -> list[Hostile]:
    """What the Android gateway's JSON webhook can carry: lone surrogates too (as \\ud800 escapes),
    at most 1600 characters like any SMS."""
    return [_cut(item, SMS_MAX_TEXT) for item in corpus()]


# -- what every turn of the engine must be ------------------------------------------------------------


def check_turn(engine, turn, item: Hostile | None = None) -> None:
    """At least one reply, each plain non-empty text, no unfilled {placeholder} or Python internals, the
    person's words not echoed, and a valid state (check_state)."""
    where = str(item) if item else ""
    assert turn.replies, f"no reply to {where}"
    for reply in turn.replies:
        assert isinstance(reply.text, str) and reply.text.strip(), f"empty reply to {where}"
        reply.text.encode("utf-8")  # no lone surrogate
        holes = [hole for hole in PLACEHOLDER.findall(reply.text)
                 if not (reply.kind == "handover" and hole == "{code}")]
        assert not holes, f"unfilled {holes} in {reply.text!r} for {where}"
        for internal in INTERNALS:
            assert not re.search(rf"(?<!\w){re.escape(internal)}(?!\w)", reply.text), (internal, reply.text, where)
        for choice in reply.choices:
            assert choice.value and choice.label.strip(), (reply, where)
    if item is not None and len(fold(item.text)) >= 16:
        everything = "\n".join(r.text + " ".join(c.label for c in r.choices) for r in turn.replies)
        assert item.text.strip() not in everything, f"the message was echoed: {where}"
    check_state(engine, turn.state, turn.erase, where)


def check_state(engine, state: dict, erased: bool, where: str = "") -> None:
    """JSON (strict: no NaN, UTF-8), under STATE_LIMIT bytes, a valid phase, question and language."""
    encoded = json.dumps(state, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    assert len(encoded) < STATE_LIMIT, (len(encoded), where)
    if erased:
        assert state == {}, where
        return
    assert state["phase"] in PHASES, where
    assert state["lang"] in LANGUAGES, where
    if state["phase"] == "ask":
        assert state["q"] in {q.id for q in engine.catalogue.questions}, where
    assert json.loads(encoded) == state  # survives storage unchanged
