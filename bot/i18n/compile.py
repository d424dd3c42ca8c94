"""Compile locales/*/LC_MESSAGES/*.po into .mo files (at install, image build or start-up)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def _by_french_text(catalog: Catalog) -> Catalog:
    """The knowledge domain is keyed by (id, field) in the .po, and looked up by its French text at run time.

    A stale entry keeps the French it was translated from as msgid, so it never answers for the new text.
    """
    flat = Catalog(locale=catalog.locale, domain=catalog.domain)
    flat.mime_headers = catalog.mime_headers
    for message in catalog:
        if message.id and message.string and not message.fuzzy and message.id not in flat:
            flat.add(message.id, message.string)
    return flat


def compile_catalogues(locales_dir: Path) -> list[Path]:
    written = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        if po_path.stem == "knowledge":
            catalog = _by_french_text(catalog)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written
