"""The gazetteer (knowledge/gazetteer/): quartiers, communes, landmarks and streets, typed and validated.

Each problem names the file, the entry and the field; a wrong entry is left out and reported, so a
check shows every mistake at once and the program refuses to start on a half-loaded gazetteer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from bot.catalogue.errors import Problems
from bot.catalogue.fields import (
    ID_PATTERN,
    INSEE_HINT,
    INSEE_PATTERN,
    POSTCODE_PATTERN,
    Bounds,
    Fields,
    entry_name,
    type_name,
)
from bot.catalogue.text import fold_words
from bot.catalogue.yamlfile import read_yaml

EntryKind = Literal["quartier", "commune", "street", "landmark", "mairie"]
ENTRY_KINDS: tuple[str, ...] = get_args(EntryKind)
Point = tuple[float, float]


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    kind: EntryKind
    aliases: tuple[str, ...] = ()
    lat: float = 0.0
    lon: float = 0.0
    insee: str | None = None
    quartier: str | None = None
    postcodes: tuple[str, ...] = ()
    polygon: tuple[Point, ...] = ()  # (lat, lon) outer ring, for quartiers and communes
    place: str | None = None  # for a mairie: the id of its file in places/
    verified: bool = True  # False when the coordinate is approximate
    # A street that crosses quartiers: the ones the source names (empty when it only says "several").
    quartiers: tuple[str, ...] = ()
    spans: bool = False
    odd_quartier: str | None = None  # the source gives the quartier of the odd numbers only
    precise: bool = True  # False when the point is the quartier's centroid, not the street's own


@dataclass(frozen=True, eq=False)  # compared by identity: cheap to use as a cache key
class Gazetteer:
    quartiers: tuple[GazetteerEntry, ...] = ()
    communes: tuple[GazetteerEntry, ...] = ()
    streets: tuple[GazetteerEntry, ...] = ()
    landmarks: tuple[GazetteerEntry, ...] = ()  # landmarks and mairies
    home_insee: str = ""  # the commune whose quartiers are listed (territory.yaml default_commune)
    _by_insee: dict[str, GazetteerEntry] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_insee.update({c.insee: c for c in self.communes if c.insee})

    @property
    def entries(self) -> tuple[GazetteerEntry, ...]:
        return self.quartiers + self.communes + self.landmarks + self.streets

    def commune(self, insee: str) -> GazetteerEntry | None:
        return self._by_insee.get(insee)

    def quartier(self, name: str) -> GazetteerEntry | None:
        return next((q for q in self.quartiers if q.name == name), None)


def _polygon(fields: Fields, bounds: Bounds) -> tuple[Point, ...]:
    if not fields.present("polygon", True):
        return ()
    raw = fields.data["polygon"]
    if not isinstance(raw, list) or len(raw) < 3:
        fields.error("polygon", "must be a list of at least 3 [lat, lon] points")
        return ()
    points = []
    for index, point in enumerate(raw):
        if (not isinstance(point, list) or len(point) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in point)):
            fields.error(f"polygon[{index}]", f"must be [lat, lon], not {point!r}")
            return ()
        lat, lon = float(point[0]), float(point[1])
        if not bounds.contains(lat, lon):
            fields.error(f"polygon[{index}]", f"[{lat}, {lon}] is outside the territory; [lat, lon] order?")
            return ()
        points.append((lat, lon))
    return tuple(points)


class _Spellings:
    """Two entries of one file may not share a spelling, once folded: the second would never be found.

    Unless both say which quartier they are in, and the quartiers differ ("Procé" is a park in one
    quartier and a sector of another): then the bot asks the person which one they mean.
    """

    def __init__(self) -> None:
        self.names: dict[str, list[tuple[str, str | None]]] = {}

    def check(self, fields: Fields, name: str | None, aliases: tuple[str, ...], quartier: str | None = None) -> None:
        if not name:
            return
        for spelling in dict.fromkeys((name, *aliases)):
            named = self.names.setdefault(fold_words(spelling), [])
            clash = next((other for other, where in named
                          if other != name and not (quartier and where and quartier != where)), None)
            if clash:
                fields.error("aliases", f"{spelling!r} already names {clash!r}")
            named.append((name, quartier))


def _items(data: Any, what: str, rel: str, problems: Problems) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(data, list):
        problems.error(rel, "", "", f"must be a list of {what}, not {type_name(data)}")
        return []
    out = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.error(rel, entry_name(item, index), "", "must be a mapping")
        else:
            out.append((entry_name(item, index), item))
    return out


def _area_entries(data: Any, kind: Literal["quartier", "commune"], rel: str, problems: Problems,
                  bounds: Bounds) -> list[GazetteerEntry]:
    """quartiers.yaml and communes.yaml: a list of areas with a name, aliases, centroid and polygon."""
    out: list[GazetteerEntry] = []
    spellings = _Spellings()
    for entry, item in _items(data, f"{kind}s", rel, problems):
        fields = Fields(item, problems, rel, entry)
        fields.only(("name", "aliases", "insee", "postcodes", "lat", "lon", "polygon"))
        name = fields.text("name", True)
        aliases = fields.texts("aliases")
        insee = fields.text("insee", True, INSEE_PATTERN, INSEE_HINT)
        postcodes = fields.texts("postcodes", pattern=POSTCODE_PATTERN, hint="a 5-digit postcode, in quotes")
        point = fields.point(bounds)
        polygon = _polygon(fields, bounds)
        spellings.check(fields, name, aliases)
        if fields.ok and name and point:
            out.append(GazetteerEntry(name=name, kind=kind, aliases=aliases, lat=point[0], lon=point[1],
                                      insee=insee, quartier=name if kind == "quartier" else None,
                                      postcodes=postcodes, polygon=polygon))
    return out


LANDMARK_FIELDS = ("name", "aliases", "kind", "lat", "lon", "insee", "quartier", "postcode", "place", "verified",
                   "unverified", "source")


def _landmarks(data: Any, rel: str, problems: Problems, bounds: Bounds,
               quartiers: dict[str, GazetteerEntry] | None) -> list[GazetteerEntry]:
    """landmarks.yaml. A micro-quartier known only by its quartier has no point of its own: it takes the
    quartier's centroid (and says so with precise=False) rather than an invented coordinate."""
    out: list[GazetteerEntry] = []
    spellings = _Spellings()
    # None: quartiers.yaml has an error already reported; its landmarks would only repeat it.
    known = quartiers or {}
    for entry, item in _items(data, "landmarks", rel, problems):
        fields = Fields(item, problems, rel, entry)
        fields.only(LANDMARK_FIELDS)
        name = fields.text("name", True)
        aliases = fields.texts("aliases")
        kind = fields.text("kind") or "landmark"
        if kind not in ("landmark", "mairie"):
            fields.error("kind", f"{kind!r} must be landmark or mairie")
        quartier = fields.text("quartier")
        if quartiers is None and quartier:
            continue
        if quartier and quartier not in known:
            fields.error("quartier", f"{quartier!r} is not a quartier of quartiers.yaml")
        without_point = "lat" not in item and "lon" not in item and quartier in known
        point = None if without_point else fields.point(bounds)
        insee = fields.text("insee", pattern=INSEE_PATTERN, hint=INSEE_HINT)
        postcode = fields.text("postcode", pattern=POSTCODE_PATTERN, hint="5 digits, in quotes")
        place = fields.text("place", pattern=ID_PATTERN, hint="the id of a file in places/")
        verified = fields.boolean("verified", True)
        if verified is False and not fields.text("unverified"):
            fields.error("unverified", "is required when verified is false: say why the point is approximate")
        fields.text("source", True)
        spellings.check(fields, name, aliases, quartier)
        if without_point and quartier:
            centre = known[quartier]
            point = (centre.lat, centre.lon)
        if fields.ok and name and point:
            out.append(GazetteerEntry(name=name, kind="mairie" if kind == "mairie" else "landmark",
                                      aliases=aliases, lat=point[0], lon=point[1], insee=insee, quartier=quartier,
                                      postcodes=(postcode,) if postcode else (), place=place,
                                      verified=bool(verified), precise=not without_point))
    return out


