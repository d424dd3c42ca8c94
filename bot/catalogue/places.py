"""Places (knowledge/places/<id>.yaml) and the gazetteer (knowledge/gazetteer/): typed, validated, frozen.

Every problem is recorded with the file (relative to knowledge/), the entry and the field, and
loading goes on: a catalogue editor sees all the mistakes of a check at once, never only the first.
A file with an error gives no Place, so nothing half-valid reaches the dialog.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import opening_hours

from bot.catalogue.errors import Problems
from bot.catalogue.yamlfile import read_yaml

PLACE_KINDS = ("accueil_solidarite", "mairie", "emergency", "institution", "association", "health", "youth")
ENTRY_KINDS = ("quartier", "commune", "street", "landmark", "mairie")

# Nantes Métropole spans lat 47.10–47.35 and lon -1.92 – -1.36 (commune polygons, 2022).
# The box is padded by about 2 km: a point outside it is a typo (swapped lat/lon, lost minus sign).
LAT_RANGE = (47.08, 47.38)
LON_RANGE = (-1.95, -1.33)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
POSTCODE_PATTERN = re.compile(r"^\d{5}$")
INSEE_PATTERN = re.compile(r"^(\d{2}|2A|2B)\d{3}$")
# French numbers as people dial them: "02 40 99 27 00", short numbers "115", "32 30", "+33 2 …".
PHONE_PATTERN = re.compile(r"^\+?\d[\d ]*\d$|^\d$")
# Telegram deep-link payloads: A-Z a-z 0-9 _ - and at most 64 characters.
DEEP_LINK_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
URL_PATTERN = re.compile(r"^https?://\S+$")

# data·inclusion v1 vocabularies (gip-inclusion/data-inclusion-schema, schemas/v1/extra), so our places
# can be exchanged with data·inclusion / DORA. Checked here because a mistyped slug silently breaks that.
RESEAUX_PORTEURS = frozenset("""
60000-rebonds action-logement adie afpa agefiph ai aidants-connect alliance-villes-emploi anlci apprentis-dauteuil
ase banques-alimentaires caarud cada caf campus-connecte cap-emploi-reseau-cheops cava ccas-cias
chambres-consulaires chantier-ecole chrs chu cidff cmp cms cnam collectif-emploi communes coorace
conseillers-numeriques cpam cph creches-avip crepi cresus croix-rouge csapa delegataire-conseil-departemental
departements duo-for-a-job ecoles-de-la-deuxieme-chance ea eatt egee emmaus epide esat espaces-publics-numeriques
etcld fabrique-de-territoire face fcsf federation-professionnelle-femmes federation-des-acteurs-de-la-solidarite
france-active france-service france-travail french-tech geiq grandes-ecoles-du-numerique huda hup inae
initiative-france konexio la-cravate-solidaire la-poste les-premieres maisons-de-l-emploi
maison-departementale-de-lautonomie maisons-des-solidarites mission-locale mjc mobin msap mutualite-sociale-agricole
nqt pimms-mediation pjj plie points-conseil-budget points-justice positive-planet regions reseau-app reseau-bge
reseau-entreprendre reseau-information-jeunesse residences-fjt ressourceries restos-du-coeur secours-populaire ei
aci etti eiti siao simplon singa snc spip tous-tes-possibles unaf unea unis-cite wimoov
""".split())
PUBLICS = frozenset("""
tous-publics actifs beneficiaires-des-minimas-sociaux demandeurs-emploi etudiants familles femmes jeunes
personnes-en-situation-de-handicap personnes-en-situation-durgence personnes-en-situation-juridique-specifique
personnes-exilees residents-qpv-frr seniors
""".split())
_SUB_THEMATIQUES = frozenset("""
choisir-un-metier--confirmer-son-choix-de-metier choisir-un-metier--connaitre-les-opportunites-demploi
choisir-un-metier--decouvrir-un-metier-ou-un-secteur-dactivite
choisir-un-metier--identifier-ses-points-forts-et-ses-competences
creer-une-entreprise--definir-son-projet-de-creation-dentreprise creer-une-entreprise--developper-son-entreprise
creer-une-entreprise--structurer-son-projet-de-creation-dentreprise
difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives
difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-a-la-citoyennete
difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits
difficultes-administratives-ou-juridiques--beneficier-dune-mesure-daccompagnement-adapte
difficultes-administratives-ou-juridiques--connaitre-ses-droits-face-a-une-discrimination
difficultes-administratives-ou-juridiques--prendre-en-compte-une-problematique-judiciaire
difficultes-financieres--acquerir-une-autonomie-budgetaire difficultes-financieres--ameliorer-sa-gestion-budgetaire
difficultes-financieres--mettre-en-place-une-mesure-de-protection-financiere
difficultes-financieres--prevenir-une-degradation-de-la-situation-financiere
difficultes-financieres--situation-dendettement-surendettement
equipement-et-alimentation--aide-menagere equipement-et-alimentation--alimentation
equipement-et-alimentation--electromenager equipement-et-alimentation--habillement
famille--garde-denfants famille--prise-en-charge-personne-dependante famille--soutien-a-la-parentalite-et-a-leducation
famille--soutien-aidants famille--surmonter-conflits-separation-violence
lecture-ecriture-calcul--maitriser-le-calcul lecture-ecriture-calcul--maitriser-le-francais
logement-hebergement--acheter-un-logement logement-hebergement--changer-de-logement
logement-hebergement--louer-un-logement logement-hebergement--rechercher-une-solution-dhebergement-temporaire
logement-hebergement--reduire-les-impayes-de-loyer logement-hebergement--se-maintenir-dans-le-logement
logement-hebergement--sinformer-sur-les-demarches-liees-a-lacces-au-logement
mobilite--acceder-a-un-vehicule mobilite--entretenir-reparer-son-vehicule
mobilite--etre-accompagne-dans-son-parcours-mobilite mobilite--financer-ma-mobilite mobilite--preparer-un-permis
mobilite--mobilite-douce-partagee-collective
numerique--acceder-a-des-services-en-ligne numerique--acceder-a-une-connexion-internet
numerique--acquerir-un-equipement numerique--maitriser-les-fondamentaux-du-numerique
preparer-sa-candidature--developper-son-reseau preparer-sa-candidature--organiser-ses-demarches-de-recherche-demploi
preparer-sa-candidature--realiser-un-cv-et-ou-une-lettre-de-motivation
preparer-sa-candidature--valoriser-ses-competences
remobilisation--activites-sportives-et-culturelles remobilisation--benevolat-action-citoyenne
remobilisation--bien-etre-confiance-en-soi remobilisation--lien-social
sante--acces-aux-soins sante--addictions sante--constituer-un-dossier-mdph-invalidite sante--sante-mentale
sante--sante-sexuelle
se-former--monter-son-dossier-de-formation se-former--trouver-sa-formation
souvrir-a-linternational--connaitre-les-opportunites-demploi-a-letranger
souvrir-a-linternational--sinformer-sur-les-aides-pour-travailler-a-letranger
souvrir-a-linternational--sorganiser-suite-a-son-retour-en-france
trouver-un-emploi--convaincre-un-recruteur-en-entretien trouver-un-emploi--faire-des-candidatures-spontanees
trouver-un-emploi--maintien-dans-lemploi trouver-un-emploi--repondre-a-des-offres-demploi
trouver-un-emploi--suivre-ses-candidatures-et-relancer-les-employeurs
""".split())
# A top-level theme alone ("difficultes-financieres") is also accepted, as in knowledge/README.md.
THEMATIQUES = _SUB_THEMATIQUES | frozenset(t.split("--")[0] for t in _SUB_THEMATIQUES)

PLACE_FIELDS = (
    "id", "name", "kind", "address", "postcode", "commune", "insee", "quartier", "lat", "lon", "phone",
    "opening_hours", "hours_text", "services", "reseaux_porteurs", "thematiques", "publics", "deep_link",
    "sources", "verified", "unverified", "reviewed", "closed_until",
)
PLACE_REQUIRED = ("id", "name", "kind", "address", "commune", "lat", "lon", "sources", "verified", "reviewed")


@dataclass(frozen=True)
class Source:
    url: str
    date: date | None = None
    note: str = ""


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str
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

    @property
    def file(self) -> str:
        return f"places/{self.id}.yaml"


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    kind: str  # one of ENTRY_KINDS
    aliases: tuple[str, ...] = ()
    lat: float = 0.0
    lon: float = 0.0
    insee: str | None = None
    quartier: str | None = None
    postcodes: tuple[str, ...] = ()
    polygon: tuple[tuple[float, float], ...] = ()  # (lat, lon) outer ring, for quartiers and communes
    place: str | None = None  # for a mairie: the id of its file in places/
    verified: bool = True  # False when the coordinate is approximate


@dataclass(frozen=True, eq=False)  # compared by identity: cheap to use as a cache key
class Gazetteer:
    quartiers: tuple[GazetteerEntry, ...] = ()
    communes: tuple[GazetteerEntry, ...] = ()
    streets: tuple[GazetteerEntry, ...] = ()
    landmarks: tuple[GazetteerEntry, ...] = ()  # landmarks and mairies

    @property
    def entries(self) -> tuple[GazetteerEntry, ...]:
        return self.quartiers + self.communes + self.landmarks + self.streets

    def commune(self, insee: str) -> GazetteerEntry | None:
        return next((c for c in self.communes if c.insee == insee), None)

    def quartier(self, name: str) -> GazetteerEntry | None:
        return next((q for q in self.quartiers if q.name == name), None)


# ---------------------------------------------------------------------------------------------- YAML


_read_yaml = read_yaml


# ---------------------------------------------------------------------------------------------- checks


class _Fields:
    """Reads typed fields from one mapping and records a problem for each wrong one."""

    def __init__(self, data: dict, problems: Problems, file: str, entry: str):
        self.data, self.problems, self.file, self.entry = data, problems, file, entry
        self.ok = True

    def error(self, field: str, message: str) -> None:
        self.ok = False
        self.problems.error(self.file, self.entry, field, message)

    def warning(self, field: str, message: str) -> None:
        self.problems.warning(self.file, self.entry, field, message)

    def present(self, field: str, required: bool) -> bool:
        if field not in self.data or self.data[field] is None:
            if required:
                self.error(field, "is required")
            return False
        return True

    def text(self, field: str, required: bool = False, pattern: re.Pattern | None = None,
             hint: str = "") -> str | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(field, f"must be text, not {_type_name(value)}")
            return None
        if not isinstance(value, str):
            # "44000" written without quotes is read as a number: say how to fix it.
            self.error(field, f"must be text: write it in quotes, \"{value}\"")
            return None
        value = value.strip()
        if not value:
            if required:
                self.error(field, "is empty")
            return None
        if pattern and not pattern.match(value):
            self.error(field, f"{value!r} is not valid{': ' + hint if hint else ''}")
            return None
        return value

    def number(self, field: str, low: float, high: float, required: bool = False) -> float | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(field, f"must be a number, not {_type_name(value)}")
            return None
        if not low <= value <= high:
            self.error(field, f"{value} is outside the Nantes area ({low} to {high}); lat and lon swapped?")
            return None
        return float(value)

    def boolean(self, field: str, required: bool = False) -> bool | None:
        if not self.present(field, required):
            return None
        value = self.data[field]
        if not isinstance(value, bool):
            self.error(field, f"must be true or false, not {value!r}")
            return None
        return value

    def day(self, field: str, required: bool = False) -> date | None:
        if not self.present(field, required):
            return None
        return _as_date(self.data[field], lambda message: self.error(field, message))

    def texts(self, field: str, vocabulary: frozenset[str] | None = None, what: str = "") -> tuple[str, ...]:
        if not self.present(field, False):
            return ()
        value = self.data[field]
        if isinstance(value, str):
            value = [value]  # a single value written without brackets is a common, harmless slip
        if not isinstance(value, list):
            self.error(field, f"must be a list, not {_type_name(value)}")
            return ()
        out = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.error(f"{field}[{index}]", f"must be text, not {_type_name(item)}")
            elif vocabulary is not None and item not in vocabulary:
                self.error(f"{field}[{index}]", f"unknown {what or field} slug {item!r}")
            else:
                out.append(item.strip())
        return tuple(out)


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a mapping", date: "a date", datetime: "a date and time"}.get(type(value), type(value).__name__)


def _as_date(value: Any, report) -> date | None:
    if isinstance(value, datetime):
        report("must be a date (YYYY-MM-DD), without a time")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    report(f"must be a date written YYYY-MM-DD, not {value!r}")
    return None


def check_opening_hours(expression: str) -> str | None:
    """None when the OpenStreetMap opening_hours expression is valid, else a one-line reason."""
    try:
        opening_hours.OpeningHours(expression, country="FR")
    except Exception as error:  # the parser raises its own error types (SyntaxError-like); all mean "invalid"
        lines = [line.strip(" |") for line in str(error).splitlines() if line.strip(" |")]
        return " ".join(lines)[:300] or "invalid opening_hours"
    return None


def _sources(fields: _Fields) -> tuple[Source, ...]:
    if not fields.present("sources", True):
        return ()
    raw = fields.data["sources"]
    if not isinstance(raw, list) or not raw:
        fields.error("sources", "must be a non-empty list of {url, date, note}")
        return ()
    out = []
    for index, item in enumerate(raw):
        where = f"sources[{index}]"
        if not isinstance(item, dict):
            fields.error(where, "must be a mapping {url, date, note}")
            continue
        unknown = set(item) - {"url", "date", "note"}
        if unknown:
            fields.error(where, f"unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        url = item.get("url")
        if not isinstance(url, str) or not URL_PATTERN.match(url.strip()):
            fields.error(f"{where}.url", f"must be an http(s) address, not {url!r}")
            continue
        when = None
        if item.get("date") is not None:
            when = _as_date(item["date"], lambda message, w=where: fields.error(f"{w}.date", message))
        note = item.get("note", "")
        if not isinstance(note, str):
            fields.error(f"{where}.note", "must be text")
            note = ""
        out.append(Source(url.strip(), when, note.strip()))
    return tuple(out)


def _parse_place(data: Any, stem: str, rel: str, problems: Problems) -> Place | None:
    if not isinstance(data, dict):
        problems.error(rel, stem, "", f"must be a mapping of fields, not {_type_name(data)}")
        return None
    entry = data["id"] if isinstance(data.get("id"), str) else stem
    fields = _Fields(data, problems, rel, entry)
    for key in data:
        if key not in PLACE_FIELDS:
            fields.error(str(key), "unknown field (a typo?)")

    place_id = fields.text("id", True, ID_PATTERN, "lower case letters, digits and _")
    if place_id and place_id != stem:
        fields.error("id", f"{place_id!r} must equal the file name {stem!r}")
    name = fields.text("name", True)
    kind = fields.text("kind", True)
    if kind and kind not in PLACE_KINDS:
        fields.error("kind", f"{kind!r} is not one of {', '.join(PLACE_KINDS)}")
    address = fields.text("address", True)
    commune = fields.text("commune", True)
    postcode = fields.text("postcode", pattern=POSTCODE_PATTERN, hint="5 digits, in quotes")
    insee = fields.text("insee", pattern=INSEE_PATTERN, hint="the 5-character INSEE code, in quotes")
    quartier = fields.text("quartier")
    lat = fields.number("lat", *LAT_RANGE, required=True)
    lon = fields.number("lon", *LON_RANGE, required=True)
    phone = fields.text("phone", pattern=PHONE_PATTERN, hint="digits and spaces, e.g. \"02 40 99 27 00\"")
    hours = fields.text("opening_hours")
    if hours:
        reason = check_opening_hours(hours)
        if reason:
            fields.error("opening_hours", f"{hours!r} is not OpenStreetMap opening_hours syntax: {reason}")
            hours = None
    hours_text = fields.text("hours_text")
    if hours and not hours_text:
        fields.warning("hours_text", "opening_hours has no plain-words version: add hours_text")
    services = fields.texts("services")
    reseaux = fields.texts("reseaux_porteurs", RESEAUX_PORTEURS, "data·inclusion reseaux_porteurs")
    thematiques = fields.texts("thematiques", THEMATIQUES, "data·inclusion thematiques")
    publics = fields.texts("publics", PUBLICS, "data·inclusion publics")
    deep_link = fields.text("deep_link", pattern=DEEP_LINK_PATTERN, hint="A-Z a-z 0-9 _ - only, at most 64")
    sources = _sources(fields)
    verified = fields.boolean("verified", True)
    unverified = fields.text("unverified")
    if verified is False and not unverified:
        fields.error("unverified", "is required when verified is false: say what is still to confirm")
    reviewed = fields.day("reviewed", True)
    closed_until = fields.day("closed_until")

    if not fields.ok:
        return None
    return Place(
        id=place_id, name=name, kind=kind, address=address, commune=commune, lat=lat, lon=lon,
        sources=sources, verified=verified, reviewed=reviewed, postcode=postcode, insee=insee,
        quartier=quartier, phone=phone, opening_hours=hours, hours_text=hours_text, services=services,
        reseaux_porteurs=reseaux, thematiques=thematiques, publics=publics, deep_link=deep_link,
        unverified=unverified, closed_until=closed_until,
    )


def load_places(directory: Path, problems: Problems) -> dict[str, Place]:
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
        ok, data = _read_yaml(path, rel, problems)
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
        place = _parse_place(data, path.stem, rel, problems)
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


# ---------------------------------------------------------------------------------------------- gazetteer


def _fold(text: str) -> str:
    """Case, accents and punctuation removed: to spot two spellings of the same name."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def _polygon(fields: _Fields) -> tuple[tuple[float, float], ...]:
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
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            fields.error(f"polygon[{index}]", f"[{lat}, {lon}] is outside the Nantes area; [lat, lon] order?")
            return ()
        points.append((lat, lon))
    return tuple(points)


