"""Updates per second of the full Aiguillage Telegram bot beside a bare echo bot, same fake server, same run.

    .venv/bin/python bench/telegram_bot.py [--updates 1000]

prints one JSON line: {"bench": "telegram_bot", "updates": N, "bot_updates_per_second": b,
"echo_updates_per_second": e, "ratio": b / e, ...}.

Both go through the real python-telegram-bot library, long-polling FakeBotApi on loopback, with
bench/echo_bot.py's `measure` harness. Each update of the full bot is a new resident's /start:
a turn in the real engine and a SQLite database (a temporary directory), a typing indicator and
three replies (welcome, privacy notice, the first question with its buttons). The echo bot sends
one reply per update. Both run with the same concurrency (the full bot's per-resident ordering
processor, 256 updates at once).

Telegram's flood limits are switched off in the rate limiter for the full bot: with them the
figure would be the limiter's 30 messages per second, not the bot's cost. Everything else is the
production configuration (retry layer, handlers, storage).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:  # run as a script: make `bot`, `tests.fakes` and echo_bot importable
        sys.path.insert(0, str(path))

from echo_bot import echo_handlers, measure  # noqa: E402
from telegram.ext import Application, ApplicationBuilder  # noqa: E402

from bot.channels.telegram import TelegramAdapter, configure_builder  # noqa: E402
from bot.channels.telegram.pacing import PacedRateLimiter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.runtime import build_runtime  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402

CONCURRENCY = 256
REPLIES_PER_START = 3  # welcome, privacy notice, "Qu'est-ce qui vous amène ?" with buttons


def _unlimited(builder: ApplicationBuilder) -> ApplicationBuilder:
    return configure_builder(builder, rate_limiter=PacedRateLimiter(overall_max_rate=0, group_max_rate=0),
                             max_concurrent_updates=CONCURRENCY)


def _start_update(api: FakeBotApi, index: int) -> dict[str, Any]:
    return api.command_update(100_000 + index, "/start")  # a new resident each time


async def run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as data_dir:
        runtime = build_runtime(Settings(data_dir=Path(data_dir)))

        def full_bot(application: Application) -> None:
            TelegramAdapter(runtime).register(application)

        bot = await measure(full_bot, n, bench="telegram_bot", make_update=_start_update,
                            replies_per_update=REPLIES_PER_START, configure_builder=_unlimited)
        runtime.database.dispose()
    echo = await measure(echo_handlers, n, bench="telegram_echo", concurrent_updates=CONCURRENCY)
    return {
        "bench": "telegram_bot",
        "updates": n,
        "bot_updates_per_second": bot["updates_per_second"],
        "bot_messages_per_second": round(bot["updates_per_second"] * REPLIES_PER_START, 1),
        "echo_updates_per_second": echo["updates_per_second"],
        "ratio": round(bot["updates_per_second"] / echo["updates_per_second"], 3),
        "bot_seconds": bot["seconds"],
        "echo_seconds": echo["seconds"],
        "concurrency": CONCURRENCY,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=1_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(asyncio.run(run(args.updates))))


if __name__ == "__main__":
    main()
