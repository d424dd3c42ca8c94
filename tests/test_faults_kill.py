"""kill -9 of `aiguillage run`, again and again, under SMS traffic: nothing lost, nothing applied twice,
no reply lost, nothing sent to a stopped number, no conversation reborn after erasure.

The real command runs as a subprocess (tests/serving.py) with the Twilio webhook: one worker on SQLite,
two workers sharing one PostgreSQL schema. Twenty residents text at once, each message after the answer
to the previous one, as phones do. A message is acknowledged when its HTTP answer arrives; until then
the resident's gateway sends it again with the same MessageSid (what Twilio does on a failed webhook),
to whichever worker is up. Meanwhile a worker is killed with SIGKILL at random moments (at least 20
times) and restarted on the same data.

Some residents finish their conversation; others erase it (« oubli ») or text STOP, after which their
gateway redelivers, late, every earlier message (same MessageSid): those get nothing and revive nothing.
Every acknowledged message is also delivered a second time now and then: the copy gets exactly the
answer the first delivery got. At the end each stored conversation equals the one the pure engine
reaches by applying each message once, and every message id is recorded once.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from conftest import MONDAY_MORNING
from serving import Server
from sqlalchemy import func, select
from storage_fixtures import drop_postgres_schema, new_postgres_schema

from bot.dialog.engine import Engine
from bot.dialog.messages import Incoming
from bot.storage import TurnService, open_database
from bot.storage.models import Conversation, ProcessedMessage, StoppedNumber
from tests.hostile.harness import PUBLIC_URL, TWILIO_TOKEN, twilio_request, twiml_messages

pytestmark = pytest.mark.slow

RESIDENTS = 20
KILLS = 20
PEPPER = "a-pepper-shared-by-every-worker-of-the-fault-test"
FULL = [["bonjour", "tous mes droits", "34", "aucun", "je loue", "0", "450", "non", "Bellevue"],
        ["salut", "manger", "23", "2 et 5", "non", "je suis hébergé", "300", "Malakoff"],
        ["bonjour", "mon loyer", "41", "je loue", "aucun", "1200", "0", "Rezé", "résultats"]]
ERASE_WORDS = {"oubli": "oubli", "stop": "STOP"}
DEADLINE = 240.0  # seconds: the whole run, whatever happens (bounded loops)


@dataclass
class Resident:
    index: int
    script: list[str]
    ending: str  # "full", "oubli" or "stop"
    acked: int = 0
    answers: dict[int, list[str]] = field(default_factory=dict)  # step -> messages received first
    late: list[list[str]] = field(default_factory=list)  # answers to late redeliveries after the erasure
    copies: int = 0  # second deliveries of acknowledged messages, answered identically
    retried: int = 0  # delivery attempts that got no answer (worker down or killed mid-request), each retried

    @property
    def number(self) -> str:
        return f"+3367{self.index:07d}"

    def sid(self, step: int) -> str:
        return f"SM{self.index:04d}{step:04d}".ljust(34, "0")


def residents() -> list[Resident]:
    people = []
    for index in range(RESIDENTS):
        ending = ("full", "full", "oubli", "stop")[index % 4]
        script = list(FULL[index % len(FULL)])
        if ending != "full":
            script = script[:4] + [ERASE_WORDS[ending]]
        people.append(Resident(index, script, ending))
    return people


class Workers:
    """The running `aiguillage run` processes; any of them may be dead for a moment."""

    def __init__(self, tmp_path: Path, count: int, env: dict[str, str]) -> None:
        self.dirs = [tmp_path / f"worker{n}" for n in range(count)]
        for directory in self.dirs:
            directory.mkdir(exist_ok=True)
        self.env = env
        self.servers: list[Server | None] = [None] * count
        self.kills = 0
        self.starts = 0

    def start(self, n: int) -> None:
        server = Server(self.dirs[n], env=self.env)
        server.start(timeout=90)
        self.servers[n] = server
        self.starts += 1

    def urls(self) -> list[str]:
        return [s.url for s in self.servers if s is not None and s.process and s.process.poll() is None]

    def kill(self, n: int) -> None:
        server = self.servers[n]
        assert server is not None and server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)
        assert server.stop() == -signal.SIGKILL  # collects it
        self.servers[n] = None
        self.kills += 1

    def stop_all(self) -> None:
        for server in self.servers:
            if server is not None:
                server.stop()


async def post(client: httpx.AsyncClient, workers: Workers, rng: random.Random, resident: Resident, text: str,
               sid: str, deadline: float) -> list[str]:
    """Deliver one SMS as Twilio does: again and again, same MessageSid, until a worker answers."""
    while time.monotonic() < deadline:
        urls = workers.urls()
        if urls:
            params, headers = twilio_request(text, sid, resident.number)
            try:
                response = await client.post(rng.choice(urls) + "/sms/twilio", data=params, headers=headers)
            except httpx.HTTPError:
                response = None
                resident.retried += 1
            if response is not None:
                assert response.status_code == 200, response.text
                return twiml_messages(response.text)
        await asyncio.sleep(0.1)
    raise TimeoutError("no worker answered in time")


async def traffic(workers: Workers, people: list[Resident], deadline: float) -> None:
    rng = random.Random(18)
    total = sum(len(p.script) for p in people)
    # Kill when these many messages have been acknowledged (random moments of the traffic), after a random
    # pause so that the kill lands in the middle of turns.
    kill_points = sorted(rng.randrange(1, total) for _ in range(KILLS))
    done = asyncio.Event()

    async def resident(person: Resident, client: httpx.AsyncClient) -> None:
        while person.acked < len(person.script):
            step = person.acked
            person.answers[step] = await post(client, workers, rng, person, person.script[step], person.sid(step),
                                              deadline)
            person.acked += 1
            if rng.random() < 0.2:  # the provider delivers an acknowledged message again
                again = await post(client, workers, rng, person, person.script[step], person.sid(step), deadline)
                assert again == person.answers[step], (person.index, step)
                person.copies += 1
            await asyncio.sleep(rng.uniform(0.0, 0.15))  # the person reads and answers
        if person.ending != "full":
            for step in range(len(person.script) - 1):  # late redeliveries of everything before the erasure
                person.late.append(await post(client, workers, rng, person, person.script[step], person.sid(step),
                                              deadline))

    async def killer() -> None:
        for point in kill_points:
            while sum(p.acked for p in people) < point and not done.is_set():
                await asyncio.sleep(0.01)
            await asyncio.sleep(rng.uniform(0.0, 0.08))
            victim = rng.randrange(len(workers.servers))
            await asyncio.to_thread(workers.kill, victim)
            await asyncio.to_thread(workers.start, victim)

    async with httpx.AsyncClient(timeout=15) as client:  # Twilio gives up on a webhook after 15 s
        kills = asyncio.create_task(killer())
        await asyncio.gather(*(resident(person, client) for person in people))
        done.set()
        await kills


def expected_state(engine: Engine, script: list[str]) -> dict:
    state = None
    for text in script:
        state = engine.handle(state, Incoming.from_text(text), MONDAY_MORNING).state
    return state


def run_and_check(tmp_path: Path, catalogue, workers_count: int, database_url: str | None) -> None:  # type: ignore[no-untyped-def]
    env = {"AIGUILLAGE_TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "AIGUILLAGE_PUBLIC_URL": PUBLIC_URL,
           "AIGUILLAGE_PEPPER": PEPPER}
    if database_url:
        env["AIGUILLAGE_DATABASE_URL"] = database_url
    workers = Workers(tmp_path, workers_count, env)
    people = residents()
    started = time.monotonic()
    try:
        for n in range(workers_count):
            workers.start(n)
        asyncio.run(traffic(workers, people, started + DEADLINE))
    finally:
        workers.stop_all()
    assert workers.kills >= KILLS

    for person in people:
        assert person.acked == len(person.script)
        # No reply lost: every message got its answer, a redelivery included (never an empty <Response/>).
        assert all(person.answers[step] for step in range(len(person.script))), person.index
        # Nothing to a stopped number, nothing revived after « oubli »: late redeliveries get nothing.
        assert person.late == [[]] * (len(person.script) - 1 if person.ending != "full" else 0), person.index
        if person.ending == "stop":
            assert "ne recevrez plus" in person.answers[len(person.script) - 1][0]

    database = open_database(database_url, workers.dirs[0] / "data")
    try:
        service = TurnService(database, Engine(catalogue), PEPPER.encode())
        engine = Engine(catalogue)
        for person in people:
            state = service.state_of("sms", person.number)
            if person.ending == "full":
                assert state == expected_state(engine, person.script), f"resident {person.index}"
            else:
                assert state is None, f"resident {person.index} reborn after {person.ending}"
        with database.transaction() as session:
            processed = session.execute(select(func.count()).select_from(ProcessedMessage)).scalar_one()
            conversations = session.execute(select(func.count()).select_from(Conversation)).scalar_one()
            stopped = session.execute(select(func.count()).select_from(StoppedNumber)).scalar_one()
        assert processed == sum(len(p.script) for p in people)  # each message recorded once
        assert conversations == sum(1 for p in people if p.ending == "full")
        assert stopped == sum(1 for p in people if p.ending == "stop")
    finally:
        database.dispose()
    print(f"\n[kill -9 x{workers.kills}, {workers_count} worker(s)] {sum(len(p.script) for p in people)} messages, "
          f"{sum(p.retried for p in people)} delivery attempts unanswered (worker down or killed) and retried, "
          f"{sum(p.copies for p in people)} second deliveries answered identically, "
          f"{sum(len(p.late) for p in people)} late redeliveries after an erasure answered with nothing, "
          f"{workers.starts} starts, {time.monotonic() - started:.0f} s")


def test_kill_9_twenty_times_on_sqlite_loses_nothing_and_revives_nothing(tmp_path: Path, catalogue) -> None:  # type: ignore[no-untyped-def]
    run_and_check(tmp_path, catalogue, 1, None)


@pytest.mark.postgres
def test_kill_9_twenty_times_among_two_postgresql_workers_loses_nothing(tmp_path: Path, catalogue) -> None:  # type: ignore[no-untyped-def]
    schema, url = new_postgres_schema()
    try:
        run_and_check(tmp_path, catalogue, 2, url)
    finally:
        drop_postgres_schema(schema)
