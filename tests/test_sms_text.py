"""SMS text: what a person on a feature phone receives is GSM-7, one segment per SMS, three SMS at most."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.sms.gsm7 import (
    BASIC,
    BASIC_TABLE,
    EXTENSION,
    is_gsm7,
    segments,
    septets,
    to_gsm7,
)
from bot.channels.sms.render import MAX_PARTS, MORE_KEYWORD, SmsBatch, render, render_pending
from bot.channels.sms.split import SmsSplit, split_sms
from bot.dialog.messages import Choice, PlaceCard, Reply

LABEL = re.compile(r"^\((\d+)/(\d+)\) ")
MORE = "Envoyez SUITE pour la suite."


def one_sms(text: str) -> bool:
    return is_gsm7(text) and septets(text) <= 160


def words_of(split: SmsSplit, more: str = MORE) -> list[str]:
    """The words the person can read, without part numbers and the "suite" hint."""
    words: list[str] = []
    for part in split.parts:
        part = LABEL.sub("", part)
        if more and part.endswith("\n" + more):
            part = part[: -len(more) - 1]
        words += part.split()
    return words + split.remainder.split()


# --- The alphabet -------------------------------------------------------------------------------


def test_the_basic_table_is_the_128_codes_of_gsm_03_38():
    assert len(BASIC_TABLE) == 128
    assert BASIC_TABLE[0x09] == "Ç" and BASIC_TABLE[0x1B] == "\x1b"
    assert len(BASIC) == 127
    assert "€" in EXTENSION and "€" not in BASIC


# --- to_gsm7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("l’accueil", "l'accueil"),
        ("prêt", "pret"),
        ("aide financière à côté", "aide financière à coté"),
        ("Ça reçoit", "Ça recoit"),  # capital Ç is GSM-7, lower-case ç is not
        ("œuvre Œuvre", "oeuvre OEuvre"),
        ("À Être Île Ôter Ûbu Ëlle Ïle OÙ", "A Etre Ile Oter Ubu Elle Ile OU"),
        ("« Oui » “non” ‘peut-être’", '"Oui" "non" \'peut-etre\''),
        ("Attendez… 9 h – 12 h — fermé", "Attendez... 9 h - 12 h - fermé"),
        ("é è ù ì ò à É Ç Ä Ö Ñ Ü ä ö ñ ü Å å Æ æ Ø ø ß €", "é è ù ì ò à É Ç Ä Ö Ñ Ü ä ö ñ ü Å å Æ æ Ø ø ß €"),
        ("n° 3, 1ᵉʳ étage, ½ tarif", "no 3, 1er étage, 1/2 tarif"),
        ("salarié·e", "salarié.e"),
    ],
)
def test_french_text_becomes_gsm7_keeping_the_accents_gsm7_has(text, expected):
    assert to_gsm7(text) == expected
    assert is_gsm7(expected)


def test_a_babel_formatted_amount_stays_readable_in_gsm7():
    amount = format_currency(1234.5, "EUR", locale="fr_FR")
    assert amount == "1\u202f234,50\xa0€"  # Babel's narrow and ordinary no-break spaces
    assert to_gsm7(amount) == "1 234,50 €"
    assert to_gsm7(format_currency(1234.5, "EUR", locale="ar")) == "1,234.50 €"  # U+200F dropped


def test_invisible_characters_are_removed_and_line_breaks_kept():
    assert to_gsm7("a\u200bb\u200ec\u200fd\ufeffe\u00adf") == "abcdef"
    assert to_gsm7("un\r\ndeux\rtrois\u2028quatre\x0cfin") == "un\ndeux\ntrois\nquatre\nfin"
    assert to_gsm7("Lundi\t9 h\x07") == "Lundi 9 h"
    assert to_gsm7("e\u0301te\u0301") == "été"  # decomposed accents recompose into GSM-7 é


def test_other_scripts_and_emoji_never_produce_ucs2():
    arabic = to_gsm7("مرحبا، كيف حالك؟ ٠٦١٢٣٤٥٦٧٨")
    assert is_gsm7(arabic)
    assert arabic.endswith("? 0612345678")  # digits stay digits: phone numbers must survive
    assert to_gsm7("Привіт, Київ") == "Pryvit, Kyyiv"
    assert to_gsm7("Bonjour 👋🏽 ! 🇫🇷") == "Bonjour  ! "  # pictographs carry no content
    assert to_gsm7("Appelez le 1️⃣1️⃣5️⃣") == "Appelez le 115"  # keycaps keep their digit
    assert to_gsm7("中文") == "??"  # unknown letters are shown as such, words do not merge
    for text in ("مرحبا", "Привіт", "中文", "שלום"):
        assert segments(text) == 1 and not is_gsm7(text)
        assert segments(to_gsm7(text)) == 1 and is_gsm7(to_gsm7(text))


@given(st.text())
def test_to_gsm7_always_yields_gsm7_and_is_idempotent(text):
    converted = to_gsm7(text)
    assert is_gsm7(converted)
    assert to_gsm7(converted) == converted


# --- Counting -----------------------------------------------------------------------------------


def test_segment_boundaries_in_gsm7():
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * 153 * 2) == 2
    assert segments("a" * (153 * 2 + 1)) == 3
    assert segments("") == 0


def test_a_euro_sign_costs_two_septets():
    assert septets("€") == 2
    assert septets("a" * 158 + "€") == 160
    assert segments("a" * 158 + "€") == 1
    assert segments("a" * 159 + "€") == 2
    # The escape pair is never split across segments.
    assert segments("a" * 152 + "€" + "a" * 152) == 3


def test_one_character_outside_gsm7_makes_the_whole_message_ucs2():
    assert not is_gsm7("prêt")
    assert segments("ê" * 70) == 1
    assert segments("ê" * 71) == 2
    assert segments("a" * 69 + "’") == 1
    assert segments("a" * 70 + "’") == 2
    assert segments("ê" * 67 * 2) == 2
    assert segments("😀" * 35) == 1  # two UTF-16 units each


def test_septets_refuse_text_that_is_not_gsm7():
    with pytest.raises(ValueError):
        septets("prêt")


# --- Splitting ----------------------------------------------------------------------------------


def sentence(number: int) -> str:
    return f"Phrase numéro {number} avec quelques mots utiles pour le dossier."


def test_a_text_of_160_septets_is_one_unnumbered_sms():
    assert split_sms("a" * 160) == SmsSplit(["a" * 160], "")


def test_a_longer_text_is_numbered_and_each_part_is_one_sms():
    text = " ".join(sentence(n) for n in range(1, 5))
    parts, remainder = split_sms(text)
    assert remainder == ""
    labels = [LABEL.match(part).groups() for part in parts]
    assert labels == [(str(n), str(len(parts))) for n in range(1, len(parts) + 1)]
    assert all(one_sms(part) for part in parts)
    assert len(parts) <= 3


def test_split_prefers_sentence_ends_and_never_cuts_a_word():
    text = " ".join(sentence(n) for n in range(1, 5))
    parts, _ = split_sms(text)
    assert all(LABEL.sub("", part).endswith(".") for part in parts)


def test_a_french_question_mark_is_not_sent_alone():
    text = "mot " * 37 + "vraiment ?" + " suite" * 10
    parts, _ = split_sms(text)
    assert not any(LABEL.sub("", part).startswith("?") for part in parts)


def test_text_beyond_max_parts_is_kept_with_the_more_hint_in_the_last_part():
    text = " ".join(sentence(n) for n in range(1, 20))
    split = split_sms(text, max_parts=3, more=MORE)
    assert len(split.parts) == 3
    assert all(one_sms(part) for part in split.parts)
    assert split.parts[-1].startswith("(3/3) ") and split.parts[-1].endswith("\n" + MORE)
    assert split.remainder
    assert words_of(split) == to_gsm7(text).split()
    # Asking for the rest goes on from where it stopped.
    assert split_sms(split.remainder, 3, more=MORE).parts[0].startswith("(1/3) Phrase")


def test_a_word_longer_than_an_sms_is_cut_since_nothing_else_can_be_done():
    link = "https://example.org/" + "x" * 300
    parts, remainder = split_sms(link, max_parts=3)
    assert remainder == "" and len(parts) == 3
    assert "".join(LABEL.sub("", part) for part in parts) == link


def test_a_single_part_budget_has_no_number():
    split = split_sms("mot " * 100, max_parts=1, more=MORE)
    assert len(split.parts) == 1 and not LABEL.match(split.parts[0])
    assert one_sms(split.parts[0]) and split.parts[0].endswith(MORE)


def test_empty_text_sends_nothing():
    assert split_sms("  \n ") == SmsSplit([], "")


short_words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Zs", "Cc"]), min_size=1, max_size=25)
french_bits = st.sampled_from(["\n", "\n\n", ".", " ?", "€", "1 234,50 €", "prêt", "l’aide"])
any_text = st.one_of(
    st.text(max_size=1200),
    st.lists(st.one_of(short_words, french_bits), max_size=200).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(any_text, st.integers(min_value=1, max_value=5), st.sampled_from(["", MORE]))
def test_split_sms_properties(text, max_parts, more):
    split = split_sms(text, max_parts=max_parts, more=more)
    assert len(split.parts) <= max_parts
    for part in split.parts:
        assert part and is_gsm7(part)
        assert segments(part) == 1 and septets(part) <= 160
    assert is_gsm7(split.remainder)
    if split.remainder:
        assert len(split.parts) == max_parts
    # No character is lost; no word is cut unless it alone is longer than an SMS.
    expected = to_gsm7(text).split()
    got = words_of(split, more)
    assert "".join(got) == "".join(expected)
    if all(septets(word) <= 140 for word in expected):
        assert got == expected


# --- Rendering the engine's replies -------------------------------------------------------------


def test_a_question_with_numbered_choices_fits_one_sms():
    question = Reply(
        "question",
        "Avez-vous un logement en ce moment ?",
        choices=(Choice("yes", "Oui"), Choice("no", "Non"), Choice("skip", "Je ne sais pas")),
        expects="choice",
    )
    batch = render([question], "fr")
    assert batch == SmsBatch(["Avez-vous un logement en ce moment ?\n1 Oui\n2 Non\n0 Je ne sais pas"], "")


def test_the_skip_choice_is_numbered_0_wherever_it_is():
    choices = (Choice("skip", "Passer"), Choice("a", "Moins de 25 ans"), Choice("b", "25 ans ou plus"))
    question = Reply("question", "Votre âge ?", choices=choices)
    (text,) = render([question], "fr").messages
    assert text.splitlines()[1:] == ["0 Passer", "1 Moins de 25 ans", "2 25 ans ou plus"]


def test_a_place_is_where_to_go_with_its_phone_then_its_hours_in_gsm7():
    place = PlaceCard(
        id="sp",
        name="Secours populaire – Nantes",
        address="3 rue de l’Hôtel, 44000 Nantes",
        lat=47.2,
        lon=-1.55,
        phone="02\u00a040\u00a012\u00a034\u00a056",
        hours="Lundi–vendredi 9 h–12 h",
        open_now="Ouvert maintenant, jusqu’à 12 h",
    )
    (text,) = render([Reply("place", "", place=place)], "fr").messages
    # Issue 16: what to do now on the first line (where, and the phone), then when.
    assert text == (
        "Allez à : Secours populaire - Nantes, 3 rue de l'Hotel, 44000 Nantes. Tél. 02 40 12 34 56\n"
        "Ouvert maintenant, jusqu'à 12 h\nLundi-vendredi 9 h-12 h"
    )
    assert one_sms(text)


def test_short_replies_share_one_sms():
    batch = render([Reply("info", "C’est noté."), Reply("question", "Quel âge avez-vous ?", expects="integer")], "fr")
    assert batch.messages == ["C'est noté.\nQuel age avez-vous ?"]


def test_a_long_answer_is_at_most_three_sms_of_whole_lines_and_the_rest_waits_for_suite():
    replies = [Reply("aid", f"Aide {n} : " + sentence(n) + " " + sentence(n + 1)) for n in range(8)]
    batch = render(replies, "fr")
    assert len(batch.messages) == MAX_PARTS
    assert all(one_sms(message) for message in batch.messages)
    assert MORE_KEYWORD in batch.messages[-1]
    assert batch.pending
    following = render_pending(batch.pending, "fr")
    assert following.messages[0].startswith("Aide ")  # a reply's first line, not the end of a cut one
    assert all(one_sms(message) for message in following.messages)


def test_replies_are_kept_whole_when_they_fit_one_sms():
    replies = [Reply("aid", f"Aide numéro {n} : " + "x " * 50 + "fin.") for n in range(3)]
    batch = render(replies, "fr")
    assert [LABEL.sub("", message) for message in batch.messages] == [to_gsm7(reply.text) for reply in replies]


def test_an_emergency_never_waits_for_suite():
    replies = [Reply("aid", sentence(n) * 3) for n in range(6)] + [Reply("emergency", "Danger : appelez le 115.")]
    batch = render(replies, "fr")
    assert "115" in batch.messages[0]


def test_arabic_replies_and_emoji_are_sent_as_gsm7():
    batch = render([Reply("question", "هل لديك سكن؟ 🏠", choices=(Choice("yes", "نعم"), Choice("no", "لا")))], "fr")
    assert all(one_sms(message) for message in batch.messages)
    assert batch.messages[0].splitlines()[1:] == ["1 n'm", "2 la"]


reply_texts = st.text(max_size=400)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(Reply, st.just("info"), reply_texts), max_size=6))
def test_render_always_sends_at_most_three_gsm7_sms(replies):
    batch = render(replies, "fr")
    assert len(batch.messages) <= MAX_PARTS
    assert all(one_sms(message) for message in batch.messages)
    assert is_gsm7(batch.pending)
