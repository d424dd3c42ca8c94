"""Residents on Telegram, over real HTTP: the real python-telegram-bot library, the real catalogue,
engine and SQLite storage, against FakeBotApi (long polling), and the webhook served by uvicorn
(tests/helpers/asgi.py)."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import logging
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tests/ is not a package (see tests/fakes/fixtures.py)
    sys.path.insert(0, str(ROOT))

import bot.runtime  # noqa: E402
from bot.channels.telegram import WEBHOOK_PATH, TelegramHandle, build_application, running_telegram, webhook_routes  # noqa: E402
from bot.config import Secret, Settings  # noqa: E402
from bot.dialog.messages import Choice, Incoming, Reply, Turn  # noqa: E402
from bot.i18n import LANGUAGES  # noqa: E402
from bot.runtime import Runtime, build_runtime  # noqa: E402
from bot.storage import StorageUnavailable, TurnService  # noqa: E402
from bot.web import create_app  # noqa: E402
from tests.fakes.bot_api import FakeBotApi  # noqa: E402
from tests.fakes.fixtures import fake_bot_api  # noqa: E402, F401
from tests.helpers.asgi import Served  # noqa: E402

# Raised inside PTB's own RetryAfter constructor (v22.2+ deprecation), not by Aiguillage's code.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

# Every wait is bounded: a hang fails fast instead of stalling the suite.
WAIT = 5.0
ALICE, BOB, CAROL = 710_000_001, 710_000_002, 710_000_003
SECRET = "s3cret_Webhook-token"
PUBLIC_URL = "https://aiguillage.example.org"

WELCOME = "Bonjour, ici Aiguillage"
ASK_NEED = "Qu'est-ce qui vous amène ?"
UNSUPPORTED = "Je ne lis que les messages écrits"


# ------------------------------------------------------------------------------------ harness


@pytest.fixture
def make_runtime(tmp_path, catalogue, monkeypatch):
    """build_runtime with a SQLite database in tmp_path; the catalogue parsed once per session."""
    monkeypatch.setattr(bot.runtime, "load_catalogue", lambda *args, **kwargs: catalogue)

    def make(api: FakeBotApi, **settings: Any) -> Runtime:
        return build_runtime(Settings(data_dir=tmp_path, telegram_token=Secret(api.token),
                                      telegram_api_url=api.base_url, **settings))

    return make


@dataclasses.dataclass
class Harness:
    api: FakeBotApi
    runtime: Runtime
    handle: TelegramHandle
    pushed_callbacks: int = 0

    @property
    def application(self):
        return self.handle.application

    async def settle(self, timeout: float = WAIT) -> None:
        """Wait until every pushed update was fetched and completely handled (replies sent)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # The fake forgets an update when PTB's next getUpdates confirms it, which PTB does only
        # after queueing it; then the queue's join() waits for the handling to finish.
        while self.api.pending_update_count:
            if loop.time() > deadline:
                raise TimeoutError("updates not fetched")
            await asyncio.sleep(0.005)
        await asyncio.wait_for(self.application.update_queue.join(), max(0.01, deadline - loop.time()))

    async def push(self, update: dict[str, Any]) -> dict[str, Any]:
        if "callback_query" in update:
            self.pushed_callbacks += 1
        self.api.push_update(update)
        await self.settle()
        return update

    async def say(self, user: int, text: str) -> list[dict[str, Any]]:
        return await self._exchange(user, self.api.text_update(user, text))

    async def command(self, user: int, command: str, args: str | None = None) -> list[dict[str, Any]]:
        return await self._exchange(user, self.api.command_update(user, command, args))

    async def press(self, user: int, value: str) -> list[dict[str, Any]]:
        """Press the button whose callback data is `value`, on the latest message showing it."""
        for message in reversed(self.api.sent_messages(user)):
            if value in callback_values(message):
                update = self.api.callback_update(user, value, message_id=message["message_id"])
                return await self._exchange(user, update)
        raise AssertionError(f"no button {value!r} in {[callback_values(m) for m in self.api.sent_messages(user)]}")

    async def _exchange(self, user: int, update: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.api.sent_messages(user))
        await self.push(update)
        return self.api.sent_messages(user)[before:]

    def state(self, user: int) -> dict[str, Any] | None:
        return self.runtime.service.state_of("telegram", str(user))


