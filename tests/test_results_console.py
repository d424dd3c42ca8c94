"""The terminal (issue 16): asked for a handover code, it says plainly that codes need the server,
never a literal "{code}"; and it shows the results in the order that serves action."""

from __future__ import annotations

import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.channels.console import run_chat

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


def chat(engine, lines: list[str], *, as_json: bool = False, lang: str = "fr") -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    run_chat(engine, as_json=as_json, lang=lang, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out,
             clock=lambda: NOW)
    return out.getvalue()


def test_a_handover_code_in_the_terminal_says_codes_need_the_server(engine) -> None:  # type: ignore[no-untyped-def]
    text = chat(engine, ["logement", "je loue", "code"])
    assert "{code}" not in text
    assert "le serveur (aiguillage serve)" in text


def test_the_same_in_json_and_in_another_language(engine) -> None:  # type: ignore[no-untyped-def]
    lines = [json.loads(line) for line in chat(engine, ["logement", "je loue", "code"], as_json=True,
                                                lang="en").splitlines()]
    handover = [r for line in lines for r in line["replies"] if r["kind"] == "handover"]
    assert handover and "{code}" not in handover[0]["text"] and "aiguillage serve" in handover[0]["text"]
    assert "terminal" in handover[0]["text"]
