"""The HTTP client of the Bot API requests: PTB's HTTPXRequest on httpx, with a leaner socket check.

Before each request and after each response, httpcore asks every idle pooled connection whether its
socket became readable (the server closed it). Through anyio that question rebuilds a table of socket
attributes and calls getpeername() each time: profiled, a third of the CPU of every Bot API request.
Here each stream keeps its socket and asks poll() directly; everything else is httpx and httpcore as
they are (the same transport, error mapping, TLS and timeouts).
"""

from __future__ import annotations

import select
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from telegram.request import HTTPXRequest


def _readable(sock: socket.socket | None) -> bool:
    """As httpcore's check: a closed or unknown socket counts as readable (so the connection is dropped)."""
    if sock is None or sock.fileno() == -1:
        return True
    poll = select.poll()
    poll.register(sock.fileno(), select.POLLIN)
    return bool(poll.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


class NetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, its streams wrapped in _Stream."""

    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _Transport(httpx.AsyncHTTPTransport):
    """httpx's own transport (request and error mapping), on a pool using NetworkBackend."""

    def __init__(self, max_connections: int) -> None:
        limits = httpx.Limits(max_connections=max_connections)
        super().__init__(limits=limits)
        # httpx offers no way to choose httpcore's network backend: the pool is built again with it.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            network_backend=NetworkBackend())


def bot_api_request(connections: int) -> HTTPXRequest:
    """PTB's request object for the Bot API calls (getUpdates keeps PTB's default one)."""
    return HTTPXRequest(connection_pool_size=connections, httpx_kwargs={"transport": _Transport(connections)})
