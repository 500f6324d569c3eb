"""Partitioned (Geo)Parquet datasets: the parts of an input, and the parts geo writes."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..errors import InputFileError

__all__ = [
    "PART_NAME",
    "check_dataset_output",
    "dataset_files",
    "finish_dataset",
    "new_dataset_dir",
    "parquet_info",
    "read_part",
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
