"""The engine's replies as SMS texts: plain GSM-7, numbered choices, at most three SMS per turn.

Every SMS is paid by the accueil, so a turn's lines are packed into as few SMS as they fit, and a
line, a label or a word is never split across two SMS (only a line longer than one SMS is cut, at a
word). A feature phone shows plain text only, so choices become numbers the person types back (the
same numbers the engine accepts, from `messages.numbered`). The results start with what to do now:
the first SMS names the nearest accueil (address and phone) and the top aid. What does not fit in
`MAX_PARTS` SMS is kept as `pending` and sent when the person texts `MORE_KEYWORD`.

Everything is read from the replies' typed payloads (place, aids, question, emergency), never by
parsing the engine's text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field

from bot.channels.sms.gsm7 import SINGLE_SEPTETS, SINGLE_UCS2, gsm7_septets
from bot.channels.sms.gsm7 import to_gsm7 as _to_gsm7
from bot.dialog.messages import DoorItem, PlaceCard, Reply, numbered, numbers_shown
from bot.i18n import Translator, translator

# Three SMS is what a person reads in one go on a small screen, and bounds the cost of one turn.
MAX_PARTS = 3
# The word that asks for the rest. Not translated: one fixed word is easier to announce, to type on
# any keypad and to recognise, whatever the person's language (like STOP for opting out).
# "1 = suite" would collide with the numbered choices of the same message.
MORE_KEYWORD = "SUITE"
# GSM-7 is the rule (160 characters an SMS); a language whose script it lacks is sent in UCS-2
# (70 an SMS) rather than spelled in Latin letters its readers may not read.
UCS2_LANGUAGES = frozenset({"ar", "fa", "ps", "uk"})
# The results turn: what to do now and the aids in two SMS; the rest (hours, menu) waits for SUITE.
RESULTS_PARTS = 2
_PENDING_SEPARATOR = "\n"


@dataclass(frozen=True)
class SmsBatch:
    """SMS texts to send now (each one GSM-7 segment) and the GSM-7 text kept for MORE_KEYWORD."""

    messages: list[str] = field(default_factory=list)
    pending: str = ""


@dataclass(frozen=True)
class _Line:
    text: str
    optional: bool = False  # dropped when it would cost one more SMS (a question's example)
    later: bool = False  # after the turn's other lines (a help card's long text, after where to go)


@dataclass(frozen=True)
class _Encoding:
    limit: int  # one SMS
    ucs2: bool


_GSM7 = _Encoding(SINGLE_SEPTETS, False)
_UCS2 = _Encoding(SINGLE_UCS2, True)
_ENCODING: ContextVar[_Encoding] = ContextVar("sms_encoding", default=_GSM7)
_ASTRAL = re.compile("[\U00010000-\U0010FFFF\uFE0F]")  # emoji: two UTF-16 units each, nothing to read


def encoding_for(lang: str) -> str:
    """"gsm7" or "ucs2": how this language's SMS are sent."""
    return "ucs2" if lang in UCS2_LANGUAGES else "gsm7"


def to_gsm7(text: str) -> str:
    """The text as it is sent: GSM-7, or for a UCS-2 language the text itself without emoji."""
    if _ENCODING.get().ucs2:
        return _ASTRAL.sub("", text)
    return _to_gsm7(text)


def septets(text: str) -> int:
    """What a sent text costs against `_limit()`: septets in GSM-7, UTF-16 units in UCS-2."""
    return len(text) if _ENCODING.get().ucs2 else gsm7_septets(text)


def render(replies: Sequence[Reply], lang: str) -> SmsBatch:
    token = _ENCODING.set(_UCS2 if lang in UCS2_LANGUAGES else _GSM7)
    try:
        return _render(replies, lang)
    finally:
        _ENCODING.reset(token)


def _render(replies: Sequence[Reply], lang: str) -> SmsBatch:
    t = translator(lang)
    # An emergency number must never wait behind "SUITE": it goes first, other replies keep their order.
    ordered = sorted(replies, key=lambda reply: reply.kind != "emergency")
    lines = _results_first(ordered, t)
    if lines is not None:
        return _pack(_clean(lines), t, RESULTS_PARTS)
    whole = _pack(_clean(_later_last([line for reply in ordered for line in _reply_lines(reply, t)])), t)
    asking = ordered[-1] if ordered and ordered[-1].expects != "none" else None
    if not whole.pending or asking is None:
        return whole
    # The question being asked never waits behind SUITE: it gets its own SMS, after what fits before it.
    question = _pack(_clean(_reply_lines(asking, t)), t)
    if len(question.messages) >= MAX_PARTS:
        return whole
    body_lines = _clean(_later_last([line for reply in ordered[:-1] for line in _reply_lines(reply, t)]))
    if len(question.messages) == 1 and not any(reply.kind == "emergency" for reply in ordered):
        # No emergency: one SMS with what fits, the question, and SUITE for the rest.
        asked = "\n".join(line.text for line in _clean(_reply_lines(asking, t)) if not line.optional)
        body = _pack(body_lines, t, 1, reserve=septets(asked) + 1)
        if body.messages and body.pending:
            head, _, more = body.messages[0].rpartition("\n")
            if head:
                return SmsBatch([head + "\n" + asked + "\n" + more], body.pending)
    body = _pack(body_lines, t, max(1, MAX_PARTS - len(question.messages)))
    if not body.messages or body.messages[0] == _more_line(t):
        return whole  # no room for anything before the question: the text first, the question by SUITE
    return SmsBatch(body.messages + question.messages, body.pending)


