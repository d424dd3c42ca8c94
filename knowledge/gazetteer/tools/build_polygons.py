"""Rebuild the polygons and centroids of quartiers.yaml and communes.yaml.

One-off data tooling, not runtime code. It reads the Nantes Métropole open-data
polygons (ODbL, credit "Nantes Métropole") copied into /work/shared/data and
writes simplified outer rings, so that point-in-polygon stays fast and the YAML
stays readable. Names, aliases and postcodes already present in the YAML files
are kept: edit them by hand, then re-run this script only to refresh geometry.

Usage:
    python knowledge/gazetteer/tools/build_polygons.py [--data /work/shared/data]
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
GAZETTEER = HERE.parent

# Largest size of a simplified ring: enough to follow borders to a few tens of metres,
# small enough to keep the YAML reviewable. Rings already smaller are kept as they are.
MAX_POINTS = 150

NANTES_INSEE = "44109"

# First-generation defaults; once the YAML exists, its own aliases/postcodes win.
QUARTIER_DEFAULTS: dict[str, dict] = {
    "Centre Ville": {
        "aliases": ["Centre-ville", "Centre ville de Nantes", "Hyper-centre", "Hypercentre"],
        "postcodes": ["44000"],
    },
    "Bellevue - Chantenay - Sainte Anne": {
        "aliases": ["Bellevue", "Chantenay", "Sainte-Anne", "Sainte Anne", "Bellevue Chantenay",
                    "Chantenay Bellevue", "Bellevue-Chantenay-Sainte-Anne"],
        "postcodes": ["44100"],
    },
    "Dervallières - Zola": {
        "aliases": ["Dervallières", "Dervallieres", "Zola", "Les Dervallières", "Dervallières Zola"],
        "postcodes": ["44100"],
    },
    "Hauts Pavés - Saint Félix": {
        "aliases": ["Hauts-Pavés", "Hauts Pavés", "Saint-Félix", "Saint Félix", "Hauts-Pavés Saint-Félix"],
        "postcodes": ["44000", "44100", "44300"],
    },
    "Malakoff - Saint-Donatien": {
        "aliases": ["Malakoff", "Saint-Donatien", "Saint Donatien", "Malakoff Saint-Donatien"],
        "postcodes": ["44000", "44300"],
    },
    "Ile de Nantes": {
        "aliases": ["Île de Nantes", "Ile-de-Nantes", "Île-de-Nantes"],
        "postcodes": ["44200"],
    },
    "Breil - Barberie": {
        "aliases": ["Breil", "Le Breil", "Barberie", "La Barberie", "Breil Barberie"],
        "postcodes": ["44100", "44300"],
    },
    "Nantes Nord": {
        "aliases": ["Nantes-Nord", "Bout des Landes", "Bout-des-Landes", "Boissière", "La Boissière",
                    "Petite Sensive", "Chêne des Anglais"],
        "postcodes": ["44300"],
    },
    "Nantes Erdre": {
        "aliases": ["Nantes-Erdre", "Ranzay", "Saint-Joseph de Porterie", "Saint-Joseph-de-Porterie",
                    "Porterie"],
        "postcodes": ["44300"],
    },
    "Doulon - Bottière": {
        "aliases": ["Doulon", "Bottière", "Bottiere", "La Bottière", "Doulon Bottière", "Pin Sec",
                    "Pin-Sec", "Bottière Pin-Sec"],
        "postcodes": ["44300"],
    },
    "Nantes Sud": {
        "aliases": ["Nantes-Sud", "Saint-Jacques", "Saint Jacques", "Clos Toreau", "Clos-Toreau"],
        "postcodes": ["44200"],
    },
}

COMMUNE_DEFAULTS: dict[str, dict] = {
    # name: aliases (incl. the abbreviations of the street dataset), postcodes
    "44009": {"name": "Basse-Goulaine", "aliases": [], "postcodes": ["44115"]},
    "44018": {"name": "Bouaye", "aliases": [], "postcodes": ["44830"]},
    "44020": {"name": "Bouguenais", "aliases": [], "postcodes": ["44340"]},
    "44024": {"name": "Brains", "aliases": [], "postcodes": ["44830"]},
    "44026": {"name": "Carquefou", "aliases": [], "postcodes": ["44470"]},
    "44047": {"name": "Couëron", "aliases": ["Coueron"], "postcodes": ["44220"]},
    "44074": {"name": "Indre", "aliases": [], "postcodes": ["44610"]},
    "44035": {"name": "La Chapelle-sur-Erdre", "aliases": ["La Chapelle", "Chapelle-sur-Erdre"],
              "postcodes": ["44240"]},
    "44101": {"name": "La Montagne", "aliases": [], "postcodes": ["44620"]},
    "44120": {"name": "Le Pellerin", "aliases": [], "postcodes": ["44640"]},
    "44198": {"name": "Les Sorinières", "aliases": ["Sorinières"], "postcodes": ["44840"]},
    "44094": {"name": "Mauves-sur-Loire", "aliases": ["Mauves"], "postcodes": ["44470"]},
    "44109": {"name": "Nantes", "aliases": ["Nantes ville", "Ville de Nantes"],
              "postcodes": ["44000", "44100", "44200", "44300"]},
    "44114": {"name": "Orvault", "aliases": ["Orvault Bourg", "Petit-Chantilly", "Bugallière", "Plaisance"],
              "postcodes": ["44700"]},
    "44143": {"name": "Rezé", "aliases": ["Reze", "Trentemoult", "Pont-Rousseau", "Ragon"],
              "postcodes": ["44400"]},
    "44150": {"name": "Saint-Aignan-Grandlieu",
              "aliases": ["Saint-Aignan de Grand Lieu", "St-Aignan-Grandlieu", "Saint-Aignan"],
              "postcodes": ["44860"]},
    "44162": {"name": "Saint-Herblain", "aliases": ["St-Herblain", "St Herblain"], "postcodes": ["44800"]},
    "44166": {"name": "Saint-Jean-de-Boiseau", "aliases": ["St-Jean-de-Boiseau"], "postcodes": ["44640"]},
    "44171": {"name": "Saint-Léger-les-Vignes", "aliases": ["St-Léger-les-Vignes"], "postcodes": ["44710"]},
    "44190": {"name": "Saint-Sébastien-sur-Loire",
              "aliases": ["St-Sébastien-sur-Loire", "Saint-Sébastien", "St Seb", "Saint-Seb"],
              "postcodes": ["44230"]},
    "44172": {"name": "Sainte-Luce-sur-Loire", "aliases": ["Ste-Luce-sur-Loire", "Sainte-Luce"],
              "postcodes": ["44980"]},
    "44194": {"name": "Sautron", "aliases": [], "postcodes": ["44880"]},
    "44204": {"name": "Thouaré-sur-Loire", "aliases": ["Thouaré", "Thouare"], "postcodes": ["44470"]},
    "44215": {"name": "Vertou", "aliases": ["Beautour", "Le Portillon"], "postcodes": ["44120"]},
}


def _perpendicular(p, a, b, kx: float) -> float:
    """Distance from p to segment ab, in degrees of latitude (lon scaled by cos(lat))."""
    (py, px), (ay, ax), (by, bx) = p, a, b
    px, ax, bx = px * kx, ax * kx, bx * kx
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def douglas_peucker(points: list[tuple[float, float]], tolerance: float, kx: float) -> list[tuple[float, float]]:
    """Iterative Douglas-Peucker on an open polyline of (lat, lon)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        best, index = 0.0, -1
        for i in range(start + 1, end):
            d = _perpendicular(points[i], points[start], points[end], kx)
            if d > best:
                best, index = d, i
        if index != -1 and best > tolerance:
            keep[index] = True
            stack.append((start, index))
            stack.append((index, end))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring_lonlat: list[list[float]]) -> tuple[list[tuple[float, float]], float]:
    """Simplify a closed GeoJSON ring ([lon, lat]) to MIN..MAX points; returns (lat, lon) ring, tolerance."""
    points = [(lat, lon) for lon, lat in ring_lonlat]
    if points[0] == points[-1]:
        points = points[:-1]
    kx = math.cos(math.radians(sum(p[0] for p in points) / len(points)))
    if len(points) <= MAX_POINTS:
        return points, 0.0
    # Split the closed ring at its farthest point from the first one, so DP works on two open halves.
    far = max(range(len(points)), key=lambda i: math.hypot(points[i][0] - points[0][0],
                                                          (points[i][1] - points[0][1]) * kx))
    halves = (points[: far + 1], points[far:] + [points[0]])
    # Bisect for the smallest tolerance that still fits MAX_POINTS: the most faithful ring allowed.
    low, high = 0.0, 0.01
    best = None
    for _ in range(40):
        tol = (low + high) / 2
        simplified = douglas_peucker(halves[0], tol, kx)[:-1] + douglas_peucker(halves[1], tol, kx)[:-1]
        if len(simplified) > MAX_POINTS:
            low = tol
        else:
            best = (simplified, tol)
            high = tol
    assert best is not None
    return best


