"""Shared helpers for tests/test_desk*.py (imported by those modules; tests/conftest.py is not ours).

The desk runs for real: the project's Starlette app (bot.web.create_app) on uvicorn, on a free
127.0.0.1 port, in a background thread with its own event loop, so both httpx and a synchronous
Playwright driving Debian's chromium can talk to it from the test's thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the project is not installed in the virtualenv
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.dialog.messages import Incoming  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from bot.web import create_app  # noqa: E402
from tests.helpers.asgi import ServedInThread  # noqa: E402

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
COUNSELLOR = "camille"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')

# What a resident answers in the chat, by question id (the engine picks the order).
CHAT_ANSWERS = {
    "age": "34", "children_ages": "4 et 9", "couple": "non", "employment": "je travaille", "work_income": "900",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "quotient_familial": "je ne sais pas", "where": "Malakoff", "partner_age": "36",
}


# The desk served for real, in a thread of its own (synchronous clients, the browser).
ServedApp = ServedInThread


@pytest.fixture
def desk_runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(data_dir=tmp_path))
    yield runtime
    runtime.database.dispose()


@pytest.fixture
def password(desk_runtime: Runtime) -> str:
    from bot.channels.desk.accounts import add_counsellor

    return add_counsellor(desk_runtime.database, COUNSELLOR)


@pytest.fixture
def served(desk_runtime: Runtime) -> Iterator[ServedApp]:
    with ServedApp(create_app(desk_runtime)) as app:
        yield app


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sign_in(client: httpx.Client, password: str, name: str = COUNSELLOR) -> httpx.Response:
    """Sign in with an httpx client (cookies kept by the client); returns the POST's response."""
    page = client.get("/desk/signin")
    assert page.status_code == 200
    return client.post("/desk/signin", data={"csrf": csrf_of(page.text), "name": name, "password": password})


def chat(runtime: Runtime, user: str = "4242", turns: int = 4) -> dict[str, Any]:
    """A resident answers `turns` questions of the Telegram chat; returns the stored state."""
    service = runtime.service
    service.handle("telegram", user, "m1", Incoming("start"))
    service.handle("telegram", user, "m2", Incoming("choice", choice="all"))
    for number in range(turns):
        state = service.state_of("telegram", user)
        if state["phase"] != "ask":
            break
        service.handle("telegram", user, f"m{number + 3}", Incoming.from_text(CHAT_ANSWERS[state["q"]]))
    return service.state_of("telegram", user)


def chromium_or_skip() -> str:
    """The path of Debian's chromium; skips (or fails when CI=true) when it is missing."""
    if Path(CHROMIUM).exists() or shutil.which("chromium") == CHROMIUM:
        return CHROMIUM
    message = f"{CHROMIUM} is missing: install Debian's chromium (bash scripts/ensure-browser) to run the desk's browser tests"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright, once per test module."""
    playwright_sync = pytest.importorskip("playwright.sync_api")
    executable = chromium_or_skip()
    with playwright_sync.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Any, served: Any, timeout_ms: int = 10_000, **options: Any) -> Any:
    """A page of a fresh browser context on the served desk, in French, at a desk screen's size."""
    context = browser.new_context(base_url=served.url, locale="fr-FR", viewport={"width": 1280, "height": 900},
                                  **options)
    context.set_default_timeout(timeout_ms)
    return context.new_page()

