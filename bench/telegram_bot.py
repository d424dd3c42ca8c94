"""Updates per second of the Aiguillage Telegram bot beside an echo bot making the same Bot API calls.

    .venv/bin/python bench/telegram_bot.py [--updates 1000] [--loop uvloop|asyncio]

prints one JSON line: {"bench": "telegram_bot", "bot_updates_per_second": b, "fair_echo_updates_per_second": e,
"ratio": b / e, ...}, figures per second of the bot process's own CPU time (user + system, every thread):
its throughput on one fully used core. Wall-clock rates are printed too.

Each update is a new resident's /start. Both bots are the production Application (configure_builder: the
per-resident order, the limiter with its cap of requests on the wire and its retries; Telegram's flood
limits off, or the figure would be the limiter's 30 messages/s), long-polling the fake Bot API, which runs
in a process of its own pinned to another core (as Telegram is on other machines: its CPU is not ours):

* Aiguillage: the real handlers, a turn of the real engine and a SQLite database (a temporary directory)
  in a worker thread, and its replies: welcome, privacy notice, the first question with its buttons.
* the fair echo bot: the same replies (computed once by the engine), through the same thread hop and the
  same send_replies, so the same calls with the same keyboards; it does no turn and stores nothing.

So the ratio is the share of the work that is Telegram's, and the rest the price of the turn. The old
baseline (a bare echo bot, 1 reply per update, the fake in the bot's own event loop) is measured too,
by bench/echo_bot.py's harness, as the old figures were.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:  # run as a script: make `bot`, `tests.fakes` and echo_bot importable
        sys.path.insert(0, str(path))

import httpx  # noqa: E402
from echo_bot import echo_handlers, measure  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import Application, CommandHandler, ContextTypes, filters  # noqa: E402

from bot.channels.telegram import TelegramAdapter, configure_builder, send_replies  # noqa: E402
from bot.channels.telegram.pacing import PacedRateLimiter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.dialog.messages import Incoming  # noqa: E402
from bot.i18n import translator  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from tests.fakes.bot_api import DEFAULT_TOKEN  # noqa: E402
from tests.fakes.updates import UpdateBuilders  # noqa: E402
from tests.helpers.asgi import loopback_socket  # noqa: E402

CONCURRENCY = 256
REPLIES_PER_START = 3  # welcome, privacy notice, "Qu'est-ce qui vous amène ?" with buttons
WARMUP = 30


@contextlib.contextmanager
def fake_bot_api(cpu: int | None) -> Any:
    """The fake Bot API in a subprocess (pinned to `cpu`); yields its base URL."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    sock.close()  # the subprocess binds it again at once; nothing else on this machine races for it
    process = subprocess.Popen([sys.executable, "-m", "tests.fakes.bot_api", "--port", str(port)], cwd=ROOT,
                               preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/fake/count", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake Bot API did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextlib.asynccontextmanager
async def polling(url: str, register: Callable[[Application], None]) -> AsyncIterator[Application]:
    builder = Application.builder().token(DEFAULT_TOKEN).base_url(f"{url}/bot").base_file_url(f"{url}/file/bot")
    limiter = PacedRateLimiter(overall_max_rate=0, group_max_rate=0)
    application = configure_builder(builder, rate_limiter=limiter, max_concurrent_updates=CONCURRENCY).build()
    register(application)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def timed(url: str, register: Callable[[Application], None], n: int, first_user: int) -> dict[str, Any]:
    """Push n /start updates of new residents at once; time until their 3n replies are answered."""
    builders = UpdateBuilders({"id": 1, "is_bot": True, "first_name": "Aiguillage", "username": "bench_bot"})
    async with httpx.AsyncClient(base_url=url, timeout=30) as control, polling(url, register) as application:

        async def sent() -> tuple[int, float]:
            answer = (await control.get("/fake/count", params={"method": "sendMessage", "ok": "1"})).json()
            return int(answer["count"]), answer["last"]

        async def run(count: int, offset: int) -> float:
            """The time.monotonic() of the last reply, as the fake saw it."""
            updates = [builders.command_update(first_user + offset + index, "/start") for index in range(count)]
            expected = (await sent())[0] + count * REPLIES_PER_START
            (await control.post("/fake/updates", json=updates)).raise_for_status()
            deadline = time.monotonic() + max(60.0, count / 5)
            # Seldom: each look costs the bot process a request; the fake says when the last reply came.
            while (answer := await sent())[0] < expected:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{expected - answer[0]} replies missing")
                await asyncio.sleep(0.1)
            return answer[1]

        await run(WARMUP, 0)  # imports, caches, the connection pool: not timed
        started, cpu_started = time.monotonic(), time.process_time()
        last_reply = await run(n, WARMUP)
        # CPU after the last reply (at most one 0.1 s sleep, the bot idle but for its long poll) is counted.
        seconds, cpu_seconds = last_reply - started, time.process_time() - cpu_started
        limiter = application.bot.rate_limiter
        most_in_flight = limiter.most_in_flight if isinstance(limiter, PacedRateLimiter) else None
    return {"updates": n, "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
            "per_second": round(n / seconds, 1), "per_core_second": round(n / cpu_seconds, 1),
            "most_in_flight": most_in_flight}


def aiguillage(runtime: Runtime) -> Callable[[Application], None]:
    return TelegramAdapter(runtime).register


def fair_echo(runtime: Runtime) -> Callable[[Application], None]:
    """The same replies as Aiguillage's /start, the same thread hop and send_replies; no turn, no storage."""
    replies = runtime.engine.handle(None, Incoming("start", lang="fr"), datetime.now(ZoneInfo("Europe/Paris"))).replies
    t = translator("fr")

    async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        canned = await asyncio.to_thread(lambda: replies)
        await send_replies(context.bot, update.effective_chat.id, canned, t)

    def register(application: Application) -> None:
        application.add_handler(CommandHandler("start", on_start, filters=filters.UpdateType.MESSAGE
                                               & filters.ChatType.PRIVATE))

    return register


async def run(n: int, fake_cpu: int | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as data_dir, fake_bot_api(fake_cpu) as url:
        runtime = build_runtime(Settings(data_dir=Path(data_dir)))
        try:
            # Interleaved, each twice: a slow spell of the shared machine does not hit one side only.
            ours: list[dict[str, Any]] = []
            echo: list[dict[str, Any]] = []
            for run_ in range(2):
                ours.append(await timed(url, aiguillage(runtime), n // 2, 1_000_000 + run_ * 100_000))
                echo.append(await timed(url, fair_echo(runtime), n // 2, 5_000_000 + run_ * 100_000))
        finally:
            runtime.database.dispose()
    old_echo = await measure(echo_handlers, n, bench="telegram_echo", concurrent_updates=CONCURRENCY)

    def rate(results: list[dict[str, Any]], key: str) -> float:
        return round(sum(r["updates"] for r in results) / sum(r[key] for r in results), 1)

    bot, fair = rate(ours, "cpu_seconds"), rate(echo, "cpu_seconds")
    return {
        "bench": "telegram_bot",
        "updates": n,
        "bot_updates_per_second": bot,
        "fair_echo_updates_per_second": fair,
        "ratio": round(bot / fair, 3),
        "bot_wall_updates_per_second": rate(ours, "seconds"),
        "fair_echo_wall_updates_per_second": rate(echo, "seconds"),
        "bot_messages_per_second": round(bot * REPLIES_PER_START, 1),
        "old_echo_updates_per_second": old_echo["updates_per_second"],
        "most_in_flight": max(r["most_in_flight"] or 0 for r in ours + echo),
        "concurrency": CONCURRENCY,
        "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        "runs": {"aiguillage": ours, "fair_echo": echo},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=1_000)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="uvloop: as `aiguillage run` serves (uvicorn's loop='auto')")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    cpus = sorted(os.sched_getaffinity(0))
    fake_cpu = None
    if len(cpus) > 1:  # the bot on one core, the fake on another
        os.sched_setaffinity(0, {cpus[0]})
        fake_cpu = cpus[1]
    if args.loop == "uvloop":
        import uvloop

        uvloop.install()
    print(json.dumps(asyncio.run(run(args.updates, fake_cpu))))


if __name__ == "__main__":
    main()