def callback_values(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [message["text"] for message in messages if "text" in message]


@contextlib.asynccontextmanager
async def telegram_bot(api: FakeBotApi, runtime: Runtime) -> AsyncIterator[Harness]:
    async with running_telegram(runtime) as handle:
        yield Harness(api, runtime, handle)


@pytest_asyncio.fixture
async def tg(fake_bot_api, make_runtime) -> AsyncIterator[Harness]:
    """The Aiguillage bot long-polling the fake."""
    async with telegram_bot(fake_bot_api, make_runtime(fake_bot_api)) as harness:
        yield harness
    check_telegram_rules(fake_bot_api, harness)


def check_telegram_rules(api: FakeBotApi, harness: Harness) -> None:
    """What every test must respect, checked after it: Telegram's limits and our own rules."""
    for call in api.calls("sendMessage"):
        assert len(call.params.get("text", "")) <= 4096
        assert "parse_mode" not in call.params  # plain text only
    for call in api.calls():
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict):
            for row in markup.get("inline_keyboard") or []:
                for button in row:
                    assert len(button["callback_data"].encode("utf-8")) <= 64
    # Every button press was answered, exactly once (the fake refuses a second answer).
    answered = [call for call in api.calls("answerCallbackQuery") if call.ok]
    assert len(answered) == len({call.params["callback_query_id"] for call in answered}) == harness.pushed_callbacks


# --------------------------------------------------------------------------------- start-up


async def test_start_up_registers_commands_in_every_language(tg: Harness):
    calls = tg.api.calls("setMyCommands")
    assert {call.params.get("language_code") for call in calls} == {None} | (set(LANGUAGES) - {"fr"})
    default = next(call for call in calls if not call.params.get("language_code"))
    assert [c["command"] for c in default.params["commands"]] == [
        "aide", "retour", "resultats", "recommencer", "langue", "oubli"]
    assert default.params["commands"][0]["description"] == "Comment ça marche"
    assert tg.handle.mode == "polling"
    await tg.command(ALICE, "/start")  # a long poll is recorded once it returns
    assert tg.api.calls("getUpdates")[0].params["allowed_updates"] == [
        "message", "edited_message", "callback_query", "channel_post"]


# ---------------------------------------------------------------------------- conversations


ANSWERS = {  # question id -> ("text", words) or ("button", value)
    "age": ("text", "j'ai 34 ans"),
    "children_ages": ("button", "none"),
    "couple": ("button", "no"),
    "employment": ("button", "skip"),
    "work_income": ("text", "0"),
    "other_income": ("text", "400"),
    "housing": ("button", "tenant"),
    "rent": ("text", "450"),
    "pregnant": ("button", "no"),
    "partner_age": ("button", "skip"),
    "disability_rate": ("button", "skip"),
    "quotient_familial": ("button", "skip"),
    "where": ("text", "Bellevue"),
}


async def test_resident_from_start_to_results_with_buttons_and_free_text(tg: Harness):
    replies = await tg.command(ALICE, "/start")
    assert texts(replies)[0].startswith(WELCOME)
    need = replies[-1]
    assert need["text"].startswith(ASK_NEED)
    assert "food" in callback_values(need)

    await tg.press(ALICE, "food")
    # The pressed keyboard went away: an old button cannot be pressed twice by mistake.
    [removed] = tg.api.calls("editMessageReplyMarkup")
    assert removed.ok and removed.params["message_id"] == need["message_id"]
    assert "reply_markup" not in removed.result

    for _ in range(30):
        state = tg.state(ALICE)
        if state["phase"] != "ask":
            break
        # A question added to the catalogue later is skipped, as a resident may do.
        how, answer = ANSWERS.get(state["q"], ("button", "skip"))
        if how == "text":
            await tg.say(ALICE, answer)
        else:
            await tg.press(ALICE, answer)
    state = tg.state(ALICE)
    assert state["phase"] == "done"
    assert state["a"]["age"] == 34
    all_texts = texts(tg.api.sent_messages(ALICE))
    assert any("probablement droit" in text or "pas trouvé d'aide sûre" in text for text in all_texts)
    # Issue 16: the last message of the results is the aids with the menu (and its buttons).
    assert "Que voulez-vous faire maintenant ?" in all_texts[-1]
    # The results end with the accueil as a venue (name and address), its hours in the text after it.
    venues = [m for m in tg.api.sent_messages(ALICE) if "venue" in m]
    assert venues and venues[-1]["venue"]["title"] and venues[-1]["venue"]["address"]


