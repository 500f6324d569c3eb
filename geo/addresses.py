"""Address tables: the rows of an address file plus their coordinates, parsed and checked.

Columns are found by name (Swedish and English, any case), Swedish axis order and CRS are
recognised (X = northing; SWEREF 99 TM and RT90 from the values), and every row keeps a
reason when its coordinates cannot be read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .crs import (
    WGS84,
    defined_crs,
    guess_crs_from_values,
    identify_swedish_crs,
    is_swedish_projected,
    looks_like_northing,
    parse_crs,
)
from .errors import CrsError, InputFileError, MissingColumnError
from .io.datasets import PointsPart, read_points_part
from .io.files import check_file
from .io.postgis import Database, as_source, read_database
from .io.tables import column_key, find_column, read_frame
from .numbers import parse_numbers

__all__ = [
    "AddressTable",
    "Extents",
    "find_id_column",
    "read_addresses",
    "table_from_frame",
    "table_from_geodataframe",
    "table_from_points",
]

logger = logging.getLogger(__name__)

#: Column names recognised for coordinates (compared after lower-casing and dropping
#: everything but letters and digits). Longitude/latitude names imply WGS 84.
LON_NAMES = ("lon", "lng", "long", "longitude", "longitud", "lonwgs84", "wgs84lon", "längdgrad")
LAT_NAMES = ("lat", "latitude", "latitud", "latwgs84", "wgs84lat", "breddgrad")
EAST_NAMES = (
    "e", "east", "easting", "ost", "öst", "ostlig", "östlig", "ostkoordinat", "östkoordinat",
    "ekoordinat", "koordinate", "x", "xcoord", "xkoord", "xkoordinat", "koordinatx", "esweref",
    "swerefe", "e3006", "x3006", "eastingm", "eastingsweref", "ostvarde", "östvärde",
)  # fmt: skip
NORTH_NAMES = (
    "n", "north", "northing", "nord", "nordlig", "nordkoordinat", "nkoordinat", "koordinatn",
    "y", "ycoord", "ykoord", "ykoordinat", "koordinaty", "nsweref", "swerefn", "n3006", "y3006",
    "northingm", "northingsweref", "nordvarde", "nordvärde",
)  # fmt: skip
#: Names in the Swedish geodetic convention, where X is the northing and Y the easting
#: (Lantmäteriet's exports, SWEREF 99 and RT90 axis order).
X_NAMES = ("x", "xcoord", "xkoord", "xkoordinat", "koordinatx", "x3006")
Y_NAMES = ("y", "ycoord", "ykoord", "ykoordinat", "koordinaty", "y3006")
ID_NAMES = ("id", "addressid", "adressid", "objectid", "fid", "uuid", "lopnr", "löpnr", "nr")


@dataclass
class Extents:
    """Where rows located at less than address precision may lie (EPSG:3006).

    A row matched to a street without its number, to a postcode or to a locality, or to
    several register rows, may lie anywhere among a set of register points: its *extent*.
    The assignment gives such a row an area only where its whole extent lies in one area.

    Attributes
    ----------
    e, n : numpy.ndarray
        Coordinates of the register's points (m, EPSG:3006).
    groups : list of (key, numpy.ndarray)
        One extent per distinct match: a hashable key (what matched) and the positions of
        its points in ``e``/``n``.
    row_group : numpy.ndarray
        Per row, the index into ``groups`` (``-1``: the row has no extent).
    what : list of str
        Per group, what matched, for reasons ("street 'x' in postcode 58222").
    memo : dict
        Areas already found per group key and area index; shared by every table matched
        against the same register, so a service finds each extent's areas once.
    """

    e: np.ndarray
    n: np.ndarray
    groups: list[tuple[tuple, np.ndarray]]
    row_group: np.ndarray
    what: list[str]
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def take(self, rows: np.ndarray) -> Extents:
        """The extents of ``rows`` (positions), e.g. to join or split tables."""
        return Extents(self.e, self.n, self.groups, self.row_group[rows], self.what, self.memo)


@dataclass
class AddressTable:
    """Addresses as read from a file: the original rows plus parsed coordinates.

    Attributes
    ----------
    frame : pandas.DataFrame
        The input rows, unmodified, in input order.
    x, y : numpy.ndarray
        Parsed coordinates in ``crs`` (float64; ``nan`` where missing or unreadable).
    crs : pyproj.CRS
        CRS of ``x``/``y``.
    reason : numpy.ndarray
        Per row, why the coordinates could not be read (empty string where they could).
    columns : tuple
        Names of the coordinate columns used, or ``("geometry",)``.
    """

    frame: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    crs: pyproj.CRS
    reason: np.ndarray
    columns: tuple[str, ...]
    source: str = ""
    notes: list[str] = field(default_factory=list)
    #: Rows whose text address matched no register row (status ``unmatched_address``).
    unmatched: np.ndarray | None = None
    #: Rows whose street resembles a different register street (status ``needs_review``).
    review: np.ndarray | None = None
    #: ``location_precision`` per row (``None``: every row came with coordinates).
    precision: np.ndarray | None = None
    #: Extents of the rows located at less than address precision.
    extents: Extents | None = None

    @classmethod
    def concat(cls, tables: list[AddressTable], *, source: str = "") -> AddressTable:
        """One table of several in the same CRS and coordinate columns (rows in order).

        For tables of coordinates (the lookups a service joins into one call); tables of
        text addresses are matched together instead (:func:`geo.geocoding.geocoded_table`).
        """
        if len(tables) == 1:
            return tables[0]
        if any(t.extents is not None for t in tables):
            raise ValueError("concat: tables of text addresses are matched together instead")
        size = sum(len(t.x) for t in tables)
        frames = [t.frame.reset_index(drop=True) for t in tables]

        def joined(name: str, empty: object) -> np.ndarray | None:
            parts = [getattr(t, name) for t in tables]
            if all(p is None for p in parts):
                return None
            return np.concatenate(
                [p if p is not None else np.full(len(t.x), empty) for p, t in zip(parts, tables,
                                                                                  strict=True)]
            )  # fmt: skip

        return cls(
            pd.concat(frames, ignore_index=True)
            if any(len(f.columns) for f in frames)
            else pd.DataFrame(index=range(size)),
            np.concatenate([t.x for t in tables]),
            np.concatenate([t.y for t in tables]),
            tables[0].crs,
            np.concatenate([t.reason for t in tables]),
            tables[0].columns,
            source or tables[0].source,
            [],
            joined("unmatched", False),
            joined("review", False),
            joined("precision", ""),
        )


def read_addresses(
    path: str | Path | Database,
    *,
    x_col: str | None = None,
    y_col: str | None = None,
    crs: str | int | None = None,
    sheet: str | int | None = None,
) -> AddressTable:
    """Read an address file with coordinates.

    Parameters
    ----------
    path : str or pathlib.Path
        CSV (``,``/``;``/tab separated, decimal point or comma), Excel ``.xlsx``, GeoPackage,
        GeoJSON or (Geo)Parquet.
    x_col, y_col : str, optional
        Coordinate columns: easting/longitude and northing/latitude. Recognised automatically
        when named ``lon``/``lat``, ``longitud``/``latitud``, ``x``/``y``, ``E``/``N``,
        ``ost``/``nord``, ``easting``/``northing`` and similar.
    crs : str or int, optional
        CRS of the coordinates (``EPSG:3006``, ``3021``, ``"RT90"``, ``"wgs84"`` ...). Required
        for projected columns in a table; longitude/latitude columns are WGS 84. A file whose
        geometry declares a CRS must not be given a different one (nothing is relabelled).

    Returns
    -------
    AddressTable

    Raises
    ------
    InputFileError, MissingColumnError, CrsError
    """
    src = as_source(path)
    if isinstance(src, Database):  # a PostgreSQL table or query (geo.io.postgis)
        path = src
        df = read_database(src, argument="addresses", geometry="points")
        file_crs = df.crs if isinstance(df, gpd.GeoDataFrame) else None
    else:
        path = Path(src)
        check_file(path, "addresses")
        if path.suffix.lower() in (".parquet", ".geoparquet") and x_col is None and y_col is None:
            part = _read_points(path)  # GeoParquet points: no geometry object per row
            if part is not None:
                return table_from_points(
                    part.frame, part.x, part.y, part.type_id, part.type_names,
                    declared_crs=part.crs, crs=parse_crs(crs) if crs is not None else None,
                    source=str(path),
                )  # fmt: skip
        df, file_crs = read_frame(path, sheet=sheet)
    if len(df.columns) == 0:
        raise InputFileError(f"addresses: {str(path)!r} has no columns")
    user_crs = parse_crs(crs) if crs is not None else None

    if isinstance(df, gpd.GeoDataFrame) and x_col is None and y_col is None:
        return table_from_geodataframe(df, crs=user_crs, source=str(path))

    frame = (
        pd.DataFrame(df.drop(columns=df.geometry.name)) if isinstance(df, gpd.GeoDataFrame) else df
    )
    if len(frame) == 0:
        raise InputFileError(f"addresses: {str(path)!r} has a header but no rows")
    return table_from_frame(frame, x_col=x_col, y_col=y_col, crs=user_crs, source=str(path))


def _read_points(path: Path) -> PointsPart | None:
    try:
        return read_points_part(path)
    except (OSError, ValueError) as err:  # ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise InputFileError(
            f"addresses: {str(path)!r} is not a readable Parquet file: {err}"
        ) from err


def table_from_frame(
    frame: pd.DataFrame,
    *,
    x_col: str | None = None,
    y_col: str | None = None,
    crs: pyproj.CRS | None = None,
    source: str = "DataFrame",
) -> AddressTable:
    """Address table from a plain table with coordinate columns.

    Columns are found by name unless given (see :func:`read_addresses`); longitude/latitude
    columns are WGS 84, projected columns need ``crs``.
    """
    if (x_col is None) != (y_col is None):
        raise MissingColumnError(
            "addresses: give both --x-col and --y-col (easting/longitude and northing/latitude), "
            f"received x_col={x_col!r}, y_col={y_col!r}"
        )
    notes: list[str] = []
    lonlat = False
    if x_col is None:
        lon, lat = find_column(frame, LON_NAMES), find_column(frame, LAT_NAMES)
        east, north = find_column(frame, EAST_NAMES), find_column(frame, NORTH_NAMES)
        projected_wanted = crs is not None and crs.is_projected
        if lon and lat and not (projected_wanted and east and north):
            x_col, y_col, lonlat = lon, lat, True
        elif east and north:
            x_col, y_col = east, north
        else:
            raise MissingColumnError(
                f"addresses: no coordinate columns found in {source!r}; columns are "
                f"{list(map(str, frame.columns))[:20]}; name them lon/lat, x/y or E/N, or pass "
                "--x-col and --y-col"
            )
    for c in (x_col, y_col):
        if c not in frame.columns:
            raise MissingColumnError(
                f"addresses: column {c!r} not found in {source!r}; columns are "
                f"{list(map(str, frame.columns))[:20]}"
            )
    x, rx = parse_numbers(frame[x_col], str(x_col))
    y, ry = parse_numbers(frame[y_col], str(y_col))
    reason = np.where(rx != "", rx, ry).astype(object)
    both = (rx != "") & (ry != "")
    reason[both] = rx[both] + "; " + ry[both]
    if (
        not lonlat
        and column_key(str(x_col)) in X_NAMES
        and column_key(str(y_col)) in Y_NAMES
        and (crs is None or is_swedish_projected(crs))
        and looks_like_northing(x, y)
    ):
        x, y, x_col, y_col = y, x, y_col, x_col
        notes.append(
            f"columns {y_col!r}/{x_col!r} read the Swedish way: {y_col!r} is the northing and "
            f"{x_col!r} the easting (Lantmäteriet's axis order for SWEREF 99 and RT90)"
        )
    if crs is None:
        if not lonlat:
            found = identify_swedish_crs(x, y)
            if found is None:
                hint = guess_crs_from_values(x, y)
                raise CrsError(
                    f"addresses: columns {x_col!r}/{y_col!r} hold projected coordinates but no "
                    "CRS was given and the values do not identify one; pass --crs"
                    + (f" (the values look like {hint})" if hint else " (e.g. EPSG:3006)")
                )
            crs = parse_crs(found[0])
            notes.append(
                f"no CRS given: columns {x_col!r}/{y_col!r} are {found[1]} by their values "
                "(SWEREF 99 TM and RT90 eastings do not overlap); pass --crs to override"
            )
        else:
            crs = parse_crs(WGS84)
            notes.append(f"columns {x_col!r}/{y_col!r} read as WGS 84 longitude/latitude")
    return AddressTable(frame, x, y, crs, reason, (str(x_col), str(y_col)), source, notes)


def find_id_column(frame: pd.DataFrame) -> str | None:
    """The first column named like an identifier (``id``, ``adressid``, ``objectid`` ...)."""
    return find_column(frame, ID_NAMES)


def _geometry_crs(declared: pyproj.CRS | None, crs: pyproj.CRS | None, source: str) -> pyproj.CRS:
    """The CRS of a geometry column: the declared one, else ``crs``; never relabelled. An
    undefined SRS (a GeoPackage's srs_id -1 or 0) declares nothing (:func:`defined_crs`); the
    CRS taken instead is said on every run."""
    said = declared
    declared = defined_crs(declared)
    if declared is None and crs is None:
        what = f"only {said.name!r}" if said is not None else "no CRS"
        raise CrsError(
            f"addresses: {source!r} declares {what}; pass --crs (e.g. EPSG:3006 or EPSG:4326)"
        )
    if declared is None and crs is not None:
        logger.warning(
            "addresses: %s declares %s; its coordinates are read in %s as --crs says",
            source, f"only {said.name!r}" if said is not None else "no CRS", crs.to_string(),
        )  # fmt: skip
    if declared is not None and crs is not None and not declared.equals(crs):
        raise CrsError(
            f"addresses: {source!r} declares {declared.to_string()} but the CRS "
            f"{crs.to_string()} was given; nothing is relabelled: drop --crs/crs= or reproject"
        )
    use = declared if declared is not None else crs
    if use is None:  # for type checkers; excluded above
        raise CrsError("addresses: no CRS")
    return use


def table_from_points(
    frame: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    type_id: np.ndarray,
    type_names: dict[int, str],
    *,
    declared_crs: pyproj.CRS | None,
    crs: pyproj.CRS | None = None,
    source: str = "dataset",
) -> AddressTable:
    """Address table from a geometry column already read as coordinates.

    ``type_id`` is shapely's geometry type id per row (0 point; ``-1`` missing or empty) and
    ``type_names`` names the other ids; ``x``/``y`` are read only where the row is a point.
    ``crs`` is used only where the source declares none (see
    :func:`table_from_geodataframe`).
    """
    use_crs = _geometry_crs(declared_crs, crs, source)
    type_id = np.asarray(type_id)
    is_point = type_id == 0
    x = np.where(is_point, np.asarray(x, dtype="float64"), np.nan)
    y = np.where(is_point, np.asarray(y, dtype="float64"), np.nan)
    reason = np.full(type_id.size, "", dtype=object)
    reason[type_id < 0] = "geometry is missing or empty"
    for t, name in type_names.items():
        reason[type_id == t] = f"geometry is a {name}, not a point"
    return AddressTable(frame, x, y, use_crs, reason, ("geometry",), source, [])


def table_from_geodataframe(
    gdf: gpd.GeoDataFrame, *, crs: pyproj.CRS | None = None, source: str = "GeoDataFrame"
) -> AddressTable:
    """Address table from point geometries; ``crs`` only where the frame declares none.

    Raises :class:`CrsError` when neither gives a CRS, or when both do and they differ
    (nothing is ever relabelled; :func:`table_from_points` checks).
    """
    geom = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    type_id = np.where(missing, -1, shapely.get_type_id(geom))
    is_point = type_id == 0
    x = np.full(len(gdf), np.nan)
    y = np.full(len(gdf), np.nan)
    x[is_point] = shapely.get_x(geom[is_point])
    y[is_point] = shapely.get_y(geom[is_point])
    names = {int(t): geom[np.flatnonzero(type_id == t)[0]].geom_type for t in
             np.unique(type_id[type_id > 0]).tolist()}  # fmt: skip
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return table_from_points(
        frame, x, y, type_id, names, declared_crs=gdf.crs, crs=crs, source=source
    )
