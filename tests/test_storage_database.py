"""Opening the database: migrations, SQLite settings and file modes, URLs, unavailability."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from storage_fixtures import (  # noqa: F401
    DbTarget,
    count_rows,
    database,
    db_target,
    drop_postgres_schema,
    new_postgres_schema,
    postgres_base_url,
    table_names,
    with_search_path,
)

from bot.storage import StorageUnavailable, open_database
from bot.storage.database import SQLITE_FILE, Database, head_revision, normalise_url
from bot.storage.models import ALL_TABLES, Base


def test_migration_from_an_empty_database_creates_the_schema(database: Database) -> None:
    assert table_names(database) == sorted([*ALL_TABLES, "alembic_version"])
    with database.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head_revision()


def test_migrating_again_is_harmless(db_target: DbTarget) -> None:
    first = db_target.open()
    with first.transaction() as session:
        session.execute(text("INSERT INTO usage_counters (day, channel, event, quartier, aid_id, count) "
                             "VALUES ('2026-11-23', 'sms', 'aid_shown', '', 'rsa', 3)"))
    assert first.migrate() == head_revision()
    second = db_target.open()  # a restart runs "upgrade head" once more
    assert second.migrate() == head_revision()
    assert count_rows(second, "usage_counters") == 1
    assert table_names(second) == sorted([*ALL_TABLES, "alembic_version"])


def test_migrations_and_models_agree(database: Database) -> None:
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_sqlite_settings_and_private_files(db_target: DbTarget, database: Database) -> None:
    if db_target.kind != "sqlite":
        pytest.skip("SQLite only")
    with database.engine.connect() as connection:
        pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "busy_timeout", "synchronous", "foreign_keys", "secure_delete")}
    assert pragma == {"journal_mode": "wal", "busy_timeout": 10000, "synchronous": 1, "foreign_keys": 1,
                      "secure_delete": 1}
    assert stat.S_IMODE(db_target.data_dir.stat().st_mode) == 0o700
    files = list(db_target.data_dir.glob(f"{SQLITE_FILE}*"))
    assert db_target.data_dir / SQLITE_FILE in files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_postgresql_url_forms(db_target: DbTarget) -> None:
    if db_target.kind != "postgresql":
        pytest.skip("PostgreSQL only")
    assert normalise_url("postgresql://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgresql+psycopg://u:p@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:////tmp/x.sqlite3").drivername == "sqlite"
    database = open_database(db_target.url.replace("postgresql://", "postgresql+psycopg://"), db_target.data_dir)
    try:
        assert database.dialect == "postgresql"
    finally:
        database.dispose()


def test_the_password_is_never_logged(db_target: DbTarget, caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    password = "Sesame-0penSesame"
    if db_target.kind == "postgresql":
        # Trust authentication on the test server ignores the password; it still travels in the URL.
        schema, _ = new_postgres_schema()
        try:
            base = make_url(postgres_base_url()).set(password=password).render_as_string(hide_password=False)
            url = with_search_path(base, schema)
            database = open_database(url, tmp_path)
            database.dispose()
        finally:
            drop_postgres_schema(schema)
    else:
        database = open_database(f"sqlite:///{tmp_path / 'explicit.sqlite3'}", tmp_path)
        database.dispose()
    assert "database ready" in caplog.text
    assert password not in caplog.text
    assert password not in database.safe_url


def test_unreachable_database_at_start_raises_storage_unavailable(db_target: DbTarget, tmp_path: Path) -> None:
    if db_target.kind == "sqlite":
        (tmp_path / SQLITE_FILE).mkdir()  # the database file cannot be opened
        url = None
    else:
        url = "postgresql://postgres:Sesame-0pen@127.0.0.1:1/test"
    with pytest.raises(StorageUnavailable) as raised:
        open_database(url, tmp_path)
    assert "Sesame" not in str(raised.value)


def test_an_unknown_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        open_database("mysql://u@h/db", tmp_path)
