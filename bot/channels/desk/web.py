"""HTTP routes of the counsellors' desk (filled in by the desk channel)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes(runtime) -> list[BaseRoute]:
    return []
