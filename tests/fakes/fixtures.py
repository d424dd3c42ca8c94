"""pytest fixture for FakeBotApi. Import it into a test module to use it:

    from tests.fakes.fixtures import fake_bot_api  # noqa: F401

tests/ has no __init__.py (the storage tests import their helpers as top-level modules, which a
package would break), so a module importing this must first put the project root on sys.path,
as tests/test_fake_bot_api.py does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from .bot_api import FakeBotApi


@pytest_asyncio.fixture
async def fake_bot_api() -> AsyncIterator[FakeBotApi]:
    """A started FakeBotApi on a free loopback port, stopped after the test."""
    async with FakeBotApi() as api:
        yield api
        # A bug inside the fake must not pass for a bot bug (or for nothing).
        assert not api.internal_errors, f"FakeBotApi internal errors: {api.internal_errors!r}"
