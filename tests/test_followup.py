"""The four-week follow-up end to end, with the real engine, storage, SMS relay and Telegram channel:
a conversation reaches its results, the person says yes to the follow-up, the clock moves 28 days, and
the one follow-up message goes once by SMS (Android gateway's API on loopback) and once on Telegram
(the fake Bot API, spoken to by python-telegram-bot); the answers are counted per aid; nothing goes to
a person who texted STOP or said « oubli »; two workers never send it twice."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.channels.sms.relay import InboundSms, SmsRelay  # noqa: E402
from bot.channels.telegram import running_telegram  # noqa: E402
from bot.channels.telegram.render import callback_data  # noqa: E402
from bot.config import Secret, Settings  # noqa: E402
from bot.dialog.messages import Choice  # noqa: E402
from bot.followup.channel import build_follow_ups  # noqa: E402
from bot.followup.store import out_of_quiet_hours  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from bot.stats.figures import read_figures  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.fakes.fixtures import fake_bot_api  # noqa: E402, F401
from tests.helpers.asgi import Served  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

PARIS = ZoneInfo("Europe/Paris")
ANSWERS = {
    "age": "34", "children_ages": "4 et 9", "couple": "non", "employment": "je travaille", "work_income": "900",
    "other_income": "0", "housing": "je loue", "rent": "520", "pregnant": "non", "disability_rate": "0",
    "quotient_familial": "je ne sais pas", "where": "Malakoff", "partner_age": "36",
}
FOLLOW_UP = "Avez-vous fait la demande ?"
SMS_NUMBER, STOPPED_NUMBER, TELEGRAM_USER, FORGOTTEN_USER = "+33611223344", "+33655667788", 4242, 4343


class FakePhone:
    """The Android SMS Gateway's API: records what it would send."""

    def __init__(self) -> None:
        self.accepted: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route("/message", self.message, methods=["POST"])])

    async def message(self, request: Request) -> JSONResponse:
        body = await request.json()
        if all(body.get("id") != seen.get("id") for seen in self.accepted):
            self.accepted.append(body)
        return JSONResponse({"id": body.get("id"), "state": "Pending"}, status_code=202)

    def texts_to(self, number: str) -> list[str]:
        return [call["textMessage"]["text"] for call in self.accepted if call["phoneNumbers"] == [number]]


def runtime_for(tmp_path: Path, api: FakeBotApi, phone_url: str) -> Runtime:
    return build_runtime(Settings(data_dir=tmp_path / "data", telegram_token=Secret(api.token),
                                  telegram_api_url=api.base_url, smsgateway_signing_key=Secret("k" * 32),
                                  smsgateway_url=phone_url, twilio_auth_token=Secret("t" * 32)))


class SmsPerson:
    """A person texting Aiguillage (the Twilio webhook's relay: the answers come back at once)."""

    def __init__(self, runtime: Runtime, number: str) -> None:
        self.relay, self.number, self.sent = SmsRelay(runtime.service), number, 0
        self.runtime = runtime

    def text(self, words: str) -> str:
        self.sent += 1
        outcome = self.relay.process(InboundSms("twilio", self.number, words, f"{self.number}-{self.sent}"))
        return "\n".join(outcome.messages)

    def to_results_and_yes(self) -> None:
        said = self.text("bonjour")
        said = self.text("5")  # "tous mes droits" is the need menu's fifth line
        for _ in range(20):
            state = self.runtime.service.state_of("sms", self.number)
            if state["phase"] != "ask":
                break
            said = self.text(ANSWERS[state["q"]])
        read = said
        for _ in range(5):  # the results take several SMS: SUITE until the menu with the offer
            if "écrivez-moi dans 4 semaines" in said:
                break
            said = self.text("SUITE")
            read += "\n" + said
        assert "Puis-je vous écrire dans 4 semaines" in read
        number = next(line.split(" ", 1)[0] for line in said.splitlines() if "écrivez-moi dans 4 semaines" in line)
        assert "C'est noté : je vous écrirai une seule fois, dans 4 semaines." in self.text(number)


async def settled(api: FakeBotApi) -> None:
    """Until no message was sent for 0.3 s: a turn's replies are several messages (bounded: 15 s)."""
    for _ in range(50):
        count = api.count("sendMessage")
        await asyncio.sleep(0.3)
        if api.count("sendMessage") == count and api.in_progress == 0:
            return
    raise AssertionError("the bot kept sending")


