"""kill -9 a turn worker at many points; the gateway resends what was not acknowledged (same ids).

Whatever the moment of the kill (inside the transaction, after the commit but before the reply was
sent, or at a random instant), the final state holds every answer exactly once, in order.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from storage_fixtures import PEPPER, DbTarget, TinyEngine, count_rows, db_target  # noqa: F401

from bot.storage import TurnService
from bot.storage.database import Database

WORKER = Path(__file__).resolve().parent / "helpers" / "turn_worker.py"
CHANNEL, IDENTIFIER = "sms", "+33600000077"  # as in the worker
PAUSE = 0.05  # the worker's windows (inside the transaction, between commit and "send")


class Worker:
    def __init__(self, target: DbTarget, log_path: Path) -> None:
        args = [sys.executable, str(WORKER), str(target.data_dir)] + ([target.url] if target.url else [])
        self._log = log_path.open("a")
        self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                        text=True, env={**os.environ, "WORKER_PAUSE": str(PAUSE)})
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self, timeout: float) -> str | None:
        """The next line, or None at end of output; raises queue.Empty after timeout."""
        return self.lines.get(timeout=timeout)

    def send(self, message_id: str, words: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{message_id} {words}\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._log.close()

    def finish(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0
        self._log.close()


@pytest.mark.slow
def test_kill_9_at_any_point_loses_nothing_and_applies_nothing_twice(db_target: DbTarget, tmp_path: Path) -> None:
    messages = [(f"m{n}", f"answer-{n}") for n in range(16)]
    # Killed when the worker prints this line: inside the transaction, or committed but not acknowledged.
    triggers = {("ENGINE", "m1"), ("DONE", "m3"), ("ENGINE", "m6"), ("DONE", "m7"), ("DONE", "m10")}
    # Then killed at these delays after a batch was sent: wherever the worker happens to be.
    timed_kills = [0.005, 0.03, 0.07, 0.12]
    acked: list[str] = []
    duplicates: set[str] = set()
    kills = 0

    while len(acked) < len(messages):
        worker = Worker(db_target, tmp_path / "worker.log")
        assert worker.next_line(timeout=60) == "READY", (tmp_path / "worker.log").read_text()
        pending = [(mid, words) for mid, words in messages if mid not in acked]
        for mid, words in pending:  # the gateway resends everything not acknowledged, in order
            worker.send(mid, words)
        pending_ids = {mid for mid, _ in pending}
        timed = timed_kills.pop(0) if timed_kills and not any(mid in pending_ids for _, mid in triggers) else None
        deadline = time.monotonic() + (timed if timed is not None else 60)
        while True:
            try:
                line = worker.next_line(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                assert timed is not None, "the worker stopped answering"
                worker.kill()
                kills += 1
                break
            assert line is not None, (tmp_path / "worker.log").read_text()
            event, mid, *rest = line.split()
            if event == "DONE" and rest == ["1"]:
                duplicates.add(mid)
            if event == "ACK":
                acked.append(mid)
            if (event, mid) in triggers:
                triggers.discard((event, mid))
                worker.kill()
                kills += 1
                break
            if len(acked) == len(messages):
                worker.finish()
                break

    assert kills >= 5  # the triggered kills; a timed kill may come after the last message
    assert acked == [mid for mid, _ in messages]
    assert {"m3", "m7", "m10"} <= duplicates  # committed before the kill: recognised when resent
    assert not {"m1", "m6"} & duplicates  # killed inside the transaction: nothing had been applied

    database: Database = db_target.open()
    state = TurnService(database, TinyEngine(), PEPPER).state_of(CHANNEL, IDENTIFIER)
    assert state is not None
    assert state["answers"] == [words for _, words in messages]
    assert count_rows(database, "processed_messages") == len(messages)
    assert count_rows(database, "conversations") == 1
