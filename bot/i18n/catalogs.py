"""Keep the translation catalogues in step with the code and the catalogue.

    aiguillage i18n extract   # locales/messages.pot (code) and locales/knowledge.pot (knowledge/)
    aiguillage i18n update    # merge both into locales/<lang>/LC_MESSAGES/*.po (created when missing)
    aiguillage i18n compile   # .po -> .mo (also done at start-up when a .mo is missing or older)

Proper names (institutions, addresses, place names) are not extracted: they stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


def _strings(data, fields: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """(text, where) for every text at one of the field paths ("apply.how", "documents")."""
    def walk(node, trail: str, path: str):
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
        entry = item.get("id", "") if isinstance(item, dict) else ""
        for text, trail in walk(item, "", ""):
            yield text, f"{entry}: {trail}" if entry else trail


KNOWLEDGE_FIELDS = {
    "aids": ("name", "plain_name", "summary", "conditions_text", "documents", "apply.how", "amount.note",
             "amount.text"),
    "places": ("hours_text",),
    "questions.yaml": ("prompt", "example", "choices.label"),
    "needs.yaml": ("label",),
    "emergencies.yaml": ("title", "text", "numbers.label"),
    "profile.yaml": ("label",),
}


def knowledge_catalog(knowledge: Path = ROOT / "knowledge") -> Catalog:
    catalog = Catalog(project="aiguillage", domain="knowledge")
    sources = [(knowledge / "questions.yaml", KNOWLEDGE_FIELDS["questions.yaml"]),
               (knowledge / "needs.yaml", KNOWLEDGE_FIELDS["needs.yaml"]),
               (knowledge / "emergencies.yaml", KNOWLEDGE_FIELDS["emergencies.yaml"]),
               (knowledge / "profile.yaml", KNOWLEDGE_FIELDS["profile.yaml"])]
    sources += [(p, KNOWLEDGE_FIELDS["aids"]) for p in sorted((knowledge / "aids").glob("*.yaml"))]
    sources += [(p, KNOWLEDGE_FIELDS["places"]) for p in sorted((knowledge / "places").glob("*.yaml"))]
    for path, fields in sources:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name == "profile.yaml":  # a mapping of keys: each key is one entry
            data = [{"id": key, **spec} for key, spec in data.items() if isinstance(spec, dict)]
        rel = path.relative_to(knowledge.parent).as_posix()
        for text, where in _strings(data, fields):
            catalog.add(text, locations=[(rel, 0)], auto_comments=[where])
    return catalog


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
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, width=100, include_lineno=False)
            written.append(path)
    return written