async def telegram_to_results_and_yes(api: FakeBotApi, runtime: Runtime, user: int) -> None:
    async def say(update: dict[str, Any]) -> None:
        before = api.count("sendMessage")
        api.push_update(update)
        await api.wait_for(lambda api: api.count("sendMessage") > before, timeout=15)
        await settled(api)

    await say(api.command_update(user, "start"))
    await say(api.callback_update(user, callback_data(Choice("all", ""))))
    for _ in range(20):
        state = runtime.service.state_of("telegram", str(user))
        if state["phase"] != "ask":
            break
        await say(api.text_update(user, ANSWERS[state["q"]]))
    texts = api.sent_texts(user)
    assert any("Puis-je vous écrire dans 4 semaines" in text for text in texts)
    await say(api.callback_update(user, callback_data(Choice("follow_up_yes", ""))))
    assert "C'est noté : je vous écrirai une seule fois, dans 4 semaines." in api.sent_texts(user)


async def test_one_follow_up_after_28_days_by_sms_and_telegram_counted_and_never_after_stop(
        tmp_path: Path, fake_bot_api: FakeBotApi) -> None:  # noqa: F811
    api, phone = fake_bot_api, FakePhone()
    async with Served(phone.app) as served:
        runtime = runtime_for(tmp_path, api, served.url)
        try:
            sms, stopped = SmsPerson(runtime, SMS_NUMBER), SmsPerson(runtime, STOPPED_NUMBER)
            await asyncio.to_thread(sms.to_results_and_yes)
            await asyncio.to_thread(stopped.to_results_and_yes)
            await asyncio.to_thread(stopped.text, "STOP")
            async with running_telegram(runtime):
                await telegram_to_results_and_yes(api, runtime, TELEGRAM_USER)
                await telegram_to_results_and_yes(api, runtime, FORGOTTEN_USER)
                api.push_update(api.text_update(FORGOTTEN_USER, "oubli"))
                await api.wait_for(lambda api: runtime.service.state_of("telegram", str(FORGOTTEN_USER)) is None,
                                   timeout=15)
            before = {user: len(api.sent_texts(user)) for user in (TELEGRAM_USER, FORGOTTEN_USER)}

            # 27 days later: nothing yet. 28 days later (out of quiet hours): once, from two workers at once.
            now = datetime.now(PARIS)
            early, _ = build_follow_ups(runtime, clock=lambda: out_of_quiet_hours(now + timedelta(days=27)))
            assert await early.run_due() == 0
            later = out_of_quiet_hours(now + timedelta(days=28, minutes=5))
            (first, closers1), (second, closers2) = (build_follow_ups(runtime, clock=lambda: later) for _ in "12")
            sent = await asyncio.gather(first.run_due(), second.run_due())
            assert sum(sent) == 2  # one by SMS, one on Telegram
            assert await first.run_due() == 0 and await second.run_due() == 0
            for close in closers1 + closers2:
                await close()  # lets the SMS outbox deliver what was queued

            texts = phone.texts_to(SMS_NUMBER)
            assert len([text for text in texts if FOLLOW_UP in text]) == 1
            assert "Bonjour, c'est Aiguillage. Il y a 4 semaines" in texts[0]
            assert "1 Oui\n2 Pas encore\n3 On me l'a refusée\n4 J'ai besoin d'aide" in "\n".join(texts)
            assert len(texts) <= 2  # one message, at most two SMS
            assert phone.texts_to(STOPPED_NUMBER) == []  # STOP: nothing, ever
            new_on_telegram = api.sent_texts(TELEGRAM_USER)[before[TELEGRAM_USER]:]
            assert [text for text in new_on_telegram if FOLLOW_UP in text] == new_on_telegram[:1]
            assert len(new_on_telegram) == 1
            assert api.sent_texts(FORGOTTEN_USER)[before[FORGOTTEN_USER]:] == []  # « oubli »: nothing

            # The answers: "1" by SMS (claimed), "J'ai besoin d'aide" on Telegram (help wanted: the accueil
            # and the way to a counsellor come with it).
            assert "bonne nouvelle" in await asyncio.to_thread(sms.text, "1")
            async with running_telegram(runtime):
                count = api.count("sendMessage")
                api.push_update(api.callback_update(TELEGRAM_USER, callback_data(Choice("follow_up_help", ""))))
                await api.wait_for(lambda api: any("Montrer à un conseiller" in t for t in
                                                   api.sent_texts(TELEGRAM_USER)[before[TELEGRAM_USER] + 1:]),
                                   timeout=15)
                assert api.count("sendMessage") > count
            today = datetime.now(PARIS).date()
            table = read_figures(runtime.database, today - timedelta(days=1), today, runtime.catalogue)
            answers = {row.key.split(":")[1]: row.count for row in table.table("followup").rows}
            assert answers["claimed"] >= 1 and answers["help_wanted"] >= 1
            assert set(answers) == {"claimed", "help_wanted"}
            journey = {row.key: row.count for row in table.table("journey").rows}
            assert journey["followup_accepted"] == 4
            assert all(row.value == "< 5" for row in table.table("followup").rows)  # small counts hidden
        finally:
            runtime.database.dispose()
