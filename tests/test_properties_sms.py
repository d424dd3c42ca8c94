"""Properties of the SMS encoder (bot.channels.sms.gsm7 and render) over any text (Hypothesis).

* to_gsm7: the output is always GSM-7, whatever the input (every plane, lone surrogates included), and
  converting twice changes nothing;
* split_sms: never more parts than asked, each part GSM-7 and one segment (160 septets), the "more"
  notice on the last part exactly when something is left, and no character lost: what was sent plus
  what is kept for SUITE is the whole text;
* render / render_pending (what one turn sends): at most MAX_PARTS SMS of one segment each, for any
  replies (any text, any choices, any language), emergencies first.
"""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.sms.gsm7 import SINGLE_SEPTETS, is_gsm7, segments, septets, to_gsm7
from bot.channels.sms.render import MAX_PARTS, MORE_KEYWORD, encoding_for, render, render_pending
from bot.channels.sms.split import split_sms
from bot.dialog.messages import Choice, PlaceCard, Reply
from bot.i18n import LANGUAGES

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

any_char = st.integers(0, 0x10FFFF).map(chr)  # every code point, surrogates included
french = st.sampled_from(list("abcdefghijklmnopqrstuvwxyz éèêàçùôîœ’«»…–€0123456789.,;:!?'\"()\n-"))
texts = st.one_of(st.text(any_char, max_size=400), st.text(french, max_size=1200),
                  st.lists(st.sampled_from(["Bonjour", "aide", "\n\n", "\n", " ", "€", "{", "[", "~", "^",
                                            "https://www.example.org/a/very/long/link/" * 5, "é", "😀", "٣٥",
                                            "Une phrase complète.", "1 200 €"]), max_size=120).map("".join))
LABEL = re.compile(r"^\(\d+/\d+\) ")


def _letters(text: str) -> str:
    return re.sub(r"\s+", "", text)


@FAST
@given(st.text(any_char, max_size=300))
def test_to_gsm7_always_gives_gsm7_and_is_idempotent(text):
    converted = to_gsm7(text)
    assert is_gsm7(converted)
    assert to_gsm7(converted) == converted
    septets(converted)  # never raises on its output


@FAST
@given(texts, st.integers(1, 5), st.sampled_from(["", "Envoyez SUITE pour la suite.", "SUITE", "€€€ {suite}"]))
def test_split_sms_keeps_its_promises(text, max_parts, more):
    parts, remainder = split_sms(text, max_parts, more)
    assert len(parts) <= max_parts
    for part in parts:
        assert is_gsm7(part) and part.strip()
        assert septets(part) <= SINGLE_SEPTETS and segments(part) == 1, part
    assert is_gsm7(remainder)
    expected = to_gsm7(text).strip()
    if not expected:
        assert parts == [] and remainder == ""
        return
    tail = "\n" + to_gsm7(more).strip() if more.strip() else ""
    sent = [LABEL.sub("", part) for part in parts]
    if remainder:
        assert parts, "something kept but nothing sent"
        if tail:
            assert sent[-1].endswith(tail), (sent[-1], tail)
            sent[-1] = sent[-1][: -len(tail)]
    # Nothing lost or invented: every non-space character, in order.
    assert _letters("".join(sent) + remainder) == _letters(expected)


@FAST
@given(texts)
def test_a_text_that_fits_is_one_sms_unchanged(text):
    converted = to_gsm7(text).strip()
    parts, remainder = split_sms(text, MAX_PARTS)
    if converted and septets(converted) <= SINGLE_SEPTETS:
        assert parts == [converted] and remainder == ""


short = st.text(any_char, max_size=80)
choices = st.lists(st.builds(Choice, st.text(any_char, min_size=1, max_size=12), short), max_size=12)
places = st.builds(PlaceCard, id=st.just("p"), name=short, address=short, lat=st.just(47.2), lon=st.just(-1.55),
                   phone=short, hours=short, open_now=short)
replies = st.lists(st.builds(
    Reply,
    kind=st.sampled_from(["notice", "question", "info", "reprompt", "emergency", "results", "aid", "place"]),
    text=st.one_of(texts, short),
    choices=choices.map(tuple),
    expects=st.sampled_from(["choice", "integer", "money", "boolean", "ages", "location", "text", "none"]),
    place=st.one_of(st.none(), places),
    data=st.one_of(st.just({}), short.map(lambda brief: {"brief": brief})),
), max_size=14)


@SOME
@given(replies, st.sampled_from(sorted(LANGUAGES)))
def test_one_turn_is_at_most_three_single_segment_sms(turn_replies, lang):
    batch = render(turn_replies, lang)
    assert len(batch.messages) <= MAX_PARTS
    for message in batch.messages:
        # GSM-7 is the rule; UCS-2 only where the language's script needs it (issue 16).
        if encoding_for(lang) == "gsm7":
            assert is_gsm7(message) and septets(message) <= SINGLE_SEPTETS, message
        assert segments(message) == 1, message
    assert encoding_for(lang) == "ucs2" or is_gsm7(batch.pending)
    if batch.pending:
        # SUITE is announced; the question being asked may come after it (issue 16: it never waits).
        assert any(MORE_KEYWORD in message for message in batch.messages)
        follow = render_pending(batch.pending, lang)
        assert 1 <= len(follow.messages) <= MAX_PARTS
        assert all(segments(m) == 1 for m in follow.messages)
        assert len(follow.pending) < len(batch.pending)  # SUITE always makes progress


@SOME
@given(replies, st.text(french, min_size=1, max_size=100))
def test_an_emergency_never_waits_behind_suite(turn_replies, emergency_text):
    others = [reply for reply in turn_replies if reply.kind != "emergency"]
    batch = render([*others, Reply("emergency", "115 " + emergency_text)], "fr")
    assert LABEL.sub("", batch.messages[0]).startswith("115")
