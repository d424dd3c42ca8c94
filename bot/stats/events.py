"""What one turn adds to the anonymous counters (usage_counters), read from the engine's Turn and the
structured data of its replies, never from their text.

A counter row is (day, channel, event, quartier, key): `key` is the column usage_counters calls aid_id,
holding the one dimension an event has (an aid, a language, a need, an emergency kind, an accueil, a
follow-up answer). The quartier is the finest place ever counted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

STARTED = "conversation_started"
AID_SHOWN = "aid_shown"  # shown as probable
ERASED = "erased"
LANGUAGE = "language"  # key: the language a conversation started in
NEED = "need"  # key: the need chosen
EMERGENCY = "emergency"  # key: the emergency kind raised
ACCUEIL = "accueil"  # key: the accueil given (place id)
RESULTS = "results"  # the conversation reached its results
HANDOVER_PICKED_UP = "handover_picked_up"  # a counsellor opened a resident's case with their code
FOLLOWUP_ACCEPTED = "followup_accepted"
FOLLOWUP_SENT = "followup_sent"
# The follow-up answers, per aid (key).
CLAIMED, NOT_YET, REFUSED, HELP_WANTED = "claimed", "not_yet", "refused", "help_wanted"
ANSWERS = (CLAIMED, NOT_YET, REFUSED, HELP_WANTED)
FOLLOWUP_ANSWER = {answer: f"followup_{answer}" for answer in ANSWERS}

FIELD_MAX = 64  # a counter field is a short id; anything longer is not one and is cut

Key = tuple[str, str, str, str]  # channel, event, quartier, key


def bounded(value: Any) -> str:
    return value[:FIELD_MAX] if isinstance(value, str) else ""


def turn_counts(channel: str, created: bool, turn: Any, quartier: str) -> Counter[Key]:
    """The counts a turn adds beyond conversations started, aids shown and erasures (counted by storage)."""
    counts: Counter[Key] = Counter()
    if created:
        counts[(channel, LANGUAGE, "", bounded(getattr(turn, "language", "")) or "fr")] += 1
    need = bounded(getattr(turn, "need_chosen", None))
    if need:
        counts[(channel, NEED, "", need)] += 1
    for reply in turn.replies:
        data = reply.data if isinstance(reply.data, dict) else {}
        if reply.kind == "emergency" and "emergency" in data:
            counts[(channel, EMERGENCY, quartier, bounded(data["emergency"]) or "several")] += 1
        elif reply.kind == "place" and data.get("place_id"):
            counts[(channel, ACCUEIL, quartier, bounded(data["place_id"]))] += 1
        elif reply.kind == "results" and "eligible" in data:
            counts[(channel, RESULTS, "", "")] += 1
    if getattr(turn, "follow_up_accepted", False):
        counts[(channel, FOLLOWUP_ACCEPTED, "", "")] += 1
    answer = getattr(turn, "follow_up_answer", None)
    if answer is not None and answer[0] in FOLLOWUP_ANSWER:
        for aid_id in answer[1] or ("",):
            counts[(channel, FOLLOWUP_ANSWER[answer[0]], "", bounded(aid_id))] += 1
    return counts
