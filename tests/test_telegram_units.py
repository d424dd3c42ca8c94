"""The Telegram adapter's pure parts: text splitting, buttons, per-resident ordering, retries."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram import pacing, render
from bot.channels.telegram.adapter import bad_request_reason
from bot.dialog.messages import Choice
from bot.i18n import translator

# Raised inside PTB's own RetryAfter constructor (v22.2+ deprecation), not by Aiguillage's code.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ------------------------------------------------------------------------------------ text


def test_short_text_is_one_piece():
    assert render.split_text("Bonjour.") == ["Bonjour."]
    assert render.split_text("   ") == []


def test_split_prefers_paragraphs_then_lines_then_sentences():
    paragraph = "a" * 60
    assert render.split_text(f"{paragraph}\n\n{paragraph}", limit=100) == [paragraph, paragraph]
    lines = "\n".join(["b" * 40] * 3)
    assert render.split_text(lines, limit=100) == ["b" * 40 + "\n" + "b" * 40, "b" * 40]
    sentences = "Première phrase assez longue. Deuxième phrase assez longue. Troisième phrase."
    assert render.split_text(sentences, limit=65) == [
        "Première phrase assez longue. Deuxième phrase assez longue.", "Troisième phrase."]


def test_split_cuts_between_words_and_hard_cuts_a_single_huge_word():
    words = " ".join(["mot"] * 50)
    pieces = render.split_text(words, limit=20)
    assert all(len(p) <= 20 for p in pieces) and " ".join(pieces) == words
    assert render.split_text("x" * 250, limit=100) == ["x" * 100, "x" * 100, "x" * 50]


def test_split_counts_utf16_units_so_emoji_never_overflow():
    pieces = render.split_text("😀" * 5000)
    assert all(utf16_len(p) <= 4096 for p in pieces)
    assert "".join(pieces) == "😀" * 5000


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é😀.\n")), max_size=600), st.integers(min_value=2, max_value=80))
def test_split_never_exceeds_the_limit_nor_loses_words(text, limit):
    pieces = render.split_text(text, limit=limit)
    assert all(piece.strip() and utf16_len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


# ---------------------------------------------------------------------------------- buttons


def test_callback_data_is_the_choice_value():
    assert render.callback_data(Choice("food", "Manger")) == "food"
    assert render.incoming_from_callback("food", "fr").choice == "food"


def test_a_value_too_long_for_callback_data_travels_as_its_label():
    choice = Choice("v" * 80, "Je loue un logement social (HLM) à Nantes Métropole Habitat, quartier Malakoff")
    data = render.callback_data(choice)
    assert len(data.encode("utf-8")) <= 64
    incoming = render.incoming_from_callback(data, "fr")
    assert incoming.kind == "text" and choice.label.startswith(incoming.text)


def test_inline_keyboard_rows():
    short = render.inline_keyboard((Choice("yes", "Oui"), Choice("no", "Non"), Choice("skip", "Je ne sais pas")))
    assert [len(row) for row in short.inline_keyboard] == [2, 1]
    long = render.inline_keyboard((Choice("tenant", "Je loue un logement"), Choice("owner", "Propriétaire")))
    assert [len(row) for row in long.inline_keyboard] == [1, 1]
    assert render.inline_keyboard(()) is None


def test_location_keyboard_asks_for_the_position_once():
    keyboard = render.location_keyboard(translator("fr"))
    [[button]] = keyboard.keyboard
    assert button.text == "📍 Envoyer ma position" and button.request_location
    assert keyboard.one_time_keyboard and keyboard.resize_keyboard


def test_menu_commands_are_valid_telegram_commands():
    commands = render.menu_commands(translator("fr"))
    assert {c.command for c in commands} <= set(render.COMMANDS)
    assert all(c.command.isascii() and c.command.islower() and 1 <= len(c.description) <= 256 for c in commands)
    assert set(render.COMMANDS.values()) == {"help", "restart", "back", "results", "language", "erase"}


def test_bad_request_reasons_are_fixed_words():
    assert bad_request_reason(BadRequest("Message is not modified: specified new message content")) == "not_modified"
    assert bad_request_reason(BadRequest("Something about 'mon adresse 12 rue X'")) == "other"


# --------------------------------------------------------------------------------- ordering


async def test_updates_of_one_resident_run_in_order_and_residents_run_concurrently():
    processor = pacing.PerUserOrder(64, key=lambda update: update[0])
    events: list[tuple[str, str, int]] = []
    running: set[str] = set()
    overlap = False

    async def handle(update):
        nonlocal overlap
        user, index = update
        if running - {user}:
            overlap = True
        assert user not in running  # one update per resident at a time
        running.add(user)
        events.append(("start", user, index))
        await asyncio.sleep(0.01 * (3 - index))  # later updates are quicker: order must still hold
        events.append(("end", user, index))
        running.discard(user)

    updates = [(user, index) for index in range(3) for user in ("a", "b")]
    tasks = [asyncio.create_task(processor.process_update(u, handle(u))) for u in updates]
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    for user in ("a", "b"):
        assert [i for kind, u, i in events if u == user and kind == "start"] == [0, 1, 2]
    assert overlap  # different residents did run at the same time
    assert processor.active_keys == 0  # idle locks are dropped: memory stays bounded


# ---------------------------------------------------------------------------------- retries


class Flaky:
    def __init__(self, *errors: BaseException):
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}


async def call(limiter, callback):
    return await limiter.process_request(callback, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_network_errors_are_retried_with_backoff_a_bounded_number_of_times():
    limiter = pacing.PacedRateLimiter(network_retries=2, backoff_base=0.001)
    flaky = Flaky(TimedOut(), NetworkError("Bad Gateway"))
    assert await call(limiter, flaky) == {"ok": True} and flaky.calls == 3
    always = Flaky(*(NetworkError("down") for _ in range(5)))
    with pytest.raises(NetworkError):
        await call(limiter, always)
    assert always.calls == 3


async def test_bad_requests_are_not_retried_and_retry_after_is_waited_out():
    limiter = pacing.PacedRateLimiter(network_retries=3, backoff_base=0.001, max_retries=2)
    refused = Flaky(BadRequest("Message is too long"))
    with pytest.raises(BadRequest):
        await call(limiter, refused)
    assert refused.calls == 1
    slowed = Flaky(RetryAfter(0))
    assert await call(limiter, slowed) == {"ok": True} and slowed.calls == 2


async def test_no_more_than_max_in_flight_requests_are_on_the_wire_at_once():
    limiter = pacing.PacedRateLimiter(max_in_flight=4, overall_max_rate=0, group_max_rate=0)
    on_the_wire = 0
    most = 0

    async def slow(*args, **kwargs):
        nonlocal on_the_wire, most
        on_the_wire += 1
        most = max(most, on_the_wire)
        await asyncio.sleep(0.01)
        on_the_wire -= 1
        return {"ok": True}

    results = await asyncio.wait_for(asyncio.gather(*(call(limiter, slow) for _ in range(40))), 5)
    assert results == [{"ok": True}] * 40
    assert most == 4 and limiter.most_in_flight == 4 and limiter.in_flight == 0


async def test_a_request_waiting_out_its_back_off_leaves_its_slot_to_others():
    limiter = pacing.PacedRateLimiter(max_in_flight=1, network_retries=1, backoff_base=0.2)
    flaky = Flaky(NetworkError("Bad Gateway"))
    retried = asyncio.create_task(call(limiter, flaky))
    await asyncio.sleep(0.05)  # the first attempt failed; its retry waits about 0.2 s
    assert flaky.calls == 1
    assert await asyncio.wait_for(call(limiter, Flaky()), 0.15) == {"ok": True}  # not queued behind the retry
    assert await asyncio.wait_for(retried, 5) == {"ok": True} and flaky.calls == 2


# -------------------------------------------------------------------------------- transport


async def test_a_connection_the_server_closed_while_idle_is_not_reused():
    """The lean readability check of transport.py must still see a server's close (Telegram closes idle
    connections): otherwise the next request would go down a dead connection and fail."""
    from telegram import Bot

    from bot.channels.telegram.transport import bot_api_request

    connections = 0
    body = b'{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"A","username":"a_bot"}}'

    async def answer_once_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(next((line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
                          b"0"))
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()  # keep-alive promised, then closed while the client holds the connection idle

    server = await asyncio.start_server(answer_once_then_close, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=bot_api_request(2))
        async with bot:
            for _ in range(3):
                await asyncio.sleep(0.05)  # the close reaches the client's socket
                assert (await bot.get_me()).username == "a_bot"
    finally:
        server.close()
        await server.wait_closed()
    assert connections == 4  # initialize's getMe, then one new connection per call
