"""Translations and locale-aware formatting.

French is the source language: every user-facing string is written in French in the
code and goes through `Translator.gettext` / `ngettext` (Babel/gettext catalogues in
locales/<lang>/LC_MESSAGES/). Catalogue content (aid names, summaries…) uses the
`knowledge` domain, code strings the `messages` domain.
"""

from __future__ import annotations

import gettext as _gettext
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

LOCALES_DIR = Path(__file__).resolve().parent.parent.parent / "locales"
SOURCE_LANGUAGE = "fr"
# Languages Aiguillage speaks, each named in its own language (shown in language menus).
LANGUAGES: dict[str, str] = {
    "fr": "Français",
    "en": "English",
    "ar": "العربية",
    "es": "Español",
    "uk": "Українська",
    "ro": "Română",
    "fa": "دری",
    "ps": "پښتو",
}


# Dari is spoken in Afghanistan: its month names and numbers come from Babel's fa_AF, not Iranian fa.
FORMAT_LOCALES = {"fa": "fa_AF"}


def supported(lang: str | None) -> str:
    """The language we speak closest to an IETF tag ("en-GB" -> "en"), else French."""
    if not lang:
        return SOURCE_LANGUAGE
    base = lang.replace("_", "-").split("-")[0].lower()
    if base == "prs":  # ISO 639-3 code for Dari
        base = "fa"
    return base if base in LANGUAGES else SOURCE_LANGUAGE


@dataclass(frozen=True)
class Translator:
    lang: str
    messages: _gettext.NullTranslations
    knowledge: _gettext.NullTranslations

    def _(self, message: str) -> str:
        return self.messages.gettext(message)

    def gettext(self, message: str) -> str:
        return self.messages.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.messages.ngettext(singular, plural, n)

    def k(self, text: str) -> str:
        """A catalogue string (aid name, summary, document…) in this language."""
        return self.knowledge.gettext(text) if text else text

    @property
    def locale(self) -> Locale:
        return _locale(FORMAT_LOCALES.get(self.lang, self.lang))

    def join(self, items: list[str]) -> str:
        """"a, b et c" in the person's language (Arabic and Dari commas included)."""
        return format_list(list(items), locale=self.locale) if items else ""

    @property
    def rtl(self) -> bool:
        return self.locale.text_direction == "rtl"

    def money(self, amount: float | Decimal) -> str:
        """1 234,50 € in French; whole euros are shown without cents (646 €)."""
        return _money(self.lang, float(amount))

    def _money(self, amount: float) -> str:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
        if value == value.to_integral_value():
            whole = self.locale.currency_formats["standard"].pattern.replace("0.00", "0")
            return format_currency(value, "EUR", locale=self.locale, format=whole, currency_digits=False)
        return format_currency(value, "EUR", locale=self.locale)

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value, format: str = "long") -> str:
        return format_date(value, format=format, locale=self.locale)

    def weekday_date(self, value) -> str:
        """"lundi 23 novembre", "lunes, 23 de noviembre": the locale's full date pattern without the year."""
        return format_date(value, _without_year(self.locale.date_formats["full"].pattern), locale=self.locale)

    def time(self, value) -> str:
        return format_time(value, format="short", locale=self.locale)


@lru_cache(maxsize=32)
def _locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


@lru_cache(maxsize=4096)
def _money(lang: str, amount: float) -> str:
    """Babel's currency formatting is slow and the same few amounts recur: format each once."""
    return translator(lang)._money(amount)


def _without_year(pattern: str) -> str:
    """Drop the year and the words around it ("'de' y", "y 'р'.", Pashto's "د y") from a date pattern."""
    stripped = re.sub(r"[\s,،]*(?:'[^']*'\s*)?y+(?:\s*'[^']*'\.?)?", "", pattern)
    stripped = re.sub(r"(\S+)\s+\1(?=\s)", r"\1", stripped)  # "EEEE د د MMMM" once the year has gone
    return stripped.strip()


def _load(domain: str, lang: str) -> _gettext.NullTranslations:
    if lang == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    mo = LOCALES_DIR / lang / "LC_MESSAGES" / f"{domain}.mo"
    po = mo.with_suffix(".po")
    if not mo.exists() or po.exists() and po.stat().st_mtime > mo.stat().st_mtime:
        # A missing or stale .mo would silently show French (or old text): compile it first.
        from bot.i18n.compile import compile_catalogues

        compile_catalogues(LOCALES_DIR)
    if not mo.exists():
        return _gettext.NullTranslations()
    with mo.open("rb") as handle:
        return _gettext.GNUTranslations(handle)


@cache
def translator(lang: str | None = None) -> Translator:
    code = supported(lang)
    return Translator(code, _load("messages", code), _load("knowledge", code))
