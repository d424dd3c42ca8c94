"""Distances and point-in-polygon on (lat, lon) in degrees, WGS84.

At the scale of a métropole (about 30 km), a spherical Earth and a local flat projection are
accurate to well under a metre per kilometre: good enough to rank accueils, no GIS library needed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)

Point = tuple[float, float]  # (lat, lon)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def point_in_polygon(lat: float, lon: float, polygon: Sequence[Point]) -> bool:
    """Ray casting (even-odd rule) on a ring of (lat, lon); the ring may be open or closed."""
    inside = False
    count = len(polygon)
    if count < 3:
        return False
    j = count - 1
    for i in range(count):
        lat_i, lon_i = polygon[i]
        lat_j, lon_j = polygon[j]
        if (lat_i > lat) != (lat_j > lat):
            crossing = lon_i + (lat - lat_i) * (lon_j - lon_i) / (lat_j - lat_i)
            if lon < crossing:
                inside = not inside
        j = i
    return inside


def distance_to_polygon_m(lat: float, lon: float, polygon: Sequence[Point]) -> float:
    """Distance in metres from the point to the ring's edges (0 only on an edge).

    Used to settle points that simplified borders leave in a gap or in an overlap between
    two neighbours; a local equirectangular projection is exact enough at that scale.
    """
    if not polygon:
        return math.inf
    ky = math.radians(1) * EARTH_RADIUS_M
    kx = ky * math.cos(math.radians(lat))
    best = math.inf
    count = len(polygon)
    for i in range(count):
        (lat_a, lon_a), (lat_b, lon_b) = polygon[i - 1], polygon[i]
        ax, ay = (lon_a - lon) * kx, (lat_a - lat) * ky
        bx, by = (lon_b - lon) * kx, (lat_b - lat) * ky
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best