def _area_entries(data: Any, kind: str, rel: str, problems: Problems) -> list[GazetteerEntry]:
    """quartiers.yaml and communes.yaml: a list of areas with a name, aliases, centroid and polygon."""
    if not isinstance(data, list):
        problems.error(rel, "", "", f"must be a list of {kind}s, not {_type_name(data)}")
        return []
    allowed = {"name", "aliases", "insee", "postcodes", "lat", "lon", "polygon"}
    out: list[GazetteerEntry] = []
    spellings: dict[str, str] = {}
    for index, item in enumerate(data):
        entry = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else f"#{index + 1}"
        if not isinstance(item, dict):
            problems.error(rel, entry, "", "must be a mapping")
            continue
        fields = _Fields(item, problems, rel, entry)
        for key in item:
            if key not in allowed:
                fields.error(str(key), "unknown field (a typo?)")
        name = fields.text("name", True)
        aliases = fields.texts("aliases")
        insee = fields.text("insee", True, INSEE_PATTERN, "the 5-character INSEE code, in quotes")
        postcodes = fields.texts("postcodes")
        for code in postcodes:
            if not POSTCODE_PATTERN.match(code):
                fields.error("postcodes", f"{code!r} is not a 5-digit postcode")
        lat = fields.number("lat", *LAT_RANGE, required=True)
        lon = fields.number("lon", *LON_RANGE, required=True)
        polygon = _polygon(fields)
        for spelling in (name, *aliases):
            if not spelling:
                continue
            folded = _fold(spelling)
            if folded in spellings and spellings[folded] != name:
                fields.error("aliases", f"{spelling!r} already names {spellings[folded]!r}")
            spellings[folded] = name
        if fields.ok:
            out.append(GazetteerEntry(name=name, kind=kind, aliases=aliases, lat=lat, lon=lon, insee=insee,
                                      quartier=name if kind == "quartier" else None, postcodes=postcodes,
                                      polygon=polygon))
    return out


