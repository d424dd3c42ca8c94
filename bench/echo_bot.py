"""Updates per second of a python-telegram-bot bot long-polling the fake Bot API on loopback.

    .venv/bin/python bench/echo_bot.py [--updates 2000] [--concurrent-updates 0]

prints one JSON line: {"bench": "telegram_echo", "updates": N, "seconds": s, "updates_per_second": r}.

`measure(handler_factory, n)` is the reusable part: the full Aiguillage bot can be measured with
the same harness by passing a factory that registers its handlers on the Application.

What the figure includes: the fake server runs in the same event loop as the bot (as in the
tests), so its own work per request (parsing, JSON, recording) is part of the time. It is a
bound on PTB + bot throughput on one core, not a prediction of Telegram's latency-bound reality
(real round trips are 50-300 ms, and Telegram limits a bot to about 30 messages per second).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `tests.fakes` importable
    sys.path.insert(0, str(ROOT))

from telegram import Update  # noqa: E402
from telegram.ext import Application, ApplicationBuilder, BaseHandler, ContextTypes, MessageHandler, filters  # noqa: E402

from tests.fakes.bot_api import FakeBotApi  # noqa: E402

# Bot API methods that count as a reply to a resident.
REPLY_METHODS = ("sendMessage", "sendVenue", "sendLocation", "editMessageText")

HandlerFactory = Callable[[Application], Any]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def echo_handlers(application: Application) -> list[BaseHandler]:
    """The bare echo bot: one MessageHandler answering each text with itself."""
    return [MessageHandler(filters.TEXT & ~filters.COMMAND, _echo)]


def _default_update(api: FakeBotApi, index: int, users: int) -> dict[str, Any]:
    # Spread over several residents so per-chat state (if any) is exercised realistically.
    return api.text_update(1_000 + index % users, f"message {index} : où manger ce soir ?")


async def measure(
    handler_factory: HandlerFactory,
    n: int = 2_000,
    *,
    bench: str = "telegram_echo",
    users: int = 50,
    replies_per_update: float = 1.0,
    make_update: Callable[[FakeBotApi, int], dict[str, Any]] | None = None,
    concurrent_updates: bool | int = False,
    configure_builder: Callable[[ApplicationBuilder], ApplicationBuilder] | None = None,
    warmup: int = 20,
    timeout: float | None = None,
) -> dict[str, Any]:
    """Push ``n`` updates at once and time until ``n * replies_per_update`` replies are recorded.

    ``handler_factory(application)`` may register handlers itself (and set bot_data, job queue...)
    or return a handler or an iterable of handlers to add; it may be async. Start-up and a small
    warm-up (JIT-free Python still has first-call costs: imports, httpx pool, caches) are not timed.
    ``configure_builder`` lets the full bot apply its own builder settings; leave out any rate
    limiter, or the figure measures the limiter.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    make = make_update or (lambda api, index: _default_update(api, index, users))
    async with FakeBotApi() as api:
        builder = (
            Application.builder()
            .token(api.token)
            .base_url(api.base_url)
            .base_file_url(api.base_file_url)
            .concurrent_updates(concurrent_updates)
        )
        if configure_builder is not None:
            builder = configure_builder(builder)
        application = builder.build()
        registered = handler_factory(application)
        if inspect.isawaitable(registered):
            registered = await registered
        if isinstance(registered, BaseHandler):
            application.add_handler(registered)
        elif isinstance(registered, Iterable):
            application.add_handlers(list(registered))

        def replies() -> int:
            return sum(api.count(method, ok_only=True) for method in REPLY_METHODS)

        await application.initialize()
        await application.start()
        await application.updater.start_polling(poll_interval=0)
        try:
            if warmup:
                api.push_updates(make(api, index) for index in range(warmup))
                target = round(warmup * replies_per_update)
                await api.wait_for(lambda a: replies() >= target, timeout=30)
            baseline = replies()
            expected = baseline + round(n * replies_per_update)
            # Built before the clock starts: only the bot's work is timed.
            updates = [make(api, warmup + index) for index in range(n)]
            started = time.perf_counter()
            api.push_updates(updates)
            await api.wait_for(lambda a: replies() >= expected, timeout=timeout or max(60.0, n / 20))
            seconds = time.perf_counter() - started
        finally:
            await application.updater.stop()
            await application.stop()
            await application.shutdown()
        if api.internal_errors:
            raise RuntimeError(f"FakeBotApi internal errors: {api.internal_errors!r}")
    return {
        "bench": bench,
        "updates": n,
        "seconds": round(seconds, 3),
        "updates_per_second": round(n / seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=2_000)
    parser.add_argument(
        "--concurrent-updates", type=int, default=0,
        help="PTB concurrent_updates (0: sequential, PTB's default)",
    )
    args = parser.parse_args(argv)
    concurrent: bool | int = args.concurrent_updates if args.concurrent_updates > 0 else False
    result = asyncio.run(measure(echo_handlers, args.updates, concurrent_updates=concurrent))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