def outer_ring(geometry: dict) -> list[list[float]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"][0]
    # MultiPolygon: keep the largest part (no multi-part quartier or commune in the data as of 2024).
    parts = [poly[0] for poly in geometry["coordinates"]]
    return max(parts, key=len)


def load_existing(path: Path, key: str) -> dict[str, dict]:
    if not path.exists():
        return {}
    return {str(item[key]): item for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []}


def fmt_ring(ring: list[tuple[float, float]]) -> list[list[float]]:
    return [[round(lat, 5), round(lon, 5)] for lat, lon in ring]


def dump(path: Path, header: str, items: list[dict]) -> None:
    """Write one mapping per entry, the polygon one point per line so diffs stay readable."""
    lines = [header.rstrip(), ""]
    for item in items:
        first = True
        for key, value in item.items():
            prefix = "- " if first else "  "
            first = False
            if key == "polygon":
                lines.append(f"{prefix}polygon:   # [lat, lon], outer ring, simplified ({len(value)} points)")
                lines.extend(f"    - [{lat}, {lon}]" for lat, lon in value)
            elif isinstance(value, list):
                flow = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip()
                lines.append(f"{prefix}{key}: {flow}")
            else:
                scalar = yaml.safe_dump(value, allow_unicode=True).strip()
                scalar = scalar.removesuffix("\n...").removesuffix("...").strip()
                lines.append(f"{prefix}{key}: {scalar}")
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()

    centroids = {}
    with open(args.data / "nantes_metropole_quartiers_centroids.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["commune"] == "Nantes":
                centroids[row["quartier"]] = (float(row["centroid_lat"]), float(row["centroid_lon"]))
    quartiers_geo = json.loads((args.data / "nantes_metropole_quartiers.geojson").read_text(encoding="utf-8"))
    existing = load_existing(GAZETTEER / "quartiers.yaml", "name")
    quartiers = []
    for feature in sorted(quartiers_geo["features"], key=lambda f: int(f["properties"]["idobj"])
                          if f["properties"]["libcom"] == "Nantes" else 0):
        props = feature["properties"]
        if props["libcom"] != "Nantes":
            continue
        name = props["nom"]
        ring, tol = simplify_ring(outer_ring(feature["geometry"]))
        old = existing.get(name) or QUARTIER_DEFAULTS[name]
        lat, lon = centroids[name]
        quartiers.append({
            "name": name,
            "aliases": old.get("aliases", []),
            "insee": NANTES_INSEE,
            "postcodes": old.get("postcodes", []),
            "lat": lat,
            "lon": lon,
            "polygon": fmt_ring(ring),
        })
        print(f"quartier {name}: {len(outer_ring(feature['geometry']))} -> {len(ring)} points (tol {tol:.6f}°)")

    commune_centroids = {}
    with open(args.data / "nantes_metropole_communes_centroids.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            commune_centroids[row["code_insee"]] = (float(row["centroid_lat"]), float(row["centroid_lon"]))
    communes_geo = json.loads((args.data / "nantes_metropole_communes.geojson").read_text(encoding="utf-8"))
    existing_c = load_existing(GAZETTEER / "communes.yaml", "insee")
    communes = []
    by_name = sorted(communes_geo["features"], key=lambda f: COMMUNE_DEFAULTS[f["properties"]["id_insee"]]["name"])
    for feature in by_name:
        insee = feature["properties"]["id_insee"]
        ring, tol = simplify_ring(outer_ring(feature["geometry"]))
        old = existing_c.get(insee) or COMMUNE_DEFAULTS[insee]
        lat, lon = commune_centroids[insee]
        communes.append({
            "name": old["name"],
            "aliases": old.get("aliases", []),
            "insee": insee,
            "postcodes": old.get("postcodes", []),
            "lat": lat,
            "lon": lon,
            "polygon": fmt_ring(ring),
        })
        print(f"commune {old['name']}: {len(outer_ring(feature['geometry']))} -> {len(ring)} points (tol {tol:.6f}°)")

    dump(GAZETTEER / "quartiers.yaml",
         "# The 11 quartiers of Nantes (INSEE 44109). See README.md in this folder.\n"
         "# Polygons and centroids: Nantes Métropole open data (ODbL), credit \"Nantes Métropole\",\n"
         "# dataset 244400404_quartiers-communes-nantes-metropole; rings simplified by tools/build_polygons.py.\n"
         "# postcodes are the main ones seen in the quartier (approximate: a postcode spans several quartiers).",
         quartiers)
    dump(GAZETTEER / "communes.yaml",
         "# The 24 communes of Nantes Métropole. See README.md in this folder.\n"
         "# Polygons: Nantes Métropole open data (ODbL), credit \"Nantes Métropole\", dataset\n"
         "# 244400404_communes-nantes-metropole (2022-11-15); rings simplified by tools/build_polygons.py.\n"
         "# Centroids and postcodes: /work/shared/facts/nantes.md section 1.2.",
         communes)


if __name__ == "__main__":
    main()
