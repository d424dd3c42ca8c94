"""The turn service with the real dialog engine and catalogue (skipped while they cannot be loaded)."""

from __future__ import annotations

import pytest
from storage_fixtures import PEPPER, DbTarget, FakeClock, clock, count_rows, db_target, say  # noqa: F401

from bot.dialog.messages import Incoming
from bot.storage import TurnService

try:
    from bot.catalogue import load_catalogue
    from bot.dialog.engine import Engine
except ImportError as exc:  # the engine is written in parallel
    pytest.skip(f"real engine not importable yet: {exc}", allow_module_level=True)


@pytest.fixture(scope="module")
def real_engine() -> Engine:
    from bot.catalogue import CatalogueError
    try:
        return Engine(load_catalogue())
    except CatalogueError as exc:  # the catalogue's own tests report its problems
        pytest.skip(f"the catalogue does not load yet: {str(exc).splitlines()[0]}")


def test_real_engine_turns_are_stored_resumed_and_erased(db_target: DbTarget, clock: FakeClock,
                                                         real_engine: Engine) -> None:
    service = TurnService(db_target.open(), real_engine, PEPPER, clock=clock)
    first = service.handle("telegram", "555", "1", Incoming("start"))
    assert first.replies and not first.duplicate and first.language == "fr"
    second = service.handle("telegram", "555", "2", say("bonjour, j'ai besoin d'aide pour payer mon loyer"))
    assert second.replies
    stored = service.state_of("telegram", "555")
    assert stored is not None and stored["lang"] == "fr"
    assert service.handle("telegram", "555", "2", say("bonjour")).duplicate

    db_target.close_all()
    reopened = db_target.open()
    service = TurnService(reopened, real_engine, PEPPER, clock=clock)
    assert service.state_of("telegram", "555") == stored
    resumed = service.handle("telegram", "555", "3", Incoming("start"))
    assert resumed.replies

    erased = service.handle("telegram", "555", "4", Incoming("command", command="erase"))
    assert [reply.kind for reply in erased.replies] == ["erased"]
    assert service.state_of("telegram", "555") is None
    for table in ("conversations", "handover_codes"):
        assert count_rows(reopened, table) == 0
    # The four processed ids stay for their 48 h, detached: a late "2" is still a duplicate, with nothing
    # to resend (its reply went with the person), and no conversation is reborn.
    assert count_rows(reopened, "processed_messages") == 4
    late = service.handle("telegram", "555", "2", say("bonjour"))
    assert late.duplicate and late.replies == ()
    assert count_rows(reopened, "conversations") == 0


def test_a_resident_gets_a_code_that_shows_a_counsellor_their_answers_once(tmp_path):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.catalogue import load_catalogue
    from bot.dialog.engine import Engine
    from bot.dialog.messages import Incoming
    from bot.storage import TurnService, load_or_create_pepper, open_database

    database = open_database(None, tmp_path)
    service = TurnService(database, Engine(load_catalogue()), load_or_create_pepper(tmp_path, None))
    for number, text in enumerate(["vérifier tous mes droits", "34"]):
        service.handle("sms", "+33600000001", f"m{number}", Incoming.from_text(text))
    result = service.handle("sms", "+33600000001", "m9", Incoming.from_text("code"))
    handover = next(r for r in result.replies if r.kind == "handover")
    code = handover.text.split(" : ")[1][:6]
    assert "{code}" not in handover.text and len(code) == 6
    now = datetime.now(ZoneInfo("Europe/Paris"))
    assert service.redeem_handover_code(code, now)["a"]["age"] == 34
    assert service.redeem_handover_code(code, now) is None  # single use
