"""All file reading and writing of :mod:`geo`.

Addresses come in as CSV, Excel (.xlsx), GeoPackage, GeoJSON or (Geo)Parquet; results go out
in the format the output path's extension names. Writes are atomic: a temporary file in the
target folder is renamed over the target only when it is complete, so a failed run never leaves
a half-written result behind.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .crs import (
    WGS84,
    guess_crs_from_values,
    identify_swedish_crs,
    is_swedish_projected,
    looks_like_northing,
    parse_crs,
)
from .errors import CrsError, InputFileError, MissingColumnError

__all__ = [
    "dataset_files",
    "read_part",
    "read_population_grid",
    "write_part",
    "write_points_part",
    "read_table",
    "AddressTable",
    "find_column",
    "find_id_column",
    "table_from_frame",
    "table_from_geodataframe",
    "data_dir",
    "read_addresses",
    "read_vector",
    "slug",
    "write_table",
    "write_vector",
]

logger = logging.getLogger(__name__)

TABLE_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
VECTOR_EXTENSIONS = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".fgb")
EXCEL_MAX_ROWS = 1_048_575  # one header row

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


def slug(text: str) -> str:
    """ASCII identifier for a name: ``"öster"`` -> ``"oster"``, ``"Norr 2"`` -> ``"norr_2"``."""
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "_", norm.lower()).strip("_")
    return out or "x"


def _norm(name: str) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def data_dir() -> Path:
    """Folder holding the embedded study data (``data/boundaries``).

    Looks at ``$GEO_DATA_DIR``, then the copy installed inside the package, then the source
    checkout's ``data/boundaries``.
    """
    env = os.environ.get("GEO_DATA_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    candidates += [here / "_data" / "boundaries", here.parent / "data" / "boundaries"]
    for c in candidates:
        if (c / "regso.gpkg").exists():
            return c
    raise InputFileError(
        "embedded data: data/boundaries/regso.gpkg was not found in "
        + ", ".join(str(c) for c in candidates)
        + "; reinstall the package or run scripts/build_boundaries.py"
    )


# ----------------------------------------------------------------------------- reading
def check_file(path: Path, argument: str) -> None:
    """Raise :class:`InputFileError` unless ``path`` is an existing, non-empty file."""
    if not path.exists():
        raise InputFileError(f"{argument}: file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputFileError(f"{argument}: {str(path)!r} is a folder; give a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{argument}: file {str(path)!r} is empty (0 bytes)")


def _sniff_text(path: Path) -> tuple[str, str]:
    """Return (encoding, separator) of a delimited text file.

    UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252. A file holding NUL
    bytes that is not UTF-16 is not a text file: :class:`InputFileError`.
    """
    with open(path, "rb") as fh:
        raw = fh.read(65536)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16"
        text = raw[: len(raw) - len(raw) % 2].decode(enc, errors="replace")
    elif b"\x00" in raw:
        raise InputFileError(
            f"addresses: {str(path)!r} is not a text file (it holds NUL bytes); save it as CSV "
            "(UTF-8 or Windows-1252) or as .xlsx"
        )
    else:
        for enc in ("utf-8-sig", "cp1252"):
            try:
                # a multi-byte character may be cut at the end of the sample
                text = raw.decode(enc) if enc != "utf-8-sig" else _decode_prefix(raw)
                break
            except UnicodeDecodeError:
                continue
        else:  # bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d)
            enc, text = "latin-1", raw.decode("latin-1")
    lines = text.splitlines()
    header = lines[0] if lines else ""
    counts = {sep: header.count(sep) for sep in (";", "\t", ",", "|")}
    sep = max(counts, key=lambda k: counts[k])
    if counts[sep] == 0:
        sep = ","
    return enc, sep


def _decode_prefix(raw: bytes) -> str:
    """Decode a UTF-8 sample whose last character may be cut off by the sample's end."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start >= len(raw) - 3 and len(raw) == 65536:
            return raw[: err.start].decode("utf-8-sig")
        raise


