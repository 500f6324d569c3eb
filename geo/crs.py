"""Coordinate reference systems: parse, transform to SWEREF 99 TM, check against Sweden.

Computation happens in EPSG:3006 (SWEREF 99 TM, metres); display in EPSG:4326. Conversions
happen only at the edges (reading input, writing maps) and always with ``always_xy=True``:
x is easting/longitude, y is northing/latitude.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import numpy as np
import pyproj

from .errors import CrsError

__all__ = [
    "defined_crs",
    "CRS_ALIASES",
    "SWEDEN_BOUNDS_3006",
    "SWEREF99TM",
    "WGS84",
    "from_sweref",
    "identify_swedish_crs",
    "in_sweden_3006",
    "is_swedish_projected",
    "looks_like_northing",
    "parse_crs",
    "to_sweref",
]

logger = logging.getLogger(__name__)

SWEREF99TM = "EPSG:3006"
WGS84 = "EPSG:4326"

#: Generous bounding box of Sweden in EPSG:3006 (metres): easting min, northing min, max, max.
#: Sweden spans about E 265 000–925 000, N 6 130 000–7 680 000; 15–40 km of margin is added.
SWEDEN_BOUNDS_3006 = (220_000.0, 6_090_000.0, 960_000.0, 7_700_000.0)

#: Names users type for the CRS of Swedish data, mapped to EPSG codes.
CRS_ALIASES: dict[str, str] = {
    "wgs84": "EPSG:4326",
    "lonlat": "EPSG:4326",
    "latlon": "EPSG:4326",
    "sweref99": "EPSG:3006",
    "sweref99tm": "EPSG:3006",
    "sweref": "EPSG:3006",
    "sweref991200": "EPSG:3007",
    "sweref991330": "EPSG:3008",
    "sweref991500": "EPSG:3009",
    "sweref991630": "EPSG:3010",
    "sweref991800": "EPSG:3011",
    "sweref991415": "EPSG:3012",
    "sweref991545": "EPSG:3013",
    "sweref991715": "EPSG:3014",
    "sweref991345": "EPSG:3015",
    "sweref992015": "EPSG:3016",
    "sweref992145": "EPSG:3017",
    "sweref992315": "EPSG:3018",
    "rt90": "EPSG:3021",
    "rt9025gonv": "EPSG:3021",
    "rt90025gonv": "EPSG:3021",
}


def _alias_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=64)
def parse_crs(value: str | int) -> pyproj.CRS:
    """Parse a CRS given as EPSG code, ``"EPSG:3006"``, WKT or a Swedish alias.

    Parameters
    ----------
    value : str or int
        For example ``3006``, ``"EPSG:3006"``, ``"sweref99tm"``, ``"RT90"``, ``"wgs84"``.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CrsError
        If the value is not a CRS pyproj knows.
    """
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        text = f"EPSG:{int(value)}"
    else:
        text = CRS_ALIASES.get(_alias_key(str(value)), str(value).strip())
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError as exc:
        raise CrsError(
            f"crs: {value!r} is not a coordinate reference system pyproj knows; give an EPSG "
            "code such as EPSG:3006 (SWEREF 99 TM), EPSG:4326 (WGS 84 lon/lat) or EPSG:3021 "
            "(RT90 2.5 gon V)"
        ) from exc


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


#: WKT of CRS objects already seen (by identity; the objects are kept alive here), so that a
#: transformation of a few points does not pay for writing the WKT every time.
_WKT: dict[int, tuple[pyproj.CRS, str]] = {}


def _key(crs: pyproj.CRS | str | int) -> str:
    parsed = crs if isinstance(crs, pyproj.CRS) else parse_crs(crs)
    known = _WKT.get(id(parsed))
    if known is not None and known[0] is parsed:
        return known[1]
    wkt = parsed.to_wkt()
    if len(_WKT) < 256:
        _WKT[id(parsed)] = (parsed, wkt)
    return wkt


def to_sweref(
    x: np.ndarray, y: np.ndarray, crs: pyproj.CRS | str | int
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates to EPSG:3006.

    Parameters
    ----------
    x, y : numpy.ndarray
        Easting/longitude and northing/latitude in ``crs`` (``always_xy`` order).
    crs : pyproj.CRS, str or int
        CRS of the input.

    Returns
    -------
    tuple of numpy.ndarray
        Easting and northing in metres, EPSG:3006. Non-finite input stays non-finite.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    parsed = crs if isinstance(crs, pyproj.CRS) else parse_crs(crs)
    if _key(parsed) == _key(SWEREF99TM):
        return x.copy(), y.copy()
    tx, ty = _transformer(_key(parsed), _key(SWEREF99TM)).transform(x, y, errcheck=False)
    return np.asarray(tx, dtype="float64"), np.asarray(ty, dtype="float64")


def from_sweref(
    e: np.ndarray, n: np.ndarray, crs: pyproj.CRS | str | int = WGS84
) -> tuple[np.ndarray, np.ndarray]:
    """Transform EPSG:3006 coordinates to ``crs`` (default WGS 84 lon/lat)."""
    parsed = crs if isinstance(crs, pyproj.CRS) else parse_crs(crs)
    tx, ty = _transformer(_key(SWEREF99TM), _key(parsed)).transform(
        np.asarray(e, dtype="float64"), np.asarray(n, dtype="float64"), errcheck=False
    )
    return np.asarray(tx, dtype="float64"), np.asarray(ty, dtype="float64")


def defined_crs(crs: pyproj.CRS | None) -> pyproj.CRS | None:
    """``crs``, or None when it says nothing: a GeoPackage's "Undefined Cartesian SRS" or
    "Undefined geographic SRS" (srs_id -1 and 0), or any engineering (local) CRS, whose
    coordinates cannot be placed on the earth. A file with one declares no CRS."""
    if crs is None:
        return None
    if crs.name.lower().startswith("undefined") or crs.is_engineering:
        return None
    return crs


def in_sweden_3006(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Boolean mask: finite coordinates inside the bounding box of Sweden (EPSG:3006)."""
    x0, y0, x1, y1 = SWEDEN_BOUNDS_3006
    with np.errstate(invalid="ignore"):
        return np.isfinite(e) & np.isfinite(n) & (e >= x0) & (e <= x1) & (n >= y0) & (n <= y1)


