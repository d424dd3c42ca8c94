"""Storage: SQLAlchemy models, pseudonymisation, and the turn service (load, engine, save, mark processed).

    database = open_database(os.environ.get("AIGUILLAGE_DATABASE_URL"), data_dir)   # migrates
    pepper = load_or_create_pepper(data_dir, os.environ.get("AIGUILLAGE_PEPPER"))
    service = TurnService(database, engine, pepper)
    result = service.handle("sms", phone_number, gateway_message_id, incoming)
"""

from bot.storage.database import Database, StorageUnavailable, open_database
from bot.storage.pseudonym import PepperError, load_or_create_pepper, pseudonymise
from bot.storage.service import TurnResult, TurnService, UsageCount

__all__ = ["Database", "PepperError", "StorageUnavailable", "TurnResult", "TurnService", "UsageCount",
           "load_or_create_pepper", "open_database", "pseudonymise"]
