"""Structured logs: one JSON object per line, one line per event, never personal data.

Log calls give an event name and technical facts (channel, durations, counts). Identifiers,
phone numbers, message text and answers are never passed to a logger; request URLs of the
HTTP clients are silenced because Telegram's carry the bot token.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key != "color_message":
                entry[key] = value if isinstance(value, (int, float, bool, str, type(None))) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception type only: messages of database or HTTP errors can carry values.
            entry["error"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "uvicorn.access", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
