"""Benchmark: what one stored conversation costs: bytes of state JSON, and bytes on disk in SQLite.

    .venv/bin/python bench/state_memory.py [--conversations 1000]

Prints one JSON line. Conversations are played through the real TurnService (engine + SQLite, as a
channel does) with the scripts of bench/engine_turns.py, each resident going through one of them
whole (a need, the answers, the results). Then:

* state_bytes_*: the state JSON as stored (UTF-8), over every conversation;
* sqlite_bytes_per_conversation: growth of the database file (after a checkpoint and VACUUM) divided
  by the number of conversations: the conversation row, its processed-message ids (one per message,
  kept 48 h) and the indexes, all included;
* row_bytes_*: per table, the bytes SQLite's dbstat says each table and its indexes use, per row.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from engine_turns import NOW, SCRIPTS  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.dialog.messages import Incoming  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from bot.storage.database import SQLITE_FILE  # noqa: E402


def _file_size(database_file: Path) -> int:
    connection = sqlite3.connect(database_file)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("VACUUM")
    finally:
        connection.close()
    return database_file.stat().st_size


def _dbstat(database_file: Path) -> dict[str, int]:
    """Bytes used per table, its indexes included (dbstat virtual table), or {} when SQLite lacks it."""
    connection = sqlite3.connect(database_file)
    try:
        rows = connection.execute(
            "SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m ON s.name = m.name "
            "GROUP BY m.tbl_name").fetchall()
        counts = {table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table, _ in rows}
    except sqlite3.DatabaseError:
        return {}
    finally:
        connection.close()
    return {table: round(size / counts[table]) for table, size in rows if counts.get(table)}


def run(conversations: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as directory:
        data_dir = Path(directory)
        runtime = build_runtime(Settings(data_dir=data_dir))
        service = runtime.service
        service._clock = lambda: NOW  # every turn on the same day: the counters do not multiply
        database_file = data_dir / SQLITE_FILE
        empty = _file_size(database_file)
        messages = 0
        for index in range(conversations):
            identifier = f"+3368{index:07d}"
            script = SCRIPTS[index % len(SCRIPTS)]
            for step, text in enumerate(["/start", *script]):
                incoming = Incoming("start") if text == "/start" else Incoming.from_text(text)
                service.handle("sms", identifier, f"bench-{index}-{step}", incoming)
                messages += 1
        sizes = []
        for index in range(conversations):
            state = service.state_of("sms", f"+3368{index:07d}")
            sizes.append(len(json.dumps(state, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()))
        runtime.database.dispose()
        full = _file_size(database_file)
        per_table = _dbstat(database_file)
    sizes.sort()
    return {
        "bench": "state_memory",
        "conversations": conversations,
        "messages": messages,
        "state_bytes_median": int(statistics.median(sizes)),
        "state_bytes_p99": sizes[int(len(sizes) * 0.99) - 1],
        "state_bytes_max": sizes[-1],
        "sqlite_bytes_per_conversation": round((full - empty) / conversations),
        "row_bytes_conversations": per_table.get("conversations"),
        "row_bytes_processed_messages": per_table.get("processed_messages"),
        "sqlite_file_bytes": full,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=1000)
    print(json.dumps(run(parser.parse_args().conversations)))
