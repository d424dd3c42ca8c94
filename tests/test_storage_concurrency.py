"""Concurrent writers (the async channels call storage from a thread pool): no lock errors, no lost update."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from storage_fixtures import PEPPER, FakeClock, TinyEngine, clock, count_rows, database, db_target, say  # noqa: F401

from bot.storage import TurnService
from bot.storage.database import Database

THREADS = 8
MESSAGES = 25


def _run(threads: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    """Run work(thread_number) in parallel threads released together; return every exception raised."""
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(number: int) -> None:
        barrier.wait()
        try:
            work(number)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return errors


def test_concurrent_writers_each_with_their_own_person(database: Database, clock: FakeClock) -> None:
    service = TurnService(database, TinyEngine(), PEPPER, clock=clock)

    def work(number: int) -> None:
        for n in range(MESSAGES):
            service.handle("telegram", f"user-{number}", f"m{n}", say(f"{number}/{n}"))

    assert _run(THREADS, work) == []
    for number in range(THREADS):
        state = service.state_of("telegram", f"user-{number}")
        assert state is not None and state["answers"] == [f"{number}/{n}" for n in range(MESSAGES)]
    assert count_rows(database, "processed_messages") == THREADS * MESSAGES
    started = [c.count for c in service.counters() if c.event == "conversation_started"]
    assert started == [THREADS]


def test_concurrent_writers_all_on_the_same_person(database: Database, clock: FakeClock) -> None:
    service = TurnService(database, TinyEngine(), PEPPER, clock=clock)

    def work(number: int) -> None:
        for n in range(MESSAGES):
            service.handle("sms", "+33600000099", f"{number}-{n}", say(f"{number}/{n}"))
            # Every message is also redelivered once, racing the other threads.
            service.handle("sms", "+33600000099", f"{number}-{n}", say(f"{number}/{n}"))

    assert _run(THREADS, work) == []
    state = service.state_of("sms", "+33600000099")
    assert state is not None
    got = state["answers"]
    assert len(got) == THREADS * MESSAGES  # no lost update, no double application
    assert sorted(got) == sorted(f"{number}/{n}" for number in range(THREADS) for n in range(MESSAGES))
    for number in range(THREADS):  # each thread's own messages stay in order
        mine = [answer for answer in got if answer.startswith(f"{number}/")]
        assert mine == [f"{number}/{n}" for n in range(MESSAGES)]
    assert count_rows(database, "conversations") == 1
    assert [c.count for c in service.counters() if c.event == "conversation_started"] == [1]


def test_concurrent_aid_counters_do_not_deadlock(database: Database, clock: FakeClock) -> None:
    """Turns bumping the same counter rows in different orders (PostgreSQL row locks)."""

    class TwoAids(TinyEngine):
        def handle(self, state, incoming, now):  # type: ignore[no-untyped-def]
            turn = super().handle(state, incoming, now)
            first, second = ("rsa", "css") if incoming.text.endswith("a") else ("css", "rsa")
            from bot.dialog.messages import Reply, Turn
            extra = (Reply("aid", first, data={"aid_id": first}), Reply("aid", second, data={"aid_id": second}))
            return Turn(turn.replies + extra, turn.state)

    service = TurnService(database, TwoAids(), PEPPER, clock=clock)

    def work(number: int) -> None:
        for n in range(MESSAGES):
            service.handle("telegram", f"p{number}", str(n), say("a" if (number + n) % 2 else "b"))

    assert _run(THREADS, work) == []
    shown = {c.aid_id: c.count for c in service.counters() if c.event == "aid_shown"}
    assert shown == {"rsa": THREADS * MESSAGES, "css": THREADS * MESSAGES}


def test_read_then_write_transactions_do_not_fail_with_locked(database: Database, clock: FakeClock) -> None:
    """Handover codes read (lock the conversation) before they write: on SQLite a deferred BEGIN would
    fail such transactions at once with "database is locked"; BEGIN IMMEDIATE makes them wait."""
    service = TurnService(database, TinyEngine(), PEPPER, clock=clock)
    for number in range(THREADS):
        service.handle("telegram", f"h{number}", "0", say("bonjour"))

    def work(number: int) -> None:
        for n in range(MESSAGES):
            code = service.create_handover_code("telegram", f"h{number}", clock())
            service.handle("telegram", f"h{number}", str(n + 1), say(str(n)))
            assert service.redeem_handover_code(code, clock()) is not None

    assert _run(THREADS, work) == []
    for number in range(THREADS):
        state = service.state_of("telegram", f"h{number}")
        assert state is not None and len(state["answers"]) == MESSAGES + 1
