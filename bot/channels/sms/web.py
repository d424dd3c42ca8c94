"""HTTP routes of the SMS gateways (filled in by the SMS channel)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes(runtime) -> list[BaseRoute]:
    return []
