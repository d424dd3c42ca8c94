"""Who a number is about: the person's age, a partner's, children's ages and count, amounts of money
by kind. Works on an Analysis; nothing here knows a word of any language (the markers do)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.dialog.understand.analysis import Analysis, Quantity

CHILD = ("child", "baby", "newborn", "twins", "triplets")
TIME = ("years", "months", "weeks", "days")
MAX_CHILD_AGE = 30


@dataclass
class Children:
    ages: list[int]
    count: int | None  # said explicitly ("2 enfants", "des jumeaux")
    mentioned: bool  # a child word was used
    attached: bool  # the ages follow a child word (safe to take from a message about something else)


def _pregnancy_months(a: Analysis, q: Quantity) -> bool:
    return any(m.payload == "pregnancy" and m.end <= q.start <= m.end + 2 for m in a.markers)


def _after_duration(a: Analysis, q: Quantity) -> bool:
    return any(m.payload == "duration" and m.end <= q.start <= m.end + 1 for m in a.markers)


def _other_person(a: Analysis, q: Quantity) -> bool:
    return a.near(q.start, q.end, ("partner", "other_people"), before=4, after=0) is not None


def children(a: Analysis, whole: bool) -> Children:
    """`whole`: the message answers the children question, so bare numbers are ages; otherwise only
    the numbers after a child word are."""
    first_child = a.first(*CHILD)
    count: int | None = None
    candidates: list[Quantity] = []
    for q in a.quantities:
        if q.unit == "child":
            count = (count or 0) + int(q.value)
            continue
        if q.unit not in (*TIME, None) or q.per or _pregnancy_months(a, q) or _after_duration(a, q):
            continue
        if first_child is None and not whole:
            continue
        if first_child is not None and q.start < first_child and (q.unit == "years" or not whole):
            continue  # "34 ans et 2 enfants de 4 et 9 ans": 34 is the person's
        if q.unit in ("weeks", "days") and q.value > 60:
            continue
        if _other_person(a, q) and (first_child is None or q.start < first_child):
            continue
        candidates.append(q)
    # "on est 2 avec mon mari et un bébé de 6 mois": with ages after a child word, the numbers before it
    # are about something else.
    if first_child is not None and any(q.start > first_child for q in candidates):
        candidates = [q for q in candidates if q.start > first_child]
    # "oui 2, 3 ans et 7 ans", "deux : 4 et 9": a first bare number that counts the ones after it.
    if count is None and len(candidates) >= 3 and not candidates[0].own_unit and \
            int(candidates[0].value) == len(candidates) - 1 and a.marker_at(candidates[0].end, "and") is None:
        count = int(candidates[0].value)
        candidates = candidates[1:]
    ages = [_years(q) for q in candidates]
    ages += [0 for m in a.markers if m.payload == "newborn"]
    copies = 3 if a.has("triplets") else 2 if a.has("twins") else 1
    if copies > 1 and len(ages) == 1:
        ages *= copies
        count = copies
    # Taken from a message about something else only when counted ("2 enfants de 4 et 9 ans"): "mon fils a
    # 5 ans" does not say there is no other child.
    return Children(ages, count, first_child is not None, count is not None and count == len(ages) > 0)


def _years(q: Quantity) -> int:
    if q.unit == "months":
        return int(q.value // 12)
    if q.unit in ("weeks", "days"):
        return 0
    return int(q.value) if q.value == int(q.value) else -1


def plausible_child_ages(ages: list[int]) -> bool:
    return bool(ages) and len(ages) <= 15 and all(0 <= age <= MAX_CHILD_AGE for age in ages)


def own_age(a: Analysis, strict: bool) -> list[Quantity]:
    """The numbers that may be the person's age. `strict` (another question is open): only "34 ans"."""
    first_child = a.first(*CHILD)
    found = []
    for q in a.quantities:
        if q.unit not in ("years", None) or q.per or _after_duration(a, q) or _pregnancy_months(a, q):
            continue
        if first_child is not None and q.start > first_child:
            continue
        if _other_person(a, q) or (strict and not (q.unit == "years" and q.own_unit)):
            continue
        found.append(q)
    if len(found) > 1 and any(q.unit == "years" for q in found):
        found = [q for q in found if q.unit == "years"]
    return found


def partner_age(a: Analysis, whole: bool) -> list[Quantity]:
    """Numbers about the partner: right after a partner word ("mon mari 36", "ma femme a 40 ans");
    when the question is about the partner, any bare age too."""
    first_child = a.first(*CHILD)
    near = [q for q in a.quantities if q.unit in ("years", None) and not q.per
            and any(m.payload == "partner" and m.end <= q.start <= m.end + 3 for m in a.markers)]
    if near or not whole:
        return near
    return [q for q in a.quantities if q.unit in ("years", None) and not q.per and not _after_duration(a, q)
            and (first_child is None or q.start < first_child)]


def amounts(a: Analysis) -> list[tuple[float, str | None]]:
    """(euros per month, kind) for each amount: kind "work_income", "other_income" or "rent" when a
    word near it says so ("salaire", "chômage", "loyer"), else None. An hourly wage is left out."""
    found = []
    for q in a.quantities:
        if q.unit not in ("euros", None) or _after_duration(a, q) or q.per == "hour":
            continue
        value = q.value / 12 if q.per == "year" else q.value * 52 / 12 if q.per == "week" else q.value
        kind = a.near(q.start, q.end, ("work_income", "other_income", "rent"), before=5, after=2)
        found.append((round(value, 2), kind.payload if kind else None))
    return found


def rates(a: Analysis) -> list[Quantity]:
    return [q for q in a.quantities if q.unit in ("percent", None) and not q.per and not _after_duration(a, q)]
