"""knowledge/territory.yaml: the commune assumed by default, the territory's box, the default accueil,
the handover validity shown to people. Read here so that no module writes Nantes' facts in code."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.catalogue.errors import Problems
from bot.catalogue.fields import INSEE_HINT, INSEE_PATTERN, PHONE_PATTERN, Bounds, Fields, type_name

FILE = "territory.yaml"
FIELDS = ("default_commune", "bounds", "default_accueil", "handover_validity_hours", "confirm_phone", "communes")
DOOR_FIELDS = ("door", "address", "phone", "hours", "note", "source", "verified", "unverified")
# Wide enough for any French territory, narrow enough to catch a box written in metres or swapped.
_FRANCE = Bounds(-90.0, 90.0, -180.0, 180.0)


@dataclass(frozen=True)
class CommuneDoor:
    """Where a resident of another commune asks for its local aids: its CCAS, usually at the town hall."""

    insee: str
    door: str
    source: str
    verified: bool
    address: str | None = None
    phone: str | None = None
    hours: str | None = None
    note: str | None = None
    unverified: str | None = None


@dataclass(frozen=True)
class Territory:
    default_commune: str  # INSEE code
    bounds: Bounds
    default_accueil: str  # an id of knowledge/places/
    handover_validity_hours: int
    confirm_phone: str  # where to confirm a fact we could not source
    communes: dict[str, CommuneDoor] = field(default_factory=dict)  # by INSEE code, other communes only


# What a catalogue without a valid territory.yaml carries while its problems are reported; never served.
UNKNOWN = Territory("", _FRANCE, "", 24, "")


def _doors(fields: Fields, home: str | None) -> dict[str, CommuneDoor]:
    if not fields.present("communes", False):
        return {}
    raw = fields.data["communes"]
    if not isinstance(raw, dict):
        fields.error("communes", f"must be a mapping of INSEE codes, not {type_name(raw)}")
        return {}
    out = {}
    for insee, item in raw.items():
        entry = f"communes.{insee}"
        if not isinstance(insee, str) or not INSEE_PATTERN.match(insee) or insee == home:
            fields.problems.error(FILE, entry, "", "must be the INSEE code, in quotes, of another commune")
            fields.ok = False
            continue
        if not isinstance(item, dict):
            fields.problems.error(FILE, entry, "", f"must be a mapping, not {type_name(item)}")
            fields.ok = False
            continue
        door = Fields(item, fields.problems, FILE, entry)
        door.only(DOOR_FIELDS)
        name = door.text("door", True)
        source = door.text("source", True)
        verified = door.boolean("verified", True)
        unverified = door.text("unverified")
        if verified is False and not unverified:
            door.error("unverified", "is required when verified is false: say what is still to confirm")
        phone = door.text("phone", pattern=PHONE_PATTERN, hint="digits and spaces")
        if door.ok and name and source and verified is not None:
            out[insee] = CommuneDoor(insee, name, source, verified, door.text("address"), phone, door.text("hours"),
                                     door.text("note"), unverified)
        else:
            fields.ok = False
    return out


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
    doors = _doors(fields, commune)
    # A wrong commune door is reported and left out; the rest still checks the other files.
    if commune is None or bounds is None or accueil is None or hours is None or phone is None:
        return UNKNOWN
    return Territory(commune, bounds, accueil, int(hours), phone, doors)
