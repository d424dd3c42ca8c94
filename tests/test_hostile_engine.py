"""Every hostile message of tests/hostile/ at every phase of the engine: a kind reply, never a crash.

Phases: a first message (no state), the need menu, each question type the questionnaire asks first
(integer, ages, choice, money, boolean, location), a question already misunderstood twice, the
results, and the language menu. Each message is sent as typed text; a sample is also sent as a
button value, a deep-link payload and an unknown command, as a broken or hostile client could.

Checked for every turn: at least one reply; every reply plain, non-empty text without an unfilled
{placeholder} or Python internals; the new state JSON-serialisable (strict UTF-8), under 2 KB, with
a valid phase, question and language; the person's words never echoed back.
"""

from __future__ import annotations

import pytest
from conftest import MONDAY_MORNING

from bot.dialog.engine import Engine
from bot.dialog.messages import COMMANDS, Incoming
from tests.hostile import check_turn, corpus

# -------------------------------------------------------------------------------- the phases


def _send(engine: Engine, state, incoming: Incoming) -> dict:
    return engine.handle(state, incoming, MONDAY_MORNING).state


@pytest.fixture(scope="module")
def phases(engine: Engine) -> dict[str, dict | None]:
    """name -> a state at that point of a conversation, reached by talking to the engine."""
    found: dict[str, dict | None] = {"first message": None}
    state = _send(engine, None, Incoming("start"))
    found["need menu"] = state
    found["language menu"] = _send(engine, state, Incoming("command", command="language"))
    state = _send(engine, state, Incoming("choice", choice="all"))
    questions = {q.id: q for q in engine.catalogue.questions}
    while state["phase"] == "ask":
        question = questions[state["q"]]
        found.setdefault(f"question {question.type} ({question.id})", state)
        state = _send(engine, state, Incoming("choice", choice="skip"))
    found["results"] = state
    # A question misunderstood twice: the next unclear answer moves on.
    unclear = _send(engine, found["need menu"], Incoming("choice", choice="money"))
    for _ in range(2):
        unclear = _send(engine, unclear, Incoming.from_text("blablabla"))
    assert unclear["tries"] == 2
    found["question after two unclear answers"] = unclear
    types = {name.split()[1] for name in found if name.startswith("question ") and "(" in name}
    assert {"integer", "money", "boolean", "choice", "ages", "location"} <= types, types
    return found


# ------------------------------------------------------------------------------------- tests


def test_the_corpus_is_large_and_varied():
    items = corpus()
    assert len(items) >= 500
    texts = [item.text for item in items]
    assert "" in texts and any(len(text) >= 10_000 for text in texts)
    assert {ord(char) >> 16 for text in texts for char in text} == set(range(17))  # every Unicode plane
    for family in ("blank", "control", "bidi", "zero-width", "emoji", "markup", "sql", "template", "format",
                   "number", "age", "money", "null", "surrogate", "script", "command"):
        assert any(item.tag == family for item in items), family


def test_the_corpus_file_is_what_its_generator_writes():
    import subprocess
    import sys
    from pathlib import Path

    generator = Path(__file__).resolve().parent / "hostile" / "generate.py"
    result = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_every_hostile_text_at_every_phase_gets_a_kind_reply(engine: Engine, phases):
    checked = 0
    for name, state in phases.items():
        for item in corpus():
            incoming = Incoming.from_text(item.text)
            try:
                turn = engine.handle(state, incoming, MONDAY_MORNING)
            except Exception as error:  # pragma: no cover - the failure message is the point
                raise AssertionError(f"{type(error).__name__}: {error} at phase {name!r} for {item}") from error
            check_turn(engine, turn, item)
            checked += 1
    assert checked > 5_000


def test_hostile_button_values_payloads_and_commands_are_answered(engine: Engine, phases):
    for name, state in phases.items():
        for item in corpus()[::5]:
            for incoming in (Incoming("choice", choice=item.text), Incoming("start", payload=item.text),
                             Incoming("text", text=item.text, lang=item.text[:16])):
                try:
                    turn = engine.handle(state, incoming, MONDAY_MORNING)
                except Exception as error:  # pragma: no cover
                    raise AssertionError(f"{type(error).__name__}: {error} at {name!r} for {incoming.kind} {item}") \
                        from error
                check_turn(engine, turn)