def load_gazetteer(directory: Path, problems: Problems, bounds: Bounds, home_insee: str) -> Gazetteer:
    """knowledge/gazetteer: quartiers.yaml, communes.yaml, landmarks.yaml, streets.csv, nantes_streets.csv."""
    from bot.catalogue.streets import home_streets, point_streets

    directory = Path(directory)
    base = directory.name
    if not directory.is_dir():
        problems.error(f"{base}/", "", "", "the gazetteer folder is missing")
        return Gazetteer(home_insee=home_insee)

    def read(name: str) -> tuple[str, Any, bool]:
        rel = f"{base}/{name}.yaml"
        ok, data = read_yaml(directory / f"{name}.yaml", rel, problems)
        return rel, data, ok

    before = len(problems.errors)
    rel, data, ok = read("quartiers")
    quartiers = _area_entries(data, "quartier", rel, problems, bounds) if ok else []
    # The streets name their quartier: with a quartier refused, each of its streets would repeat that problem.
    quartiers_ok = ok and len(problems.errors) == before
    by_name = {q.name: q for q in quartiers}
    rel, data, ok = read("communes")
    communes = _area_entries(data, "commune", rel, problems, bounds) if ok else []
    rel, data, ok = read("landmarks")
    landmarks = _landmarks(data, rel, problems, bounds, by_name if quartiers_ok else None) if ok else []
    insees = [c.insee for c in communes]
    for insee in sorted({i for i in insees if i and insees.count(i) > 1}):
        problems.error(f"{base}/communes.yaml", insee, "insee", "the same INSEE code is used twice")
    if communes and home_insee and home_insee not in insees:
        problems.error(f"{base}/communes.yaml", home_insee, "insee",
                       "the default commune of territory.yaml is not in communes.yaml")
    for landmark in landmarks:
        if landmark.insee and communes and landmark.insee not in insees:
            problems.error(f"{base}/landmarks.yaml", landmark.name, "insee",
                           f"{landmark.insee!r} is not a commune of communes.yaml")
    streets: list[GazetteerEntry] = []
    if communes:
        streets = point_streets(directory / "streets.csv", f"{base}/streets.csv", communes, problems, bounds)
    if communes and quartiers_ok:
        streets += home_streets(directory / "nantes_streets.csv", f"{base}/nantes_streets.csv", by_name,
                                streets, home_insee, problems)
    return Gazetteer(tuple(quartiers), tuple(communes), tuple(streets), tuple(landmarks), home_insee)