async def test_shared_location_is_answered_with_a_venue(tg: Harness):
    await tg.command(ALICE, "/start")
    await tg.press(ALICE, "food")
    for _ in range(30):  # skip every question: the location comes last
        if tg.state(ALICE)["q"] == "where":
            break
        await tg.press(ALICE, "skip")
    assert tg.state(ALICE)["q"] == "where"
    # The question keeps its inline "Passer" button; the location button comes on a reply keyboard.
    keyboards = [call.params["reply_markup"] for call in tg.api.calls("sendMessage")
                 if "keyboard" in (call.params.get("reply_markup") or {})]
    [button] = keyboards[-1]["keyboard"][0]
    assert button == {"text": "📍 Envoyer ma position", "request_location": True}
    assert keyboards[-1]["one_time_keyboard"] is True

    before = len(tg.api.calls())
    # Bellevue, on the Nantes side (47.2227, -1.6306 is Saint-Herblain's Bellevue: its CCAS, no venue).
    await tg.push(tg.api.location_update(ALICE, 47.2043, -1.6054))
    after = tg.api.calls()[before:]
    venues = [call for call in after if call.method == "sendVenue"]
    assert venues and all(call.ok for call in venues)
    assert venues[-1].params["title"] and venues[-1].params["address"]
    assert tg.state(ALICE)["loc"]["lat"] == pytest.approx(47.204)
    assert tg.state(ALICE)["phase"] == "done"
    # The location keyboard is removed by the first message that can carry the removal.
    removals = [call for call in after if (call.params.get("reply_markup") or {}).get("remove_keyboard")]
    assert len(removals) == 1


async def test_a_refused_venue_falls_back_to_the_whole_text(tg: Harness):
    await tg.command(ALICE, "/start")
    await tg.press(ALICE, "food")
    tg.api.bad_request_next("sendVenue")
    before = tg.api.count("sendVenue")
    replies = await tg.command(ALICE, "/resultats")
    venue = tg.api.calls("sendVenue")[before]
    assert not venue.ok
    # The name and address the venue would have shown are in the text instead.
    assert any(venue.params["title"] in text and venue.params["address"] in text for text in texts(replies))


async def test_oubli_erases_the_conversation(tg: Harness):
    await tg.command(ALICE, "/start")
    await tg.press(ALICE, "money")
    assert tg.state(ALICE) is not None
    replies = await tg.command(ALICE, "/oubli")
    assert texts(replies)[-1].startswith("C'est fait : j'ai effacé toutes vos réponses.")
    assert tg.state(ALICE) is None


async def test_commands_reach_the_engine(tg: Harness):
    await tg.command(ALICE, "/start", "en")  # deep link with a language code
    assert tg.state(ALICE)["lang"] == "en"
    await tg.press(ALICE, "food")
    asked = tg.state(ALICE)["q"]
    await tg.press(ALICE, "skip")
    assert tg.state(ALICE)["q"] != asked
    await tg.command(ALICE, "/retour")
    assert tg.state(ALICE)["q"] == asked
    replies = await tg.command(ALICE, "/langue")
    assert set(callback_values(replies[-1])) == set(LANGUAGES)
    await tg.press(ALICE, "fr")
    assert tg.state(ALICE)["lang"] == "fr"