def _more_line(t: Translator) -> str:
    return to_gsm7(t.gettext("Envoyez {keyword} pour la suite.").format(keyword=MORE_KEYWORD))


def render_pending(pending: str, lang: str) -> SmsBatch:
    """The next SMS when the person asks for the rest of a long answer."""
    token = _ENCODING.set(_UCS2 if lang in UCS2_LANGUAGES else _GSM7)
    try:
        return _pack([_Line(line) for line in pending.split(_PENDING_SEPARATOR) if line.strip()], translator(lang))
    finally:
        _ENCODING.reset(token)


# -- lines ---------------------------------------------------------------------------------------------


def _limit() -> int:
    return _ENCODING.get().limit


def _later_last(lines: list[_Line]) -> list[_Line]:
    return [line for line in lines if not line.later] + [line for line in lines if line.later]


def _reply_lines(reply: Reply, t: Translator) -> list[_Line]:
    where = reply.place or reply.door
    if where is not None:
        lines = [_Line(_place_line(where, t))]
        lines += [_Line(text) for text in _place_extra(where, t)]
        if reply.emergency is not None:
            lines.append(_Line(_numbers_line(reply.emergency.numbers, t)))
        return lines
    if reply.emergency is not None and reply.emergency.title:
        # The numbers to call first, right under the title; what to know after them.
        item = reply.emergency
        return [_Line(item.title)] + [_Line(call) for call in item.calls] + \
            [_Line(line, later=True) for line in item.text.split("\n") if line.strip()]
    if reply.aids and reply.kind == "results":
        return [_Line(line) for line in reply.text.split("\n", 1)[:1]] + \
            [_Line("- " + item.line) for item in reply.aids] + \
            [_Line(line) for line in reply.text.split("\n")[1 + len(reply.aids):]]
    if reply.aids:  # one aid in full (the detail): its line is enough by SMS; the rest waits at the accueil
        return [_Line(reply.aids[0].line)]
    if reply.kind == "reprompt" and reply.question is not None:
        return [_Line(reply.question.prompt)]  # the list is on the phone already: never sent again
    example: list[_Line] = []
    if reply.question is not None:
        lines = [_Line(line) for line in reply.question.prompt.split("\n")]
        # The example last, kept only when it fits in the SMS already being paid for.
        example = [_Line(line, optional=True) for line in reply.question.example.split("\n") if line]
    elif "help" in reply.data:
        # Information shown for the need (where to eat today): its title, then the places to go;
        # its long text after them, where SUITE reaches it when there is no room.
        title, _, rest = reply.text.strip().partition("\n")
        lines = [_Line(title)] + [_Line(line, later=True) for line in rest.split("\n") if line.strip()]
    else:
        text = str(reply.data.get("brief") or reply.text).strip()
        lines = [_Line(line) for line in text.split("\n") if line.strip()]
    if numbers_shown(reply) and reply.kind != "reprompt":
        # One choice per line: "2 25 ans ou plus" on one line with other choices would be ambiguous.
        lines += [_Line(f"{number} {choice.label.strip()}") for number, choice in numbered(reply.choices)]
    return lines + example


def _results_first(replies: list[Reply], t: Translator) -> list[_Line] | None:
    """A results turn: the accueil (address, phone) and the top aid in the first SMS, then the rest."""
    place = next((r for r in replies if r.place is not None or r.door is not None), None)
    found = next((r for r in replies if r.kind == "results" and r.aids), None)
    if place is None or found is None:
        return None
    card = place.place or place.door
    assert card is not None
    before = [line for r in replies[:replies.index(place)] for line in _reply_lines(r, t)]
    where = to_gsm7(_place_line(card, t))
    top = found.aids[0]
    first = [_Line(where), _Line(_top_aid(top.line, top.official, _limit() - septets(where) - 1, t))]
    extra = _place_extra(card, t)
    hours = [_Line(card.hours)] if card.hours else []
    rest = [_Line(text) for text in extra if text != card.hours]
    if place.emergency is not None:
        rest.insert(0, _Line(_numbers_line(place.emergency.numbers, t)))
    others = found.aids[1:]
    rest += [_Line("- " + item.line) for item in others]
    rest += [_Line(line) for line in found.text.split("\n")[1 + len(found.aids):]] + hours
    after = [line for r in replies if r is not place and r is not found and replies.index(r) > replies.index(place)
             for line in _reply_lines(r, t)]
    return before + first + rest + after


