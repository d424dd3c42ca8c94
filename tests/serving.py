"""Start `aiguillage run` as a person would, in a subprocess, and wait until it answers."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, workdir: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()):
        """Runs in `workdir` with no AIGUILLAGE_ setting but the port and those in `env`: the data
        directory is then ./data, as for a newcomer."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")},
                    "AIGUILLAGE_PORT": str(self.port), **(env or {})}
        self.args = args
        self.process: subprocess.Popen | None = None
        self.stdout = ""
        self.stderr = ""

    def start(self, timeout: float = 30) -> Server:
        self._stdout_path = self.workdir / f"stdout-{self.port}.txt"
        self._stderr_path = self.workdir / f"stderr-{self.port}.txt"
        # Output goes to files, not pipes: a chatty server must never block on a full pipe.
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", *self.args, "run"], cwd=self.workdir,
                                        env={**self.env, "PYTHONPATH": str(ROOT)},
                                        stdout=self._stdout_path.open("w"), stderr=self._stderr_path.open("w"),
                                        text=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._collect()
                raise RuntimeError(f"aiguillage run exited {self.process.returncode}: {self.stderr[-2000:]}")
            try:
                if httpx.get(self.url + "/healthcheck", timeout=1).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        self._collect()
        raise TimeoutError(f"aiguillage run did not answer: {self.stderr[-2000:]}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._collect()
        return self.process.returncode

    def _collect(self) -> None:
        self.stdout = self._stdout_path.read_text(errors="replace")
        self.stderr = self._stderr_path.read_text(errors="replace")

    def read_stdout_line(self, pattern: str, timeout: float = 10) -> str:
        """The first line of the server's output matching `pattern` (waiting for it a little)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self._stdout_path.read_text(errors="replace").splitlines():
                if re.search(pattern, line):
                    return line
            time.sleep(0.1)
        return ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.stop()