async def test_deep_link_to_a_place_and_language_hint(tg: Harness):
    await tg.push(tg.api.command_update(BOB, "/start", "accueil_bellevue", language_code="es-ES"))
    state = tg.state(BOB)
    bellevue = next(p.id for p in tg.runtime.catalogue.places.values() if p.deep_link == "accueil_bellevue")
    assert state["src"] == bellevue
    assert state["lang"] == "es"  # the user's Telegram language starts the conversation


async def test_residents_are_served_concurrently_each_in_order(tg: Harness):
    users = (ALICE, BOB, CAROL)
    # Everything pushed at once: each resident's three messages must still be read in order.
    for user in users:
        tg.api.push_update(tg.api.command_update(user, "/start"))
    for user in users:
        tg.api.push_update(tg.api.text_update(user, "j'ai besoin de manger"))
    for user in users:
        tg.api.push_update(tg.api.text_update(user, "j'ai 34 ans"))
    await tg.settle()
    for user in users:
        state = tg.state(user)
        assert state["need"] == "food" and state["a"]["age"] == 34
        sent = texts(tg.api.sent_messages(user))
        assert sent[0].startswith(WELCOME) and sent[1].startswith(ASK_NEED)  # issue 16: welcome in one
    assert tg.application.update_processor.active_keys == 0


# ------------------------------------------------------------------------------ typing and pace


async def test_a_quick_turn_is_answered_without_a_typing_indicator(tg: Harness):
    await tg.command(ALICE, "/start")
    await tg.press(ALICE, "food")
    assert tg.api.count("sendMessage") >= 4
    assert tg.api.count("sendChatAction") == 0  # one Bot API call per message saved


