"""Shared fixtures: the real catalogue, the engine, a fixed clock, and a conversation harness."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.catalogue import load_catalogue
from bot.dialog.engine import Engine
from bot.dialog.messages import Incoming, Reply, numbered

PARIS = ZoneInfo("Europe/Paris")
# A Monday morning, when the accueils are open.
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def engine(catalogue):
    return Engine(catalogue)


class Conversation:
    """Talk to the engine like a person would, and read what it answers."""

    def __init__(self, engine: Engine, now: datetime = MONDAY_MORNING, lang: str | None = None):
        self.engine = engine
        self.now = now
        self.state: dict | None = None
        self.replies: tuple[Reply, ...] = ()
        self.transcript: list[tuple[str, tuple[Reply, ...]]] = []
        self.erased = False
        if lang:
            self.send(Incoming("start", payload=lang))

    def send(self, incoming: Incoming) -> tuple[Reply, ...]:
        turn = self.engine.handle(self.state, incoming, self.now)
        self.state, self.replies, self.erased = turn.state, turn.replies, turn.erase
        self.transcript.append((incoming.text or incoming.choice or incoming.command or incoming.kind, turn.replies))
        return turn.replies

    def say(self, text: str) -> tuple[Reply, ...]:
        return self.send(Incoming.from_text(text))

    def tap(self, label_or_value: str) -> tuple[Reply, ...]:
        """Press a button of the last question, by its label or its value."""
        for reply in reversed(self.replies):
            for _, choice in numbered(reply.choices):
                if label_or_value in (choice.label, choice.value):
                    return self.send(Incoming("choice", choice=choice.value))
        raise AssertionError(f"no button {label_or_value!r} in {[c.label for r in self.replies for c in r.choices]}")

    def start(self, payload: str = "") -> tuple[Reply, ...]:
        return self.send(Incoming("start", payload=payload))

    def at(self, question: str, lang: str = "fr", **answers: object) -> Conversation:
        """Stand at `question`, as if the person had just been asked it (every aid in view)."""
        from bot.dialog.state import DialogState

        self.state = DialogState(lang=lang, phase="ask", question=question, need="all", wide=True,
                                 answers=dict(answers), offered=lang).to_json()  # type: ignore[arg-type]
        return self

    @property
    def phase(self) -> str | None:
        return (self.state or {}).get("phase")

    @property
    def confirming(self) -> bool:
        """A plausibility confirmation is waiting for a yes or a no."""
        return bool((self.state or {}).get("pend"))

    def emergencies(self) -> list[str]:
        return [r.data.get("emergency", "") for r in self.replies if r.kind == "emergency"]

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    @property
    def question(self) -> str | None:
        """The id of the question being asked now."""
        return (self.state or {}).get("q")

    @property
    def answers(self) -> dict:
        return dict((self.state or {}).get("a", {}))

    def kinds(self) -> list[str]:
        return [r.kind for r in self.replies]

    def aids_shown(self) -> list[str]:
        """The aids of the results (typed payloads), heaviest first."""
        return [item.id for r in self.replies if r.kind in ("results", "aid") for item in r.aids]

    def answer_until_results(self, answers: dict[str, str], limit: int = 20) -> int:
        """Answer each question asked from `answers` (question id -> text); return how many were asked."""
        asked = 0
        while self.state and self.state.get("phase") == "ask" and asked < limit:
            question = self.question
            if question not in answers:
                raise AssertionError(f"unexpected question {question!r}: {self.text}")
            self.say(answers[question])
            asked += 1
        return asked


@pytest.fixture
def talk(engine):
    return Conversation(engine)


@pytest.fixture
def postgres_url():
    """A fresh schema on the test PostgreSQL server (AIGUILLAGE_TEST_POSTGRES_URL); skipped when the
    server is unreachable, failed instead under CI=true."""
    from storage_fixtures import drop_postgres_schema, new_postgres_schema

    schema, url = new_postgres_schema()
    yield url
    drop_postgres_schema(schema)
