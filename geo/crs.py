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
    "CRS_ALIASES",
    "SWEDEN_BOUNDS_3006",
    "SWEREF99TM",
    "WGS84",
    "from_sweref",
    "in_sweden_3006",
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


def _key(crs: pyproj.CRS | str | int) -> str:
    parsed = crs if isinstance(crs, pyproj.CRS) else parse_crs(crs)
    return parsed.to_wkt()


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
    if parsed.to_epsg() == 3006:
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
