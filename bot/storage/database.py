"""Opening the database: SQLite by default, PostgreSQL when configured; migrations applied at start.

Synchronous SQLAlchemy: the async channels call storage through asyncio.to_thread. The Engine and its
pool are thread-safe; every operation opens its own short Session.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_FILE = "aiguillage.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_PRAGMAS = (
    # busy_timeout first: switching to WAL takes a lock that another process may hold for a moment.
    "busy_timeout=10000",
    "journal_mode=WAL",  # readers never block the writer, the writer never blocks readers
    "synchronous=NORMAL",  # in WAL mode a commit survives a crash of the process (not of the machine)
    "foreign_keys=ON",
    # Deleted rows (erasure, purge) are overwritten with zeros instead of lingering in free pages.
    "secure_delete=ON",
)

# Any constant: only our own migrations take this advisory lock (two processes starting at once).
_PG_MIGRATION_LOCK = 4_861_002_337

# Errors meaning "the database cannot be used right now"; anything else is a bug and stays as it is.
_UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError)


class _FairLock:
    """A lock granted in arrival order (threading.Lock lets a thread that just released it win again).

    Re-entrant: a transaction opened inside another by the same thread does not wait for itself (it
    then meets SQLite's own lock and busy_timeout, as it would without this lock), never a hang."""

    def __init__(self) -> None:
        self._condition = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> None:
        me = threading.get_ident()
        with self._condition:
            if self._owner == me:
                self._depth += 1
                return
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._condition.wait()
            self._owner, self._depth = me, 1

    def __exit__(self, *exc: object) -> None:
        with self._condition:
            self._depth -= 1
            if self._depth:
                return
            self._owner = None
            self._serving += 1
            self._condition.notify_all()


class StorageUnavailable(RuntimeError):
    """The database cannot be reached or is locked for too long: tell the person to try again later.

    The message never contains a URL, a statement's parameters or a value; the original error is kept
    as __cause__ for operators.
    """


class _DropResultRows(logging.Filter):
    """SQLAlchemy logs fetched rows at DEBUG (states, incomes): never let them reach a handler.

    Statements logged at INFO stay, with their parameters hidden (hide_parameters=True).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO


def _install_log_guard() -> None:
    logger = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, _DropResultRows) for f in logger.filters):
        logger.addFilter(_DropResultRows())


class Database:
    """An Engine and a session factory; build it with open_database() (which also migrates)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # expire_on_commit=False: objects returned from a finished transaction stay readable without IO.
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer at a time and every transaction here writes (BEGIN IMMEDIATE): within a
        # process, transactions wait their turn on this lock, blocked, instead of spinning in SQLite's
        # busy handler (sleeps and retries, out of order). Other processes still meet busy_timeout.
        self._writer = _FairLock() if engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL for logs and messages, password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One short transaction, committed on success, rolled back on any exception.

        On SQLite it starts with BEGIN IMMEDIATE (see _configure_sqlite). Database unavailability
        becomes StorageUnavailable; every other exception passes through unchanged.
        """
        with self._turn():
            try:
                with self.sessions.begin() as session:
                    yield session
            except _UNAVAILABLE as exc:
                raise _unavailable(exc) from exc

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The same transaction as transaction(), on a Core Connection (no ORM session): the turn
        service's statements are prebuilt Core statements."""
        with self._turn():
            try:
                with self.engine.begin() as connection:
                    yield connection
            except _UNAVAILABLE as exc:
                raise _unavailable(exc) from exc

    @contextmanager
    def _turn(self) -> Iterator[None]:
        if self._writer is None:
            yield
            return
        with self._writer:
            yield

    def migrate(self) -> str:
        """Bring the schema to the newest migration; harmless when already there. Returns the revision."""
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":
                    # Transaction-scoped: released at commit, or when a killed process's session ends.
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                config = alembic_config()
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                return MigrationContext.configure(connection).get_current_revision() or ""
        except _UNAVAILABLE as exc:
            raise _unavailable(exc) from exc

    def checkpoint(self, mode: str = "TRUNCATE") -> None:
        """SQLite: copy the WAL into the database file and truncate it, so erased rows do not linger in
        old WAL frames. Best effort (a busy reader only delays it to the next automatic checkpoint).

        TRUNCATE holds back writers while it copies: after a large purge, checkpoint in PASSIVE mode
        between batches (copies what it can, blocks no one) so the last TRUNCATE has little to do."""
        if mode not in ("PASSIVE", "TRUNCATE"):
            raise ValueError(f"unknown checkpoint mode {mode!r}")
        if self.dialect != "sqlite":
            return
        # TRUNCATE waits for the writer and holds back new ones: it takes its turn on the writer lock
        # like a transaction, so this process's turns queue behind it instead of spinning.
        turn = self._turn() if mode == "TRUNCATE" else nullcontext()
        try:
            with turn:
                raw = self.engine.raw_connection()
                try:
                    # Outside any transaction: pysqlite's own transaction handling is off (isolation_level None).
                    driver = raw.driver_connection
                    assert driver is not None
                    driver.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
                finally:
                    raw.close()
        except _UNAVAILABLE + (OSError,):
            log.warning("WAL checkpoint skipped")
        except Exception as exc:  # sqlite3.OperationalError is not wrapped by a raw connection
            log.warning("WAL checkpoint skipped (%s)", type(exc).__name__)

    def dispose(self) -> None:
        self.engine.dispose()


def _unavailable(exc: BaseException) -> StorageUnavailable:
    original = getattr(exc, "orig", None) or exc
    return StorageUnavailable(f"database unavailable ({type(original).__name__}); try again later")


def alembic_config(url: str | None = None) -> Config:
    """Alembic configured from code: no alembic.ini at runtime. The URL is only for developers
    generating a new revision (alembic.command.revision(alembic_config(url), "...", autogenerate=True))."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalise_url(url).render_as_string(hide_password=False)
                               .replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def normalise_url(url: str) -> URL:
    """postgres:// and postgresql:// use the psycopg 3 driver (the one installed); others stay as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_database(url: str | None, data_dir: Path) -> Database:
    """SQLite file data_dir/aiguillage.sqlite3 when url is empty, else the database the URL names.

    Applies the migrations before returning. Raises StorageUnavailable when the database cannot be
    reached.
    """
    _install_log_guard()
    started = time.monotonic()
    data_dir = Path(data_dir)
    if url:
        parsed = normalise_url(url)
    else:
        parsed = URL.create("sqlite+pysqlite", database=str(data_dir / SQLITE_FILE))

    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    elif parsed.get_backend_name() == "postgresql":
        engine = _postgresql_engine(parsed)
    else:
        raise ValueError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")

    database = Database(engine)
    try:
        revision = database.migrate()
    except BaseException:
        engine.dispose()
        raise
    log.info("database ready: %s at revision %s (%.0f ms)", database.safe_url, revision,
             (time.monotonic() - started) * 1000)
    return database


def _sqlite_engine(url: URL) -> Engine:
    path = url.database
    if path and path != ":memory:" and not path.startswith("file:"):
        try:
            _create_private_file(Path(path))
        except OSError as exc:
            raise StorageUnavailable(f"cannot create the database file ({type(exc).__name__})") from exc
    # SQLAlchemy uses a QueuePool for SQLite files and allows use across threads (check_same_thread off).
    engine = create_engine(url, hide_parameters=True)
    _configure_sqlite(engine)
    return engine


def private_directory(path: Path) -> None:
    """The data directory, created 0700 (its files are secrets and personal data); an existing one
    that others can enter is tightened, with a warning, rather than refused."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("the data directory was open to others (mode %o); setting it to 0700", mode)
        path.chmod(0o700)


def _create_private_file(path: Path) -> None:
    """Create the database file as 0600 in a 0700 directory before SQLite does: SQLite would use the
    umask (often world-readable), and gives its -wal and -shm files the database file's mode."""
    # Created 0700 when missing; an existing directory (maybe /tmp, named by a URL) is left as it is.
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # pysqlite would start transactions lazily with a deferred BEGIN; we emit our own (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(f"PRAGMA {pragma}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        # BEGIN IMMEDIATE takes the write lock at the start (waiting up to busy_timeout for it). With a
        # deferred BEGIN, two transactions that both read then write deadlock on the upgrade and one
        # fails at once with "database is locked", whatever the timeout; and a read-then-write turn
        # could lose an update. Every transaction here is short, so serialising them costs little.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _postgresql_engine(url: URL) -> Engine:
    connect_args: dict[str, object] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = 5  # an unreachable host fails in seconds, not minutes
    # pool_pre_ping: a server restart costs a reconnect, not a failed turn.
    engine = create_engine(url, hide_parameters=True, pool_pre_ping=True, connect_args=connect_args)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # A turn waiting for another turn's row lock gives up like SQLite's busy_timeout would
        # (StorageUnavailable: "try again"), rather than holding a worker forever.
        dbapi_connection.execute("SET lock_timeout = '10s'")
        dbapi_connection.commit()

    return engine
