"""Keep the translation catalogues in step with the code and the catalogue.

    aiguillage i18n extract   # locales/messages.pot (code) and locales/knowledge.pot (knowledge/)
    aiguillage i18n update    # merge both into locales/<lang>/LC_MESSAGES/*.po (created when missing)
    aiguillage i18n compile   # .po -> .mo (also done at start-up when a .mo is missing or older)

Proper names (institutions, addresses, place names) are not extracted: they stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import LANGUAGES, LOCALES_DIR, SOURCE_LANGUAGE

ROOT = LOCALES_DIR.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def code_catalog() -> Catalog:
    catalog = Catalog(project="aiguillage", domain="messages")
    sources = (
        ([("bot/**.py", "python")], KEYWORDS),
        # In the desk's templates, _() is the counsellor's French interface; say() is what the resident
        # reads in their own language (the printed summary): only say() is translated.
        ([("bot/**/templates/**.html", "jinja2.ext:babel_extract")], {"say": (2,)}),
    )
    for method_map, keywords in sources:
        for filename, lineno, message, comments, context in extract_from_dir(ROOT, method_map=method_map,
                                                                              keywords=keywords):
            catalog.add(message, locations=[(filename, lineno)], auto_comments=comments, context=context,
                        flags=("python-brace-format",) if "{" in (message if isinstance(message, str) else message[0])
                        else ())
    return catalog


def _strings(data: Any, fields: tuple[str, ...]) -> Iterator[tuple[str, str, str]]:
    """(text, entry id, trail) for every text at one of the field paths ("apply.how", "documents")."""
    def walk(node: Any, trail: str, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{trail}.{key}" if trail else str(key), f"{path}.{key}" if path else str(key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{trail}[{index}]", path)
        elif isinstance(node, str) and node.strip() and path in fields:
            yield node.strip(), trail

    items = data if isinstance(data, list) else [data]
    for item in items:
        entry = str(item.get("id", "")) if isinstance(item, dict) else ""
        for text, trail in walk(item, "", ""):
            yield text, entry, trail


KNOWLEDGE_FIELDS = {
    "aids": ("name", "plain_name", "summary", "conditions_text", "documents", "apply.how", "amount.note",
             "amount.text"),
    "places": ("hours_text",),
    "questions.yaml": ("prompt", "example", "choices.label"),
    "needs.yaml": ("label",),
    "emergencies.yaml": ("title", "text", "numbers.label"),
    "profile.yaml": ("label",),
}
# The first word of a translation's key (msgctxt "aid.rsa.summary"), by source.
KNOWLEDGE_KINDS = {"aids": "aid", "places": "place", "questions.yaml": "question", "needs.yaml": "need",
                   "emergencies.yaml": "emergency", "profile.yaml": "profile"}


def knowledge_sources(knowledge: Path) -> list[tuple[Path, str]]:
    sources = [(knowledge / name, name) for name in ("questions.yaml", "needs.yaml", "emergencies.yaml", "profile.yaml")]
    sources += [(p, "aids") for p in sorted((knowledge / "aids").glob("*.yaml"))]
    sources += [(p, "places") for p in sorted((knowledge / "places").glob("*.yaml"))]
    return sources


def knowledge_catalog(knowledge: Path = ROOT / "knowledge") -> Catalog:
    """Every translatable text of knowledge/, keyed by (id, field): msgctxt "aid.rsa.summary", msgid the French.

    Keyed so, a fixed French typo leaves the other translations in place and marks one entry stale
    (see `stale_translations`), where keying by the French text alone broke it in every language.
    """
    catalog = Catalog(project="aiguillage", domain="knowledge")
    for path, source in knowledge_sources(knowledge):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "profile.yaml":  # a mapping of keys: each key is one entry
            data = [{"id": key, **spec} for key, spec in data.items() if isinstance(spec, dict)]
        rel = path.relative_to(knowledge.parent).as_posix()
        for text, entry, trail in _strings(data, KNOWLEDGE_FIELDS[source]):
            key = f"{KNOWLEDGE_KINDS[source]}.{entry or path.stem}.{trail}"
            catalog.add(text, locations=[(rel, 0)], context=key)
    territory = knowledge / "territory.yaml"
    communes = (yaml.safe_load(territory.read_text(encoding="utf-8")) or {}).get("communes") or {}
    for insee, door in communes.items():
        for field in ("hours", "note"):
            if isinstance(door, dict) and isinstance(door.get(field), str) and door[field].strip():
                catalog.add(door[field].strip(), locations=[("knowledge/territory.yaml", 0)],
                            context=f"commune.{insee}.{field}")
    return catalog


@dataclass(frozen=True)
class Stale:
    """A translation made for an older French text: it is not shown (the French is) until retranslated."""

    lang: str
    key: str  # msgctxt, e.g. "aid.rsa.summary"
    translated_from: str  # the French text the translation was made from
    french: str  # the French text today

    def __str__(self) -> str:
        return (f"locales/{self.lang}/LC_MESSAGES/knowledge.po [{self.key}]: the French text changed, "
                f"the translation is stale: now {self.french!r}, was {self.translated_from!r}")


def _merge_knowledge(template: Catalog, catalog: Catalog) -> Catalog:
    """The language's catalogue in the template's order, keeping each translation under its key.

    A key whose French changed keeps its old entry (old French, old translation): reported stale and
    never shown for the new text. An entry of the older format (no key) gives its translation to every
    key with the same French text.
    """
    by_key = {m.context: m for m in catalog if m.id and m.context}
    legacy = {m.id: m.string for m in catalog if m.id and not m.context and m.string}
    merged = Catalog(locale=catalog.locale, domain=catalog.domain, project=catalog.project)
    merged.mime_headers = catalog.mime_headers
    merged.fuzzy = catalog.fuzzy
    for message in template:
        if not message.id:
            continue
        old = by_key.get(message.context)
        locations = message.locations
        if old is not None and old.id != message.id and old.string:
            merged.add(old.id, old.string, locations=locations, context=message.context, auto_comments=[
                "STALE: the French text is now:", str(message.id),
                "retranslate: copy it into msgid and translate it in msgstr"])
        elif old is not None and old.id == message.id:
            merged.add(message.id, old.string, locations=locations, context=message.context, flags=old.flags)
        else:
            merged.add(message.id, legacy.get(str(message.id), ""), locations=locations, context=message.context)
    return merged


def stale_translations(knowledge: Path = ROOT / "knowledge", locales: Path = LOCALES_DIR) -> list[Stale]:
    """Every translation of knowledge/ made for a French text that has changed since, in every language."""
    template = knowledge_catalog(knowledge)
    french = {m.context: str(m.id) for m in template if m.id}
    out = []
    for lang in (code for code in LANGUAGES if code != SOURCE_LANGUAGE):
        path = locales / lang / "LC_MESSAGES" / "knowledge.po"
        if not path.exists():
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if message.id and message.context in french and french[message.context] != message.id and message.string:
                out.append(Stale(lang, str(message.context), str(message.id), french[message.context]))
    return out


def write_template(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=False, include_lineno=False)


def extract() -> list[Path]:
    written = []
    for catalog, name in ((code_catalog(), "messages"), (knowledge_catalog(), "knowledge")):
        path = LOCALES_DIR / f"{name}.pot"
        write_template(catalog, path)
        written.append(path)
    return written


def update(languages: list[str] | None = None) -> list[Path]:
    """Merge the templates into every language's .po, keeping existing translations."""
    written = []
    for domain in ("messages", "knowledge"):
        with (LOCALES_DIR / f"{domain}.pot").open("rb") as handle:
            template = read_po(handle)
        for lang in languages or [code for code in LANGUAGES if code != SOURCE_LANGUAGE]:
            path = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
            if path.exists():
                with path.open("rb") as handle:
                    catalog = read_po(handle, locale=lang)
            else:
                catalog = Catalog(locale=lang, domain=domain, project="aiguillage")
            if domain == "knowledge":
                catalog = _merge_knowledge(template, catalog)
            else:
                catalog.update(template, no_fuzzy_matching=True)
                catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, include_lineno=False)
            written.append(path)
    return written
