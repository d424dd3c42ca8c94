"""The HTTP server's settings, and a guard uvicorn lacks: a deadline to send a whole request.

uvicorn closes idle keep-alive connections, but a client that sends half its headers (or half its body)
and then waits keeps its socket and its memory forever: 300 of them and the server runs out of file
descriptors. ReadDeadlineProtocol gives every request `http_read_timeout` seconds (30 by default) from
the connection or the previous answer to arrive in full; then the connection is closed. A request whose
body has arrived is never cut, however long the app takes to answer.
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot.config import Settings

try:  # the C parser when installed (a third less CPU per request), else h11: the deadline works on both
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a declared dependency
    _Base = H11Protocol  # type: ignore[assignment,misc]


class ReadDeadlineProtocol(_Base):
    read_timeout: float = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        self._deadline = self.loop.call_later(self.read_timeout, self._expired)

    def _expired(self) -> None:
        cycle = self.cycle
        still_reading = cycle is None or cycle.response_complete or cycle.more_body
        if still_reading and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets its own deadline

    def connection_lost(self, exc: Exception | None) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
        super().connection_lost(exc)


def protocol_with_deadline(seconds: float) -> type[ReadDeadlineProtocol]:
    return type("ReadDeadlineProtocol", (ReadDeadlineProtocol,), {"read_timeout": float(seconds)})


def server_config(app: Any, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_config=None, access_log=False,
                          timeout_graceful_shutdown=15, server_header=False,
                          http=protocol_with_deadline(settings.http_read_timeout))
