"""Translations of the catalogue are keyed by (id, field): fixing a French text marks that one
translation stale in each language, listed for the translators, and the person then reads the
current French rather than a translation of what the text used to say."""

from __future__ import annotations

import gettext
import shutil
import warnings
from pathlib import Path

import pytest

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE
from bot.i18n.catalogs import knowledge_catalog, stale_translations
from bot.i18n.compile import compile_catalogues

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
OLD = "Quel âge avez-vous ?"
NEW = "Quel est votre âge ?"


@pytest.fixture
def copy(tmp_path):
    """knowledge/ and locales/ copied, so that the French can be edited without touching the real files."""
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    shutil.copytree(LOCALES_DIR, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path


def knowledge_mo(locales: Path, lang: str) -> gettext.GNUTranslations:
    compile_catalogues(locales)
    with (locales / lang / "LC_MESSAGES" / "knowledge.mo").open("rb") as handle:
        return gettext.GNUTranslations(handle)


def test_each_text_has_a_key_naming_its_entry_and_field():
    keys = {message.context for message in knowledge_catalog(ROOT / "knowledge") if message.id}
    assert {"question.age.prompt", "aid.rsa.summary", "aid.rsa.name", "need.food.label"} <= keys


def test_a_changed_french_text_is_stale_in_every_language_and_only_that_one(copy):
    questions = copy / "knowledge" / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace(OLD, NEW, 1), encoding="utf-8")
    stale = stale_translations(copy / "knowledge", copy / "locales")
    assert sorted(s.lang for s in stale) == sorted(TRANSLATED)
    assert {(s.key, s.translated_from, s.french) for s in stale} == {("question.age.prompt", OLD, NEW)}
    assert "question.age.prompt" in str(stale[0]) and "stale" in str(stale[0])


def test_a_stale_translation_is_not_shown_for_the_new_text_and_the_others_stay(copy):
    questions = copy / "knowledge" / "questions.yaml"
    questions.write_text(questions.read_text(encoding="utf-8").replace(OLD, NEW, 1), encoding="utf-8")
    english = knowledge_mo(copy / "locales", "en")
    assert english.gettext(NEW) == NEW  # the current French, not "How old are you?"
    assert english.gettext("Vivez-vous en couple ?") == "Do you live as a couple?"


def test_the_real_catalogue_lists_its_stale_translations_and_never_shows_them():
    stale = stale_translations()
    if stale:
        warnings.warn("stale catalogue translations (retranslate them):\n" + "\n".join(map(str, stale)),
                      stacklevel=1)
    for item in stale:
        shown = knowledge_mo(LOCALES_DIR, item.lang).gettext(item.french)
        # The French of today, or a translation made for exactly that text (it also appears elsewhere).
        assert shown == item.french or shown != knowledge_mo(LOCALES_DIR, item.lang).gettext(item.translated_from)
