"""Tokens of a folded message and a phrase index over them: leftmost-longest, whole words only."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from bot.catalogue.text import fold

P = TypeVar("P", bound=Hashable)
# A number with its separators ("1 200" is two tokens, merged later), a run of letters, or a sign.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[€%?,]")


@lru_cache(maxsize=4096)
def tokens(folded: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(folded))


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    return tokens(fold(phrase))


@dataclass(frozen=True)
class Hit(Generic[P]):
    start: int
    end: int  # exclusive
    payload: P


class PhraseIndex(Generic[P]):
    """Phrases (folded, as token tuples) -> payloads. `find` returns non-overlapping hits, the longest
    phrase winning where two overlap, so "cherche du travail" beats "travail"."""

    def __init__(self, entries: Iterable[tuple[str, P]]) -> None:
        self._by_first: dict[str, list[tuple[tuple[str, ...], P]]] = {}
        seen: set[tuple[tuple[str, ...], P]] = set()
        for phrase, payload in entries:
            words = phrase_tokens(phrase)
            if not words or (words, payload) in seen:
                continue
            seen.add((words, payload))
            self._by_first.setdefault(words[0], []).append((words, payload))
        for candidates in self._by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self.words = {w for cands in self._by_first.values() for phrase, _ in cands for w in phrase}

    def find_all(self, toks: tuple[str, ...]) -> list[Hit[P]]:
        """Every phrase found, overlapping or not."""
        found: list[Hit[P]] = []
        for start, first in enumerate(toks):
            for words, payload in self._by_first.get(first, ()):
                end = start + len(words)
                if toks[start:end] == words:
                    found.append(Hit(start, end, payload))
        return found

    def find(self, toks: tuple[str, ...]) -> list[Hit[P]]:
        found = self.find_all(toks)
        # Longest first, then leftmost; keep those that overlap nothing kept. Equal spans with different
        # payloads are all kept (a phrase may mean two things; the reader decides).
        found.sort(key=lambda h: (-(h.end - h.start), h.start))
        kept: list[Hit[P]] = []
        for hit in found:
            if all(hit.end <= k.start or hit.start >= k.end or (hit.start, hit.end) == (k.start, k.end) for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h.start)

    def __bool__(self) -> bool:
        return bool(self._by_first)