class SlowEngine:
    """The real engine, held back until the test lets it answer (a slow database, a busy machine)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.go = threading.Event()

    def handle(self, state, incoming, now) -> Turn:
        assert self.go.wait(WAIT), "the test never let the turn finish"
        return self.engine.handle(state, incoming, now)


async def test_a_slow_turn_shows_typing_until_the_answer(fake_bot_api, make_runtime):
    runtime = make_runtime(fake_bot_api)
    slow = SlowEngine(runtime.engine)
    runtime = dataclasses.replace(runtime, service=TurnService(runtime.database, slow, runtime.pepper))
    async with telegram_bot(fake_bot_api, runtime) as tg:
        fake_bot_api.push_update(fake_bot_api.command_update(ALICE, "/start"))
        try:
            [typing] = await fake_bot_api.wait_for(1, method="sendChatAction", timeout=WAIT)
        finally:
            slow.go.set()
        await tg.settle()
    assert typing.ok and typing.params == {"chat_id": ALICE, "action": "typing"}
    sent = fake_bot_api.calls("sendMessage")
    assert texts(fake_bot_api.sent_messages(ALICE))[0].startswith(WELCOME)
    assert typing.time < sent[0].time  # shown while the turn ran, never after the answer
    assert fake_bot_api.count("sendChatAction") == 1


async def test_requests_on_the_wire_are_capped(fake_bot_api, make_runtime):
    from bot.channels.telegram.pacing import MAX_IN_FLIGHT
    from tests.hostile.harness import unthrottled_application

    users = [ALICE + n for n in range(80)]
    runtime = make_runtime(fake_bot_api)
    # Without Telegram's flood limits (30 messages/s), so that many requests want to go at once.
    async with running_telegram(runtime, unthrottled_application(runtime)) as handle:
        tg = Harness(fake_bot_api, runtime, handle)
        fake_bot_api.push_updates(fake_bot_api.command_update(user, "/start") for user in users)
        await tg.settle(timeout=30)
        limiter = tg.application.bot.rate_limiter
    assert all(len(texts(fake_bot_api.sent_messages(user))) == 2 for user in users)  # welcome, need
    assert limiter.max_in_flight == MAX_IN_FLIGHT
    assert 1 < limiter.most_in_flight <= MAX_IN_FLIGHT


# ---------------------------------------------------------------------------- exactly once


async def test_the_same_update_delivered_twice_gets_one_reply(tg: Harness):
    await tg.command(ALICE, "/start")
    update = tg.api.text_update(ALICE, "j'ai besoin de manger")
    again = copy.deepcopy(update)
    del again["update_id"]  # redelivered by Telegram under a new update id
    first = await tg._exchange(ALICE, update)
    assert first
    second = await tg._exchange(ALICE, again)
    assert second == []
    # A button press delivered twice: answered (or refused as already answered), one turn only.
    need = [m for m in tg.api.sent_messages(ALICE) if callback_values(m)][-1]
    press = tg.api.callback_update(ALICE, callback_values(need)[0], message_id=need["message_id"])
    replay = copy.deepcopy(press)
    del replay["update_id"]
    assert await tg._exchange(ALICE, press)
    assert await tg._exchange(ALICE, replay) == []
    tg.pushed_callbacks -= 1  # the replayed query id was answered already


async def test_a_429_storm_ends_with_every_reply_delivered_exactly_once(tg: Harness):
    tg.api.rate_limit_next("sendMessage", retry_after=1, count=4)
    users = (ALICE, BOB, CAROL)
    for user in users:
        tg.api.push_update(tg.api.command_update(user, "/start"))
    await tg.settle(timeout=15)
    for user in users:
        sent = texts(tg.api.sent_messages(user))
        assert len(sent) == 2, sent  # issue 16: the welcome is one message
        assert sent[0].startswith(WELCOME) and sent[1].startswith(ASK_NEED)
    assert sum(1 for call in tg.api.calls("sendMessage") if call.status == 429) == 4


async def test_network_errors_are_retried_but_bad_requests_are_not(tg: Harness):
    tg.api.fail_next("sendMessage", status=502, count=2)
    replies = await tg.command(ALICE, "/start")
    assert len(texts(replies)) == 2  # two 502s retried, each reply once
    tg.api.bad_request_next("sendMessage", "Bad Request: injected failure")
    before = tg.api.count("sendMessage")
    replies = await tg.command(ALICE, "/aide")
    # The refused message is not sent again; the reply after it still goes out.
    assert tg.api.count("sendMessage") - before == 2
    assert len(texts(replies)) == 1 and texts(replies)[0].startswith(ASK_NEED)


# ---------------------------------------------------------------------- what is not a turn


async def test_sticker_photo_and_voice_get_a_kind_answer(tg: Harness):
    await tg.command(ALICE, "/start")
    for update in (tg.api.sticker_update(ALICE), tg.api.photo_update(ALICE, caption="mon attestation"),
                   tg.api.voice_update(ALICE)):
        replies = await tg._exchange(ALICE, update)
        assert texts(replies)[0].startswith(UNSUPPORTED)
        assert texts(replies)[-1].startswith(ASK_NEED)


async def test_group_messages_point_to_a_private_chat_and_store_nothing(tg: Harness):
    group = -1009876543210
    await tg.push(tg.api.group_message_update(BOB, "bonjour le bot", chat_id=group))
    [text] = tg.api.sent_texts(group)
    assert "conversation privée" in text and "https://t.me/aiguillage_test_bot" in text
    assert tg.state(BOB) is None
    await tg.push(tg.api.group_message_update(BOB, "/aide", chat_id=group))
    assert len(tg.api.sent_texts(group)) == 2
    assert tg.state(BOB) is None


async def test_an_edited_message_is_not_reread(tg: Harness):
    await tg.command(ALICE, "/start")
    await tg.say(ALICE, "manger")
    state = tg.state(ALICE)
    replies = await tg._exchange(ALICE, tg.api.edited_message_update(ALICE, "logement"))
    assert texts(replies) == ["Je ne lis pas les messages modifiés. Envoyez plutôt un nouveau message, "
                              "s'il vous plaît."]
    assert tg.state(ALICE) == state


async def test_storage_unavailable_asks_to_retry_and_marks_nothing(tg: Harness, monkeypatch):
    def down(*args, **kwargs):
        raise StorageUnavailable("database unavailable")

    update = tg.api.command_update(ALICE, "/start")
    retry = copy.deepcopy(update)
    del retry["update_id"]
    with monkeypatch.context() as patch:
        patch.setattr(tg.runtime.service, "handle", down)
        replies = await tg._exchange(ALICE, update)
    assert texts(replies) == ["Le service est momentanément indisponible. Réessayez dans quelques minutes."]
    assert tg.state(ALICE) is None
    # The same message, redelivered once the database is back, is handled: it was not marked processed.
    replies = await tg._exchange(ALICE, retry)
    assert texts(replies)[0].startswith(WELCOME)


async def test_an_unexpected_error_is_logged_without_personal_data(tg: Harness, monkeypatch, caplog):
    def broken(channel, identifier, message_id, incoming):
        raise RuntimeError(f"bug while reading {incoming.text}")

    caplog.set_level(logging.DEBUG)
    with monkeypatch.context() as patch:
        patch.setattr(tg.runtime.service, "handle", broken)
        replies = await tg.say(ALICE, "mon secret 0612345678")
    assert texts(replies) == ["Désolé, un problème est survenu. Réessayez dans un instant, s'il vous plaît."]
    assert "RuntimeError" in caplog.text
    for private in ("0612345678", str(ALICE), tg.api.token, "mon secret"):
        assert private not in caplog.text


async def test_logs_never_carry_tokens_ids_or_texts(fake_bot_api, make_runtime, caplog):
    caplog.set_level(logging.DEBUG)
    async with telegram_bot(fake_bot_api, make_runtime(fake_bot_api)) as tg:
        await tg.command(CAROL, "/start")
        await tg.say(CAROL, "je dors dehors depuis mardi")
        await tg.push(tg.api.sticker_update(CAROL))
    assert caplog.records
    for private in (fake_bot_api.token, str(CAROL), "je dors dehors", "Bonjour, je suis"):
        assert private not in caplog.text


# ---------------------------------------------------------------------------- long replies


class LongEngine:
    """An engine answering with a reply longer than Telegram's limit, buttons attached."""

    def handle(self, state, incoming, now) -> Turn:
        paragraph = "Une aide possible : " + "le détail de cette aide, avec ses conditions. " * 30
        text = "\n\n".join(f"{i}. {paragraph}" for i in range(8))  # about 11 000 characters
        return Turn((Reply("results", text, (Choice("restart", "Recommencer"),), expects="choice"),),
                    {"v": 0, "lang": "fr"})


