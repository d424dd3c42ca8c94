"""Serving hardened (issue 20): headers on every answer, bounded JSON, one-line start-up failures with
exit code 2, quiet stops, and channels that start independently of each other."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from serving import ROOT, Server, free_port

from bot.channels import Channel, Channels, Entry
from bot.config import Secret, Settings
from bot.runtime import build_runtime
from bot.web import MAX_JSON_DEPTH, create_app, json_too_deep


@pytest.fixture(scope="module")
def runtimes(tmp_path_factory):
    made = {}
    for name, public_url in (("https", "https://aiguillage.example.org"), ("http", "")):
        made[name] = build_runtime(Settings(data_dir=tmp_path_factory.mktemp(name), public_url=public_url))
    yield made
    for runtime in made.values():
        runtime.database.dispose()


async def answer(runtime, method: str, path: str, **kwargs) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


@pytest.mark.parametrize("method, path, status", [("GET", "/nowhere", 404), ("DELETE", "/healthcheck", 405),
                                                  ("GET", "/sms/twilio", 405), ("GET", "/healthcheck", 200),
                                                  ("GET", "/desk/signin", 200)])
async def test_every_answer_carries_the_security_headers_and_hsts_over_https(runtimes, method, path, status):
    served = await answer(runtimes["https"], method, path)
    assert served.status_code == status
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in served.headers["content-security-policy"]
    assert served.headers["strict-transport-security"].startswith("max-age=31536000")
    assert served.headers.get_list("x-frame-options") == ["DENY"]  # not doubled on the desk's own pages
    plain = await answer(runtimes["http"], method, path)
    assert "strict-transport-security" not in plain.headers and plain.headers["x-frame-options"] == "DENY"


async def test_json_nested_beyond_the_limit_is_a_400_within_it_goes_through(runtimes):
    deep = await answer(runtimes["http"], "POST", "/sms/android", content=b"[" * 50_000,
                        headers={"content-type": "text/plain"})
    assert deep.status_code == 400
    # An object whose strings hold brackets is not deep.
    assert not json_too_deep(b'{"text": "' + b"[" * 1000 + b'"}')
    assert not json_too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_too_deep(b'{"a":' * (MAX_JSON_DEPTH + 1))
    huge = await answer(runtimes["http"], "POST", "/sms/android", content=b"[" + b"0," * 600_000 + b"0]")
    assert huge.status_code == 413


def run_cli(workdir: Path, env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=workdir, capture_output=True, text=True,
                          timeout=timeout, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})


def corrupt_sqlite(workdir: Path) -> dict[str, str]:
    (workdir / "data").mkdir()
    (workdir / "data" / "aiguillage.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 100)
    return {}


def port_in_use(workdir: Path) -> dict[str, str]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port_in_use.holder = holder  # type: ignore[attr-defined]  # kept open for the test's duration
    return {"AIGUILLAGE_PORT": str(holder.getsockname()[1])}


FAILURES = {
    "malformed database port": (lambda d: {"AIGUILLAGE_DATABASE_URL": "postgresql://aiguillage@db:54x2/aiguillage"},
                                "AIGUILLAGE_DATABASE_URL"),
    "unreachable database": (lambda d: {"AIGUILLAGE_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/x"},
                             "AIGUILLAGE_DATABASE_URL"),
    "short pepper": (lambda d: {"AIGUILLAGE_PEPPER": "short"}, "AIGUILLAGE_PEPPER"),
    "corrupt sqlite file": (corrupt_sqlite, "aiguillage.sqlite3"),
    "port in use": (port_in_use, "AIGUILLAGE_PORT"),
    "short session secret": (lambda d: {"AIGUILLAGE_SESSION_SECRET": "short"}, "AIGUILLAGE_SESSION_SECRET"),
}


@pytest.mark.parametrize("case", sorted(FAILURES))
def test_each_start_up_failure_is_one_line_naming_what_to_fix_and_exit_code_2(tmp_path, case):
    make_env, named = FAILURES[case]
    result = run_cli(tmp_path, make_env(tmp_path), "run")
    # Beside the structured log lines of what was done before (one JSON object each), one line of text.
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith('{"ts"')]
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "Traceback" not in result.stderr
    assert result.stdout.count("\n") <= 1  # at most the desk account line, never a traceback


def test_stats_since_takes_words_and_refuses_the_rest_in_one_line(tmp_path):
    assert run_cli(tmp_path, {}, "stats", "--since", "yesterday").returncode == 0
    result = run_cli(tmp_path, {}, "stats", "--since", "hier soir")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--since" in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_quietly(tmp_path, sig):
    server = Server(tmp_path).start()
    code = server.stop(sig)
    assert code in (0, 130, -sig), server.stderr
    assert "Traceback" not in server.stderr and "KeyboardInterrupt" not in server.stderr
    assert "stopped" in server.stderr


def test_ctrl_c_while_starting_is_quiet(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], cwd=tmp_path, stderr=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True,
                               env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "AIGUILLAGE_PORT": str(free_port())})
    time.sleep(1.0)  # importing and loading the catalogue
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


# -- the registry --------------------------------------------------------------------------------------


class Flaky:
    def __init__(self, failures: int) -> None:
        self.failures, self.calls, self.stopped = failures, 0, False

    async def start(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("service unreachable")

    async def stop(self) -> None:
        self.stopped = True


async def test_a_background_channel_that_cannot_start_retries_while_the_others_serve(tmp_path):
    runtime = build_runtime(Settings(data_dir=tmp_path))
    flaky, steady = Flaky(failures=2), Flaky(failures=0)
    registry = [Entry("steady", lambda s: True, lambda r: Channel("steady", start=steady.start, stop=steady.stop)),
                Entry("flaky", lambda s: True, lambda r: Channel("flaky", start=flaky.start, stop=flaky.stop,
                                                                 background=True)),
                Entry("off", lambda s: False, lambda r: pytest.fail("a disabled channel is never built"))]
    channels = Channels(runtime, registry=registry)
    channels.first_retry = 0.05
    await channels.start()
    assert channels.status()["steady"] == "ok"
    seen = set()
    for _ in range(200):
        seen.add(channels.status()["flaky"])
        if channels.status()["flaky"] == "ok":
            break
        await asyncio.sleep(0.02)
    assert "degraded" in seen and channels.status() == {"steady": "ok", "flaky": "ok"} and flaky.calls == 3
    await channels.stop()
    assert flaky.stopped and steady.stopped
    runtime.database.dispose()


async def test_a_channel_still_retrying_at_shutdown_stops_without_waiting(tmp_path):
    runtime = build_runtime(Settings(data_dir=tmp_path))
    never = Flaky(failures=10**6)
    channels = Channels(runtime, registry=[Entry("never", lambda s: True, lambda r: Channel(
        "never", start=never.start, stop=never.stop, background=True))])
    await channels.start()
    await asyncio.sleep(0.1)
    started = time.monotonic()
    await channels.stop()
    assert time.monotonic() - started < 1 and channels.status() == {"never": "stopped"}
    runtime.database.dispose()


def test_telegram_is_enabled_by_its_token_alone(tmp_path):
    runtime = build_runtime(Settings(data_dir=tmp_path))
    without = [c.name for c in Channels(runtime).channels]
    assert "telegram" not in without and {"sms", "desk"} <= set(without)
    runtime.settings = Settings(data_dir=tmp_path, telegram_token=Secret("123:abc"))
    assert sorted(c.name for c in Channels(runtime).channels) == sorted([*without, "telegram"])
    runtime.database.dispose()


async def test_telegram_unreachable_at_start_is_retried_until_the_bot_api_answers(tmp_path):
    """The real Telegram channel (python-telegram-bot against the fake Bot API): its start fails while
    the API answers 502 Bad Gateway, then succeeds once it answers, without restarting anything."""
    if str(ROOT) not in sys.path:  # tests/ is not a package (see tests/fakes/fixtures.py)
        sys.path.insert(0, str(ROOT))
    from tests.fakes.bot_api import FakeBotApi

    async with FakeBotApi() as api:
        # Down long enough that python-telegram-bot's own retries of getMe give up and a start fails.
        api.fail_next("getMe", status=502, count=8, description="Bad Gateway")
        runtime = build_runtime(Settings(data_dir=tmp_path, telegram_token=Secret(api.token),
                                         telegram_api_url=api.base_url))
        channels = Channels(runtime)
        channels.first_retry = 0.3  # long enough to be seen degraded between attempts
        seen = set()
        await channels.start()
        try:
            for _ in range(600):
                seen.add(channels.status()["telegram"])
                if channels.status()["telegram"] == "ok":
                    break
                await asyncio.sleep(0.05)
            assert "degraded" in seen
            assert set(channels.status().values()) == {"ok"}
            assert api.count("getMe") == 9  # eight refused, then the start that worked
        finally:
            await channels.stop()
            runtime.database.dispose()
