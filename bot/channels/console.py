"""The terminal channel: `aiguillage chat` (plain text) and `aiguillage chat --json` (one JSON object per line)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.dialog.engine import Engine
from bot.dialog.messages import HANDOVER_CODE, Incoming, Reply, Turn, numbered, numbers_shown
from bot.i18n import translator

PARIS = ZoneInfo("Europe/Paris")


def without_code(replies: tuple[Reply, ...], lang: str) -> tuple[Reply, ...]:
    """The terminal keeps nothing, so it cannot give a handover code (storage makes them): it says so
    plainly instead of showing the placeholder."""
    if not any(reply.kind == "handover" and HANDOVER_CODE in reply.text for reply in replies):
        return replies
    text = translator(lang).gettext("Ici, dans le terminal, je ne garde rien : je ne peux pas créer de code pour "
                                    "un conseiller. Les codes demandent le serveur (aiguillage serve) : "
                                    "Telegram, SMS ou le guichet.")
    return tuple(replace(reply, text=text) if reply.kind == "handover" else reply for reply in replies)


def render_text(reply: Reply) -> str:
    lines = [reply.text]
    if numbers_shown(reply):
        lines.append("   ".join(f"{number}. {choice.label}" for number, choice in numbered(reply.choices)))
    elif reply.choices:
        lines.append(" / ".join(f"« {choice.label} »" for choice in reply.choices))
    return "\n".join(lines)


def reply_as_json(reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": reply.kind,
        "text": reply.text,
        "choices": [{"number": n, "value": c.value, "label": c.label} for n, c in numbered(reply.choices)],
        "expects": reply.expects,
    }
    if reply.place:
        data["place"] = asdict(reply.place)
    if reply.data:
        data["data"] = reply.data
    return data


def incoming_from_json(line: str) -> Incoming:
    """A JSON line: {"text": …} | {"choice": …} | {"command": …} | {"location": {"lat", "lon"}} | {"start": …};
    anything else is taken as typed text, so nothing a script sends is lost."""
    try:
        data = json.loads(line)
    except ValueError:
        return Incoming.from_text(line)
    if not isinstance(data, dict):
        return Incoming.from_text(line if not isinstance(data, str) else data)
    if "choice" in data:
        return Incoming("choice", choice=str(data["choice"]))
    if "command" in data:
        return Incoming("command", command=str(data["command"]))
    if isinstance(data.get("location"), dict):
        try:
            return Incoming("location", lat=float(data["location"]["lat"]), lon=float(data["location"]["lon"]))
        except (KeyError, TypeError, ValueError):
            return Incoming("unsupported", what="location")
    if "start" in data:
        return Incoming("start", payload=str(data["start"] or ""))
    return Incoming.from_text(str(data.get("text", "")))


def run_chat(engine: Engine, *, as_json: bool = False, lang: str = "fr", stdin: TextIO = sys.stdin,
             stdout: TextIO = sys.stdout, clock: Callable[[], datetime] = lambda: datetime.now(PARIS)) -> int:
    state: dict[str, Any] | None = None

    def emit(turn: Turn) -> None:
        replies = without_code(turn.replies, turn.language)
        if as_json:
            # The answers understood so far (profile keys), so that scripts see what was understood.
            line = {"replies": [reply_as_json(r) for r in replies], "answers": turn.answers}
            stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        else:
            stdout.write("\n\n".join(render_text(r) for r in replies) + "\n\n> ")
        stdout.flush()

    turn = engine.handle(None, Incoming("start", payload=lang if lang != "fr" else ""), clock())
    state = turn.state
    emit(turn)
    for line in stdin:
        line = line.rstrip("\n")
        incoming = incoming_from_json(line) if as_json else Incoming.from_text(line)
        turn = engine.handle(state, incoming, clock())
        state = turn.state
        emit(turn)
    if not as_json:
        stdout.write("\n")
    return 0
