"""Every language Aiguillage speaks is complete: no untranslated or fuzzy entry, the same
placeholders as the French source, compiled catalogues actually used, and free-text words."""

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE, translator
from bot.i18n.catalogs import code_catalog, knowledge_catalog

TRANSLATED = [lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE]
DOMAINS = ("messages", "knowledge")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def load(lang: str, domain: str):
    path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    assert path.exists(), f"{path} is missing"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.fixture(scope="module")
def sources():
    return {"messages": code_catalog(), "knowledge": knowledge_catalog()}


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_source_string_is_translated_without_fuzzy(lang, domain, sources):
    catalog = load(lang, domain)
    # The catalogue's texts are keyed by (id, field): a French text changed since its translation is
    # "stale" (listed by tests/test_catalogue_translations.py and `aiguillage check`), not missing.
    keyed = {m.context: m for m in catalog if m.context}
    problems = []
    for source in sources[domain]:
        if not source.id:
            continue
        message = keyed.get(source.context) if source.context else catalog.get(source.id)
        if message is None:
            problems.append(f"missing: {source.id!r}")
            continue
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {source.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {source.id!r}")
    assert not problems, f"{lang}/{domain}: {len(problems)} problems, e.g. {problems[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_are_the_same_as_in_french(lang, domain):
    problems = []
    for message in load(lang, domain):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        expected = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            found = set(PLACEHOLDER.findall(text))
            # A plural form may leave out {n} (Arabic "one", "two"), but never invent a placeholder.
            if not found <= expected or (len(strings) == 1 and found != expected):
                problems.append((message.id, text))
    assert not problems, f"{lang}/{domain}: {problems[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalogue_is_really_used(lang):
    t = translator(lang)
    assert (LOCALES_DIR / lang / "LC_MESSAGES" / "messages.mo").exists()
    assert (LOCALES_DIR / lang / "LC_MESSAGES" / "knowledge.mo").exists()
    assert t.gettext("Oui") != "Oui"
    assert t.k("Quel âge avez-vous ?") != "Quel âge avez-vous ?"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_people_can_type_the_common_words_in_their_language(lang, catalogue):
    path = Path(__file__).parent.parent / "knowledge" / "lexicon" / f"{lang}.yaml"
    assert path.exists(), f"{path} is missing"
    intents = catalogue.lexicon[lang]
    for intent in ("yes", "no", "dont_know", "back", "restart", "help", "results", "erase", "language"):
        assert intents.get(intent), f"{lang}: no words for {intent}"
    for emergency in catalogue.emergencies:
        assert emergency.triggers.get(lang), f"{lang}: no phrase for the emergency {emergency.id}"
