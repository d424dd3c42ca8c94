"""The gazetteer's two street files.

streets.csv (2016): about 790 streets of the métropole with one mean point each, no quartier.
nantes_streets.csv (2022): the 3 191 streets of Nantes with their quartier, no point. A street of both
files keeps the 2016 point; the others take their quartier's centroid (precise=False).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from bot.catalogue.errors import Problems
from bot.catalogue.fields import POSTCODE_PATTERN, Bounds
from bot.catalogue.gazetteer import GazetteerEntry
from bot.catalogue.text import fold_words

POINT_COLUMNS = ("street", "postcode", "commune", "lat", "lon")
HOME_COLUMNS = ("voie", "quartier", "note")
SPANS = "pluriel"  # the source's word for a street that crosses several quartiers
ODD_ONLY = re.compile(r"^numeros impairs\s*:\s*(.+)$")  # "numeros impairs : Malakoff - Saint-Donatien"
HOUSE_NUMBER = re.compile(r"^\d+\s*(bis|ter)?\s+", re.IGNORECASE)


def street_key(name: str) -> str:
    """A street's name folded, without the house number the 2016 data sometimes kept ("68 Rue …")."""
    return fold_words(HOUSE_NUMBER.sub("", name.strip()))


def _rows(path: Path, rel: str, columns: tuple[str, ...], problems: Problems) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.error(rel, "", "", "file is missing")
        return []
    except UnicodeDecodeError as error:
        problems.error(rel, "", "", f"is not UTF-8 text: {error}")
        return []
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        problems.error(rel, "line 1", ",".join(missing), "missing column(s) in the header")
        return []
    return [(line, {k: (v or "").strip() for k, v in row.items() if k}) for line, row in enumerate(reader, start=2)]


def point_streets(path: Path, rel: str, communes: list[GazetteerEntry], problems: Problems,
                  bounds: Bounds) -> list[GazetteerEntry]:
    # The street file spells communes its own way ("St-Herblain"): resolve through names and aliases.
    by_spelling = {fold_words(s): c for c in communes for s in (c.name, *c.aliases)}
    out = []
    for line, row in _rows(path, rel, POINT_COLUMNS, problems):
        entry = f"line {line}"
        street = row.get("street", "")
        if not street:
            problems.error(rel, entry, "street", "is empty")
            continue
        commune = by_spelling.get(fold_words(row.get("commune", "")))
        if commune is None:
            problems.error(rel, entry, "commune", f"{row.get('commune')!r} is not a commune of communes.yaml")
            continue
        postcode = row.get("postcode", "")
        if not POSTCODE_PATTERN.match(postcode):
            problems.error(rel, entry, "postcode", f"{postcode!r} is not a 5-digit postcode")
            continue
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, ValueError):
            problems.error(rel, entry, "lat", f"lat/lon must be numbers, not {row.get('lat')!r}, {row.get('lon')!r}")
            continue
        if not bounds.contains(lat, lon):
            problems.error(rel, entry, "lat", f"{lat}, {lon} is outside the territory")
            continue
        out.append(GazetteerEntry(name=street, kind="street", lat=lat, lon=lon, insee=commune.insee,
                                  postcodes=(postcode,)))
    return out


def home_streets(path: Path, rel: str, quartiers: dict[str, GazetteerEntry], points: list[GazetteerEntry],
                 home_insee: str, problems: Problems) -> list[GazetteerEntry]:
    """nantes_streets.csv; the 2016 entries of the same streets are replaced in `points` (one entry each)."""
    rows = _rows(path, rel, HOME_COLUMNS, problems)
    if not rows or not quartiers:
        return []
    home_points = {street_key(p.name): p for p in points if p.insee == home_insee}
    centre = _centre(quartiers)
    out: list[GazetteerEntry] = []
    seen: dict[str, tuple[int, str]] = {}
    for line, row in rows:
        entry = f"line {line}"
        name, value = row.get("voie", ""), row.get("quartier", "")
        if not name:
            problems.error(rel, entry, "voie", "is empty")
            continue
        key = street_key(name)
        if key in seen:
            # The source writes a few streets twice, with and without accents: one entry if they agree.
            if seen[key][1] != value:
                problems.error(rel, entry, "quartier", f"{name!r} is on line {seen[key][0]} with another quartier")
            continue
        seen[key] = (line, value)
        named: tuple[str, ...] = ()
        odd = None
        spans = False
        if value == SPANS:
            spans = True
        elif match := ODD_ONLY.match(value):
            odd, spans = match.group(1).strip(), True
        elif value:
            named = tuple(part.strip() for part in value.split("|"))
            spans = len(named) > 1
        unknown = [q for q in (*named, *([odd] if odd else [])) if q not in quartiers]
        if unknown:
            problems.error(rel, entry, "quartier", f"{unknown[0]!r} is not a quartier of quartiers.yaml")
            continue
        quartier = named[0] if len(named) == 1 else None
        point = home_points.pop(key, None)
        if point is not None:
            lat, lon, postcodes, precise = point.lat, point.lon, point.postcodes, True
        else:
            here = quartiers[quartier] if quartier else centre
            lat, lon, postcodes, precise = here.lat, here.lon, (), False
        out.append(GazetteerEntry(name=name, kind="street", lat=lat, lon=lon, insee=home_insee, quartier=quartier,
                                  postcodes=postcodes, quartiers=named if spans else (), spans=spans,
                                  odd_quartier=odd, precise=precise))
    used = {id(p) for p in home_points.values()}
    points[:] = [p for p in points if p.insee != home_insee or id(p) in used]
    return out


def _centre(quartiers: dict[str, GazetteerEntry]) -> GazetteerEntry:
    """The quartier nearest the mean of all: a neutral point for a street whose quartier is unknown."""
    lat = sum(q.lat for q in quartiers.values()) / len(quartiers)
    lon = sum(q.lon for q in quartiers.values()) / len(quartiers)
    return min(quartiers.values(), key=lambda q: (q.lat - lat) ** 2 + (q.lon - lon) ** 2)
