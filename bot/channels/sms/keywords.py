"""SMS keywords: fixed words a person can text at any time, whatever the question being asked.

A keyword is recognised only when it is the whole message (case, accents and surrounding punctuation
ignored): "Aide !" is the keyword, "j'ai besoin d'aide pour le loyer" is an answer for the engine.
The words are French and not translated, like STOP: one fixed word is easier to announce on a poster,
to type on any keypad and to recognise. The engine understands the same commands in every language
it speaks, in free text; these only make the announced words work everywhere.
"""

from __future__ import annotations

import re

from bot.channels.sms.render import MORE_KEYWORD
from bot.dialog.text import fold

STOP_KEYWORD = "STOP"

# Folded word -> what it asks for. "help" ... "erase" are engine commands (bot.dialog.messages.COMMANDS);
# "more" (the rest of a long answer) and "stop" (erase and send nothing more) belong to the channel.
KEYWORDS: dict[str, str] = {
    "aide": "help",
    "menu": "menu",
    "retour": "back",
    "recommencer": "restart",
    "langue": "language",
    "oubli": "erase",
    MORE_KEYWORD.lower(): "more",
    STOP_KEYWORD.lower(): "stop",
    # French SMS practice also shows "STOP SMS" ("STOP SMS au 36xxx"); "arrêt" is what people type
    # when they do not know the convention. Neither is an answer to any question.
    "stop sms": "stop",
    "arret": "stop",
    "arreter": "stop",
    # The opt-out words carriers and Twilio honour (Twilio's STOP list): whoever types them wants silence.
    "stopall": "stop",
    "stop all": "stop",
    "unsubscribe": "stop",
    "cancel": "stop",
    "end": "stop",
    "quit": "stop",
    "optout": "stop",
    "desabonner": "stop",
    "desinscrire": "stop",
}

# The engine commands a keyword maps to directly.
ENGINE_COMMANDS = frozenset({"help", "menu", "back", "restart", "language", "erase"})

_EDGES = " .!?,;:-+'\""
_SPACES = re.compile(r"\s+")
_LONGEST = max(len(word) for word in KEYWORDS) + 8  # a keyword with a little punctuation around it


def keyword(text: str) -> str | None:
    """What the message asks for when it is a keyword ("help", "more", "stop"...), else None."""
    if len(text) > 4 * _LONGEST:  # cheap exit for ordinary messages
        return None
    folded = _SPACES.sub(" ", fold(text)).strip(_EDGES)
    return KEYWORDS.get(folded)
