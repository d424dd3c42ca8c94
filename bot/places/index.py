"""The gazetteer as a search index, built once per gazetteer: every spelling folded to a key.

A street is found by its whole name ("rue des herses") and by its name without the kind of way
("herses"), since people drop the "rue". Keys are also grouped by their first two letters: typos
rarely hit those, and comparing a typed word with one group instead of every key is what keeps a
search under a millisecond over the whole street list.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from statistics import fmean

from bot.catalogue.gazetteer import Gazetteer, GazetteerEntry
from bot.catalogue.text import fold_words
from bot.places.areas import area_at
from bot.places.location import Location

# Ranking: at equal specificity and score, a quartier beats a commune, and so on: "Bellevue"
# is first the Nantes quartier, not a street called "rue de Bellevue" elsewhere.
KIND_PRIORITY = {"quartier": 0, "commune": 1, "mairie": 2, "landmark": 3, "street": 4}

# Words that carry no place: dropped from both the text and the names, so that
# "j'habite rue de la Bottière" and "Rue de la Bottière" meet on "rue bottiere".
STOPWORDS = frozenset("""
a au aux chez d de des du en et j l la le les sur vers dans quartier
je j suis habite habites habitons habitent vis vit reside moi on c est ici y ne pas sais sait connais
""".split())
# A name reduced to these words names no place: "je suis à la rue" must not find "Rue des Prés".
GENERIC = frozenset("""
rue avenue boulevard place allee impasse chemin route quai square cours mail passage sentier pont residence
rond point parc zone porte
""".split())
ABBREVIATIONS = {
    "st": "saint", "ste": "sainte", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard", "blvd": "boulevard",
    "av": "avenue", "ave": "avenue", "pl": "place", "r": "rue", "rte": "route", "imp": "impasse",
    "all": "allee", "chem": "chemin", "qu": "quai", "sq": "square",
}
HOUSE_NUMBER = re.compile(r"^\d+\s*(bis|ter)?\s+", re.IGNORECASE)


def normalize(text: str) -> str:
    """Lower case, no accents, no punctuation, common abbreviations spelt out."""
    return " ".join(ABBREVIATIONS.get(token, token) for token in fold_words(text).split())


def core(text: str) -> str:
    return " ".join(t for t in normalize(text).split() if t not in STOPWORDS)


@dataclass(frozen=True)
class Candidate:
    key: str
    tokens: int
    priority: int
    location: Location
    odd: Location | None = None  # a street whose odd numbers are in a known quartier


@dataclass(frozen=True)
class Index:
    by_key: dict[str, tuple[Candidate, ...]]
    by_prefix: dict[str, tuple[str, ...]]
    max_tokens: int
    postcodes: dict[str, Location]
    home_insee: str


def _street_name(name: str) -> str:
    # "68 Rue des Alouettes" in the source data: a house number is not part of the name.
    return HOUSE_NUMBER.sub("", name.strip())


def _street_label(entry: GazetteerEntry, insee: str | None, gazetteer: Gazetteer) -> str:
    town = gazetteer.commune(insee) if insee else None
    street = _street_name(entry.name)
    return f"{street} ({town.name})" if town else street


def entry_location(entry: GazetteerEntry, gazetteer: Gazetteer) -> Location:
    postcode = entry.postcodes[0] if len(entry.postcodes) == 1 else None
    if entry.kind == "quartier":
        return Location(entry.name, "quartier", entry.lat, entry.lon, entry.insee or gazetteer.home_insee, entry.name,
                        postcode)
    if entry.kind == "commune":
        return Location(entry.name, "commune", entry.lat, entry.lon, entry.insee, None, postcode)
    insee, quartier_name = entry.insee, entry.quartier
    # The quartier from the point only when the point is the place's own (not a quartier's centre).
    guess = entry.precise and not entry.spans
    if insee is None or (quartier_name is None and insee == gazetteer.home_insee and guess):
        commune, quartier = area_at(entry.lat, entry.lon, gazetteer)
        insee = insee or (commune.insee if commune else None)
        if quartier_name is None and quartier and insee == gazetteer.home_insee and guess:
            quartier_name = quartier.name
    label = _street_label(entry, insee, gazetteer) if entry.kind == "street" else entry.name
    alternatives: tuple[Location, ...] = ()
    if entry.spans and entry.quartiers:
        alternatives = tuple(_in_quartier(label, entry, name, gazetteer) for name in entry.quartiers)
    return Location(label, entry.kind, entry.lat, entry.lon, insee, quartier_name, postcode, spans=entry.spans,
                    alternatives=alternatives, precise=entry.precise)


def _in_quartier(label: str, entry: GazetteerEntry, quartier: str, gazetteer: Gazetteer) -> Location:
    area = gazetteer.quartier(quartier)
    lat, lon = (area.lat, area.lon) if area and not entry.precise else (entry.lat, entry.lon)
    return Location(f"{label}, {quartier}", entry.kind, lat, lon, gazetteer.home_insee, quartier,
                    precise=entry.precise)


def _postcode_locations(gazetteer: Gazetteer) -> dict[str, Location]:
    communes_by_code: dict[str, list[GazetteerEntry]] = {}
    for commune in gazetteer.communes:
        for code in commune.postcodes:
            communes_by_code.setdefault(code, []).append(commune)
    out = {}
    for code, communes in communes_by_code.items():
        if len(communes) == 1:
            commune = communes[0]
            # Within Nantes a postcode covers a part of town: its streets' mean position is a
            # better start for "the nearest accueil" than the centre of the whole commune.
            points = [(s.lat, s.lon) for s in gazetteer.streets if s.insee == commune.insee and code in s.postcodes]
            lat, lon = ((fmean(p[0] for p in points), fmean(p[1] for p in points)) if points
                        else (commune.lat, commune.lon))
            label = f"{commune.name} ({code})" if len(commune.postcodes) > 1 else commune.name
            out[code] = Location(label, "postcode", lat, lon, commune.insee, None, code)
        else:
            # Several communes share it (44470: Carquefou, Mauves, Thouaré): ask which, claim none.
            ordered = sorted(communes, key=lambda c: c.name)
            names = ", ".join(c.name for c in ordered)
            choices = tuple(Location(f"{c.name} ({code})", "postcode", c.lat, c.lon, c.insee, None, code)
                            for c in ordered)
            out[code] = Location(f"{code} ({names})", "postcode", fmean(c.lat for c in communes),
                                 fmean(c.lon for c in communes), None, None, code, alternatives=choices)
    return out


def _names(entry: GazetteerEntry) -> list[str]:
    if entry.kind != "street":
        return [entry.name, *entry.aliases]
    name = _street_name(entry.name)
    return [name]


def _keys(name: str) -> list[tuple[str, bool]]:
    """(key, fuzzy): a one-word name without its kind of way ("herses") is found only as written, since
    with a typo it would be any word of a sentence ("besoin" is one letter from "Impasse Beloin")."""
    key = core(name)
    tokens = key.split()
    if not tokens or all(token in GENERIC for token in tokens):
        return []
    keys = [(key, True)]
    # "Rue des Herses" is also "herses": the kind of way dropped, when a real name remains.
    while tokens and tokens[0] in GENERIC:
        tokens = tokens[1:]
    bare = " ".join(tokens)
    if bare != key and tokens and not all(token in GENERIC for token in tokens) and len(bare) >= 4:
        keys.append((bare, len(tokens) > 1))
    return keys


def build_index(gazetteer: Gazetteer) -> Index:
    by_key: dict[str, list[Candidate]] = {}
    fuzzy: set[str] = set()
    for entry in gazetteer.entries:
        location = entry_location(entry, gazetteer)
        odd = None
        if entry.odd_quartier:
            odd = _in_quartier(location.label, entry, entry.odd_quartier, gazetteer)
        for name in _names(entry):
            for key, typos in _keys(name):
                if typos:
                    fuzzy.add(key)
                candidate = Candidate(key, len(key.split()), KIND_PRIORITY[entry.kind], location, odd)
                bucket = by_key.setdefault(key, [])
                if all(c.location != location for c in bucket):
                    bucket.append(candidate)
    prefixes: dict[str, list[str]] = {}
    for key in sorted(fuzzy):
        prefixes.setdefault(key[:2], []).append(key)
    return Index({k: tuple(v) for k, v in by_key.items()}, {k: tuple(v) for k, v in prefixes.items()},
                 max((len(k.split()) for k in by_key), default=1), _postcode_locations(gazetteer),
                 gazetteer.home_insee)


_INDEXES: weakref.WeakKeyDictionary[Gazetteer, Index] = weakref.WeakKeyDictionary()


def index_for(gazetteer: Gazetteer) -> Index:
    index = _INDEXES.get(gazetteer)
    if index is None:
        index = _INDEXES[gazetteer] = build_index(gazetteer)
    return index
