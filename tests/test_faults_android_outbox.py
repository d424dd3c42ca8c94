"""The Android gateway's outbox under kill -9: replies queued while the phone is unreachable survive a
SIGKILL of `aiguillage run` and are delivered, in order and once each, after the restart, without
any new message from the residents."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from serving import Server
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from storage_fixtures import drop_postgres_schema, new_postgres_schema

from tests.hostile.harness import ANDROID_KEY, GATEWAY_PASSWORD, GATEWAY_USER, ServedApp, android_body, android_headers

pytestmark = pytest.mark.slow

RESIDENTS = 5
PEPPER = "the-pepper-of-the-android-outbox-test"
SCRIPT = ["bonjour", "manger", "34"]


class Phone:
    """The app's API: refuses everything while `down`, then accepts each SMS id once (409 after)."""

    def __init__(self) -> None:
        self.down = True
        self.lock = threading.Lock()
        self.accepted: dict[str, dict] = {}
        self.order: list[str] = []
        self.refused = 0
        self.app = Starlette(routes=[Route("/message", self.message, methods=["POST"])])

    async def message(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            if self.down:
                self.refused += 1
                return JSONResponse({"message": "no network"}, status_code=503)
            if body["id"] in self.accepted:
                return JSONResponse({"message": "exists"}, status_code=409)
            self.accepted[body["id"]] = body
            self.order.append(body["id"])
        return JSONResponse({"id": body["id"], "state": "Pending"}, status_code=202)

    def texts_to(self, number: str) -> list[str]:
        with self.lock:
            return [self.accepted[i]["textMessage"]["text"] for i in self.order
                    if self.accepted[i]["phoneNumbers"] == [number]]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield None
        return
    schema, url = new_postgres_schema()
    try:
        yield url
    finally:
        drop_postgres_schema(schema)


def test_queued_replies_survive_kill_9_and_go_out_after_the_restart(tmp_path: Path, database_url: str | None) -> None:
    phone = Phone()
    with ServedApp(phone.app) as served_phone:
        env = {"AIGUILLAGE_PEPPER": PEPPER, **({"AIGUILLAGE_DATABASE_URL": database_url} if database_url else {}),
               "AIGUILLAGE_SMSGATEWAY_SIGNING_KEY": ANDROID_KEY, "AIGUILLAGE_SMSGATEWAY_URL": served_phone.url,
               "AIGUILLAGE_SMSGATEWAY_USER": GATEWAY_USER, "AIGUILLAGE_SMSGATEWAY_PASSWORD": GATEWAY_PASSWORD}
        server = Server(tmp_path, env=env).start(timeout=60)
        numbers = [f"+3368{n:07d}" for n in range(RESIDENTS)]
        for step, text in enumerate(SCRIPT):
            for number in numbers:
                body = android_body(text, f"{number}-{step}", number)
                response = httpx.post(server.url + "/sms/android", content=body, headers=android_headers(body),
                                      timeout=30)
                assert response.status_code == 200 and response.json() == {"status": "ok"}
        deadline = time.monotonic() + 30
        while phone.refused == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert phone.refused > 0 and not phone.order  # the outbox tried, the phone had no network
        queued = queued_texts(database_url, tmp_path / "data", numbers)
        assert all(len(queued[n]) >= len(SCRIPT) for n in numbers), queued
        os.kill(server.process.pid, signal.SIGKILL)
        assert server.stop() == -signal.SIGKILL

        phone.down = False  # the phone is back; the residents write nothing more
        restarted = Server(tmp_path, env=env).start(timeout=60)
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and any(len(phone.texts_to(n)) < len(queued[n]) for n in numbers):
                time.sleep(0.2)
            time.sleep(1.0)  # anything sent twice would show now
        finally:
            restarted.stop()
    for number in numbers:
        # Every queued SMS, once, in the order the turns queued them.
        assert phone.texts_to(number) == queued[number], number
    assert len(phone.order) == len(set(phone.order)) == sum(len(texts) for texts in queued.values())
    assert queued_texts(database_url, tmp_path / "data", numbers) == {n: [] for n in numbers}  # nothing left behind


def queued_texts(url: str | None, data_dir: Path, numbers: list[str]) -> dict[str, list[str]]:
    """What the outbox table holds for each number, in sending order, opened as the sender would."""
    from sqlalchemy import select

    from bot.storage import load_or_create_pepper, open_database, pseudonymise
    from bot.storage.models import OutboxSms
    from bot.storage.sealing import person_key, unseal

    pepper = load_or_create_pepper(data_dir, PEPPER)
    database = open_database(url, data_dir)
    try:
        with database.transaction() as session:
            rows = session.execute(select(OutboxSms.user_key, OutboxSms.text).order_by(OutboxSms.id)).all()
    finally:
        database.dispose()
    texts: dict[str, list[str]] = {}
    for number in numbers:
        key, user_key = person_key(pepper, "sms", number), pseudonymise(pepper, "sms", number)
        texts[number] = [unseal(key, text, f"outbox:sms:{user_key}") for who, text in rows if who == user_key]
    return texts
