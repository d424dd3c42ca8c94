"""Serve an ASGI app on uvicorn on a free loopback port, for tests and benchmarks.

    async with Served(app) as served:          # in the test's event loop (async clients)
        await httpx.AsyncClient().get(served.url + "/healthcheck")

    with ServedInThread(app) as served:        # in a thread of its own (synchronous clients, browsers)
        httpx.get(served.url + "/healthcheck")

Each of these was once written by hand in several test modules, with the same traps:

* a free port: the socket is bound here (port 0) and handed to uvicorn, so no other process can take
  the port between choosing and binding it;
* proto=IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted connections only when the listening socket
  says TCP (proto 0 does not); without it every response waits ~40 ms (Nagle + delayed ACK);
* uvicorn takes over SIGINT/SIGTERM of the process while it serves: not in a test process;
* a long keep-alive: with uvicorn's 5 s, a client reusing a connection the server is closing gets a
  ReadError now and then under load (a race of every HTTP/1.1 client, not of the app).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from typing import Any

import uvicorn

START_TIMEOUT = 15.0


def loopback_socket(port: int = 0) -> socket.socket:
    """A TCP socket bound to 127.0.0.1 (not listening yet): on a free port unless one is given."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


def _server(app: Any, options: dict[str, Any]) -> uvicorn.Server:
    # log_level warning: request lines (the Bot API's carry the token) are INFO on uvicorn.access,
    # which pytest's log capture hears even with access_log=False.
    settings: dict[str, Any] = {"log_config": None, "access_log": False, "log_level": "warning", "lifespan": "on",
                                "timeout_keep_alive": 120, "timeout_graceful_shutdown": 5}
    settings.update(options)
    server = uvicorn.Server(uvicorn.Config(app, **settings))
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign]
    return server


class Served:
    """`app` on uvicorn in the running event loop; `url` is its base URL, `port` its port.

    Keyword arguments go to uvicorn.Config (lifespan="off" for an app without one, ...). Started and
    stopped with uvicorn's own steps but without its main loop, which checks for the exit every 0.1 s
    and then sleeps 0.1 s more: a test starting a server per test would wait 0.2 s each time.
    """

    def __init__(self, app: Any, port: int = 0, **options: Any) -> None:
        self.app = app
        self.options = options
        self.url = ""
        self.port = port  # 0: a free one

    async def __aenter__(self) -> Served:
        self._sock = loopback_socket(self.port)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = _server(self.app, self.options)
        self.server.config.load()
        self.server.lifespan = self.server.config.lifespan_class(self.server.config)
        try:
            await self.server.startup(sockets=[self._sock])  # lifespan startup, then listening
        except BaseException:
            self._sock.close()
            raise
        return self

    async def stop(self, timeout: float = 30.0) -> None:
        """Stop listening, let the requests in flight finish (up to `timeout`), then the lifespan's end."""
        server, state = self.server, self.server.server_state
        for listener in server.servers:
            listener.close()
        for connection in list(state.connections):
            connection.shutdown()  # an idle keep-alive connection closes now, a busy one after its answer
        deadline = time.monotonic() + timeout
        while state.connections and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        for task in list(state.tasks):
            task.cancel()
        await server.lifespan.shutdown()
        for listener in server.servers:
            await listener.wait_closed()
        self._sock.close()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


class ServedInThread:
    """`app` on uvicorn in a daemon thread with its own event loop; `url` is its base URL."""

    def __init__(self, app: Any, **options: Any) -> None:
        self.app = app
        self.options = options
        self.url = ""
        self.port = 0

    def __enter__(self) -> ServedInThread:
        self._sock = loopback_socket()
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = _server(self.app, self.options)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self._sock]}, daemon=True,
                                       name="uvicorn-test-server")
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.005)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(START_TIMEOUT)
        self._sock.close()