def _landmarks(data: Any, rel: str, problems: Problems) -> list[GazetteerEntry]:
    if not isinstance(data, list):
        problems.error(rel, "", "", f"must be a list of landmarks, not {_type_name(data)}")
        return []
    allowed = {"name", "aliases", "kind", "lat", "lon", "insee", "quartier", "postcode", "place", "verified",
               "unverified", "source"}
    out: list[GazetteerEntry] = []
    spellings: dict[str, str] = {}
    for index, item in enumerate(data):
        entry = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else f"#{index + 1}"
        if not isinstance(item, dict):
            problems.error(rel, entry, "", "must be a mapping")
            continue
        fields = _Fields(item, problems, rel, entry)
        for key in item:
            if key not in allowed:
                fields.error(str(key), "unknown field (a typo?)")
        name = fields.text("name", True)
        aliases = fields.texts("aliases")
        kind = fields.text("kind") or "landmark"
        if kind not in ("landmark", "mairie"):
            fields.error("kind", f"{kind!r} must be landmark or mairie")
        lat = fields.number("lat", *LAT_RANGE, required=True)
        lon = fields.number("lon", *LON_RANGE, required=True)
        insee = fields.text("insee", pattern=INSEE_PATTERN, hint="the 5-character INSEE code, in quotes")
        quartier = fields.text("quartier")
        postcode = fields.text("postcode", pattern=POSTCODE_PATTERN, hint="5 digits, in quotes")
        place = fields.text("place", pattern=ID_PATTERN, hint="the id of a file in places/")
        verified = fields.boolean("verified", True)
        unverified = fields.text("unverified")
        if verified is False and not unverified:
            fields.error("unverified", "is required when verified is false: say why the point is approximate")
        fields.text("source", True)
        for spelling in (name, *aliases):
            if not spelling:
                continue
            folded = _fold(spelling)
            if folded in spellings and spellings[folded] != name:
                fields.error("aliases", f"{spelling!r} already names {spellings[folded]!r}")
            spellings[folded] = name
        if fields.ok:
            out.append(GazetteerEntry(name=name, kind=kind, aliases=aliases, lat=lat, lon=lon, insee=insee,
                                      quartier=quartier, postcodes=(postcode,) if postcode else (), place=place,
                                      verified=bool(verified)))
    return out