async def test_a_long_reply_is_split_at_paragraphs_with_buttons_on_the_last_part(fake_bot_api, make_runtime):
    runtime = make_runtime(fake_bot_api)
    runtime = dataclasses.replace(runtime, service=TurnService(runtime.database, LongEngine(), runtime.pepper))
    async with telegram_bot(fake_bot_api, runtime) as tg:
        replies = await tg.say(ALICE, "bonjour")
    assert len(replies) >= 3
    assert all(len(m["text"]) <= 4096 for m in replies)
    assert all(m["text"].endswith("conditions.") for m in replies)  # cut between paragraphs
    assert "".join(m["text"] for m in replies).count("Une aide possible") == 8  # nothing lost
    # The buttons go with the last part only.
    assert [bool(callback_values(m)) for m in replies] == [False] * (len(replies) - 1) + [True]
    check_telegram_rules(fake_bot_api, tg)


class LongValueEngine:
    """Offers one choice whose value cannot be callback data (over 64 bytes); records what comes back."""

    LABEL = "Je loue un logement social"

    def __init__(self) -> None:
        self.seen: list[Incoming] = []

    def handle(self, state, incoming, now) -> Turn:
        self.seen.append(incoming)
        choice = Choice("logement-social-" + "x" * 70, self.LABEL)
        return Turn((Reply("question", "Votre logement ?", (choice,), expects="choice"),), {"v": 0, "lang": "fr"})


