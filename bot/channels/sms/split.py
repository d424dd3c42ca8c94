"""Cutting a long answer into SMS: whole lines and words in each, numbered, the rest kept for SUITE.

Every part is one GSM-7 segment (bot.channels.sms.gsm7 counts them), sent as a single SMS so that each
arrives whole on any phone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate
from typing import NamedTuple

from bot.channels.sms.gsm7 import EXTENSION, SINGLE_SEPTETS, _septets_gsm7, septets, to_gsm7


class SmsSplit(NamedTuple):
    """`parts`: SMS to send now, each one segment. `remainder`: GSM-7 text not sent yet ("" if none).

    A NamedTuple so that callers may write `parts, remainder = split_sms(...)`.
    """

    parts: list[str]
    remainder: str


def split_sms(text: str, max_parts: int = 3, more: str = "") -> SmsSplit:
    """Cut a text into at most `max_parts` SMS of one segment each, numbered "(1/2) " when several.

    Parts are sent as separate single SMS (not one concatenated SMS): each arrives whole on any
    phone, and the number tells the order when they arrive out of order. Cuts fall at a blank line,
    a line break or a sentence end when that does not waste much room, else between words; a word is
    cut only when it alone is longer than an SMS. When the text does not fit, the last part ends
    with `more` (e.g. "Envoyez SUITE pour la suite.") and the rest is returned as `remainder`, to be
    split again on request. The text (and `more`) go through `to_gsm7` first.
    """
    if max_parts < 1:
        raise ValueError("max_parts must be at least 1")
    text = to_gsm7(text).strip()
    more = to_gsm7(more).strip()
    if not text:
        return SmsSplit([], "")
    if _septets_gsm7(text) <= SINGLE_SEPTETS:
        return SmsSplit([text], "")

    # Nice cuts first; plain word cuts only if nice cuts alone would leave a remainder. The text's
    # septets and break points are found once, in one pass (_Breaks), for every attempt.
    breaks = _Breaks(text)
    for prefer in (True, False):
        for total in range(2, max_parts + 1):
            budget = SINGLE_SEPTETS - septets(_label(total, total))
            parts, rest = _chunks(text, [budget] * total, prefer, breaks)
            if not rest:
                return SmsSplit(_numbered(parts), "")

    tail = "\n" + more if more else ""
    if max_parts == 1:
        budgets = [SINGLE_SEPTETS - septets(tail)]
    else:
        budget = SINGLE_SEPTETS - septets(_label(max_parts, max_parts))
        budgets = [budget] * (max_parts - 1) + [budget - septets(tail)]
    if min(budgets) < 2:  # 2: room for at least one character, even an extension one
        raise ValueError("the 'more' text leaves no room in the last SMS")
    parts, rest = _chunks(text, budgets, prefer=True, breaks=breaks)
    numbered = _numbered(parts, max_parts) if max_parts > 1 else list(parts)
    if rest:
        numbered[-1] += tail
    return SmsSplit(numbered, rest)


def _label(number: int, total: int) -> str:
    return f"({number}/{total}) "


def _numbered(parts: list[str], total: int | None = None) -> list[str]:
    total = total or len(parts)
    if len(parts) == 1 and total == 1:
        return list(parts)
    return [_label(number, total) + part for number, part in enumerate(parts, start=1)]


def _chunks(text: str, budgets: list[int], prefer: bool, breaks: _Breaks | None = None) -> tuple[list[str], str]:
    """One chunk per budget (septets), in order; returns the chunks and what did not fit."""
    breaks = breaks or _Breaks(text)
    parts: list[str] = []
    position = 0
    for budget in budgets:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        end = breaks.window_end(position, budget)
        if end >= len(text):
            parts.append(text[position:])
            position = len(text)
            break
        cut = breaks.cut(position, end, budget, prefer)
        parts.append(text[position:cut].rstrip())
        position = cut
    return parts, text[position:].strip()


_SENTENCE_ENDS = ".!?"
# In French a space precedes ? ! : ; — cutting there would start the next SMS with a lone "?".
_DETACHED_PUNCTUATION = "?!:;"


# A whitespace run after a non-space character (a run at the very start is never a cut).
_WHITESPACE_RUN = re.compile(r"(?<=\S)\s+")
_EXTENSION_CHAR = re.compile("[" + re.escape("".join(sorted(EXTENSION))) + "]")


class _Breaks:
    """Where a text may be cut, found in one pass over it and reused by every chunking split_sms tries.

    prefix[i] is the septets of text[:i]; each kind lists, in increasing order, the first index of
    every whitespace run of that kind (the run's kind: a blank line, a line break, a space before
    French detached punctuation, a sentence end, or a plain word break).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        # Without extension characters (the usual case) a septet is a character: no prefix table needed.
        self.prefix = [0, *accumulate(2 if char in EXTENSION else 1 for char in text)] \
            if _EXTENSION_CHAR.search(text) else None
        paragraph: list[int] = []
        line: list[int] = []
        detached: list[int] = []
        sentence: list[int] = []
        quoted: list[int] = []  # a sentence end inside quotes: counts when the quote is not the chunk's start
        any_: list[int] = []  # every break but the detached ones
        for match in _WHITESPACE_RUN.finditer(text):
            index, run_end = match.span()
            run = match.group()
            if "\n" in run:
                (paragraph if run.count("\n") >= 2 else line).append(index)
            else:
                following = text[run_end:run_end + 1]
                if following and following in _DETACHED_PUNCTUATION:
                    detached.append(index)
                    continue
                previous = text[index - 1]
                if previous in _SENTENCE_ENDS:
                    sentence.append(index)
                elif previous in "\")'" and index >= 2 and text[index - 2] in _SENTENCE_ENDS:
                    quoted.append(index)
            any_.append(index)
        self.kinds = {"paragraph": paragraph, "line": line, "detached": detached, "sentence": sentence,
                      "quoted": quoted, "any": any_}

    def window_end(self, start: int, budget: int) -> int:
        """The first index whose character no longer fits in `budget` septets from `start`."""
        if self.prefix is None:
            return min(start + budget, len(self.text))
        end = bisect_right(self.prefix, self.prefix[start] + budget) - 1
        return min(end, len(self.text))

    def _last(self, kind: str, start: int, end: int) -> int | None:
        """The largest break of this kind in (start, end], or None."""
        indices = self.kinds[kind]
        position = bisect_right(indices, end) - 1
        if position >= 0 and indices[position] > start:
            return indices[position]
        return None

    def cut(self, start: int, end: int, budget: int, prefer: bool) -> int:
        """Where to end the chunk text[start:end] (exclusive), given that text[end:] must wait."""
        if prefer:
            # Minimum fill (in characters, close enough to septets) for a nice cut to be worth an
            # emptier SMS: a paragraph (one reply of the engine) is kept whole more eagerly.
            for kind, minimum in (("paragraph", budget // 4), ("line", budget // 2), ("sentence", budget // 2)):
                found = self._last(kind, start, end)
                if kind == "sentence":
                    quoted = self._last("quoted", start + 1, end)  # its quote at index - 1 must follow start
                    found = quoted if found is None else max(found, quoted or found)
                if found is not None and found - start >= minimum:
                    return found
        for kind in ("any", "detached"):
            found = self._last(kind, start, end)
            if found is not None:
                return found
        return end  # one word longer than an SMS (a long link): cutting it is unavoidable
