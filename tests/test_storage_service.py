"""The turn service: resume, exactly-once, erasure, retention, handover codes, counters, privacy."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import create_engine
from storage_fixtures import (  # noqa: F401
    PEPPER,
    T0,
    DbTarget,
    FakeClock,
    TinyEngine,
    clock,
    count_rows,
    database,
    db_target,
    dump_rows,
    dump_text,
    say,
    service,
    sqlite_file_bytes,
    tiny_engine,
)

from bot.storage import StorageUnavailable, TurnService, pseudonymise
from bot.storage.database import Database
from bot.storage.handover import HANDOVER_ALPHABET, normalise_handover_code

PERSON_TABLES = ("conversations", "processed_messages", "handover_codes")


def answers(service: TurnService, channel: str, identifier: str) -> list[str]:
    state = service.state_of(channel, identifier)
    return [] if state is None else state["answers"]


# -- resume and exactly-once ---------------------------------------------------------------------------

def test_conversation_resumes_after_reopening_the_database(db_target: DbTarget, clock: FakeClock) -> None:
    first = TurnService(db_target.open(), TinyEngine(), PEPPER, clock=clock)
    first.handle("telegram", "42", "m1", say("bonjour"))
    first.handle("telegram", "42", "m2", say("lang es"))
    db_target.close_all()

    second = TurnService(db_target.open(), TinyEngine(), PEPPER, clock=clock)
    result = second.handle("telegram", "42", "m3", say("23 ans"))
    assert [r.text for r in result.replies] == ["Réponse 3 notée."]
    assert result.language == "es"
    assert answers(second, "telegram", "42") == ["bonjour", "lang es", "23 ans"]


def test_same_message_twice_has_one_effect_and_the_same_reply(service: TurnService, tiny_engine: TinyEngine,
                                                              database: Database) -> None:
    first = service.handle("sms", "+33600000001", "gw-1", say("aide rsa"))
    again = service.handle("sms", "+33600000001", "gw-1", say("aide rsa"))

    assert not first.duplicate and len(first.replies) == 2
    # The first answer may never have reached the person (crash, time-out): the redelivery gets it again.
    assert again.duplicate and again.replies == first.replies and again.language == "fr"
    assert tiny_engine.calls == 1
    assert answers(service, "sms", "+33600000001") == ["aide rsa"]
    assert count_rows(database, "processed_messages") == 1
    assert [c.count for c in service.counters() if c.event == "aid_shown"] == [1]


def test_message_ids_are_per_person_and_per_channel(service: TurnService) -> None:
    service.handle("telegram", "1", "100", say("a"))
    assert not service.handle("telegram", "2", "100", say("b")).duplicate
    assert not service.handle("sms", "1", "100", say("c")).duplicate
    assert answers(service, "telegram", "2") == ["b"]


def test_without_message_id_every_delivery_counts(service: TurnService) -> None:
    service.handle("console", "me", None, say("a"))
    service.handle("console", "me", None, say("a"))
    assert answers(service, "console", "me") == ["a", "a"]


def test_engine_failure_changes_nothing_and_the_message_can_be_retried(database: Database,
                                                                        clock: FakeClock) -> None:
    def explode(incoming):  # type: ignore[no-untyped-def]
        if incoming.text == "boom":
            raise ZeroDivisionError("engine bug")

    service = TurnService(database, TinyEngine(on_handle=explode), PEPPER, clock=clock)
    service.handle("telegram", "7", "1", say("ok"))
    with pytest.raises(ZeroDivisionError):
        service.handle("telegram", "7", "2", say("boom"))
    assert answers(service, "telegram", "7") == ["ok"]
    assert count_rows(database, "processed_messages") == 1
    with pytest.raises(ZeroDivisionError):
        service.handle("telegram", "8", "1", say("boom"))  # a new person: not even created
    assert service.state_of("telegram", "8") is None
    assert count_rows(database, "conversations") == 1


def test_processed_ids_are_kept_48_hours_then_purged(service: TurnService, clock: FakeClock,
                                                     database: Database) -> None:
    service.handle("telegram", "5", "u1", say("a"))
    clock.advance(timedelta(hours=47))
    assert service.handle("telegram", "5", "u1", say("a")).duplicate
    service.handle("telegram", "5", "u2", say("b"))

    service.purge()  # at 47 h: u1 is not old enough yet
    assert count_rows(database, "processed_messages") == 2
    assert service.handle("telegram", "5", "u1", say("a")).duplicate

    clock.advance(timedelta(hours=2))  # u1 is now 49 h old, u2 2 h
    service.purge()
    assert count_rows(database, "processed_messages") == 1
    assert service.handle("telegram", "5", "u2", say("b")).duplicate
    assert answers(service, "telegram", "5") == ["a", "b"]  # the conversation itself stays


# -- erasure and retention -------------------------------------------------------------------------

def _person_rows(database: Database, service: TurnService, channel: str, identifier: str) -> dict[str, int]:
    """Rows of each person table that belong to this person, read directly from the tables."""
    key = pseudonymise(PEPPER, channel, identifier)
    rows = dump_rows(database)
    ids = [row[0] for row in rows["conversations"] if key in row]
    return {
        "conversations": len(ids),
        # processed_messages: (channel, message_key, conversation_id, processed_at)
        "processed_messages": sum(1 for row in rows["processed_messages"] if row[2] in ids),
        # handover_codes: (id, code_hash, conversation_id, expires_at, used_at)
        "handover_codes": sum(1 for row in rows["handover_codes"] if row[2] in ids),
    }


def test_erasure_by_message_removes_every_row_about_the_person(service: TurnService, database: Database,
                                                               clock: FakeClock) -> None:
    for n in range(3):
        service.handle("telegram", "11", f"a{n}", say(f"réponse {n}"))
        service.handle("telegram", "22", f"b{n}", say(f"autre {n}"))
    service.create_handover_code("telegram", "11", clock())
    service.create_handover_code("telegram", "22", clock())
    assert _person_rows(database, service, "telegram", "11") == {
        "conversations": 1, "processed_messages": 3, "handover_codes": 1}
    conversation_id = dump_rows(database)["conversations"][0][0]

    result = service.handle("telegram", "11", "a9", say("oubli"))

    assert [r.kind for r in result.replies] == ["erased"] and not result.duplicate
    assert service.state_of("telegram", "11") is None
    rows = dump_rows(database)
    assert len(rows["conversations"]) == 1
    assert all(row[2] != conversation_id for row in rows["processed_messages"] + rows["handover_codes"])
    assert len(rows["processed_messages"]) == 3 + 4 and len(rows["handover_codes"]) == 1
    assert answers(service, "telegram", "22") == ["autre 0", "autre 1", "autre 2"]
    assert "réponse" not in dump_text(database)


def test_erase_method_removes_every_row_and_leaves_others(service: TurnService, database: Database,
                                                          clock: FakeClock) -> None:
    service.handle("sms", "+33600000011", "x1", say("quartier Malakoff"))
    service.handle("sms", "+33600000022", "y1", say("quartier Bellevue"))
    service.create_handover_code("sms", "+33600000011", clock())

    assert service.erase("sms", "+33600000011") is True
    assert service.erase("sms", "+33600000011") is False
    assert _person_rows(database, service, "sms", "+33600000011") == {
        "conversations": 0, "processed_messages": 0, "handover_codes": 0}
    assert count_rows(database, "conversations") == 1
    # The erased person's processed id stays, detached and without its reply, so a late redelivery of
    # x1 is still a duplicate.
    assert count_rows(database, "processed_messages") == 2
    assert service.handle("sms", "+33600000011", "x1", say("quartier Malakoff")).replies == ()
    assert count_rows(database, "handover_codes") == 0
    assert answers(service, "sms", "+33600000022") == ["quartier Bellevue"]
    assert "Malakoff" not in dump_text(database)
    # A person who comes back after erasure starts afresh.
    service.handle("sms", "+33600000011", "x2", say("bonjour"))
    assert answers(service, "sms", "+33600000011") == ["bonjour"]


def test_erased_answers_do_not_linger_in_the_sqlite_files(db_target: DbTarget, service: TurnService) -> None:
    if db_target.kind != "sqlite":
        pytest.skip("PostgreSQL reclaims deleted rows by VACUUM; this checks SQLite's secure_delete + checkpoint")
    for n in range(20):
        service.handle("telegram", "31", f"m{n}", say(f"secret-answer-{n}"))
        service.handle("telegram", "32", f"m{n}", say(f"kept-answer-{n}"))
    # Sealed at rest: even a live conversation is not readable in the files without its identifier.
    assert b"secret-answer" not in sqlite_file_bytes(db_target)
    assert service.state_of("telegram", "31")["answers"][-1] == "secret-answer-19"

    service.handle("telegram", "31", "m99", say("oubli"))

    content = sqlite_file_bytes(db_target)
    assert b"secret-answer" not in content and b"kept-answer" not in content
    assert service.state_of("telegram", "31") is None
    assert service.state_of("telegram", "32")["answers"][-1] == "kept-answer-19"


def test_retention_purge_removes_conversations_inactive_for_30_days(service: TurnService, database: Database,
                                                                    clock: FakeClock) -> None:
    service.handle("telegram", "old", "o1", say("ancien"))
    service.create_handover_code("telegram", "old", clock())
    clock.advance(timedelta(days=2))
    service.handle("telegram", "recent", "r1", say("récent"))
    clock.advance(timedelta(days=29))  # "old" is 31 days inactive, "recent" 29 days

    assert service.purge() == 1

    assert service.state_of("telegram", "old") is None
    assert answers(service, "telegram", "recent") == ["récent"]
    assert count_rows(database, "conversations") == 1
    assert count_rows(database, "handover_codes") == 0
    assert count_rows(database, "processed_messages") == 0  # r1 was older than 48 h anyway
    assert service.purge(inactive_for=timedelta(days=28)) == 1
    assert count_rows(database, "conversations") == 0


def test_activity_postpones_the_purge(service: TurnService, clock: FakeClock) -> None:
    service.handle("telegram", "9", "1", say("a"))
    clock.advance(timedelta(days=25))
    service.handle("telegram", "9", "2", say("b"))
    clock.advance(timedelta(days=25))
    assert service.purge() == 0
    assert answers(service, "telegram", "9") == ["a", "b"]


# -- handover codes --------------------------------------------------------------------------------

def test_handover_code_gives_the_state_once(service: TurnService, clock: FakeClock, database: Database) -> None:
    service.handle("sms", "+33600000033", "1", say("quartier Dervallières"))
    code = service.create_handover_code("sms", "+33600000033", clock())

    assert len(code) == 6 and set(code) <= set(HANDOVER_ALPHABET)
    assert code not in dump_text(database)  # stored hashed
    spaced = f" {code[:3].lower()} {code[3:]} "
    state = service.redeem_handover_code(spaced, clock() + timedelta(hours=1))
    assert state is not None and state["quartier"] == "Dervallières"
    assert service.redeem_handover_code(code, clock() + timedelta(hours=1)) is None


def test_handover_code_expires_after_24_hours(service: TurnService, clock: FakeClock) -> None:
    service.handle("telegram", "3", "1", say("a"))
    code = service.create_handover_code("telegram", "3", clock())
    assert service.redeem_handover_code(code, clock() + timedelta(hours=24, seconds=1)) is None


def test_a_new_handover_code_replaces_the_previous_one(service: TurnService, clock: FakeClock,
                                                       database: Database) -> None:
    service.handle("telegram", "3", "1", say("a"))
    first = service.create_handover_code("telegram", "3", clock())
    second = service.create_handover_code("telegram", "3", clock())
    assert count_rows(database, "handover_codes") == 1
    if first != second:
        assert service.redeem_handover_code(first, clock()) is None
    assert service.redeem_handover_code(second, clock()) == {"lang": "fr", "answers": ["a"]}


def test_handover_code_needs_a_conversation(service: TurnService, clock: FakeClock) -> None:
    with pytest.raises(LookupError):
        service.create_handover_code("telegram", "nobody", clock())
    assert service.redeem_handover_code("ABCDEF", clock()) is None
    assert normalise_handover_code("abc-de2") == "ABCDE2"
    assert normalise_handover_code("ABCDE0") is None  # 0/O, 1/I/L are not in the alphabet
    assert normalise_handover_code("ABCDEFG") is None


# -- counters --------------------------------------------------------------------------------------

def test_usage_counters_are_anonymous(service: TurnService, clock: FakeClock, database: Database) -> None:
    service.handle("telegram", "1", "1", say("quartier Malakoff"))
    service.handle("telegram", "1", "2", say("aide rsa"))
    service.handle("telegram", "2", "1", say("aide rsa"))
    service.handle("sms", "+33600000044", "1", say("aide css"))
    clock.advance(timedelta(days=1))
    service.handle("sms", "+33600000044", "2", say("oubli"))

    day1, day2 = T0.date(), T0.date() + timedelta(days=1)
    summary = {(c.day, c.channel, c.event, c.quartier, c.aid_id): c.count for c in service.counters()}
    assert summary == {
        (day1, "sms", "aid_shown", "", "css"): 1,
        (day1, "sms", "conversation_started", "", ""): 1,
        (day1, "telegram", "aid_shown", "", "rsa"): 1,
        (day1, "telegram", "aid_shown", "Malakoff", "rsa"): 1,
        (day1, "telegram", "conversation_started", "", ""): 2,
        (day2, "sms", "erased", "", ""): 1,
        # The language a conversation starts in (bot.stats.events), never more than a code.
        (day1, "sms", "language", "", "fr"): 1,
        (day1, "telegram", "language", "", "fr"): 2,
    }
    assert [c.event for c in service.counters(since=day2)] == ["erased"]
    assert len(service.counters(until=day1)) == 7  # the five above and the two language rows
    counter_rows = dump_rows(database)["usage_counters"]
    assert all(pseudonymise(PEPPER, "telegram", "1") not in row for row in counter_rows)


# -- privacy ----------------------------------------------------------------------------------------

SENTINELS = ("+33612345678", "33612345678", "612345678", "987654321", "1234")


def test_no_identifier_or_answer_reaches_logs_and_no_identifier_reaches_the_database(
        db_target: DbTarget, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict) + ["sqlalchemy.engine.Engine", "sqlalchemy.pool", "alembic",
                                                         "psycopg", "bot.storage"]:
        caplog.set_level(logging.DEBUG, logger=name)

    database = db_target.open()
    service = TurnService(database, TinyEngine(), PEPPER, clock=clock)
    service.handle("sms", "+33612345678", "sms-1", say("1234"))
    service.handle("sms", "+33612345678", "sms-1", say("1234"))
    service.handle("telegram", "987654321", "987654321", say("1234"))
    service.create_handover_code("telegram", "987654321", clock())
    service.purge()
    assert service.state_of("sms", "+33612345678") == {"lang": "fr", "answers": ["1234"]}

    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "turn handled channel=sms" in logged  # logging was captured at all
    assert "SELECT" in logged  # ... including SQLAlchemy's, at the most verbose level
    for sentinel in SENTINELS:
        assert sentinel not in logged, sentinel

    dumped = dump_text(database)
    assert "1234" not in dumped  # the answer is in the state, sealed with a key the database lacks
    for identifier in SENTINELS[:-1]:
        assert identifier not in dumped, identifier
        if db_target.kind == "sqlite":
            assert identifier.encode() not in sqlite_file_bytes(db_target), identifier


# -- unavailability --------------------------------------------------------------------------------

def test_unreachable_database_raises_storage_unavailable(db_target: DbTarget, clock: FakeClock,
                                                         tmp_path) -> None:  # type: ignore[no-untyped-def]
    if db_target.kind == "sqlite":
        broken = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.sqlite3'}")
    else:
        broken = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 2})
    with pytest.raises(StorageUnavailable):  # the pepper check at start already needs the database
        TurnService(Database(broken), TinyEngine(), PEPPER, clock=clock)
    service = TurnService(Database(broken), TinyEngine(), PEPPER, clock=clock, verify_pepper=False)
    with pytest.raises(StorageUnavailable) as raised:
        service.handle("telegram", "987654321", "1", say("1234"))
    assert "987654321" not in str(raised.value) and "1234" not in str(raised.value)
    with pytest.raises(StorageUnavailable):
        service.state_of("telegram", "987654321")
    with pytest.raises(StorageUnavailable):
        service.purge()