async def test_a_choice_too_long_for_callback_data_still_answers_when_pressed(fake_bot_api, make_runtime):
    runtime = make_runtime(fake_bot_api)
    engine = LongValueEngine()
    runtime = dataclasses.replace(runtime, service=TurnService(runtime.database, engine, runtime.pepper))
    async with telegram_bot(fake_bot_api, runtime) as tg:
        [question] = await tg.say(ALICE, "bonjour")
        [data] = callback_values(question)
        assert len(data.encode("utf-8")) <= 64  # Telegram would refuse the button otherwise
        await tg.press(ALICE, data)
    pressed = engine.seen[-1]
    assert (pressed.kind, pressed.text) == ("text", LongValueEngine.LABEL)  # read back as the label
    check_telegram_rules(fake_bot_api, tg)


# ------------------------------------------------------------------------------------ webhook


@contextlib.asynccontextmanager
async def serve(app) -> AsyncIterator[str]:
    """The ASGI app on a real uvicorn server on a free loopback port; yields its base URL."""
    async with Served(app) as served:
        yield served.url


@contextlib.asynccontextmanager
async def webhook_bot(api: FakeBotApi, runtime: Runtime) -> AsyncIterator[tuple[str, Harness]]:
    application = build_application(runtime)
    harness: list[Harness] = []

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with running_telegram(runtime, application) as handle:
            harness.append(Harness(api, runtime, handle))
            yield

    async with serve(create_app(runtime, routes=webhook_routes(runtime, application), lifespan=lifespan)) as url:
        yield url, harness[0]


async def test_webhook_refuses_calls_without_the_secret_and_handles_the_right_one(fake_bot_api, make_runtime):
    api = fake_bot_api
    runtime = make_runtime(api, public_url=PUBLIC_URL, telegram_webhook_secret=Secret(SECRET))
    async with webhook_bot(api, runtime) as (url, tg), httpx.AsyncClient(base_url=url, timeout=WAIT) as http:
        assert tg.handle.mode == "webhook"
        assert api.webhook["url"] == PUBLIC_URL + WEBHOOK_PATH
        assert api.webhook["secret_token"] == SECRET
        assert api.count("getUpdates") == 0

        update = api.command_update(ALICE, "/start")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}):
            response = await http.post(WEBHOOK_PATH, json=update, headers=headers)
            assert response.status_code == 403
        await tg.settle()
        assert api.count("sendMessage") == 0 and tg.state(ALICE) is None

        good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        response = await http.post(WEBHOOK_PATH, json=update, headers=good)
        assert response.status_code == 200
        await tg.settle()
        assert texts(api.sent_messages(ALICE))[0].startswith(WELCOME)
        assert tg.state(ALICE) is not None
        # Telegram redelivers when unsure: the same update again gets no second reply.
        sent = api.count("sendMessage")
        assert (await http.post(WEBHOOK_PATH, json=update, headers=good)).status_code == 200
        await tg.settle()
        assert api.count("sendMessage") == sent
        assert (await http.post(WEBHOOK_PATH, content=b"not json", headers=good)).status_code == 400
    # Stopping keeps the webhook, so Telegram holds updates for the next start.
    assert api.webhook["url"] == PUBLIC_URL + WEBHOOK_PATH


async def test_webhook_without_a_configured_secret_refuses_everything(fake_bot_api, make_runtime):
    runtime = make_runtime(fake_bot_api, public_url=PUBLIC_URL)
    application = build_application(runtime)
    async with serve(create_app(runtime, routes=webhook_routes(runtime, application))) as url:
        async with httpx.AsyncClient(base_url=url, timeout=WAIT) as http:
            update = fake_bot_api.command_update(ALICE, "/start")
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""}):
                assert (await http.post(WEBHOOK_PATH, json=update, headers=headers)).status_code == 403
    assert application.update_queue.empty()
    assert fake_bot_api.count() == 0


async def test_webhook_mode_refuses_to_start_without_a_secret(fake_bot_api, make_runtime):
    from bot.channels.telegram import start_telegram
    from bot.config import ConfigError

    runtime = make_runtime(fake_bot_api, public_url=PUBLIC_URL)
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        await start_telegram(runtime)
