"""kill -9 of `aiguillage run` in the middle of SMS traffic: after a restart on the same data directory and
the gateway's redeliveries (same MessageSid), every message is applied exactly once.

The real command runs as a subprocess (tests/serving.py) with the Twilio webhook. Twenty residents text
at once, each message after the answer to the previous one, as phones do; a message is acknowledged when
its HTTP answer arrives. The process is killed with SIGKILL twice while requests are in flight (once
early, once later), restarted on the same directory each time, and each resident's gateway resends,
in order, every message it has no answer for, with the same MessageSid (what Twilio does on a failed
webhook). At the end each conversation's state must equal the one the pure engine reaches by applying
each message once, every message id must be recorded once, and nothing must have been lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest
from conftest import MONDAY_MORNING
from serving import Server
from sqlalchemy import func, select

from bot.dialog.engine import Engine
from bot.dialog.messages import Incoming
from bot.storage import TurnService, load_or_create_pepper, open_database
from bot.storage.models import Conversation, ProcessedMessage
from tests.hostile.harness import PUBLIC_URL, TWILIO_TOKEN, twilio_request, twiml_messages

pytestmark = pytest.mark.slow

RESIDENTS = 20
SCRIPTS = [["bonjour", "tous mes droits", "34", "aucun", "je loue", "0", "450", "non", "Bellevue"],
           ["salut", "manger", "23", "2 et 5", "non", "je suis hébergé", "300", "Malakoff"],
           ["bonjour", "mon loyer", "41", "je loue", "aucun", "1200", "0", "Rezé", "résultats"],
           ["hello", "argent", "67", "non", "je suis propriétaire", "800", "0"]]
KILL_AFTER = (0.3, 0.7)  # fractions of all messages acknowledged when the process is killed


def script_of(resident: int) -> list[str]:
    return SCRIPTS[resident % len(SCRIPTS)]


def number_of(resident: int) -> str:
    return f"+3366{resident:07d}"


async def traffic(server: Server, acked: dict[int, int], kill_at: int | None, total: int) -> tuple[bool, int]:
    """Every resident sends what it has no answer for, in order; SIGKILL when `kill_at` answers have come.
    Returns (killed, duplicates seen: redeliveries of messages committed before a kill)."""
    killed = False
    duplicates = 0

    async def resident(index: int, client: httpx.AsyncClient) -> None:
        nonlocal killed, duplicates
        script = script_of(index)
        while acked[index] < len(script) and not killed:
            step = acked[index]
            params, headers = twilio_request(script[step], f"SM{index:04d}{step:04d}".ljust(34, "0"),
                                             number_of(index))
            try:
                response = await client.post(server.url + "/sms/twilio", data=params, headers=headers)
            except httpx.HTTPError:
                return  # the process is gone: this message is not acknowledged
            assert response.status_code == 200, response.text
            messages = twiml_messages(response.text)
            if not messages:
                duplicates += 1  # committed before a kill, answered then lost: redelivered, not reapplied
            acked[index] += 1
            if kill_at is not None and not killed and sum(acked.values()) >= kill_at:
                killed = True
                os.kill(server.process.pid, signal.SIGKILL)

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(resident(index, client) for index in range(RESIDENTS)))
    return killed, duplicates


def expected_state(engine: Engine, script: list[str]) -> dict:
    state = None
    for text in script:
        state = engine.handle(state, Incoming.from_text(text), MONDAY_MORNING).state
    return state


def test_kill_9_under_sms_traffic_then_redelivery_applies_every_message_exactly_once(tmp_path: Path, catalogue):
    env = {"AIGUILLAGE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "AIGUILLAGE_PUBLIC_URL": PUBLIC_URL}
    total = sum(len(script_of(index)) for index in range(RESIDENTS))
    acked = {index: 0 for index in range(RESIDENTS)}
    kills, duplicates, starts = 0, 0, 0
    plan = [int(total * fraction) for fraction in KILL_AFTER] + [None]
    for kill_at in plan:
        server = Server(tmp_path, env=env)
        server.start(timeout=60)
        starts += 1
        try:
            killed, seen = asyncio.run(traffic(server, acked, kill_at, total))
            duplicates += seen
        finally:
            code = server.stop()  # SIGTERM when still running; collects a killed one
        if killed:
            kills += 1
            assert code == -signal.SIGKILL
        if all(acked[index] == len(script_of(index)) for index in range(RESIDENTS)):
            break
    assert kills == 2, (kills, acked)
    assert all(acked[index] == len(script_of(index)) for index in range(RESIDENTS)), acked

    data_dir = tmp_path / "data"
    database = open_database(None, data_dir)
    try:
        service = TurnService(database, Engine(catalogue), load_or_create_pepper(data_dir, None))
        engine = Engine(catalogue)
        for index in range(RESIDENTS):
            state = service.state_of("sms", number_of(index))
            assert state == expected_state(engine, script_of(index)), f"resident {index}"
        with database.transaction() as session:
            assert session.execute(select(func.count()).select_from(ProcessedMessage)).scalar_one() == total
            assert session.execute(select(func.count()).select_from(Conversation)).scalar_one() == RESIDENTS
    finally:
        database.dispose()
    print(f"\n[kill -9] {total} messages, {kills} kills, {starts} starts, "
          f"{duplicates} redeliveries of messages committed before a kill")
