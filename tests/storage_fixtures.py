"""Shared fixtures for tests/test_storage*.py (imported by those modules; tests/conftest.py is not ours).

Every storage test runs on SQLite and on PostgreSQL: `db_target` is parametrised over both. The
PostgreSQL server comes from AIGUILLAGE_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test);
each test gets a fresh schema (via the connection's search_path), dropped afterwards, so tests can run
repeatedly and side by side. An unreachable server skips those tests, or fails them when CI=true.
"""

from __future__ import annotations

import os
import sys
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the project is not installed in the virtualenv
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, inspect, text  # noqa: E402
from sqlalchemy import exc as sa_exc  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from bot.dialog.messages import Incoming, Reply, Turn  # noqa: E402
from bot.storage.database import Database, normalise_url, open_database  # noqa: E402
from bot.storage.service import TurnService  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
PEPPER = b"test-pepper-not-secret-0123456789"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


class TinyEngine:
    """A deterministic stand-in for the dialog engine.

    Appends every text to state["answers"] (so a lost or doubled update shows); "oubli" asks for erasure;
    "quartier X" sets the quartier; "aide X" adds a reply about aid X; "lang X" switches language.
    """

    def __init__(self, on_handle: Any = None) -> None:
        self.on_handle = on_handle  # called inside the turn's transaction (tests of crashes, failures)
        self.calls = 0

    def handle(self, state: dict[str, Any] | None, incoming: Incoming, now: datetime) -> Turn:
        self.calls += 1
        if self.on_handle is not None:
            self.on_handle(incoming)
        state = dict(state) if state else {"lang": "fr", "answers": []}
        said = incoming.text.strip()
        if said.lower() == "oubli":
            return Turn((Reply("erased", "Tout est effacé."),), {"lang": state.get("lang", "fr")}, erase=True)
        answers = [*state.get("answers", []), said]
        state["answers"] = answers
        replies = [Reply("info", f"Réponse {len(answers)} notée.")]
        word, _, rest = said.partition(" ")
        if word == "quartier":
            state["quartier"] = rest
            state["a"] = {"quartier": rest}  # where the real engine keeps it, read through Turn.answers
        elif word == "aide":
            replies.append(Reply("aid", f"Aide {rest}", data={"aid_id": rest}))
        elif word == "lang":
            state["lang"] = rest
        return Turn(tuple(replies), state)


class FakeClock:
    """An aware Europe/Paris clock the test moves by hand."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now = self.now + delta


def say(words: str) -> Incoming:
    return Incoming.from_text(words)


@dataclass
class DbTarget:
    """Where a test's database lives; open() may be called again to reopen it (a restart)."""

    kind: str  # "sqlite" or "postgresql"
    url: str | None  # None: the default SQLite file in data_dir
    data_dir: Path
    opened: list[Database] = field(default_factory=list)

    def open(self) -> Database:
        database = open_database(self.url, self.data_dir)
        self.opened.append(database)
        return database

    def close_all(self) -> None:
        for database in self.opened:
            database.dispose()
        self.opened.clear()


def postgres_base_url() -> str:
    return os.environ.get("AIGUILLAGE_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def with_search_path(url: str, schema: str) -> str:
    """The URL with the schema as the only search_path entry (libpq `options`)."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if isinstance(options, tuple):
        options = " ".join(options)
    options = f"{options} -csearch_path={schema}".strip()
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


_postgres_failure: list[str] = []  # remembered, so an absent server costs one connection attempt


def postgres_unreachable(reason: str) -> None:
    where = make_url(postgres_base_url()).render_as_string(hide_password=True)
    message = f"PostgreSQL unreachable at {where}: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
    pytest.skip(message + " (set AIGUILLAGE_TEST_POSTGRES_URL or start the server)")


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(normalise_url(postgres_base_url()), poolclass=NullPool,
                         connect_args={"connect_timeout": 3})


def new_postgres_schema() -> tuple[str, str]:
    """(schema name, URL using it); skips or fails the test when the server is unreachable."""
    if _postgres_failure:
        postgres_unreachable(_postgres_failure[0])
    schema = f"aiguillage_test_{uuid.uuid4().hex[:16]}"
    admin = _admin_engine()
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sa_exc.OperationalError as exc:
        _postgres_failure.append(type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        postgres_unreachable(_postgres_failure[0])
    finally:
        admin.dispose()
    return schema, with_search_path(postgres_base_url(), schema)


def drop_postgres_schema(schema: str) -> None:
    admin = _admin_engine()
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        target = DbTarget("sqlite", None, tmp_path / "data")
        yield target
        target.close_all()
        return
    schema, url = new_postgres_schema()
    target = DbTarget("postgresql", url, tmp_path / "data")
    try:
        yield target
    finally:
        target.close_all()
        drop_postgres_schema(schema)


@pytest.fixture
def database(db_target: DbTarget) -> Database:
    return db_target.open()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tiny_engine() -> TinyEngine:
    return TinyEngine()


@pytest.fixture
def service(database: Database, tiny_engine: TinyEngine, clock: FakeClock) -> TurnService:
    return TurnService(database, tiny_engine, PEPPER, clock=clock)


def table_names(database: Database) -> list[str]:
    return sorted(inspect(database.engine).get_table_names())


def dump_rows(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (alembic_version included), read directly."""
    with database.engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(text(f'SELECT * FROM "{name}"'))]
                for name in table_names(database)}


def dump_text(database: Database) -> str:
    return repr(dump_rows(database))


def count_rows(database: Database, table: str) -> int:
    with database.engine.connect() as connection:
        return connection.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one()


def sqlite_file_bytes(target: DbTarget) -> bytes:
    """The raw bytes of the SQLite database and its WAL, as a thief of the disk would read them."""
    content = b""
    for path in sorted(target.data_dir.glob("aiguillage.sqlite3*")):
        content += path.read_bytes()
    return content