def test_every_command_and_odd_location_at_every_phase(engine: Engine, phases):
    odd_points = [(0.0, 0.0), (90.0, 180.0), (-90.0, -180.0), (47.2, -1.55), (1e308, -1e308),
                  (float("nan"), 0.0), (float("inf"), float("-inf")), (None, None), (47.2, None)]
    for name, state in phases.items():
        for command in (*COMMANDS, "", "unknown", "erase "):
            turn = engine.handle(state, Incoming("command", command=command), MONDAY_MORNING)
            check_turn(engine, turn)
        for lat, lon in odd_points:
            try:
                turn = engine.handle(state, Incoming("location", lat=lat, lon=lon), MONDAY_MORNING)
            except Exception as error:  # pragma: no cover
                raise AssertionError(f"{type(error).__name__}: {error} at {name!r} for location {lat}, {lon}") \
                    from error
            check_turn(engine, turn)
        for what in ("sticker", "", "x" * 1000):
            check_turn(engine, engine.handle(state, Incoming("unsupported", what=what), MONDAY_MORNING))


def test_a_stored_state_tampered_with_is_restarted_not_crashed(engine: Engine):
    """States come back from the database: an old version, a foreign shape or junk must not crash."""
    tampered = [{}, {"v": 0}, {"v": 99, "lang": "xx"}, {"v": "1"}, {"lang": "<b>"}, {"v": None},
                {"v": 1, "lang": "zz", "phase": "ask", "q": "no such question", "a": {}, "skip": [], "hist": [],
                 "need": None, "wide": False, "more": False, "tries": 0, "loc": None, "src": None, "em": []}]
    for state in tampered:
        turn = engine.handle(state, Incoming.from_text("bonjour"), MONDAY_MORNING)
        assert turn.replies


def test_the_same_message_at_the_same_state_gives_the_same_turn(engine: Engine, phases):
    """No hidden state or clock: what the person sees depends only on (state, message, now)."""
    state = phases["need menu"]
    for item in corpus()[::25]:
        first = engine.handle(state, Incoming.from_text(item.text), MONDAY_MORNING)
        again = engine.handle(state, Incoming.from_text(item.text), MONDAY_MORNING)
        assert first == again, item


# ------------------------------------------------------------------------------ bugs found

# Each was found by the corpus, then fixed; kept as regressions (docs/hardening.md, "Bugs found").


@pytest.mark.parametrize("text", ["\U00010a40", "\u19da", "①", "²", "1" * 5000, "٣"])
@pytest.mark.parametrize("where", ["first message", "need menu", "results", "language menu",
                                   "question choice (housing)"])
def test_bug_a_a_digit_int_cannot_read_is_not_a_crash(engine: Engine, phases, where: str, text: str):
    """Was: str.isdigit() then int() - Kharosthi U+10A40 or New Tai Lue U+19DA digits raised ValueError."""
    for incoming in (Incoming.from_text(text), Incoming("choice", choice=text)):
        check_turn(engine, engine.handle(phases[where], incoming, MONDAY_MORNING))


def test_bug_b_a_huge_number_as_a_language_button_is_not_a_crash(engine: Engine, phases):
    """Was: int() of a button value of more than 4300 digits (Python's limit) raised ValueError."""
    turn = engine.handle(phases["language menu"], Incoming("choice", choice="1" * 5000), MONDAY_MORNING)
    check_turn(engine, turn)


@pytest.mark.parametrize("where", ["question integer (age)", "question ages (children_ages)"])
def test_bug_c_a_number_too_long_for_a_float_is_not_a_crash(engine: Engine, phases, where: str):
    """Was: numbers() gave float('inf') for 400 digits, then int(inf) raised OverflowError."""
    turn = engine.handle(phases[where], Incoming.from_text("9" * 400), MONDAY_MORNING)
    check_turn(engine, turn)
    assert turn.state["q"] == phases[where]["q"]  # asked again ("Ce nombre ne me semble pas possible")


@pytest.mark.parametrize("lat, lon", [(float("nan"), 0.0), (float("inf"), float("-inf"))])
def test_bug_d_a_location_that_is_not_a_number_is_not_stored(engine: Engine, phases, lat, lon):
    """Was: a NaN or infinite position went into the state, and json.dumps wrote NaN (not JSON)."""
    for where in ("need menu", "question location (where)", "results"):
        turn = engine.handle(phases[where], Incoming("location", lat=lat, lon=lon), MONDAY_MORNING)
        check_turn(engine, turn)  # strict JSON
        assert turn.state.get("loc") == phases[where].get("loc")
