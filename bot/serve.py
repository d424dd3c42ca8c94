"""`aiguillage run`: everything that is configured, in one process.

The ASGI server (desk, SMS webhooks, Telegram webhook, /healthcheck) always runs; the channels of the
registry (bot.channels) start independently: Telegram, which needs the Bot API to start, retries in
the background and shows as degraded in /healthcheck meanwhile, while SMS and the desk serve. With no
configuration at all, Aiguillage starts on SQLite in ./data with the desk on http://127.0.0.1:8080 and
a first counsellor account. SIGTERM stops taking updates, lets the turns in flight finish (each commits
before it replies), and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import uvicorn
from starlette.applications import Starlette

from bot.channels import Channels, with_webhook_secret
from bot.config import Settings
from bot.httpserver import server_config
from bot.runtime import Runtime, StartupError, build_runtime
from bot.web import create_app

log = logging.getLogger("aiguillage.serve")
PURGE_EVERY = timedelta(hours=1)
ATTEMPTS_KEPT = timedelta(days=1)  # attempt counters outlive their 15-minute windows by far

__all__ = ["build_app", "ensure_first_counsellor", "run", "with_webhook_secret"]


def ensure_first_counsellor(runtime: Runtime, out: Callable[[str], None]) -> None:
    """A newcomer can sign in to the desk at once: create one account and print its password once."""
    if not runtime.settings.create_first_counsellor:
        return
    try:
        from bot.channels.desk.accounts import add_counsellor, count_counsellors
    except ImportError:  # the desk is not installed in this build
        return
    if count_counsellors(runtime.database) == 0:
        password = add_counsellor(runtime.database, "admin")
        out(f"Desk account created: name 'admin', password '{password}' (shown once; "
            f"change it with: aiguillage counsellor reset admin)")


def purge_once(runtime: Runtime, now: datetime | None = None) -> None:
    """Conversations past the retention period; the desk's audit rows past theirs, expired sessions."""
    from bot.channels.desk import store

    now = now or datetime.now(UTC)
    settings = runtime.settings
    deleted = runtime.service.purge(None, timedelta(days=settings.retention_days))
    audit = store.purge(runtime.database, now, timedelta(days=settings.audit_retention_days), ATTEMPTS_KEPT)
    log.info("retention purge", extra={"conversations_deleted": deleted, "audit_rows_deleted": audit})


async def _purge_periodically(runtime: Runtime) -> None:
    while True:
        try:
            await asyncio.to_thread(purge_once, runtime)
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(PURGE_EVERY.total_seconds())


def build_app(runtime: Runtime, channels: Channels | None = None) -> Starlette:
    channels = channels if channels is not None else Channels(runtime)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        purge = asyncio.create_task(_purge_periodically(runtime))
        try:
            await channels.start()
            yield
        finally:
            purge.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await purge
            # Telegram stops taking updates and finishes its turns (each committed before replying), the
            # SMS outbox sends what is queued; then the pool can close.
            await channels.stop()
            await asyncio.to_thread(runtime.database.dispose)
            log.info("stopped")

    return create_app(runtime, lifespan=lifespan, channels=channels)


def run(settings: Settings, out: Callable[[str], None] = lambda text: print(text, flush=True)) -> int:
    sock = listening_socket(settings)  # first: a port in use stops start-up before anything is done
    try:
        runtime = build_runtime(settings)
    except BaseException:
        sock.close()
        raise
    ensure_first_counsellor(runtime, out)
    app = build_app(runtime)
    out(f"Aiguillage is running: desk on http://{settings.host}:{settings.port}/desk "
        f"(catalogue {runtime.catalogue.version}, {len(runtime.catalogue.aids)} aids). Stop with Ctrl+C.")
    server = uvicorn.Server(server_config(app, settings))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0 if server.started else 2


def listening_socket(settings: Settings) -> socket.socket:
    """Bound before uvicorn starts, so a port in use is one line naming the setting (uvicorn would log
    and exit 1)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        raise StartupError(f"AIGUILLAGE_HOST/AIGUILLAGE_PORT: cannot listen on {settings.host}:{settings.port} "
                           f"({error.strerror}); choose a free port or stop the program using it") from None
    sock.set_inheritable(True)
    return sock