def _place_line(place: PlaceCard | DoorItem, t: Translator) -> str:
    where = ", ".join(part for part in (_short_name(place.name), place.address) if part)
    if place.phone:
        return t.gettext("Allez à : {place}. Tél. {phone}").format(place=where, phone=place.phone)
    return t.gettext("Allez à : {place}.").format(place=where)


def _short_name(name: str) -> str:
    """"CCAS de Nantes (Centre communal d'action sociale)" -> "CCAS de Nantes": the SMS pays for each letter."""
    if name.endswith(")") and " (" in name:
        return name[:name.rindex(" (")]
    return name


def _top_aid(line: str, official: str, budget: int, t: Translator) -> str:
    """The top aid in the room left by the accueil: its whole line, else its official name."""
    for text in (line, official):
        labelled = to_gsm7(t.gettext("1re aide : {aid}").format(aid=text))
        if septets(labelled) <= budget:
            return labelled
    return to_gsm7(t.gettext("1re aide : {aid}").format(aid=official))


def _place_extra(place: PlaceCard | DoorItem, t: Translator) -> list[str]:
    lines = [place.open_now] if place.open_now else []
    if place.hours:
        lines.append(place.hours)
    if not place.verified:
        lines.append(t.gettext("Adresse ou horaires à confirmer par téléphone."))
    # "Horaires à confirmer" once, not twice in a row.
    return list(dict.fromkeys(lines))


def _numbers_line(numbers: tuple[str, ...], t: Translator) -> str:
    return t.gettext("En cas d'urgence, appelez le {numbers}.").format(numbers=t.join(list(numbers)))


_SPACES = re.compile(r"[ ]{2,}")


def _clean(lines: list[_Line]) -> list[_Line]:
    # Removed emoji and marks leave double spaces; every septet counts.
    out = []
    for line in lines:
        text = _SPACES.sub(" ", to_gsm7(line.text)).strip()
        if text:
            out.append(_Line(text, line.optional, line.later))
    return out


# -- packing -------------------------------------------------------------------------------------------


def _pack(lines: list[_Line], t: Translator, parts: int = MAX_PARTS, reserve: int = 0) -> SmsBatch:
    """Lines into SMS of one segment each, in order, never splitting a line that fits in one SMS;
    an optional line is kept only if it fits in the SMS being filled."""
    more = _more_line(t)
    pieces: list[_Line] = []
    for line in lines:
        if line.optional and septets(line.text) > _limit():
            continue  # an example longer than an SMS would cost one SMS more on its own
        pieces += [_Line(piece, line.optional) for piece in _words(line.text)]
    sizes = [septets(piece.text) for piece in pieces]  # each counted once: this runs on every turn
    more_size = septets(more) + 1
    messages: list[str] = []
    current, size = "", 0
    index = 0
    while index < len(pieces):
        piece = pieces[index]
        candidate_size = sizes[index] if not current else size + 1 + sizes[index]
        last = len(messages) == parts - 1
        room = _limit() - (more_size + reserve if last else 0)
        if candidate_size <= room:
            current = piece.text if not current else current + "\n" + piece.text
            size = candidate_size
            index += 1
            continue
        if piece.optional:
            index += 1
            continue
        if last:
            remaining = [p.text for p in pieces[index:] if not p.optional]
            if current:
                rest_fits = size + sum(1 + sizes[i] for i in range(index, len(pieces))
                                       if not pieces[i].optional) <= _limit()
                if rest_fits:
                    messages.append(current + "\n" + "\n".join(remaining))
                    return SmsBatch(messages)
                messages.append(current + "\n" + more)
            elif messages and septets(messages[-1] + "\n" + more) <= _limit():
                messages[-1] += "\n" + more  # never an SMS that only says "send SUITE"
            elif messages and "\n" in messages[-1] and \
                    septets(messages[-1].rpartition("\n")[0] + "\n" + more) <= _limit():
                # The previous SMS gives its last line back to SUITE to make room for the word.
                kept, _, moved = messages[-1].rpartition("\n")
                messages[-1] = kept + "\n" + more
                remaining.insert(0, moved)
            else:
                messages.append(more)
            return SmsBatch(messages, _PENDING_SEPARATOR.join(remaining))
        if current:
            messages.append(current)
            current, size = "", 0
        else:  # unreachable: _words makes every piece fit in one SMS
            messages.append(piece.text)
            index += 1
    if current:
        messages.append(current)
    return SmsBatch(messages)


def _words(text: str) -> list[str]:
    """A line as pieces that each fit in one SMS: itself, or cut between words when it is longer."""
    if septets(text) <= _limit():
        return [text]
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = word if not current else current + " " + word
        if septets(candidate) <= _limit():
            current = candidate
            continue
        if current:
            pieces.append(current)
        while septets(word) > _limit():  # one word longer than an SMS (a long link)
            pieces.append(word[:(_limit() // 2)])
            word = word[(_limit() // 2):]
        current = word
    if current:
        pieces.append(current)
    return pieces