STREET_COLUMNS = ("street", "postcode", "commune", "lat", "lon")


def _streets(path: Path, rel: str, communes: list[GazetteerEntry], problems: Problems) -> list[GazetteerEntry]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.error(rel, "", "", "file is missing")
        return []
    except UnicodeDecodeError as error:
        problems.error(rel, "", "", f"is not UTF-8 text: {error}")
        return []
    # The street file spells communes its own way ("St-Herblain"): resolve through names and aliases.
    by_spelling = {_fold(s): c for c in communes for s in (c.name, *c.aliases)}
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in STREET_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        problems.error(rel, "line 1", ",".join(missing), "missing column(s) in the header")
        return []
    out = []
    for line, row in enumerate(reader, start=2):
        entry = f"line {line}"
        street = (row.get("street") or "").strip()
        if not street:
            problems.error(rel, entry, "street", "is empty")
            continue
        commune = by_spelling.get(_fold(row.get("commune") or ""))
        if commune is None:
            problems.error(rel, entry, "commune", f"{row.get('commune')!r} is not a commune of communes.yaml")
            continue
        postcode = (row.get("postcode") or "").strip()
        if not POSTCODE_PATTERN.match(postcode):
            problems.error(rel, entry, "postcode", f"{postcode!r} is not a 5-digit postcode")
            continue
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (TypeError, ValueError):
            problems.error(rel, entry, "lat", f"lat/lon must be numbers, not {row.get('lat')!r}, {row.get('lon')!r}")
            continue
        if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
            problems.error(rel, entry, "lat", f"{lat}, {lon} is outside the Nantes area")
            continue
        out.append(GazetteerEntry(name=street, kind="street", lat=lat, lon=lon, insee=commune.insee,
                                  postcodes=(postcode,)))
    return out