def guess_crs_from_values(x: np.ndarray, y: np.ndarray) -> str | None:
    """Suggest the CRS a pair of coordinate columns most likely uses (for error messages only).

    The guess is never applied silently: it only words the hint in the message that asks the
    user for ``--crs``.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return None
    mx, my = float(np.median(x[ok])), float(np.median(y[ok]))
    if 10 <= mx <= 25 and 55 <= my <= 70:
        return "EPSG:4326 (WGS 84 longitude/latitude)"
    if 55 <= mx <= 70 and 10 <= my <= 25:
        return "EPSG:4326, but the columns look swapped (x holds latitude)"
    if 200_000 <= mx <= 960_000 and 6_090_000 <= my <= 7_700_000:
        return "EPSG:3006 (SWEREF 99 TM) or a SWEREF 99 local zone (EPSG:3007-3018)"
    if 1_200_000 <= mx <= 1_900_000 and 6_100_000 <= my <= 7_700_000:
        return "EPSG:3021 (RT90 2.5 gon V)"
    if 6_090_000 <= mx <= 7_700_000 and (200_000 <= my <= 960_000 or 1_200_000 <= my <= 1_900_000):
        return "SWEREF 99 TM or RT90, but the columns look swapped (x holds northing)"
    return None


#: Northings of Sweden in SWEREF 99 (TM and local zones) and RT90, metres, with a margin.
NORTHING_RANGE = (6_050_000.0, 7_750_000.0)
#: Eastings of Sweden in SWEREF 99 TM (false easting 500 000 m). The local zones
#: (EPSG:3007-3018, false easting 150 000 m) stay below about 250 000 m within their zone.
EASTING_RANGE_SWEREF99TM = (255_000.0, 935_000.0)
#: Eastings of Sweden in RT90 (false easting 1 500 000 m); no overlap with SWEREF 99 TM.
EASTING_RANGE_RT90 = (1_180_000.0, 1_920_000.0)


def _between(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (values >= bounds[0]) & (values <= bounds[1])


def is_swedish_projected(crs: pyproj.CRS | str | int) -> bool:
    """Whether ``crs`` is a Swedish projected CRS: SWEREF 99 TM or a local zone, or RT90."""
    parsed = crs if isinstance(crs, pyproj.CRS) else parse_crs(crs)
    if not parsed.is_projected:
        return False
    name = "".join(parsed.name.upper().split())
    return "SWEREF99" in name or "RT90" in name


def looks_like_northing(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether ``x`` holds Swedish northings and ``y`` eastings (most finite rows).

    True when more than half of the rows with both values finite have ``x`` in the
    northing range of Sweden (6.05-7.75 million m) and ``y`` below it (an easting of SWEREF 99
    or RT90): the Swedish geodetic axis order, X = northing.
    """
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    swapped = _between(x[ok], NORTHING_RANGE) & _between(y[ok], (0.0, EASTING_RANGE_RT90[1]))
    return bool(swapped.sum() * 2 > ok.sum())


def identify_swedish_crs(e: np.ndarray, n: np.ndarray) -> tuple[str, str] | None:
    """The Swedish projected CRS that coordinate values identify unambiguously, if any.

    SWEREF 99 TM and RT90 2.5 gon V eastings do not overlap in Sweden, so eastings tell them
    apart. The answer is given when more than half of the finite rows fall in one system's
    range and none in the other's; values that could be a SWEREF 99 local zone, or that mix
    both systems, give ``None`` (the caller then asks for ``--crs``).

    Parameters
    ----------
    e, n : numpy.ndarray
        Eastings and northings (metres) in an unknown CRS.

    Returns
    -------
    tuple of str or None
        ``(code, description)``, e.g. ``("EPSG:3006", "SWEREF 99 TM")``.
    """
    e = np.asarray(e, dtype="float64")
    n = np.asarray(n, dtype="float64")
    ok = np.isfinite(e) & np.isfinite(n)
    total = int(ok.sum())
    if total == 0:
        return None
    north = _between(n[ok], NORTHING_RANGE)
    tm = int((north & _between(e[ok], EASTING_RANGE_SWEREF99TM)).sum())
    rt90 = int((north & _between(e[ok], EASTING_RANGE_RT90)).sum())
    if tm * 2 > total and rt90 == 0:
        return "EPSG:3006", "SWEREF 99 TM (EPSG:3006)"
    if rt90 * 2 > total and tm == 0:
        return "EPSG:3021", "RT90 2.5 gon V (EPSG:3021)"
    return None
