"""Everything a running Aiguillage needs, built once from the settings.

A start-up failure that an operator can fix (an unreachable or corrupt database, a short pepper, a data
directory that cannot be written) becomes a StartupError whose one-line message names the setting or the
file and what to do; `aiguillage` prints it and exits with code 2.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from bot.catalogue import KNOWLEDGE_DIR, Catalogue, load_catalogue
from bot.config import Settings
from bot.dialog.engine import Engine
from bot.storage import Database, PepperError, StorageUnavailable, TurnService, load_or_create_pepper, open_database
from bot.storage.database import SQLITE_FILE, private_directory

log = logging.getLogger("aiguillage")


class StartupError(RuntimeError):
    """Aiguillage cannot start; the message is one line for the operator."""


@dataclass
class Runtime:
    settings: Settings
    catalogue: Catalogue
    engine: Engine
    database: Database
    service: TurnService
    pepper: bytes


def database_place(settings: Settings) -> str:
    """Where the database is, for messages: the URL without its password, or the SQLite file."""
    if settings.database_url:
        try:
            return "AIGUILLAGE_DATABASE_URL " + make_url(settings.database_url).render_as_string(hide_password=True)
        except (sa_exc.ArgumentError, ValueError):
            return "AIGUILLAGE_DATABASE_URL"
    return str(settings.data_dir / SQLITE_FILE)


def ensure_data_dir(settings: Settings) -> None:
    try:
        private_directory(settings.data_dir)
    except OSError as error:
        raise StartupError(f"AIGUILLAGE_DATA_DIR {settings.data_dir}: cannot create it ({error.strerror}); "
                           f"choose a folder this user can write") from None


def open_storage(settings: Settings) -> Database:
    where = database_place(settings)
    ensure_data_dir(settings)
    try:
        return open_database(settings.database_url or None, settings.data_dir)
    except StorageUnavailable as error:
        cause = type(error.__cause__).__name__ if error.__cause__ else "unavailable"
        if not settings.database_url:
            raise StartupError(f"{where}: cannot open the database ({cause}); check the file's permissions and "
                               f"that no other program holds it locked") from None
        raise StartupError(f"{where}: the database cannot be reached ({cause}); check that it is running and "
                           f"that the URL (host, port, user, password) is right") from None
    except sa_exc.DatabaseError as error:
        cause = type(getattr(error, "orig", None) or error).__name__
        raise StartupError(f"{where}: not a usable database ({cause}); restore it from a backup, or move it "
                           f"away to start with an empty one") from None


def build_runtime(settings: Settings) -> Runtime:
    """Load and validate the catalogue (refusing to start on an error), open and migrate the database."""
    catalogue = load_catalogue(Path(settings.knowledge_dir) if settings.knowledge_dir else KNOWLEDGE_DIR)
    ensure_data_dir(settings)
    try:
        pepper = load_or_create_pepper(settings.data_dir, settings.pepper.value or None)
    except PepperError as error:
        raise StartupError(f"{error} (set AIGUILLAGE_PEPPER to the secret every worker shares, at least 16 "
                           f"characters, e.g. from: openssl rand -hex 32)") from None
    database = open_storage(settings)
    engine = Engine(catalogue, retention_days=settings.retention_days)
    service = TurnService(database, engine, pepper,
                          handover_validity=timedelta(hours=catalogue.territory.handover_validity_hours))
    log.info("runtime ready", extra={"catalogue": catalogue.version, "database": database.dialect})
    return Runtime(settings, catalogue, engine, database, service, pepper)
