"""One reader per answer type: the open question's value from an analysed message, or why not; and
the answers to other questions the same message gives ("34 ans seule avec 2 enfants de 4 et 9 ans")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.catalogue import Catalogue
from bot.catalogue.questions import Question
from bot.dialog.text import choice_number
from bot.dialog.understand import numbers as nums
from bot.dialog.understand.analysis import Analysis
from bot.dialog.understand.phrases import phrase_tokens
from bot.dialog.understand.result import UNCLEAR, Slot, Understood

Choices = list[tuple[str, str, tuple[str, ...]]]  # (value, label shown, synonyms), numbered 1…n as shown
FUZZY_WHOLE = 90  # a whole message this close to one phrase (typos): asking again is better below it
FUZZY_WORD = 88  # one word this close to a one-word phrase of five letters or more


@dataclass
class Context:
    question: Question
    analysis: Analysis
    folded: str
    intent: Callable[[str, bool], bool]  # (intent, whole message?) -> the message is / contains it
    choices: Choices
    catalogue: Catalogue
    phrases: dict[str, tuple[str, ...]]  # the open question's value -> its phrases in the person's language
    no_first: bool  # the message starts with a "no" word ("non mais je suis enceinte")
    yes_first: bool  # … with a "yes" word ("sí, de 5 meses")

    @property
    def joined(self) -> str:
        return " ".join(self.analysis.toks)

    def bounds(self, key: str) -> tuple[float | None, float | None]:
        spec = self.catalogue.profile.keys.get(key)
        return (spec.min, spec.max) if spec else (None, None)

    def values(self, qid: str) -> set[str]:
        """The values this message's phrases give question `qid` (a negated yes/no phrase flipped; a negated
        choice phrase dropped)."""
        found = set()
        question = self.catalogue.question(qid)
        for index, hit in enumerate(self.analysis.answers):
            if hit.payload[0] != qid:
                continue
            value = hit.payload[1]
            if index in self.analysis.negated:
                if question is None or question.type != "boolean":
                    continue
                value = "no" if value == "yes" else "yes"
            found.add(value)
        return found

    def says_no(self) -> bool:
        return self.intent("none", True) or self.intent("no", True) or self.no_first


def _numeric(ctx: Context, value: float, key: str, plausible: tuple[float | None, float | None]) -> Understood:
    low, high = ctx.bounds(key)
    p_low, p_high = plausible
    if p_high is not None and value > 10 * max(p_high, 1):
        return Understood(UNCLEAR, problem="range")  # "né en 1990": a year, not an age
    if (p_low is not None and value < p_low) or (p_high is not None and value > p_high):
        return Understood(value if value == int(value) else UNCLEAR, confirm=value == int(value), problem="range")
    if (low is not None and value < low) or (high is not None and value > high):
        return Understood(UNCLEAR, problem="range")
    return Understood(value)


def read_integer(ctx: Context) -> Understood:
    q, a = ctx.question, ctx.analysis
    if q.plausible == (0, 100):  # a rate: "80 %"
        found = nums.rates(a)
    elif q.key == "partner_age":
        found = nums.partner_age(a, whole=True)
    else:
        found = nums.own_age(a, strict=False)
    if any(qty.glued for qty in found) and all(qty.glued for qty in a.quantities) or a.has("range") or \
            _range_between(a):
        return Understood(UNCLEAR)  # "6OO": letters stuck to the only number
    found = [qty for qty in found if not qty.glued]  # "3omri 34" (Arabizi: 3 is a letter)
    if not found:
        if q.no_answer and (ctx.says_no() or ctx.intent("none", False)):
            return _no(ctx, 0)
        return Understood(UNCLEAR)
    if len(found) > 1:
        return Understood(UNCLEAR, problem="several")
    value = found[0].value
    if value != int(value):
        return Understood(UNCLEAR, problem="range")
    result = _numeric(ctx, value, q.key, q.plausible)
    return Understood(int(result.value), confirm=result.confirm) if result.value is not UNCLEAR else result


def read_money(ctx: Context) -> Understood:
    q, a = ctx.question, ctx.analysis
    if any(qty.glued for qty in a.quantities) or a.has("range") or any(qty.per == "hour" for qty in a.quantities) \
            or _range_between(a):
        return Understood(UNCLEAR)
    found = amounts_for(ctx)
    own = q.key.removeprefix("partner_")  # "il gagne 900" at the partner's earnings: the word says work income
    mine = [value for value, kind in found if kind in (None, own)]
    if not mine:
        if (not found or ctx.intent("none", False)) and (ctx.says_no() or ctx.intent("none", False)):
            return _no(ctx, 0.0)  # "rien", "rien juste le chômage 950" (that amount is another income)
        if not found and a.has("negation", "negation_after") and a.has(own):
            return _no(ctx, 0.0)  # "je travaille pas", "pas de salaire": a word of this income, negated
        return Understood(UNCLEAR, problem="several" if len(found) > 1 else "")
    if a.has("excluding") and len(mine) == 1:
        return Understood(UNCLEAR)  # "450 hors charges": the charges are missing
    # "1200 + 1500", "moi 900 ma femme 700": the household's amounts add up.
    result = _numeric(ctx, sum(mine), q.key, q.plausible)
    if result.value is UNCLEAR:
        return result
    return Understood(round(float(result.value), 2), confirm=result.confirm)


def _range_between(a: Analysis) -> bool:
    """ "1100 à 1200": two numbers with a word of a range between them."""
    return any(m.payload == "to" and any(q.end == m.start for q in a.quantities)
               and any(q.start == m.end for q in a.quantities) for m in a.markers)


def amounts_for(ctx: Context) -> list[tuple[float, str | None]]:
    return nums.amounts(ctx.analysis)


def _no(ctx: Context, zero: Any) -> Understood:
    """What "non" means at this question: none (0), or "I don't know" (the quotient familial)."""
    return Understood(None, skipped=True) if ctx.question.no_answer == "skip" else Understood(zero)


def read_boolean(ctx: Context) -> Understood:
    q = ctx.question
    for value, label, _synonyms in ctx.choices:
        if ctx.joined == " ".join(phrase_tokens(label)) and value in ("yes", "no"):
            return Understood(value == "yes")
    if ctx.folded in ("1", "2"):
        return Understood(ctx.folded == "1")
    values = ctx.values(q.id)
    if len(values) == 1:
        return Understood(values.pop() == "yes")
    if values:
        return Understood(UNCLEAR)
    if ctx.intent("yes", True):
        return Understood(True)
    if ctx.intent("no", True):
        return Understood(False)
    yes, no = ctx.intent("yes", False) or ctx.yes_first, ctx.intent("no", False) or ctx.no_first
    if yes != no:
        return Understood(yes)
    return Understood(UNCLEAR)


def read_choice(ctx: Context) -> Understood:
    q = ctx.question
    real = [c for c in ctx.choices if c[0] != "skip"]
    values = ctx.values(q.id)
    index = choice_number(ctx.folded)
    if index is not None:
        if 1 <= index <= len(real):
            return Understood(real[index - 1][0])
        return Understood(values.pop()) if len(values) == 1 else Understood(UNCLEAR, problem="range")
    # The labels as shown, in the person's language.
    for value, label, _synonyms in real:
        if ctx.joined == " ".join(phrase_tokens(label)):
            return Understood(value)
    if not values:  # the labels as shown, in the person's language, inside a longer message
        values = {value for value, label, _synonyms in real
                  if len(phrase_tokens(label)) > 1 and _contains(ctx.analysis.toks, phrase_tokens(label))}
    if len(values) == 1:
        return Understood(values.pop())
    if values:
        return Understood(UNCLEAR, problem="several")
    if ctx.analysis.has("negation", "negation_after"):
        return Understood(UNCLEAR)
    return _fuzzy_choice(ctx, real)


def _fuzzy_choice(ctx: Context, real: Choices) -> Understood:
    phrases, owners = [], []
    for value, label, synonyms in real:
        for phrase in (label, *synonyms, *ctx.phrases.get(value, ())):
            phrases.append(" ".join(phrase_tokens(phrase)))
            owners.append(value)
    if len(ctx.joined) >= 4:
        match = process.extractOne(ctx.joined, phrases, scorer=fuzz.ratio, score_cutoff=FUZZY_WHOLE)
        if match:
            return Understood(owners[match[2]], confidence=match[1] / 100)
    words = [p for p in phrases if len(p) >= 5 and " " not in p]
    chosen: set[str] = set()
    for token in ctx.analysis.toks:
        if len(token) < 5:
            continue
        for _, _score, index in process.extract(token, words, scorer=fuzz.ratio, score_cutoff=FUZZY_WORD, limit=None):
            chosen.add(owners[phrases.index(words[index])])
    return Understood(chosen.pop(), confidence=0.88) if len(chosen) == 1 else Understood(UNCLEAR)


def _contains(toks: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(toks[i:i + n] == phrase for i in range(len(toks) - n + 1))


def read_ages(ctx: Context) -> Understood:
    a = ctx.analysis
    kids = nums.children(a, whole=True)
    only_zero = len(a.quantities) == 1 and a.quantities[0].value == 0 and a.quantities[0].unit in (None, "child")
    if len(a.quantities) == 1 and a.quantities[0].value and not a.quantities[0].own_unit and not kids.mentioned \
            and ctx.joined.isdigit():
        return Understood(UNCLEAR, problem="count_only")  # "2": two children, or one of 2? Asked again.
    if kids.ages and not only_zero:
        if not nums.plausible_child_ages(kids.ages):
            return Understood(UNCLEAR, problem="range")
        return Understood(sorted(kids.ages))
    if only_zero or kids.count == 0 or "none" in ctx.values(ctx.question.id) or ctx.says_no():
        return Understood([])
    if kids.count or kids.mentioned or ctx.intent("yes", False):
        return Understood(UNCLEAR, problem="count_only")
    return Understood(UNCLEAR)


READERS: dict[str, Callable[[Context], Understood]] = {
    "integer": read_integer, "money": read_money, "boolean": read_boolean, "choice": read_choice, "ages": read_ages,
}


def extras(ctx: Context) -> tuple[Slot, ...]:
    """Answers to the other questions, taken only when the message says them plainly."""
    a, open_key = ctx.analysis, ctx.question.key
    found: list[Slot] = []
    for question in ctx.catalogue.questions:
        if question.key == open_key or question.type not in ("choice", "boolean"):
            continue
        values = ctx.values(question.id)
        if len(values) == 1:
            value: Any = values.pop()
            found.append(Slot(question.key, value == "yes" if question.type == "boolean" else value, 1.0))
    if open_key != "children_ages":
        kids = nums.children(a, whole=False)
        if kids.attached and nums.plausible_child_ages(kids.ages):
            found.append(Slot("children_ages", sorted(kids.ages), 1.0))
        elif kids.count == 0 or "none" in ctx.values("children_ages"):
            found.append(Slot("children_ages", [], 1.0))
    if open_key != "age":
        ages = nums.own_age(a, strict=True)
        if len(ages) == 1 and 15 <= ages[0].value <= 105:
            found.append(Slot("age", int(ages[0].value), 1.0))
    if open_key != "partner_age":
        partner = nums.partner_age(a, whole=False)
        if len(partner) == 1 and 15 <= partner[0].value <= 105 and partner[0].value == int(partner[0].value):
            found.append(Slot("partner_age", int(partner[0].value), 1.0))
    for kind in ("work_income", "other_income", "rent"):  # the markers of amounts are named by their key
        if kind == open_key.removeprefix("partner_"):  # the partner's share is not the household's total
            continue
        tagged = [value for value, k in nums.amounts(a) if k == kind]
        if len(tagged) == 1 and 0 <= tagged[0] <= 20000:
            found.append(Slot(kind, tagged[0], 1.0))
    return tuple(found)
