"""Places (knowledge/places/<id>.yaml): typed, validated, frozen.

Every problem is recorded with the file (relative to knowledge/), the entry and the field, and
loading goes on: a catalogue editor sees all the mistakes of a check at once, never only the first.
A file with an error gives no Place, so nothing half-valid reaches the dialog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal, get_args

import opening_hours

from bot.catalogue.errors import Problems
from bot.catalogue.fields import (
    DEEP_LINK_PATTERN,
    INSEE_HINT,
    INSEE_PATTERN,
    PHONE_PATTERN,
    POSTCODE_PATTERN,
    Bounds,
    Fields,
    Source,
    type_name,
)
from bot.catalogue.vocabularies import Vocabularies
from bot.catalogue.yamlfile import read_yaml

PlaceKind = Literal["accueil_solidarite", "mairie", "emergency", "institution", "association", "health", "youth"]
PLACE_KINDS: tuple[str, ...] = get_args(PlaceKind)
# open: receives people today. planned: announced, not open yet (never offered as a door).
PlaceStatus = Literal["open", "planned"]
PLACE_STATUSES: tuple[str, ...] = get_args(PlaceStatus)

PLACE_FIELDS = (
    "id", "name", "kind", "address", "postcode", "commune", "insee", "quartier", "lat", "lon", "phone",
    "opening_hours", "hours_text", "services", "reseaux_porteurs", "thematiques", "publics", "deep_link",
    "sources", "verified", "unverified", "reviewed", "closed_until", "status", "serves", "distributes",
)
# What `verified: true` promises: each of these is written and sourced.
VERIFIED_NEEDS = ("address", "phone", "opening_hours")


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: PlaceKind
    address: str
    commune: str
    lat: float
    lon: float
    sources: tuple[Source, ...]
    verified: bool
    reviewed: date
    postcode: str | None = None
    insee: str | None = None
    quartier: str | None = None
    phone: str | None = None
    opening_hours: str | None = None  # OpenStreetMap opening_hours syntax
    hours_text: str | None = None  # the same hours in plain French
    services: tuple[str, ...] = ()
    reseaux_porteurs: tuple[str, ...] = ()
    thematiques: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()
    deep_link: str | None = None
    unverified: str | None = None  # what is still to confirm, in plain words
    closed_until: date | None = None  # closed before this date, whatever opening_hours says
    status: PlaceStatus = "open"
    serves: tuple[str, ...] = ()  # for an accueil: the quartiers whose residents it receives
    # Food aid: true when food or meals are handed out here; false for an office or a warehouse,
    # which is then never offered to someone hungry. None: not a food place.
    distributes: bool | None = None

    @property
    def file(self) -> str:
        return f"places/{self.id}.yaml"

    @property
    def is_open(self) -> bool:
        """Receives people today (a planned place is not a door yet)."""
        return self.status == "open"


def check_opening_hours(expression: str) -> str | None:
    """None when the OpenStreetMap opening_hours expression is valid, else a one-line reason."""
    try:
        opening_hours.OpeningHours(expression, country="FR")
    except Exception as error:  # the parser raises its own error types (SyntaxError-like); all mean "invalid"
        lines = [line.strip(" |") for line in str(error).splitlines() if line.strip(" |")]
        return " ".join(lines)[:300] or "invalid opening_hours"
    return None


def _hours(fields: Fields) -> str | None:
    hours = fields.text("opening_hours")
    if hours:
        reason = check_opening_hours(hours)
        if reason:
            fields.error("opening_hours", f"{hours!r} is not OpenStreetMap opening_hours syntax: {reason}")
            return None
    return hours


def _choice(fields: Fields, field: str, allowed: tuple[str, ...], default: str | None = None,
            required: bool = False) -> str | None:
    value = fields.text(field, required) or default
    if value is not None and value not in allowed:
        fields.error(field, f"{value!r} is not one of {', '.join(allowed)}")
        return None
    return value


def parse_place(data: Any, stem: str, rel: str, problems: Problems, bounds: Bounds,
                vocabularies: Vocabularies) -> Place | None:
    if not isinstance(data, dict):
        problems.error(rel, stem, "", f"must be a mapping of fields, not {type_name(data)}")
        return None
    entry = data["id"] if isinstance(data.get("id"), str) else stem
    fields = Fields(data, problems, rel, entry)
    fields.only(PLACE_FIELDS)

    place_id = fields.identifier("id", True)
    if place_id and place_id != stem:
        fields.error("id", f"{place_id!r} must equal the file name {stem!r}")
    name = fields.text("name", True)
    kind = _choice(fields, "kind", PLACE_KINDS, required=True)
    address = fields.text("address", True)
    commune = fields.text("commune", True)
    postcode = fields.text("postcode", pattern=POSTCODE_PATTERN, hint="5 digits, in quotes")
    insee = fields.text("insee", pattern=INSEE_PATTERN, hint=INSEE_HINT)
    quartier = fields.text("quartier")
    point = fields.point(bounds)
    phone = fields.text("phone", pattern=PHONE_PATTERN, hint="digits and spaces, e.g. \"02 40 99 27 00\"")
    hours = _hours(fields)
    hours_text = fields.text("hours_text")
    if hours and not hours_text:
        fields.warning("hours_text", "opening_hours has no plain-words version: add hours_text")
    services = fields.texts("services")
    reseaux = fields.texts("reseaux_porteurs", vocabularies.reseaux_porteurs, "data·inclusion reseaux_porteurs")
    thematiques = fields.texts("thematiques", vocabularies.thematiques, "data·inclusion thematiques")
    publics = fields.texts("publics", vocabularies.publics, "data·inclusion publics")
    deep_link = fields.text("deep_link", pattern=DEEP_LINK_PATTERN, hint="A-Z a-z 0-9 _ - only, at most 64")
    sources = fields.sources()
    verified = fields.boolean("verified", True)
    unverified = fields.text("unverified")
    if verified is False and not unverified:
        fields.error("unverified", "is required when verified is false: say what is still to confirm")
    if verified:
        for missing in (f for f in VERIFIED_NEEDS if not fields.data.get(f)):
            fields.error("verified", f"is true but {missing} is not written: verified means address, phone "
                                     "and hours are sourced")
    reviewed = fields.day("reviewed", True)
    closed_until = fields.day("closed_until")
    status = _choice(fields, "status", PLACE_STATUSES, "open")
    serves = fields.texts("serves")
    distributes = fields.boolean("distributes")

    if (not fields.ok or place_id is None or name is None or kind is None or address is None or commune is None
            or point is None or verified is None or reviewed is None or status is None):
        return None
    return Place(
        id=place_id, name=name, kind=kind, address=address, commune=commune,  # type: ignore[arg-type]
        lat=point[0], lon=point[1], sources=sources, verified=verified, reviewed=reviewed, postcode=postcode,
        insee=insee, quartier=quartier, phone=phone, opening_hours=hours, hours_text=hours_text,
        services=services, reseaux_porteurs=reseaux, thematiques=thematiques, publics=publics,
        deep_link=deep_link, unverified=unverified, closed_until=closed_until,
        status=status, serves=serves, distributes=distributes,  # type: ignore[arg-type]
    )


def load_places(directory: Path, problems: Problems, bounds: Bounds, vocabularies: Vocabularies) -> dict[str, Place]:
    """Every valid place of knowledge/places, by id; each problem is recorded, none is raised."""
    directory = Path(directory)
    base = directory.name
    if not directory.is_dir():
        problems.error(f"{base}/", "", "", "the places folder is missing")
        return {}
    places: dict[str, Place] = {}
    files_by_id: dict[str, str] = {}
    deep_links: dict[str, str] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        rel = f"{base}/{path.name}"
        if path.suffix == ".yml":
            problems.error(rel, path.stem, "", "rename the file with the .yaml extension")
            continue
        if path.suffix != ".yaml":
            continue
        ok, data = read_yaml(path, rel, problems)
        if not ok:
            continue
        if data is None:
            problems.error(rel, path.stem, "", "file is empty")
            continue
        declared = data.get("id") if isinstance(data, dict) else None
        if isinstance(declared, str) and declared in files_by_id:
            problems.error(rel, declared, "id", f"duplicate id, also in {files_by_id[declared]}")
            continue
        if isinstance(declared, str):
            files_by_id[declared] = rel
        place = parse_place(data, path.stem, rel, problems, bounds, vocabularies)
        if place is None:
            continue
        if place.deep_link:
            if place.deep_link in deep_links:
                problems.error(rel, place.id, "deep_link",
                               f"{place.deep_link!r} is already used by {deep_links[place.deep_link]}")
                continue
            deep_links[place.deep_link] = rel
        places[place.id] = place
    return places
