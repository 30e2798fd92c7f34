"""Geodesic distances on the WGS84 ellipsoid, the measure PostGIS `geography` uses.

Candidate school–unit pairs come from a KD-tree over earth-centred (ECEF) coordinates: the straight
chord between two points is never longer than the geodesic, so a ball query of radius `limit` in
ECEF returns every pair within the limit (and a few more, removed afterwards).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod
from scipy.spatial import cKDTree

WGS84 = Geod(ellps="WGS84")
_A_KM = 6378.137
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
# Below this margin from a limit, a distance is recomputed with pyproj's exact geodesic
# (Karney's algorithm, as in PostGIS) so the feasibility decision is identical to PostGIS.
# The chord series below is accurate to well under a millimetre up to 100 km (tested).
EXACT_RECHECK_MARGIN_KM = 0.001

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def ecef_km(*, latitude_deg: FloatArray, longitude_deg: FloatArray) -> FloatArray:
    """Earth-centred coordinates in km of points on the ellipsoid surface, shape (n, 3)."""
    lat = np.radians(latitude_deg)
    lon = np.radians(longitude_deg)
    prime_vertical_km = _A_KM / np.sqrt(1 - _E2 * np.sin(lat) ** 2)
    return np.column_stack(
        [
            prime_vertical_km * np.cos(lat) * np.cos(lon),
            prime_vertical_km * np.cos(lat) * np.sin(lon),
            prime_vertical_km * (1 - _E2) * np.sin(lat),
        ]
    )


def geodesic_km_exact(
    *, lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    _, _, metres = WGS84.inv(lon1, lat1, lon2, lat2)
    return np.asarray(metres, dtype=np.float64) / 1000.0


def geodesic_km_short(
    *,
    xyz1: FloatArray,
    xyz2: FloatArray,
    lat1: FloatArray,
    lon1: FloatArray,
    first: IntArray | None = None,
) -> FloatArray:
    """Geodesic length from the chord for short distances (≤ 100 km), vectorised and fast.

    The arc of a normal section with radius of curvature R is c + c³/(24 R²) + ...; R follows
    Euler's formula from the meridian and prime-vertical radii at the first point. With `first`,
    `xyz1`, `lat1` and `lon1` are given once per first point and `first` picks them per pair (the
    trigonometry then runs once per point, not per pair; the result is the same).
    """
    return _geodesic_km_short(xyz1=xyz1, lat1=lat1, lon1=lon1, first=first, xyz2=xyz2, second=None)


# Pairs per slice of the short-geodesic arithmetic: its dozen temporaries then stay in cache.
_PAIRS_PER_SLICE = 1 << 14


def _geodesic_km_short(
    *,
    xyz1: FloatArray,
    lat1: FloatArray,
    lon1: FloatArray,
    first: IntArray | None,
    xyz2: FloatArray,
    second: IntArray | None,
) -> FloatArray:
    """geodesic_km_short, also with `second` picking the second point per pair from `xyz2`.

    Pairs are taken a slice at a time; every pair goes through the same operations, in the same
    order, as if all were done at once, so the result is the same to the bit.
    """
    lat = np.radians(lat1)
    lon = np.radians(lon1)
    sin_lat, cos_lat = np.sin(lat), np.cos(lat)
    sin_lon, cos_lon = np.sin(lon), np.cos(lon)
    w2 = 1 - _E2 * sin_lat**2
    inverse_meridian_radius = w2**1.5 / (_A_KM * (1 - _E2))
    inverse_prime_vertical_radius = np.sqrt(w2) / _A_KM
    n_pairs = len(first) if first is not None else len(xyz1)
    km = np.empty(n_pairs, dtype=np.float64)
    for start in range(0, n_pairs, _PAIRS_PER_SLICE):
        pairs = slice(start, start + _PAIRS_PER_SLICE)
        one: slice | IntArray = first[pairs] if first is not None else pairs
        other: slice | IntArray = second[pairs] if second is not None else pairs
        xyz_one, xyz_other = xyz1[one], xyz2[other]
        dx = xyz_other[:, 0] - xyz_one[:, 0]
        dy = xyz_other[:, 1] - xyz_one[:, 1]
        dz = xyz_other[:, 2] - xyz_one[:, 2]
        chord_sq = dx * dx + dy * dy + dz * dz
        east_sq = (-sin_lon[one] * dx + cos_lon[one] * dy) ** 2
        north_sq = (
            -sin_lat[one] * (cos_lon[one] * dx + sin_lon[one] * dy) + cos_lat[one] * dz
        ) ** 2
        horizontal_sq = np.maximum(east_sq + north_sq, 1e-300)
        curvature = (
            north_sq * inverse_meridian_radius[one] + east_sq * inverse_prime_vertical_radius[one]
        ) / (horizontal_sq)
        chord_km = np.sqrt(chord_sq)
        km[pairs] = chord_km + chord_km * chord_sq * curvature**2 / 24.0
    return km


# Bytes of the boolean (source × target) matrix that puts the ball query's pairs in order; more
# sources than fit are taken in blocks.
_ORDER_BLOCK_BYTES = 1 << 25


def pairs_within(
    *,
    source_lat: FloatArray,
    source_lon: FloatArray,
    source_radius_km: FloatArray,
    target_lat: FloatArray,
    target_lon: FloatArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (source, target) pairs with geodesic distance ≤ the source's radius, and that distance.

    Returned sorted by source, then target.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))
    if len(source_lat) == 0 or len(target_lat) == 0:
        return empty
    source_xyz = ecef_km(latitude_deg=source_lat, longitude_deg=source_lon)
    target_xyz = ecef_km(latitude_deg=target_lat, longitude_deg=target_lon)
    tree = cKDTree(target_xyz)
    n_targets = len(target_lat)
    # The query returns pairs in tree order; marking them in a boolean matrix and reading its
    # nonzero cells back orders them by source and target without a sort.
    sources_per_block = max(1, _ORDER_BLOCK_BYTES // n_targets)
    found: list[IntArray] = []
    for first in range(0, len(source_lat), sources_per_block):
        radius_km = source_radius_km[first : first + sources_per_block]
        near = np.zeros(len(radius_km) * n_targets, dtype=bool)
        # One sparse distance query per distinct radius (a handful: the school levels' limits).
        for radius in np.unique(radius_km).tolist():
            with_radius = np.flatnonzero(radius_km == radius)
            pairs = cKDTree(source_xyz[first + with_radius]).sparse_distance_matrix(
                tree, radius, output_type="ndarray"
            )
            near[with_radius[pairs["i"]] * n_targets + pairs["j"]] = True
        cells = np.flatnonzero(near)
        cells += first * n_targets
        found.append(cells)
    cells = np.concatenate(found)
    if not len(cells):
        return empty
    source = cells // n_targets
    target = cells - source * n_targets
    del cells, found
    km = _geodesic_km_short(
        xyz1=source_xyz,
        lat1=source_lat,
        lon1=source_lon,
        first=source,
        xyz2=target_xyz,
        second=target,
    )
    radius = source_radius_km[source]
    near_limit = np.abs(km - radius) <= EXACT_RECHECK_MARGIN_KM
    if near_limit.any():
        km[near_limit] = geodesic_km_exact(
            lat1=source_lat[source[near_limit]],
            lon1=source_lon[source[near_limit]],
            lat2=target_lat[target[near_limit]],
            lon2=target_lon[target[near_limit]],
        )
    keep = km <= radius
    return source[keep], target[keep], km[keep]
