"""knowledge/territory.yaml: the commune assumed by default, the territory's box, the default accueil,
the handover validity shown to people. Read here so that no module writes Nantes' facts in code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.catalogue.errors import Problems
from bot.catalogue.fields import INSEE_HINT, INSEE_PATTERN, PHONE_PATTERN, Bounds, Fields, type_name

FILE = "territory.yaml"
FIELDS = ("default_commune", "bounds", "default_accueil", "handover_validity_hours", "confirm_phone")
# Wide enough for any French territory, narrow enough to catch a box written in metres or swapped.
_FRANCE = Bounds(-90.0, 90.0, -180.0, 180.0)


@dataclass(frozen=True)
class Territory:
    default_commune: str  # INSEE code
    bounds: Bounds
    default_accueil: str  # an id of knowledge/places/
    handover_validity_hours: int
    confirm_phone: str  # where to confirm a fact we could not source


# What a catalogue without a valid territory.yaml carries while its problems are reported; never served.
UNKNOWN = Territory("00000", _FRANCE, "", 24, "")


def _bounds(fields: Fields) -> Bounds | None:
    if not fields.present("bounds", True):
        return None
    raw = fields.data["bounds"]
    if not isinstance(raw, dict):
        fields.error("bounds", f"must be a mapping of south, north, west, east, not {type_name(raw)}")
        return None
    box = Fields(raw, fields.problems, fields.file, "bounds")
    box.only(("south", "north", "west", "east"))
    south = box.number("south", -90, 90, True, "the latitudes")
    north = box.number("north", -90, 90, True, "the latitudes")
    west = box.number("west", -180, 180, True, "the longitudes")
    east = box.number("east", -180, 180, True, "the longitudes")
    if south is None or north is None or west is None or east is None:
        fields.ok = False
        return None
    if south >= north or west >= east:
        box.error("", "south must be below north and west below east")
        fields.ok = False
        return None
    return Bounds(south, north, west, east)


def parse_territory(data: Any, problems: Problems) -> Territory:
    """The territory, or UNKNOWN with every problem recorded."""
    if not isinstance(data, dict):
        problems.error(FILE, "", "", f"must be a mapping of fields, not {type_name(data)}")
        return UNKNOWN
    fields = Fields(data, problems, FILE, "territory")
    fields.only(FIELDS)
    commune = fields.text("default_commune", True, INSEE_PATTERN, INSEE_HINT)
    bounds = _bounds(fields)
    accueil = fields.identifier("default_accueil", True, "the id of a file in places/")
    hours = fields.number("handover_validity_hours", 1, 24 * 30, True, "1 hour to 30 days")
    if hours is not None and hours != int(hours):
        fields.error("handover_validity_hours", "must be a whole number of hours")
    phone = fields.text("confirm_phone", True, PHONE_PATTERN, "digits and spaces, e.g. \"02 40 99 27 00\"")
    if not fields.ok or commune is None or bounds is None or accueil is None or hours is None or phone is None:
        return UNKNOWN
    return Territory(commune, bounds, accueil, int(hours), phone)
