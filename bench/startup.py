"""Benchmark: start-up time of `aiguillage run` until /healthcheck answers 200.

    .venv/bin/python bench/startup.py [--runs 5]

Prints one JSON line. Each run starts the real command (`python -m bot.cli run`, as the console script
does) in a fresh working directory and polls /healthcheck every 20 ms:

* cold: an empty directory, as a newcomer's first start (SQLite file created, migrations applied,
  pepper and session key generated, the first desk account hashed with argon2);
* warm: the same directory started again (everything exists; Python's bytecode caches are warm too).

Telegram is not configured (its start-up is network round trips to the Bot API), SMS gateways are:
their routes are built either way. The figures are medians of `runs` starts.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_once(workdir: Path, timeout: float = 60.0) -> float:
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")},
           "AIGUILLAGE_PORT": str(port), "AIGUILLAGE_TWILIO_AUTH_TOKEN": "bench-token",
           "AIGUILLAGE_PUBLIC_URL": "https://bench.example", "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=workdir, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"aiguillage run exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthcheck", timeout=1) as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise TimeoutError("aiguillage run did not answer")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(runs: int) -> dict:
    cold, warm = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="aiguillage-start-") as directory:
            cold.append(start_once(Path(directory)))
            warm.append(start_once(Path(directory)))
    return {"bench": "startup", "runs": runs,
            "cold_seconds": round(statistics.median(cold), 3), "warm_seconds": round(statistics.median(warm), 3),
            "cold_all": [round(s, 3) for s in cold], "warm_all": [round(s, 3) for s in warm]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    print(json.dumps(run(parser.parse_args().runs)))
