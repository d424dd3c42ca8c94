"""The fake Bot API speaks python-telegram-bot's language: a real PTB Application and Bot against it."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # tests/ is not a package (see tests/fakes/fixtures.py)
    sys.path.insert(0, str(ROOT))

from tests.fakes.bot_api import ApiError, FakeBotApi  # noqa: E402
from tests.fakes.fixtures import fake_bot_api  # noqa: E402, F401

# Every wait is bounded: a hang must fail fast, not stall the suite.
WAIT = 3.0
# python-telegram-bot strips "Bad Request: " from descriptions and str.capitalize()s the rest
# ("BUTTON_DATA_INVALID" arrives as "Button_data_invalid"), hence the (?i) in every match.


@contextlib.asynccontextmanager
async def polling_application(api: FakeBotApi, *handlers) -> AsyncIterator[Application]:
    """A real PTB Application long-polling the fake, stopped in the documented order."""
    application = Application.builder().token(api.token).base_url(api.base_url).base_file_url(api.base_file_url).build()
    for handler in handlers:
        application.add_handler(handler)
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


@contextlib.asynccontextmanager
async def direct_bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        yield bot


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def stray_tasks() -> set[asyncio.Task]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


async def test_echo_bot_answers_each_pushed_text_exactly_once():
    before = stray_tasks()
    # "123" and "true" would become a number and a boolean if the fake JSON-decoded PTB's raw
    # string parameters; the accents and the emoji check the encodings on both sides.
    texts = {
        101: ["bonjour", "j'ai faim", "123"],
        102: ["où dormir ce soir ?", "true", "😀 merci"],
        103: ["douche", "laverie", "{\"pas\": \"du json\"}"],
    }
    async with FakeBotApi() as api:
        async with polling_application(api, MessageHandler(filters.TEXT & ~filters.COMMAND, echo)):
            for round_ in range(3):
                for user_id, user_texts in texts.items():
                    api.push_update(api.text_update(user_id, user_texts[round_]))
            await api.wait_for(9, timeout=WAIT)
            # Leave room for a duplicate to show up before looking.
            await asyncio.sleep(0.1)
        for user_id, user_texts in texts.items():
            assert api.sent_texts(user_id) == user_texts
        assert api.count("sendMessage") == 9
        # PTB's final getUpdates confirmed every update, and no poll was refused.
        assert api.pending_update_count == 0
        assert all(call.status in (200, None) for call in api.calls("getUpdates"))
        assert [call.method for call in api.calls()[:2]] == ["getMe", "deleteWebhook"]
        assert not api.internal_errors
    assert stray_tasks() <= before


async def test_command_then_button_press_round_trip(fake_bot_api: FakeBotApi):
    api = fake_bot_api
    seen_args = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen_args.append(context.args)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Français", callback_data="lang:fr")]])
        await update.effective_message.reply_text("Choisissez votre langue", reply_markup=keyboard)

    async def chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        await query.edit_message_reply_markup(None)

    async with polling_application(api, CommandHandler("start", start), CallbackQueryHandler(chosen)):
        api.push_update(api.command_update(7, "/start", ["fr"]))
        await api.wait_for(1, timeout=WAIT)
        api.push_update(api.callback_update(7, "lang:fr"))
        await api.wait_for(1, timeout=WAIT, method="editMessageReplyMarkup")

    assert seen_args == [["fr"]]
    [answer] = api.calls("answerCallbackQuery")
    assert answer.ok
    [edit] = api.calls("editMessageReplyMarkup")
    # The keyboard went away, as in Telegram.
    assert edit.ok and "reply_markup" not in edit.result and edit.result["text"] == "Choisissez votre langue"
    assert edit.params["message_id"] == api.sent_messages(7)[0]["message_id"]


async def test_send_venue_round_trip(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as bot:
        venue = await bot.send_venue(chat_id=42, latitude=47.2138, longitude=-1.5564, title="Restos du Cœur",
                                     address="5 rue de la Paix, Nantes")
        with pytest.raises(BadRequest, match="(?i)venue title and address"):
            await bot.send_venue(chat_id=42, latitude=47.2, longitude=-1.5, title="Sans adresse", address=" ")
    assert venue.venue.title == "Restos du Cœur"
    assert venue.venue.location.latitude == pytest.approx(47.2138)
    [call, refused] = fake_bot_api.calls("sendVenue")
    assert call.params["latitude"] == pytest.approx(47.2138) and call.params["chat_id"] == 42
    assert refused.status == 400


async def test_answer_callback_query_round_trip_and_second_answer_refused(fake_bot_api: FakeBotApi):
    update = fake_bot_api.callback_update(42, "menu:aide")
    query_id = update["callback_query"]["id"]
    async with direct_bot(fake_bot_api) as bot:
        assert await bot.answer_callback_query(query_id, text="Un instant…", show_alert=True) is True
        with pytest.raises(BadRequest, match="(?i)query is too old"):
            await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
            await bot.answer_callback_query("999")
    # Parameters PTB JSON-encodes arrive decoded; strings arrive as sent.
    assert fake_bot_api.calls("answerCallbackQuery")[0].params["show_alert"] is True
    assert fake_bot_api.calls("answerCallbackQuery")[0].params["text"] == "Un instant…"


async def test_rate_limit_surfaces_as_retry_after(fake_bot_api: FakeBotApi, monkeypatch):
    # PTB 22 warns on every RetryAfter unless timedelta time periods are opted in.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake_bot_api.rate_limit_next("sendMessage", retry_after=3)
    async with direct_bot(fake_bot_api) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(42, "bonjour")
        assert caught.value.retry_after == dtm.timedelta(seconds=3)
        await bot.send_message(42, "bonjour")  # only the next call was limited
    first, second = fake_bot_api.calls("sendMessage")
    assert (first.status, first.injected, second.status) == (429, True, 200)
    assert first.response["parameters"] == {"retry_after": 3}


async def test_server_error_and_dropped_connection_surface_as_network_error(fake_bot_api: FakeBotApi):
    fake_bot_api.fail_next("sendMessage", status=500)
    fake_bot_api.disconnect_next("sendMessage")  # queued behind the 500
    async with direct_bot(fake_bot_api) as bot:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(42, "bonjour")
        # BadRequest and TimedOut are NetworkErrors too: make sure it is the plain one.
        assert type(caught.value) is NetworkError
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(42, "bonjour")
        assert type(caught.value) is NetworkError
        assert (await bot.send_message(42, "bonjour")).text == "bonjour"


async def test_slow_answer_surfaces_as_timed_out(fake_bot_api: FakeBotApi):
    fake_bot_api.delay_next("sendMessage", 1.0)
    async with direct_bot(fake_bot_api) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(42, "bonjour", read_timeout=0.1)


async def test_text_length_limits(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as bot:
        assert len((await bot.send_message(42, "a" * 4096)).text) == 4096
        # Telegram counts characters, not UTF-16 code units: 4096 emoji are accepted.
        await bot.send_message(42, "😀" * 4096)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(42, "a" * 4097)
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(42, "")
        with pytest.raises(BadRequest, match="(?i)message text is empty"):
            await bot.send_message(42, " \n ")
    assert fake_bot_api.count("sendMessage", ok_only=True) == 2


async def test_callback_data_limit_and_keyboards(fake_bot_api: FakeBotApi):
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Choisir", callback_data=data)]])

    async with direct_bot(fake_bot_api) as bot:
        message = await bot.send_message(42, "Menu", reply_markup=keyboard("x" * 64))
        assert message.reply_markup.inline_keyboard[0][0].callback_data == "x" * 64
        with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(42, "Menu", reply_markup=keyboard("é" * 33))  # 66 bytes in UTF-8
        with pytest.raises(BadRequest, match="(?i)Text buttons are unallowed"):
            await bot.send_message(42, "Menu", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Rien")]]))
        # A reply keyboard is accepted but, as in Telegram, not echoed in Message.reply_markup.
        sent = await bot.send_message(42, "Votre quartier ?", reply_markup=ReplyKeyboardMarkup([["Nord", "Sud"]]))
        assert sent.reply_markup is None


async def test_parse_mode_is_refused_the_bot_sends_plain_text(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as bot:
        with pytest.raises(BadRequest, match="(?i)parse_mode is not modelled"):
            await bot.send_message(42, "<b>Accueil</b>", parse_mode=ParseMode.HTML)
        sent = await bot.send_message(42, "<b>Accueil</b> & *gratuit*")
    assert sent.text == "<b>Accueil</b> & *gratuit*" and not sent.entities


async def test_edit_rules(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as bot:
        sent = await bot.send_message(42, "Étape 1", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Suite", callback_data="next")]]))
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id, reply_markup=sent.reply_markup)
        edited = await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)
        assert edited.reply_markup is None and edited.edit_date is not None
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id)  # pressed twice
        with pytest.raises(BadRequest, match="(?i)message to edit not found"):
            await bot.edit_message_reply_markup(chat_id=42, message_id=999)
        user_message = fake_bot_api.text_update(42, "bonjour")["message"]
        with pytest.raises(BadRequest, match="(?i)message can't be edited"):
            await bot.edit_message_reply_markup(chat_id=42, message_id=user_message["message_id"])


async def test_blocked_resident_is_forbidden(fake_bot_api: FakeBotApi):
    fake_bot_api.forbid_chat(42)
    async with direct_bot(fake_bot_api) as bot:
        with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
            await bot.send_message(42, "bonjour")
        await bot.send_message(43, "bonjour")
        fake_bot_api.allow_chat(42)
        await bot.send_message(42, "bonjour")


async def test_chat_action_and_commands(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as bot:
        assert await bot.send_chat_action(42, "typing") is True
        with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
            await bot.send_chat_action(42, "dancing")
        commands = [BotCommand("aide", "Comment ça marche"), BotCommand("oubli", "Effacer mes réponses")]
        assert await bot.set_my_commands(commands, language_code="uk") is True
        with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Aide-Moi", "majuscules et tiret")])
        with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_DESCRIPTION_INVALID"):
            await bot.set_my_commands([BotCommand("aide", " ")])
        with pytest.raises(BadRequest, match="(?i)invalid language code"):
            await bot.set_my_commands(commands, language_code="fa-AF")
    first = fake_bot_api.calls("setMyCommands")[0]
    assert first.params["commands"] == [c.to_dict() for c in commands] and first.params["language_code"] == "uk"


async def test_webhook_methods(fake_bot_api: FakeBotApi):
    fake_bot_api.push_update(fake_bot_api.text_update(42, "bonjour"))
    async with direct_bot(fake_bot_api) as bot:
        assert await bot.set_webhook("https://aiguillage.example/telegram", secret_token="s3cret_-token",
                                     allowed_updates=["message", "callback_query"], max_connections=10) is True
        assert fake_bot_api.webhook == {"url": "https://aiguillage.example/telegram", "secret_token": "s3cret_-token",
                                        "max_connections": 10}
        with pytest.raises(Conflict, match="(?i)webhook is active"):
            await bot.get_updates()
        with pytest.raises(BadRequest, match="(?i)HTTPS URL must be provided"):
            await bot.set_webhook("http://aiguillage.example/telegram")
        with pytest.raises(BadRequest, match="(?i)secret token contains unallowed characters"):
            await bot.set_webhook("https://aiguillage.example/telegram", secret_token="pas de blancs")
        assert fake_bot_api.pending_update_count == 1  # kept at Telegram while the webhook is set
        assert await bot.delete_webhook(drop_pending_updates=True) is True
        assert fake_bot_api.webhook == {} and fake_bot_api.pending_update_count == 0
        assert await bot.get_updates() == ()


async def test_long_poll_wakes_on_push_and_offset_confirms(fake_bot_api: FakeBotApi):
    api = fake_bot_api
    async with direct_bot(api) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        pushed = api.push_update(api.text_update(42, "bonjour"))
        [update] = await asyncio.wait_for(poll, WAIT)
        assert loop.time() - started < 1.0
        assert update.update_id == pushed["update_id"] and update.message.text == "bonjour"
        # Not confirmed yet: delivered again until an offset passes it.
        assert [u.update_id for u in await bot.get_updates()] == [pushed["update_id"]]
        assert await bot.get_updates(offset=pushed["update_id"] + 1) == ()
        assert api.pending_update_count == 0


async def test_second_poller_conflicts(fake_bot_api: FakeBotApi):
    async with direct_bot(fake_bot_api) as first, direct_bot(fake_bot_api) as second:
        first_poll = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        second_poll = asyncio.create_task(second.get_updates(timeout=5))
        with pytest.raises(Conflict, match="(?i)terminated by other getUpdates request"):
            await asyncio.wait_for(first_poll, WAIT)
        fake_bot_api.push_update(fake_bot_api.text_update(42, "bonjour"))
        assert len(await asyncio.wait_for(second_poll, WAIT)) == 1


async def test_builders_make_updates_ptb_can_read(fake_bot_api: FakeBotApi):
    api = fake_bot_api
    async with direct_bot(api) as bot:
        sent = await bot.send_message(42, "Où êtes-vous ?")
    raw = [
        api.text_update(42, "bonjour", language_code="es"),
        api.command_update(42, "start", "ref-affiche"),
        api.callback_update(42, "oui"),
        api.location_update(42, 47.2184, -1.5536),
        api.sticker_update(42),
        api.photo_update(42, caption="mon attestation"),
        api.voice_update(42, duration=4),
        api.document_update(42),
        api.edited_message_update(42, "bonsoir"),
        api.group_message_update(42, "bonjour le groupe"),
    ]
    updates = [Update.de_json(update, bot) for update in raw]
    ids = [update.update_id for update in updates]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    text, command, callback, location, sticker, photo, voice, document, edited, group = updates
    assert text.effective_user.language_code == "es" and text.effective_chat.type == "private"
    assert command.message.entities[0].type == MessageEntity.BOT_COMMAND and command.message.text == "/start ref-affiche"
    assert callback.callback_query.message.message_id == sent.message_id and callback.callback_query.data == "oui"
    assert location.message.location.latitude == pytest.approx(47.2184)
    assert sticker.message.sticker.emoji == "👍"
    assert photo.message.photo[-1].width == 1280 and photo.message.caption == "mon attestation"
    assert voice.message.voice.mime_type == "audio/ogg" and voice.message.voice.file_id.startswith("fake-voice")
    assert document.message.document.mime_type == "application/pdf"
    assert edited.edited_message.text == "bonsoir" and edited.edited_message.edit_date is not None
    assert edited.edited_message.message_id == command.message.message_id  # the user's latest text
    assert group.effective_chat.type == "supergroup" and group.effective_chat.title == "Entraide Nantes"
    # Telegram delivers updates in id order: pushing an older one after a newer one is a test bug.
    api.push_update(raw[1])
    with pytest.raises(ValueError, match="pushed after"):
        api.push_update(raw[0])


async def test_raw_http_form_json_and_query_string(fake_bot_api: FakeBotApi):
    api = fake_bot_api
    url = f"{api.base_url}{api.token}"
    async with httpx.AsyncClient() as client:
        form = await client.post(f"{url}/sendMessage", data={"chat_id": "42", "text": "123",
                                                             "reply_markup": json.dumps({"remove_keyboard": True})})
        as_json = await client.post(f"{url}/SENDMESSAGE", json={"chat_id": 42, "text": "json"})
        query = await client.get(f"{url}/getMe")
        wrong_token = await client.post(f"{api.base_url}123:wrong/getMe")
        unknown = await client.post(f"{url}/sendPhoto", data={"chat_id": "42"})
    assert form.json()["result"]["text"] == "123"  # a string parameter stays a string
    assert as_json.json()["result"]["message_id"] == form.json()["result"]["message_id"] + 1
    assert query.json()["result"]["username"] == "aiguillage_test_bot"
    assert (wrong_token.status_code, wrong_token.json()["description"]) == (401, "Unauthorized")
    assert unknown.status_code == 404 and "api.stub" in unknown.json()["description"]
    assert [call.method for call in api.calls()] == ["sendMessage", "sendMessage", "getMe", "sendPhoto"]
    api.stub("sendPhoto", lambda params: {"message_id": 99, "date": 0, "chat": {"id": params["chat_id"], "type": "private"}})
    async with direct_bot(api) as bot:
        assert (await bot.send_photo(42, photo="https://example.org/photo.png")).message_id == 99


async def test_scripted_answers_and_interception(fake_bot_api: FakeBotApi):
    api = fake_bot_api
    api.script("sendMessage", ApiError(502, "Bad Gateway"), 0.05)

    def refuse_venues_to_chat_43(method: str, params: dict) -> None:
        if method == "sendVenue" and params["chat_id"] == 43:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    api.intercept(refuse_venues_to_chat_43)
    async with direct_bot(api) as bot:
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(42, "un")
        assert (await bot.send_message(42, "deux")).text == "deux"  # answered after 50 ms
        await bot.send_venue(42, latitude=47.2, longitude=-1.5, title="CCAS", address="1 bis place Saint-Similien")
        with pytest.raises(Forbidden):
            await bot.send_venue(43, latitude=47.2, longitude=-1.5, title="CCAS", address="1 bis place Saint-Similien")
    assert [(c.status, c.injected) for c in api.calls("sendMessage")] == [(502, True), (200, True)]


async def test_concurrent_requests_are_counted(fake_bot_api: FakeBotApi):
    fake_bot_api.delay_next("sendMessage", 0.2, count=5)
    async with direct_bot(fake_bot_api) as bot:
        await asyncio.gather(*(bot.send_message(42, f"message {n}") for n in range(5)))
    assert fake_bot_api.most_in_progress == 5 and fake_bot_api.in_progress == 0


async def test_wait_for_is_bounded(fake_bot_api: FakeBotApi):
    with pytest.raises(TimeoutError, match="1 sendMessage call"):
        await fake_bot_api.wait_for(1, timeout=0.1)
    with pytest.raises(TimeoutError):
        await fake_bot_api.wait_for(lambda api: api.sent_texts(42), timeout=0.1)
