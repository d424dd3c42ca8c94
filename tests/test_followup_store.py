"""The follow-up scheduler with a stand-in engine: scheduled 28 days after a yes, moved out of quiet
hours (20:00-09:00 Paris), kept across a restart, sent once whatever the number of workers, cancelled by
STOP, « oubli » and a later no. The end-to-end test with the real engine is tests/test_followup.py."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from storage_fixtures import PEPPER, FakeClock, TinyEngine, database, db_target, say  # noqa: F401

from bot.dialog.messages import Reply, Turn
from bot.followup.runner import FollowUps
from bot.followup.store import out_of_quiet_hours
from bot.stats import events as ev
from bot.stats.figures import read_figures
from bot.storage import TurnService
from bot.storage.sealing import is_sealed

PARIS = ZoneInfo("Europe/Paris")
MORNING = datetime(2026, 11, 2, 10, 0, tzinfo=PARIS)


@dataclass(frozen=True)
class FollowTurn(Turn):
    follow_up_accepted: bool | None = None


class Engine(TinyEngine):
    """TinyEngine, plus "suivi oui" / "suivi non" and a follow-up written from the state."""

    def handle(self, state: dict[str, Any] | None, incoming: Any, now: datetime) -> Turn:
        turn = super().handle(state, incoming, now)
        said = incoming.text.strip()
        if said in ("suivi oui", "suivi non"):
            return FollowTurn(turn.replies, turn.state, follow_up_accepted=said == "suivi oui")
        return turn

    def follow_up(self, state: dict[str, Any] | None, now: datetime) -> Turn | None:
        if not state:
            return None
        return Turn((Reply("question", "Avez-vous fait la demande ?"),), {**state, "asked": True})


def test_quiet_hours_move_a_date_to_nine_in_the_morning() -> None:
    assert out_of_quiet_hours(MORNING) == MORNING
    evening = datetime(2026, 11, 2, 20, 0, tzinfo=PARIS)
    assert out_of_quiet_hours(evening) == datetime(2026, 11, 3, 9, 0, tzinfo=PARIS)
    night = datetime(2026, 11, 3, 3, 30, tzinfo=PARIS)
    assert out_of_quiet_hours(night) == datetime(2026, 11, 3, 9, 0, tzinfo=PARIS)
    assert out_of_quiet_hours(datetime(2026, 11, 2, 19, 59, tzinfo=PARIS)).hour == 19


class Sent:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def __call__(self, identifier: str, replies: tuple[Reply, ...], language: str) -> None:
        await asyncio.sleep(0.01)  # a network round trip: another worker would have time to take the row too
        with self.lock:
            self.messages += [(identifier, reply.text) for reply in replies]


def workers(database, clock, sent, n: int = 1) -> list[FollowUps]:  # type: ignore[no-untyped-def]
    return [FollowUps(database, PEPPER, Engine(), clock, {"telegram": sent}) for _ in range(n)]


def test_sent_once_after_28_days_out_of_quiet_hours_and_after_a_restart(db_target) -> None:  # noqa: F811
    clock = FakeClock(datetime(2026, 11, 2, 20, 30, tzinfo=PARIS))  # said yes in the evening
    database = db_target.open()
    service = TurnService(database, Engine(), PEPPER, clock=clock)
    service.handle("telegram", "42", "m1", say("aide rsa"))
    service.handle("telegram", "42", "m2", say("suivi oui"))
    sent = Sent()
    clock.advance(timedelta(days=27, hours=23))
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0  # not yet
    clock.advance(timedelta(hours=1, minutes=15))  # 28 days later, 20:45: quiet hours
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0
    clock.now = datetime(2026, 12, 1, 8, 59, tzinfo=PARIS)
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0
    database.dispose()
    database = db_target.open()  # a restart: the schedule is in the database
    clock.now = datetime(2026, 12, 1, 9, 5, tzinfo=PARIS)
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 1
    assert sent.messages == [("42", "Avez-vous fait la demande ?")]
    clock.advance(timedelta(days=2))
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0  # once
    assert service.state_of("telegram", "42")["asked"] is True  # the state now waits for the answer
    day = clock.now.date()
    journey = {r.key: r.count for r in read_figures(database, day - timedelta(days=60), day).table("journey").rows}
    assert journey["followup_accepted"] == 1 and journey["followup_sent"] == 1


def test_the_row_keeps_only_the_key_the_channel_the_date_and_a_sealed_address(database) -> None:  # noqa: F811
    from sqlalchemy import text

    service = TurnService(database, Engine(), PEPPER, clock=FakeClock(MORNING))
    service.handle("telegram", "424242", None, say("suivi oui"))
    with database.transaction() as session:
        rows = [dict(r._mapping) for r in session.execute(text("SELECT * FROM followups"))]
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"id", "channel", "user_key", "address", "due_at", "attempts"}
    assert is_sealed(row["address"]) and "424242" not in str(row)


def test_two_workers_never_send_the_same_follow_up_twice(db_target) -> None:  # noqa: F811
    clock = FakeClock(MORNING)
    first, second = db_target.open(), db_target.open()
    service = TurnService(first, Engine(), PEPPER, clock=clock)
    for person in range(12):
        service.handle("telegram", f"{1000 + person}", None, say("suivi oui"))
    clock.advance(timedelta(days=28))
    sent = Sent()
    one, two = workers(first, clock, sent)[0], workers(second, clock, sent)[0]

    async def race() -> list[int]:
        return list(await asyncio.gather(one.run_due(), two.run_due(), one.run_due(), two.run_due()))

    counts = asyncio.run(race())
    assert sum(counts) == 12
    assert sorted(who for who, _ in sent.messages) == sorted(f"{1000 + p}" for p in range(12))


def test_stop_oubli_and_a_later_no_cancel_it(database) -> None:  # noqa: F811
    clock = FakeClock(MORNING)
    service = TurnService(database, Engine(), PEPPER, clock=clock)
    for person in ("1", "2", "3"):
        service.handle("telegram", person, None, say("suivi oui"))
    from bot.storage.service import Rendered

    service.stop("telegram", "1", None, lambda language: Rendered())
    service.handle("telegram", "2", None, say("oubli"))
    service.handle("telegram", "3", None, say("suivi non"))
    clock.advance(timedelta(days=29))
    sent = Sent()
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0
    assert sent.messages == []


def test_nothing_goes_out_at_night_even_when_a_worker_was_down_when_it_fell_due(database) -> None:  # noqa: F811
    clock = FakeClock(MORNING)
    TurnService(database, Engine(), PEPPER, clock=clock).handle("telegram", "9", None, say("suivi oui"))
    clock.advance(timedelta(days=28, hours=11))  # 21:00, eleven hours after it fell due
    sent = Sent()
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 0
    clock.advance(timedelta(hours=12))  # 09:00 the next morning
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 1


def test_a_failed_telegram_send_is_tried_again_later(database) -> None:  # noqa: F811
    clock = FakeClock(MORNING)
    service = TurnService(database, Engine(), PEPPER, clock=clock)
    service.handle("telegram", "7", None, say("suivi oui"))
    clock.advance(timedelta(days=28))
    calls: list[str] = []

    async def down(identifier: str, replies: tuple[Reply, ...], language: str) -> None:
        calls.append(identifier)
        raise ConnectionError("Telegram unreachable")

    worker = FollowUps(database, PEPPER, Engine(), clock, {"telegram": down})
    assert asyncio.run(worker.run_due()) == 0 and calls == ["7"]
    sent = Sent()
    clock.advance(timedelta(hours=1))
    assert asyncio.run(workers(database, clock, sent)[0].run_due()) == 1
    assert [who for who, _ in sent.messages] == ["7"]
    assert ev.FOLLOWUP_SENT  # counted once per message written


def test_an_sms_follow_up_waits_for_a_worker_that_can_send_sms(database) -> None:  # noqa: F811
    """With Twilio alone (no REST client), SMS follow-ups stay scheduled instead of being dropped."""
    clock = FakeClock(MORNING)
    TurnService(database, Engine(), PEPPER, clock=clock).handle("sms", "+33600000001", None, say("suivi oui"))
    clock.advance(timedelta(days=28))
    telegram_only = workers(database, clock, Sent())[0]
    assert asyncio.run(telegram_only.run_due()) == 0
    assert telegram_only.store.count() == 1
    texts: list[list[str]] = []
    sms_worker = FollowUps(database, PEPPER, Engine(), clock, sms=lambda replies, language: [r.text for r in replies],
                           sms_queued=lambda: texts.append(["woken"]))
    assert asyncio.run(sms_worker.run_due()) == 1 and texts == [["woken"]]
    from bot.storage.outbox import OutboxStore

    queued = OutboxStore(database, PEPPER, clock).claim_due(10, timedelta(minutes=1))
    assert [(sms.recipient, sms.text) for sms in queued] == [("+33600000001", "Avez-vous fait la demande ?")]
