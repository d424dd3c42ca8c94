"""A turn worker for tests/test_storage_crash.py, meant to be killed with SIGKILL at any moment.

    python tests/helpers/turn_worker.py DATA_DIR [DATABASE_URL]

Reads "<message id> <text>" lines on stdin and handles each as a turn of one SMS user with the tiny
test engine. Writes on stdout, flushed at once:
    READY                 the database is open
    ENGINE <id>           inside the turn's transaction (the engine is running)
    DONE <id> <0|1>       committed (1: it was a duplicate)
    ACK <id>              the replies "were sent": the gateway may forget the message
WORKER_PAUSE (seconds) is slept after ENGINE and before ACK, so the test can kill in those windows.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ (storage_fixtures)

from storage_fixtures import PEPPER, TinyEngine  # noqa: E402  (also puts the project on sys.path)

from bot.dialog.messages import Incoming  # noqa: E402
from bot.storage import TurnService, open_database  # noqa: E402

CHANNEL = "sms"
IDENTIFIER = "+33600000077"


def main() -> None:
    data_dir = Path(sys.argv[1])
    url = sys.argv[2] if len(sys.argv) > 2 else None
    pause = float(os.environ.get("WORKER_PAUSE", "0"))
    current = [""]

    def on_handle(_incoming: Incoming) -> None:
        print(f"ENGINE {current[0]}", flush=True)
        time.sleep(pause)

    service = TurnService(open_database(url, data_dir), TinyEngine(on_handle=on_handle), PEPPER)
    print("READY", flush=True)
    for line in sys.stdin:
        message_id, _, words = line.rstrip("\n").partition(" ")
        current[0] = message_id
        result = service.handle(CHANNEL, IDENTIFIER, message_id, Incoming.from_text(words))
        print(f"DONE {message_id} {int(result.duplicate)}", flush=True)
        time.sleep(pause)
        print(f"ACK {message_id}", flush=True)


if __name__ == "__main__":
    main()
