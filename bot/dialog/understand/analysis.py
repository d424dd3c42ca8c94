"""One message taken apart once: its tokens, the marker words found (units, people, negation), the
answer phrases found (with whether they are negated), and its quantities (numbers with their units)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from bot.dialog.understand.phrases import Hit, tokens
from bot.dialog.understand.vocabulary import Vocabulary

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_GROUPED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")
UNITS = ("years", "months", "weeks", "days", "euros", "percent", "child", "baby")
PERS = {"per_year": "year", "per_month": "month", "per_week": "week", "per_hour": "hour"}
MAX_VALUE = 1e12  # a longer number is not an answer; it stays out of every range


@dataclass
class Quantity:
    value: float
    start: int
    end: int  # exclusive, after its unit when it has one
    unit: str | None = None  # years months weeks days euros percent child (a count of children)
    per: str | None = None  # year month week, for amounts
    own_unit: bool = False  # the unit is written after this very number (not taken from the next one)
    glued: bool = False  # letters stuck to it that are no unit ("6OO"): not a number to trust


@dataclass
class Analysis:
    toks: tuple[str, ...]
    markers: list[Hit[str]]
    answers: list[Hit[tuple[str, str]]]
    negated: set[int] = field(default_factory=set)  # indexes in `answers` of the negated hits
    quantities: list[Quantity] = field(default_factory=list)

    def marker_at(self, position: int, *names: str) -> Hit[str] | None:
        return next((m for m in self.markers if m.start == position and m.payload in names), None)

    def has(self, *names: str) -> bool:
        return any(m.payload in names for m in self.markers)

    def first(self, *names: str) -> int | None:
        return next((m.start for m in self.markers if m.payload in names), None)

    def near(self, start: int, end: int, names: tuple[str, ...], before: int = 4, after: int = 3) -> Hit[str] | None:
        """The closest marker of `names` within a few tokens around [start, end)."""
        best: tuple[int, Hit[str]] | None = None
        for m in self.markers:
            if m.payload not in names:
                continue
            gap = start - m.end if m.end <= start else m.start - end if m.start >= end else 0
            if (m.end <= start and gap < before) or (m.start >= end and gap < after) or gap == 0:
                if best is None or gap < best[0]:
                    best = (gap, m)
        return best[1] if best else None


def analyse(folded: str, vocabulary: Vocabulary) -> Analysis:
    digits = vocabulary.digits(folded)
    toks = tokens(digits)
    markers = vocabulary.markers.find(toks)
    answers = vocabulary.answers.find(toks)
    result = Analysis(toks, markers, answers)
    before = [m for m in markers if m.payload == "negation"]
    after = [m for m in markers if m.payload == "negation_after"]
    for index, hit in enumerate(answers):
        if any(vocabulary.is_negation(tok) for tok in toks[hit.start:hit.end]):
            continue  # "pas d'enfant", "je travaille pas": the phrase says the negation itself
        # "no, soltera": a comma ends the reach of a negation.
        if any(hit.start - 3 <= m.start and m.end <= hit.start and "," not in toks[m.end:hit.start] for m in before) \
                or any(m.start == hit.end for m in after):
            result.negated.add(index)
    result.quantities = _quantities(toks, result, vocabulary.lang)
    for q in result.quantities:
        if not q.own_unit and re.search(rf"(?<![\d.,]){re.escape(toks[q.start])}[^\W\d_]", digits) and \
                q.end < len(toks) and not result.marker_at(q.end, "thousand"):
            q.glued = True
    return result


def _value(raw: str, lang: str) -> float:
    """ "1.200", "1,200" and "14.400" are thousands (three digits after the sign); "1,5" and "7.5" decimals."""
    raw = re.sub(r"[.,]", "", raw) if _GROUPED.fullmatch(raw) else raw.replace(",", ".")
    if raw.count(".") > 1:
        raise ValueError(raw)
    value = float(raw)
    return value if math.isfinite(value) and value < MAX_VALUE else MAX_VALUE


def _quantities(toks: tuple[str, ...], analysis: Analysis, lang: str) -> list[Quantity]:
    found: list[Quantity] = []
    index = 0
    while index < len(toks):
        raw = toks[index]
        if not _NUMBER.fullmatch(raw):
            index += 1
            continue
        start = index
        # "1 200" and "14 400": a group of three digits after a short number is the same number.
        while (index + 1 < len(toks) and re.fullmatch(r"\d{3}(?:[.,]\d{1,2})?", toks[index + 1])
               and re.fullmatch(r"\d{1,3}", raw) and not found_unit(analysis, index + 1)):
            raw += toks[index + 1]
            index += 1
        try:
            value = _value(raw, lang)
        except ValueError:
            index += 1
            continue
        end = index + 1
        quantity = Quantity(value, start, end)
        if start > 0 and toks[start - 1] == "€":
            quantity.unit, quantity.own_unit = "euros", True
        thousand = analysis.marker_at(end, "thousand")
        if thousand:
            quantity.value *= 1000
            end = thousand.end
        unit = next((m for m in analysis.markers if m.start == end and m.payload in UNITS), None)
        if unit:
            quantity.unit = "child" if unit.payload == "baby" else unit.payload
            quantity.own_unit = True
            end = unit.end
        per = next((m for m in analysis.markers if end <= m.start <= end + 2 and m.payload in PERS), None)
        if per:
            quantity.per = PERS[per.payload]
            end = per.end
        quantity.end = end
        found.append(quantity)
        index = end
    # "4 et 9 ans", "2, 5 et 8 ans": the unit after the last number of a list applies to every one.
    joiners = {m.start for m in analysis.markers if m.payload == "and"}
    for left, right in zip(reversed(found[:-1]), reversed(found[1:]), strict=True):
        between = range(left.end, right.start)
        if left.unit is None and right.unit in ("years", "months", "weeks", "days") and \
                all(toks[i] == "," or i in joiners for i in between):
            left.unit = right.unit
    return found


def found_unit(analysis: Analysis, position: int) -> bool:
    return analysis.marker_at(position, *UNITS) is not None
