"""Everything a running Aiguillage needs, built once from the settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.catalogue import KNOWLEDGE_DIR, Catalogue, load_catalogue
from bot.config import Settings
from bot.dialog.engine import Engine
from bot.storage import Database, TurnService, load_or_create_pepper, open_database
from bot.storage.database import private_directory

log = logging.getLogger("aiguillage")


@dataclass
class Runtime:
    settings: Settings
    catalogue: Catalogue
    engine: Engine
    database: Database
    service: TurnService
    pepper: bytes


def build_runtime(settings: Settings) -> Runtime:
    """Load and validate the catalogue (refusing to start on an error), open and migrate the database."""
    catalogue = load_catalogue(Path(settings.knowledge_dir) if settings.knowledge_dir else KNOWLEDGE_DIR)
    private_directory(settings.data_dir)
    database = open_database(settings.database_url or None, settings.data_dir)
    pepper = load_or_create_pepper(settings.data_dir, settings.pepper.value or None)
    engine = Engine(catalogue, retention_days=settings.retention_days)
    service = TurnService(database, engine, pepper)
    log.info("runtime ready", extra={"catalogue": catalogue.version, "database": database.dialect})
    return Runtime(settings, catalogue, engine, database, service, pepper)