def read_vector(path: str | Path, *, argument: str = "file", layer: str | None = None):
    """Read a vector file (GeoPackage, GeoJSON, GeoParquet, Shapefile, FlatGeobuf).

    Returns a :class:`geopandas.GeoDataFrame` in the file's own CRS.
    """
    path = Path(path)
    check_file(path, argument)
    ext = path.suffix.lower()
    try:
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            if ext in (".parquet", ".geoparquet"):
                gdf = gpd.read_parquet(path)
            else:
                gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
        for w in said:  # only when the file was read; after a failure the error says it all
            logger.warning("%s: %s", argument, " ".join(str(w.message).split()))
    except Exception as exc:
        detail = " ".join(str(exc).split())[:200]
        raise InputFileError(
            f"{argument}: cannot read {str(path)!r} as a vector file ({detail})"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.active_geometry_name is None:
        raise InputFileError(f"{argument}: {str(path)!r} has no geometry; give a vector file")
    return gdf


def _read_csv(path: Path) -> pd.DataFrame:
    enc, sep = _sniff_text(path)
    encodings = [enc] + [e for e in ("cp1252", "latin-1") if e != enc and enc != "utf-16"]
    for i, encoding in enumerate(encodings):
        try:
            return pd.read_csv(
                path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, engine="c"
            )
        except UnicodeDecodeError:
            if i + 1 == len(encodings):
                raise InputFileError(
                    f"addresses: {str(path)!r} is not text in UTF-8, UTF-16 or Windows-1252"
                ) from None
            logger.info("%s is not %s throughout; reading it as %s", path, enc, encodings[i + 1])
        except pd.errors.EmptyDataError as exc:
            raise InputFileError(f"addresses: {str(path)!r} has no header row") from exc
        except pd.errors.ParserError as exc:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "parse error"
            raise InputFileError(
                f"addresses: {str(path)!r} is not a valid CSV file ({detail}); quote fields "
                "that contain the separator or a line break"
            ) from exc
    raise InputFileError(f"addresses: cannot read {str(path)!r}")  # pragma: no cover


def _read_frame(path: Path, *, sheet: str | int | None) -> tuple[pd.DataFrame, pyproj.CRS | None]:
    """Read any supported address file into a DataFrame (+ geometry CRS if it has one)."""
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        return _read_csv(path), None
    if ext in (".xlsx", ".xlsm"):
        try:
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
        except ValueError as exc:
            if "not found" in str(exc) or "Worksheet" in str(exc):
                raise InputFileError(f"addresses: {exc} in {str(path)!r}; check --sheet") from exc
            raise InputFileError(f"addresses: cannot read {str(path)!r} as Excel: {exc}") from exc
        except Exception as exc:
            raise InputFileError(
                f"addresses: cannot read {str(path)!r} as an Excel .xlsx workbook "
                f"({type(exc).__name__}: {str(exc)[:120]})"
            ) from exc
        return df.fillna(""), None
    if ext == ".parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.read_schema(path).metadata or {}
            if b"geo" not in meta:
                return pd.read_parquet(path), None
        except Exception as exc:
            raise InputFileError(
                f"addresses: {str(path)!r} is not a readable Parquet file "
                f"({type(exc).__name__}: {str(exc)[:120]})"
            ) from exc
    if ext in VECTOR_EXTENSIONS:
        gdf = read_vector(path, argument="addresses")
        return gdf, gdf.crs
    raise InputFileError(
        f"addresses: unsupported file type {ext!r} for {str(path)!r}; use .csv, .xlsx, .gpkg, "
        ".geojson or .parquet"
    )


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table (CSV, Excel, Parquet or a vector file's attributes) as text columns."""
    path = Path(path)
    check_file(path, "table")
    df, _ = _read_frame(path, sheet=sheet)
    if isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    return df


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


def find_column(frame: pd.DataFrame, names: Iterable[str]) -> str | None:
    """The first of ``names`` that is a column of ``frame``, as the frame spells it.

    Names are compared in any case and without spaces, ``_``, ``-`` or other punctuation
    (``"X-koordinat"`` finds ``x_koordinat``); ``None`` when no name matches. The one
    column lookup of :mod:`geo`.
    """
    lookup: dict[str, str] = {}
    for c in frame.columns:
        lookup.setdefault(_norm(c), str(c))
    return next((lookup[_norm(n)] for n in names if _norm(n) in lookup), None)


def _parse_numbers(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse a column of text or numbers; decimal comma accepted. Returns (values, reason)."""
    if pd.api.types.is_numeric_dtype(values):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        reason = np.where(np.isfinite(arr), "", f"{column} is missing")
        return arr, reason.astype(object)
    text = values.astype("string").fillna("").str.strip()
    cleaned = text.str.replace("\u2212", "-", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(",", ".", regex=False)
    arr = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    reason = np.full(len(values), "", dtype=object)
    bad = ~np.isfinite(arr)
    if bad.any():
        empty = (text == "").to_numpy()
        reason[bad & empty] = f"{column} is missing"
        idx = np.flatnonzero(bad & ~empty)
        if idx.size:
            raw = text.to_numpy()[idx]
            reason[idx] = [f"{column} is not a number: {str(v)[:40]!r}" for v in raw]
    return arr, reason


def read_addresses(
    path: str | Path,
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
    path = Path(path)
    check_file(path, "addresses")
    df, file_crs = _read_frame(path, sheet=sheet)
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
    x, rx = _parse_numbers(frame[x_col], str(x_col))
    y, ry = _parse_numbers(frame[y_col], str(y_col))
    reason = np.where(rx != "", rx, ry).astype(object)
    both = (rx != "") & (ry != "")
    reason[both] = rx[both] + "; " + ry[both]
    if (
        not lonlat
        and _norm(str(x_col)) in X_NAMES
        and _norm(str(y_col)) in Y_NAMES
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


def table_from_geodataframe(
    gdf: gpd.GeoDataFrame, *, crs: pyproj.CRS | None = None, source: str = "GeoDataFrame"
) -> AddressTable:
    """Address table from point geometries; ``crs`` only where the frame declares none.

    Raises :class:`CrsError` when neither gives a CRS, or when both do and they differ
    (nothing is ever relabelled).
    """
    if gdf.crs is None and crs is None:
        raise CrsError(
            f"addresses: {source!r} declares no CRS; pass --crs (e.g. EPSG:3006 or EPSG:4326)"
        )
    if gdf.crs is not None and crs is not None and not gdf.crs.equals(crs):
        raise CrsError(
            f"addresses: {source!r} declares {gdf.crs.to_string()} but the CRS "
            f"{crs.to_string()} was given; nothing is relabelled: drop --crs/crs= or reproject"
        )
    use_crs = gdf.crs if gdf.crs is not None else crs
    if use_crs is None:  # for type checkers; excluded above
        raise CrsError("addresses: no CRS")
    geom = np.asarray(gdf.geometry.values, dtype=object)
    size = len(gdf)
    x = np.full(size, np.nan)
    y = np.full(size, np.nan)
    reason = np.full(size, "", dtype=object)
    missing = shapely.is_missing(geom) | shapely.is_empty(geom)
    is_point = (shapely.get_type_id(geom) == 0) & ~missing
    x[is_point] = shapely.get_x(geom[is_point])
    y[is_point] = shapely.get_y(geom[is_point])
    reason[missing] = "geometry is missing or empty"
    other = np.flatnonzero(~missing & ~is_point)
    if other.size:
        reason[other] = [f"geometry is a {g.geom_type}, not a point" for g in geom[other]]
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    return AddressTable(frame, x, y, use_crs, reason, ("geometry",), source, [])


# ----------------------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # drivers such as GPKG want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


#: First characters that make a spreadsheet program read a text cell as a formula
#: (OWASP "CSV injection"): ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Text that is a plain number ("-12", "+3,5"): harmless, left as it is.
_PLAIN_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
#: Text a column may hold to be written as numbers: integers without a leading zero (ids such
#: as "0580" stay text) of at most 15 digits (exact in a spreadsheet), and decimals with a
#: decimal point or comma.
_INTEGER_TEXT = r"[+-]?(?:0|[1-9]\d{0,14})"
_DECIMAL_TEXT = r"[+-]?(?:0|[1-9]\d{0,14})[.,]\d{1,15}"


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)
    ]


def typed_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns that hold only numbers, as numbers; every other column unchanged.

    A column is converted when every non-empty value is an integer without a leading zero
    (at most 15 digits) or a decimal number with a point or comma; empty values become
    missing. A column with text in any row stays text, and so do identifiers such as
    ``"0580"``. The input is not modified.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A shallow copy with converted columns (``Int64`` or ``float64``).
    """
    out = df.copy(deep=False)
    for col in _text_columns(df):
        values = df[col]
        text = values.astype("string").str.strip()
        filled = text.notna() & (text != "")
        if not filled.any():
            continue
        present = text[filled]
        first = str(present.iloc[0])
        if not re.fullmatch(_DECIMAL_TEXT, first) and not re.fullmatch(_INTEGER_TEXT, first):
            continue  # quick reject before scanning the column
        if present.str.fullmatch(_INTEGER_TEXT).all():
            out[col] = pd.to_numeric(text.where(filled), errors="coerce").astype("Int64")
        elif present.str.fullmatch(f"{_INTEGER_TEXT}|{_DECIMAL_TEXT}").all():
            cleaned = text.where(filled).str.replace(",", ".", regex=False)
            out[col] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return out


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text values that a spreadsheet would run as a formula, prefixed with an apostrophe.

    Values starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
    ``'`` (the usual protection against formula injection in CSV files); plain numbers such as
    ``-12`` are left alone. Text, string and categorical columns are checked; numbers are
    never changed. The input is not modified.
    """
    out = df.copy(deep=False)
    for col in df.columns:
        values = df[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            cats = values.cat.categories
            if cats.dtype == object or isinstance(cats.dtype, pd.StringDtype):
                fixed = [_neutral(str(c)) for c in cats]
                if fixed != [str(c) for c in cats] and len(set(fixed)) == len(fixed):
                    out[col] = values.cat.rename_categories(fixed)
            continue
        if col not in _text_columns(df):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_PREFIXES).fillna(False) & ~text.str.fullmatch(
            _PLAIN_NUMBER
        ).fillna(False)
        if risky.any():
            fixed_values = values.astype(object).copy()
            fixed_values[risky.to_numpy()] = "'" + text[risky].astype(object)
            out[col] = fixed_values
    return out


def _neutral(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES) and not re.fullmatch(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def write_table(df: pd.DataFrame, path: str | Path, *, protect_formulas: bool = True) -> Path:
    """Write a table atomically; the format follows the extension.

    ``.csv`` (UTF-8), ``.xlsx``, ``.parquet``; a :class:`geopandas.GeoDataFrame` may also go
    to ``.gpkg``/``.geojson``/``.geoparquet`` (see :func:`write_vector`).

    Spreadsheet safety: in ``.xlsx`` every text value is written as a text cell (never a
    formula or a hyperlink) and text columns holding only numbers are written as numbers
    (:func:`typed_numbers`); in ``.csv`` text that a spreadsheet would run as a formula gets a
    leading apostrophe (:func:`neutralise_formulas`) unless ``protect_formulas=False``.
    Parquet, GeoPackage and GeoJSON keep the frame's own column types.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if isinstance(df, gpd.GeoDataFrame) and ext in (".gpkg", ".geojson", ".geoparquet", ".fgb"):
        return write_vector(df, path)
    if isinstance(df, gpd.GeoDataFrame) and ext == ".parquet":
        return write_vector(df, path)
    plain = (
        pd.DataFrame(df.drop(columns=df.geometry.name)) if isinstance(df, gpd.GeoDataFrame) else df
    )
    if ext == ".xlsx" and len(plain) > EXCEL_MAX_ROWS:
        raise InputFileError(
            f"output: {len(plain):,} rows do not fit in an Excel sheet ({EXCEL_MAX_ROWS:,} max); "
            "write .csv, .gpkg or .parquet instead"
        )
    if ext not in (".csv", ".xlsx", ".parquet", ".txt"):
        raise InputFileError(
            f"output: unsupported extension {ext!r} for {str(path)!r}; use .csv, .xlsx, "
            ".parquet, .gpkg or .geojson"
        )
    with atomic_path(path) as tmp:
        if ext in (".csv", ".txt"):
            shown = neutralise_formulas(plain) if protect_formulas else plain
            shown.to_csv(tmp, index=False, encoding="utf-8")
        elif ext == ".xlsx":
            _write_xlsx(typed_numbers(plain), tmp)
        else:
            plain.to_parquet(tmp, index=False)
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One sheet; text as text cells (no formulas, no hyperlinks), numbers as numbers."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    frame = frame.copy(deep=False)
    for col in frame.columns:  # xlsxwriter takes Python numbers; nullable ints as float
        if isinstance(frame[col].dtype, pd.Int64Dtype):
            frame[col] = frame[col].astype("float64")
    frame.to_excel(path, index=False, engine="xlsxwriter", engine_kwargs={"options": options})


def write_vector(gdf: gpd.GeoDataFrame, path: str | Path, *, layer: str | None = None) -> Path:
    """Write a GeoDataFrame atomically (.gpkg, .geojson in WGS 84, .parquet/.geoparquet)."""
    path = Path(path)
    ext = path.suffix.lower()
    with atomic_path(path) as tmp:
        if ext in (".parquet", ".geoparquet"):
            gdf.to_parquet(tmp, index=False)
        elif ext == ".geojson":
            gdf.to_crs(WGS84).to_file(tmp, driver="GeoJSON")
        elif ext == ".gpkg":
            gdf.to_file(tmp, driver="GPKG", layer=layer or path.stem)
        elif ext == ".fgb":
            gdf.to_file(tmp, driver="FlatGeobuf")
        else:
            raise InputFileError(
                f"output: unsupported vector extension {ext!r}; use .gpkg, .geojson or .parquet"
            )
    return path


# ----------------------------------------------------------------------------- datasets
#: File name of partition ``i`` of a dataset written by :mod:`geo`.
PART_NAME = "part.{:05d}.parquet"


def _natural_key(name: str) -> list[object]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def dataset_files(source: str | Path, *, argument: str = "addresses") -> list[Path]:
    """The Parquet files of a partitioned dataset, in order.

    ``source`` is a folder (every ``*.parquet`` in it, in natural order: ``part.2`` before
    ``part.10``), a glob pattern such as ``data/*.parquet``, or one Parquet file.
    """
    path = Path(source)
    if any(ch in str(source) for ch in "*?["):
        files = sorted(path.parent.glob(path.name), key=lambda p: _natural_key(p.name))
    elif path.is_dir():
        files = sorted(
            (p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".geoparquet")),
            key=lambda p: _natural_key(p.name),
        )
    elif path.exists():
        files = [path]
    else:
        raise InputFileError(f"{argument}: {str(source)!r} does not exist")
    files = [f for f in files if not f.name.startswith(".")]
    if not files:
        raise InputFileError(
            f"{argument}: no .parquet files in {str(source)!r}; the dataset engines read "
            "(Geo)Parquet (one file or a folder of parts)"
        )
    bad = [f for f in files if f.suffix.lower() not in (".parquet", ".geoparquet")]
    if bad:
        raise InputFileError(
            f"{argument}: {str(bad[0])!r} is not Parquet; the dataset engines read (Geo)Parquet; "
            "assign other formats with the local engine (geo assign FILE) or convert them"
        )
    return files


def parquet_info(path: Path) -> tuple[int, bool, list[str]]:
    """Rows, whether it is GeoParquet, and column names of a Parquet file (metadata only)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path)
    except (OSError, ValueError) as err:  # ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise InputFileError(
            f"addresses: {str(path)!r} is not a readable Parquet file: {err}"
        ) from err
    schema = meta.schema_arrow
    geo = schema.metadata is not None and b"geo" in schema.metadata
    return meta.metadata.num_rows, geo, list(schema.names)


def read_part(path: str | Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """One Parquet file: a GeoDataFrame for GeoParquet, else a DataFrame."""
    path = Path(path)
    _, geo, _ = parquet_info(path)
    if geo:
        if columns is not None:
            return pd.read_parquet(path, columns=columns)
        return gpd.read_parquet(path)
    return pd.read_parquet(path, columns=columns)


def new_dataset_dir(output: str | Path) -> Path:
    """A fresh hidden folder beside ``output`` to write the parts into."""
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"output: {str(out)!r} is a file; the dataset engines write a folder")
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; a result folder is not
    return tmp


def write_part(
    gdf: gpd.GeoDataFrame, folder: str | Path, number: int, *, geoarrow: bool = False
) -> Path:
    """Write partition ``number`` of a dataset as GeoParquet.

    Geometry as WKB (GeoParquet 1.0: read by GDAL/QGIS, DuckDB and every GeoParquet reader,
    also for parts where every geometry is missing), or with ``geoarrow=True`` as GeoArrow
    points (GeoParquet 1.1: faster to read and write; not for empty parts).
    """
    path = Path(folder) / PART_NAME.format(number)
    gdf.to_parquet(path, index=False, geometry_encoding="geoarrow" if geoarrow else "WKB")
    return path


def write_points_part(
    frame: pd.DataFrame,
    e: np.ndarray,
    n: np.ndarray,
    folder: str | Path,
    number: int,
    *,
    crs: pyproj.CRS,
) -> Path:
    """Write partition ``number`` as GeoParquet with point geometry built from coordinates.

    The same file :func:`write_part` writes for a GeoDataFrame of points (WKB, GeoParquet
    metadata with CRS, geometry type and bounding box), without creating a geometry object per
    row: the 21-byte WKB of each point is laid out directly. Rows with a non-finite coordinate
    get a missing geometry.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    e = np.asarray(e, dtype="<f8")
    n = np.asarray(n, dtype="<f8")
    if e.size > 100_000_000:  # 32-bit offsets of the WKB column
        raise InputFileError(
            f"addresses: a part of {e.size:,} rows is too large; split the input into parts "
            "of at most 10 million rows"
        )
    ok = np.isfinite(e) & np.isfinite(n)
    count = int(ok.sum())
    record = np.zeros(count, dtype=[("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])
    record["order"] = 1  # little endian
    record["kind"] = 1  # Point
    record["x"] = e[ok]
    record["y"] = n[ok]
    sizes = np.where(ok, 21, 0)
    offsets = np.zeros(e.size + 1, dtype=np.int32)
    np.cumsum(sizes, out=offsets[1:])
    validity = pa.array(ok).buffers()[1]
    geometry = pa.Array.from_buffers(
        pa.binary(),
        e.size,
        [validity, pa.py_buffer(offsets), pa.py_buffer(record.tobytes())],
        null_count=e.size - count,
    )
    table = pa.Table.from_pandas(frame, preserve_index=False).append_column("geometry", geometry)
    bbox = (
        [float(e[ok].min()), float(n[ok].min()), float(e[ok].max()), float(n[ok].max())]
        if count
        else []
    )
    column: dict[str, object] = {
        "encoding": "WKB",
        "crs": json.loads(crs.to_json()),
        "geometry_types": ["Point"] if count else [],
    }
    if bbox:
        column["bbox"] = bbox
    meta = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": column}}
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"geo": json.dumps(meta).encode()}
    )
    path = Path(folder) / PART_NAME.format(number)
    pq.write_table(table, path)
    return path


def check_dataset_output(output: str | Path, inputs: list[Path]) -> None:
    """Refuse an output folder that holds other files or any of the input parts."""
    out = Path(output).resolve()
    if any(out == f.resolve().parent or out == f.resolve() for f in inputs):
        raise InputFileError(
            f"output: {str(output)!r} is where the input parts are; choose another folder"
        )
    if out.exists() and not out.is_dir():
        raise InputFileError(f"output: {str(out)!r} is a file; the dataset engines write a folder")
    if out.exists():
        others = [
            p for p in out.iterdir() if not (p.suffix == ".parquet" and p.name.startswith("part."))
        ]
        if others:
            raise InputFileError(
                f"output: {str(output)!r} holds files that are not dataset parts "
                f"({others[0].name}); choose an empty or new folder"
            )


def finish_dataset(tmp: Path, output: str | Path) -> Path:
    """Replace ``output`` by the completed folder ``tmp`` (old parts are removed)."""
    out = Path(output)
    check_dataset_output(out, [])
    if out.exists():
        old = [p for p in out.iterdir() if p.suffix == ".parquet" and p.name.startswith("part.")]
        for p in old:
            p.unlink()
        out.rmdir()
    os.replace(tmp, out)
    return out


def read_population_grid(path: str | Path) -> pd.DataFrame:
    """An SCB 1 km population grid table: ``east``, ``north`` (south-west corner, EPSG:3006)
    and a population column (``pop_2024`` or the first ``pop*`` column), as ``population``.
    """
    path = Path(path)
    check_file(path, "grid")
    frame = read_table(path)
    east, north = find_column(frame, ("east",)), find_column(frame, ("north",))
    pop = find_column(frame, ("pop_2024",)) or next(
        (str(c) for c in frame.columns if _norm(c).startswith(("pop", "bef"))), None
    )
    if east is None or north is None or pop is None:
        raise MissingColumnError(
            f"grid: {str(path)!r} needs columns east, north (cell corner, EPSG:3006) and a "
            f"population column (pop_2024); columns are {list(frame.columns)}"
        )
    out = pd.DataFrame(
        {
            "east": pd.to_numeric(frame[east], errors="coerce"),
            "north": pd.to_numeric(frame[north], errors="coerce"),
            "population": pd.to_numeric(frame[pop], errors="coerce"),
        }
    )
    bad = out.isna().any(axis=1) | (out["population"] < 0)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()[:10]
        raise InputFileError(f"grid: {int(bad.sum())} rows with missing or negative values: {rows}")
    return out