def load_gazetteer(directory: Path, problems: Problems) -> Gazetteer:
    """knowledge/gazetteer: quartiers.yaml, communes.yaml, landmarks.yaml and streets.csv."""
    directory = Path(directory)
    base = directory.name
    if not directory.is_dir():
        problems.error(f"{base}/", "", "", "the gazetteer folder is missing")
        return Gazetteer()
    def read(name: str) -> tuple[str, Any, bool]:
        rel = f"{base}/{name}.yaml"
        ok, data = _read_yaml(directory / f"{name}.yaml", rel, problems)
        return rel, data, ok

    rel, data, ok = read("quartiers")
    quartiers = _area_entries(data, "quartier", rel, problems) if ok else []
    rel, data, ok = read("communes")
    communes = _area_entries(data, "commune", rel, problems) if ok else []
    rel, data, ok = read("landmarks")
    landmarks = _landmarks(data, rel, problems) if ok else []
    insees = [c.insee for c in communes]
    for insee in {i for i in insees if insees.count(i) > 1}:
        problems.error(f"{base}/communes.yaml", insee, "insee", "the same INSEE code is used twice")
    quartier_names = {q.name for q in quartiers}
    for landmark in landmarks:
        if landmark.quartier and quartier_names and landmark.quartier not in quartier_names:
            problems.error(f"{base}/landmarks.yaml", landmark.name, "quartier",
                           f"{landmark.quartier!r} is not a quartier of quartiers.yaml")
        if landmark.insee and communes and landmark.insee not in insees:
            problems.error(f"{base}/landmarks.yaml", landmark.name, "insee",
                           f"{landmark.insee!r} is not a commune of communes.yaml")
    streets = _streets(directory / "streets.csv", f"{base}/streets.csv", communes, problems) if communes else []
    return Gazetteer(tuple(quartiers), tuple(communes), tuple(streets), tuple(landmarks))
