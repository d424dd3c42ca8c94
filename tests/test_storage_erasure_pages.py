"""After « oubli », the erased conversation cannot be read anywhere the database keeps bytes: not in
PostgreSQL's table pages (read raw with pageinspect, after a plain VACUUM as autovacuum does), not in
the SQLite file and its WAL. States are sealed with a key only the person's next message rebuilds, so
even the live conversation shows no answer in the raw bytes.

A positive control proves the scan sees plaintext: a sentinel written in clear to a control table is
found by the very same scan.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from storage_fixtures import PEPPER, DbTarget, FakeClock, TinyEngine, db_target, postgres_base_url, say, sqlite_file_bytes

from bot.storage import TurnService
from bot.storage.database import Database, normalise_url

NUMBER = "+33611223344"
# What the erased person told the bot: age, income, household, quartier, in words no cipher text contains.
SENTINELS = ("AGE-SENTINEL-73", "REVENU-SENTINEL-1234", "FOYER-SENTINEL-3-ENFANTS", "quartier Sentinelle-Bellevue")
PERSON_TABLES = ("conversations", "processed_messages", "handover_codes", "sms_outbox", "stopped_numbers")
CONTROL = "CONTROL-SENTINEL-IN-CLEAR"


def converse_then_erase(database: Database) -> TurnService:
    service = TurnService(database, TinyEngine(), PEPPER, clock=FakeClock())
    for n, said in enumerate(SENTINELS):
        service.handle("sms", NUMBER, f"m{n}", say(said))
    service.handle("sms", NUMBER, "m-pending", say("aide RSA"), channel_data=lambda replies, lang: " ".join(SENTINELS))
    service.create_handover_code("sms", NUMBER, FakeClock()())
    assert service.state_of("sms", NUMBER)["answers"][0] == SENTINELS[0]  # stored, and readable by the service
    return service


def raw_pages(database: Database, schema: str, tables: tuple[str, ...]) -> bytes:
    """Every page of the tables, their TOAST tables and their indexes, as PostgreSQL stores them."""
    admin = create_engine(normalise_url(postgres_base_url()), poolclass=NullPool)
    content = b""
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pageinspect")
        with admin.connect() as connection:
            for table in tables:
                relations = connection.execute(text(
                    "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND c.relname = :table "
                    "UNION SELECT t.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "JOIN pg_class t ON t.oid = c.reltoastrelid WHERE n.nspname = :schema AND c.relname = :table "
                    "UNION SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = :schema AND c.relname = :table"),
                    {"schema": schema, "table": table}).scalars().all()
                for relation in relations:
                    blocks = connection.execute(text("SELECT pg_relation_size(:r) / current_setting('block_size')::int"),
                                                {"r": relation}).scalar_one()
                    for block in range(blocks):
                        content += connection.execute(text("SELECT get_raw_page(:r, :b)"),
                                                      {"r": relation, "b": block}).scalar_one()
    finally:
        admin.dispose()
    return content


def schema_of(database: Database) -> str:
    with database.engine.connect() as connection:
        return connection.execute(text("SELECT current_schema()")).scalar_one()


def scan(db_target: DbTarget, database: Database, tables: tuple[str, ...]) -> bytes:
    """The raw bytes a thief of the disk or of a backup would read."""
    if db_target.kind == "sqlite":
        return sqlite_file_bytes(db_target)  # the database file and its WAL
    with database.engine.begin() as connection:  # dirty buffers to the pages we read
        connection.exec_driver_sql("CHECKPOINT")
    return raw_pages(database, schema_of(database), tables)


def test_after_oubli_no_raw_page_holds_the_erased_answers(db_target: DbTarget) -> None:
    database = db_target.open()
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE control (note text)")
        connection.execute(text("INSERT INTO control VALUES (:note)"), {"note": CONTROL})
    service = converse_then_erase(database)
    live = scan(db_target, database, (*PERSON_TABLES, "control"))
    assert CONTROL.encode() in live  # the scan reads plaintext when there is some
    for sentinel in SENTINELS:
        assert sentinel.encode() not in live, f"{sentinel} readable in the pages of a live conversation"

    service.handle("sms", NUMBER, "m-oubli", say("oubli"))
    if db_target.kind == "postgresql":
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM")  # as autovacuum
    after = scan(db_target, database, PERSON_TABLES)
    for sentinel in SENTINELS:
        assert sentinel.encode() not in after, f"{sentinel} readable after erasure"
    assert service.state_of("sms", NUMBER) is None
