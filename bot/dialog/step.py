"""One turn in progress: the state being changed, the replies so far, and what the handlers share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalogue import Catalogue
from bot.catalogue.questions import Question
from bot.dialog.messages import Reply, Turn
from bot.dialog.state import DialogState
from bot.i18n import Translator, translator

if TYPE_CHECKING:
    from bot.dialog.selection import Screening
    from bot.dialog.understanding import Understanding


@dataclass
class Step:
    catalogue: Catalogue
    questions: dict[str, Question]
    understanding: Understanding
    screening: Screening
    state: DialogState
    now: datetime
    retention_days: int
    replies: list[Reply] = field(default_factory=list)
    later: list[Reply] = field(default_factory=list)  # said after the turn's other replies (an offer)
    follow_up_accepted: bool | None = None  # Turn.follow_up_accepted
    follow_up_answer: tuple[str, tuple[str, ...]] | None = None  # Turn.follow_up_answer
    need_chosen: str | None = None  # Turn.need_chosen
    t: Translator = field(init=False)

    def __post_init__(self) -> None:
        self.t = translator(self.state.lang)

    def relang(self) -> None:
        """After the language changed: the next replies are in the new one."""
        self.t = translator(self.state.lang)

    def say(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def question(self) -> Question | None:
        """The question being asked, when the conversation is at one."""
        return self.questions.get(self.state.question or "") if self.state.phase == "ask" else None

    def turn(self, *, handover: bool = False) -> Turn:
        return Turn(tuple(self.replies + self.later), self.state.to_json(), handover=handover,
                    follow_up_accepted=self.follow_up_accepted, follow_up_answer=self.follow_up_answer,
                    need_chosen=self.need_chosen)
