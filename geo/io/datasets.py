"""Partitioned (Geo)Parquet datasets: the parts of an input, and the parts geo writes."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..errors import InputFileError

__all__ = [
    "PART_NAME",
    "PointsPart",
    "check_dataset_output",
    "dataset_files",
    "finish_dataset",
    "geometry_encoding",
    "new_dataset_dir",
    "parquet_info",
    "read_part",
    "read_points_part",
    "write_part",
    "write_points_part",
]

logger = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class PointsPart:
    """One GeoParquet part read as coordinates: no geometry object per row.

    Attributes
    ----------
    frame : pandas.DataFrame
        The other columns, as :func:`read_part` gives them.
    x, y : numpy.ndarray
        Coordinates in ``crs`` (float64; ``nan`` where ``type_id`` is not 0).
    type_id : numpy.ndarray
        Shapely's geometry type id per row (0 point), ``-1`` where the geometry is missing or
        empty.
    type_names : dict
        Geometry type name of each type id other than 0 and -1 that occurs.
    crs : pyproj.CRS or None
        The CRS the file declares (GeoParquet: an omitted ``crs`` is OGC:CRS84, a null one
        unknown).
    encoding : str
        ``"point"`` (GeoArrow, GeoParquet 1.1) or ``"WKB"``.
    """

    frame: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    type_id: np.ndarray
    type_names: dict[int, str]
    crs: pyproj.CRS | None
    encoding: str


def _geo_column(schema: Any) -> tuple[str, dict] | None:
    meta = getattr(schema, "metadata", None) or {}
    if b"geo" not in meta:
        return None
    geo = json.loads(meta[b"geo"])
    name = geo.get("primary_column", "geometry")
    return name, geo.get("columns", {}).get(name, {})


def _declared_crs(column: dict) -> pyproj.CRS | None:
    if "crs" not in column:
        return pyproj.CRS("OGC:CRS84")  # the GeoParquet default
    return None if column["crs"] is None else pyproj.CRS.from_user_input(column["crs"])


#: One little-endian 2-D WKB point.
_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])


def _wkb_points(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """x, y and type id of a WKB column whose every value is a little-endian 2-D point
    (21 bytes) or missing; ``None`` when any is not (the caller decodes with shapely)."""
    import pyarrow as pa

    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if not pa.types.is_binary(arr.type) and not pa.types.is_large_binary(arr.type):
        return None
    size = len(arr)
    off_type = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=off_type)[arr.offset : arr.offset + size + 1]
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(0, np.uint8)
    valid = np.ones(size, dtype=bool) if arr.null_count == 0 else arr.is_valid().to_numpy(False)
    lengths = np.diff(offsets)
    if not np.all(lengths[valid] == 21):
        return None
    start = offsets[:-1][valid]
    x = np.full(size, np.nan)
    y = np.full(size, np.nan)
    if start.size:
        first = int(start[0])
        if np.array_equal(start, first + 21 * np.arange(start.size)):  # records back to back
            rec = np.frombuffer(data[first : first + 21 * start.size], dtype=_WKB_POINT)
            head_ok = bool(np.all(rec["order"] == 1) and np.all(rec["kind"] == 1))
            px, py = rec["x"], rec["y"]
        else:
            head = data[start[:, None] + np.arange(5)]
            head_ok = bool(np.all(head == np.array([1, 1, 0, 0, 0], dtype=np.uint8)))
            xy = data[start[:, None] + np.arange(5, 21)].view("<f8").reshape(-1, 2)
            px, py = xy[:, 0], xy[:, 1]
        if not head_ok:
            return None  # not little-endian 2-D Point
        x[valid], y[valid] = px, py
    return x, y, np.where(valid & ~(np.isnan(x) & np.isnan(y)), 0, -1).astype(np.int8)


def _geoarrow_points(values: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """x, y and type id of a GeoArrow ``point`` column (struct or interleaved)."""
    import pyarrow as pa

    arr = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if isinstance(arr, pa.ExtensionArray):
        arr = arr.storage
    if pa.types.is_struct(arr.type):
        x = arr.field(0).to_numpy(zero_copy_only=False).astype("float64", copy=True)
        y = arr.field(1).to_numpy(zero_copy_only=False).astype("float64", copy=True)
    elif pa.types.is_fixed_size_list(arr.type):
        width = arr.type.list_size
        flat = arr.flatten().to_numpy(zero_copy_only=False).reshape(-1, width)
        if arr.null_count:  # flatten() skips null slots: place the rest back
            full = np.full((len(arr), width), np.nan)
            full[arr.is_valid().to_numpy(False)] = flat
            flat = full
        x, y = flat[:, 0].astype("float64"), flat[:, 1].astype("float64")
    else:
        return None
    missing = np.isnan(x) & np.isnan(y)
    if arr.null_count:
        invalid = ~arr.is_valid().to_numpy(False)
        x[invalid] = np.nan
        y[invalid] = np.nan
        missing |= invalid
    return x, y, np.where(missing, -1, 0).astype(np.int8)


def geometry_encoding(path: str | Path) -> str | None:
    """Encoding of a Parquet file's primary geometry (``"WKB"``, ``"point"`` ...); ``None``
    for plain Parquet (metadata only)."""
    import pyarrow.parquet as pq

    found = _geo_column(pq.read_schema(Path(path)))
    return None if found is None else str(found[1].get("encoding", "WKB"))


def read_points_part(path: str | Path) -> PointsPart | None:
    """One GeoParquet part with its geometry as coordinate arrays (the fast path of the
    dataset engines).

    GeoArrow points are taken straight from the Arrow buffers and WKB points are decoded
    from the bytes; other WKB geometries (lines, polygons) are decoded with shapely so each
    row can say what it is. Returns ``None`` for plain Parquet and for GeoArrow encodings
    other than ``point``.
    """
    import pyarrow.parquet as pq

    path = Path(path)
    schema = pq.read_schema(path)
    found = _geo_column(schema)
    if found is None:
        return None
    name, column = found
    encoding = str(column.get("encoding", "WKB"))
    if encoding not in ("WKB", "point"):
        return None
    table = pq.read_table(path)
    values = table.column(name)
    frame = table.drop_columns([name]).to_pandas()
    names: dict[int, str] = {}
    points = _geoarrow_points(values) if encoding == "point" else _wkb_points(values)
    if points is None and encoding == "WKB":
        import shapely

        geom = shapely.from_wkb(values.to_numpy(zero_copy_only=False))
        tid = shapely.get_type_id(geom)
        tid[shapely.is_empty(geom) | shapely.is_missing(geom)] = -1
        x = np.full(tid.size, np.nan)
        y = np.full(tid.size, np.nan)
        pt = tid == 0
        x[pt], y[pt] = shapely.get_x(geom[pt]), shapely.get_y(geom[pt])
        for t in np.unique(tid[tid > 0]).tolist():
            names[int(t)] = geom[np.flatnonzero(tid == t)[0]].geom_type
        points = x, y, tid.astype(np.int8)
    if points is None:
        return None
    x, y, tid = points
    return PointsPart(frame, x, y, tid, names, _declared_crs(column), encoding)


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
    encoding: str = "WKB",
) -> Path:
    """Write partition ``number`` as GeoParquet with point geometry built from coordinates.

    No geometry object is made per row. ``encoding="WKB"`` writes GeoParquet 1.0 (the file
    :func:`write_part` writes for a GeoDataFrame of points; the 21-byte WKB of each point is
    laid out directly); ``encoding="point"`` writes GeoParquet 1.1 with native GeoArrow points
    (a struct of ``x`` and ``y``), which is faster to write and to read. Both carry the CRS,
    geometry type and bounding box. Rows with a non-finite coordinate get a missing geometry.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if encoding not in ("WKB", "point"):
        raise ValueError(f"encoding: 'WKB' or 'point'; received {encoding!r}")
    e = np.asarray(e, dtype="<f8")
    n = np.asarray(n, dtype="<f8")
    if e.size > 100_000_000:  # 32-bit offsets of the WKB column
        raise InputFileError(
            f"addresses: a part of {e.size:,} rows is too large; split the input into parts "
            "of at most 10 million rows"
        )
    ok = np.isfinite(e) & np.isfinite(n)
    count = int(ok.sum())
    validity = pa.array(ok).buffers()[1] if count < e.size else None
    crs_json = json.loads(crs.to_json())
    field_meta = None
    if encoding == "point":
        xs = pa.array(np.where(ok, e, 0.0))
        ys = pa.array(np.where(ok, n, 0.0))
        geometry: pa.Array = pa.StructArray.from_buffers(
            pa.struct([pa.field("x", pa.float64(), False), pa.field("y", pa.float64(), False)]),
            e.size,
            [validity],
            null_count=e.size - count,
            children=[xs, ys],
        )
        field_meta = {
            b"ARROW:extension:name": b"geoarrow.point",
            b"ARROW:extension:metadata": json.dumps({"crs": crs_json}).encode(),
        }
    else:
        record = np.zeros(count, dtype=_WKB_POINT)
        record["order"] = 1  # little endian
        record["kind"] = 1  # Point
        record["x"] = e[ok]
        record["y"] = n[ok]
        sizes = np.where(ok, 21, 0)
        offsets = np.zeros(e.size + 1, dtype=np.int32)
        np.cumsum(sizes, out=offsets[1:])
        geometry = pa.Array.from_buffers(
            pa.binary(),
            e.size,
            [validity, pa.py_buffer(offsets), pa.py_buffer(record.tobytes())],
            null_count=e.size - count,
        )
    table = pa.Table.from_pandas(frame, preserve_index=False).append_column(
        pa.field("geometry", geometry.type, metadata=field_meta), geometry
    )
    bbox = (
        [float(e[ok].min()), float(n[ok].min()), float(e[ok].max()), float(n[ok].max())]
        if count
        else []
    )
    column: dict[str, object] = {
        "encoding": encoding,
        "crs": crs_json,
        "geometry_types": ["Point"] if count else [],
    }
    if bbox:
        column["bbox"] = bbox
    version = "1.1.0" if encoding == "point" else "1.0.0"
    meta = {"version": version, "primary_column": "geometry", "columns": {"geometry": column}}
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"geo": json.dumps(meta).encode()}
    )
    path = Path(folder) / PART_NAME.format(number)
    # Statistics (min/max per row group) where readers filter on them: numbers and points;
    # those of text and dictionary columns cost a third of the writing and filter nothing.
    stats = [
        f.name for f in table.schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
    ] + (["geometry.x", "geometry.y"] if encoding == "point" else [])
    pq.write_table(table, path, write_statistics=stats)
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
