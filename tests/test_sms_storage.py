"""Channel data (the SMS text kept for SUITE) in storage, on SQLite and PostgreSQL: written in the turn's
transaction, advanced once per message id, deleted with the person, and a reversible migration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from storage_fixtures import (  # noqa: F401
    PEPPER,
    DbTarget,
    FakeClock,
    TinyEngine,
    clock,
    count_rows,
    database,
    db_target,
    say,
    service,
    tiny_engine,
)

from bot.storage.database import Database, alembic_config, head_revision
from bot.storage.service import TurnService

NUMBER = "+33600000042"


def pending_of(replies, lang):  # type: ignore[no-untyped-def]
    return f"{lang}:" + "|".join(reply.text for reply in replies)


def test_channel_data_is_written_with_the_turn_and_replaced_by_the_next(service: TurnService) -> None:
    service.handle("sms", NUMBER, "m1", say("aide rsa"), channel_data=pending_of)
    assert service.channel_data_of("sms", NUMBER) == "fr:Réponse 1 notée.|Aide rsa"
    service.handle("sms", NUMBER, "m2", say("bonjour"), channel_data=lambda replies, lang: None)
    assert service.channel_data_of("sms", NUMBER) is None
    service.handle("sms", NUMBER, "m3", say("lang en"), channel_data=pending_of)
    assert service.channel_data_of("sms", NUMBER) == "en:Réponse 3 notée."


def test_a_turn_without_the_callback_leaves_channel_data_alone(service: TurnService) -> None:
    service.handle("sms", NUMBER, "m1", say("a"), channel_data=pending_of)
    service.handle("sms", NUMBER, "m2", say("b"))
    assert service.channel_data_of("sms", NUMBER) == "fr:Réponse 1 notée."


def test_a_duplicate_does_not_call_the_callback(service: TurnService) -> None:
    calls = []
    service.handle("sms", NUMBER, "m1", say("a"), channel_data=lambda r, l: calls.append(1) or "x")
    again = service.handle("sms", NUMBER, "m1", say("a"), channel_data=lambda r, l: calls.append(2) or "y")
    assert again.duplicate and calls == [1]
    assert service.channel_data_of("sms", NUMBER) == "x"


def test_a_failing_callback_rolls_the_whole_turn_back(service: TurnService) -> None:
    service.handle("sms", NUMBER, "m1", say("a"), channel_data=pending_of)

    def broken(replies, lang):  # type: ignore[no-untyped-def]
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        service.handle("sms", NUMBER, "m2", say("b"), channel_data=broken)
    assert service.state_of("sms", NUMBER)["answers"] == ["a"]
    assert service.channel_data_of("sms", NUMBER) == "fr:Réponse 1 notée."
    # Not marked processed: the gateway's retry is applied.
    assert not service.handle("sms", NUMBER, "m2", say("b"), channel_data=pending_of).duplicate


def test_advancing_channel_data_runs_once_per_message_id(service: TurnService) -> None:
    service.handle("sms", NUMBER, "m1", say("a"), channel_data=lambda r, l: "part2 part3")
    steps = []

    def step(data, lang):  # type: ignore[no-untyped-def]
        steps.append((data, lang))
        rest = data.split(" ", 1)[1:] or [None]
        return rest[0]

    first = service.advance_channel_data("sms", NUMBER, "s1", step)
    assert (first.applied, first.duplicate, first.language) == (True, False, "fr")
    assert service.channel_data_of("sms", NUMBER) == "part3"
    again = service.advance_channel_data("sms", NUMBER, "s1", step)
    assert (again.applied, again.duplicate) == (False, True)
    service.advance_channel_data("sms", NUMBER, "s2", step)
    assert service.channel_data_of("sms", NUMBER) is None
    assert steps == [("part2 part3", "fr"), ("part3", "fr")]
    # Nothing kept any more: not applied, nothing written; the caller runs a normal turn.
    empty = service.advance_channel_data("sms", NUMBER, "s3", step)
    assert (empty.applied, empty.duplicate) == (False, False)
    assert not service.handle("sms", NUMBER, "s3", say("suite")).duplicate
    # The SUITE message ids were marked processed: a normal turn with one of them is a duplicate.
    assert service.handle("sms", NUMBER, "s1", say("suite")).duplicate


def test_advancing_without_a_conversation_creates_nothing(service: TurnService, database: Database) -> None:
    result = service.advance_channel_data("sms", NUMBER, "s1", lambda data, lang: data)
    assert (result.applied, result.duplicate, result.language) == (False, False, "fr")
    assert count_rows(database, "conversations") == 0 and count_rows(database, "processed_messages") == 0


def test_channel_data_goes_with_the_person(service: TurnService, database: Database, clock: FakeClock) -> None:
    service.handle("sms", NUMBER, "m1", say("a"), channel_data=pending_of)
    service.handle("sms", NUMBER, "m2", say("oubli"), channel_data=pending_of)  # the engine erases
    assert service.channel_data_of("sms", NUMBER) is None and count_rows(database, "conversations") == 0
    service.handle("sms", NUMBER, "m3", say("a"), channel_data=pending_of)
    assert service.erase("sms", NUMBER)
    assert service.channel_data_of("sms", NUMBER) is None
    service.handle("sms", NUMBER, "m4", say("a"), channel_data=pending_of)
    clock.advance(timedelta(days=31))
    assert service.purge() == 1
    assert service.channel_data_of("sms", NUMBER) is None


def test_the_migration_is_reversible_and_keeps_everything_else(db_target: DbTarget) -> None:
    database = db_target.open()
    service = TurnService(database, TinyEngine(), PEPPER, clock=FakeClock())
    service.handle("sms", NUMBER, "m1", say("quartier Malakoff"), channel_data=pending_of)
    code = service.create_handover_code("sms", NUMBER, FakeClock()())

    def columns() -> set[str]:
        return {column["name"] for column in inspect(database.engine).get_columns("conversations")}

    def migrate(target: str, down: bool) -> None:
        with database.engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            (command.downgrade if down else command.upgrade)(config, target)

    assert "channel_data" in columns()
    migrate("0001", down=True)
    assert "channel_data" not in columns()
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"
    # Dropping the column in place deleted nothing through ON DELETE CASCADE.
    assert count_rows(database, "processed_messages") == 1 and count_rows(database, "handover_codes") == 1
    migrate("head", down=False)
    assert "channel_data" in columns()
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()
        assert connection.execute(text("SELECT channel_data FROM conversations")).scalar_one() is None
    database.dispose()
    service = TurnService(db_target.open(), TinyEngine(), PEPPER, clock=FakeClock())
    assert service.state_of("sms", NUMBER)["quartier"] == "Malakoff"
    assert service.handle("sms", NUMBER, "m1", say("quartier Malakoff")).duplicate
    # Below 0003 a code has no wrapped key: a code issued before the round trip no longer opens the
    # sealed state (refused, not a crash); a new one does.
    assert service.redeem_handover_code(code, FakeClock()()) is None
    fresh = service.create_handover_code("sms", NUMBER, FakeClock()())
    assert service.redeem_handover_code(fresh, FakeClock()())["quartier"] == "Malakoff"
