"""Vector files (GeoPackage, GeoJSON, GeoParquet, Shapefile, FlatGeobuf): read and write."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd

from ..crs import (
    WGS84,
)
from ..errors import InputFileError
from .files import atomic_path, check_file
from .postgis import Database, as_source, read_database

__all__ = ["VECTOR_EXTENSIONS", "read_vector", "write_layers", "write_vector"]

logger = logging.getLogger(__name__)

VECTOR_EXTENSIONS = (".gpkg", ".geojson", ".json", ".parquet", ".geoparquet", ".shp", ".fgb")


def read_vector(path: str | Path | Database, *, argument: str = "file", layer: str | None = None):
    """Read a vector file (GeoPackage, GeoJSON, GeoParquet, Shapefile, FlatGeobuf).

    Returns a :class:`geopandas.GeoDataFrame` in the file's own CRS. A PostgreSQL URL
    (``postgresql://host/db?table=schema.name``, see :mod:`geo.io.postgis`) reads a table.
    """
    src = as_source(path)
    if isinstance(src, Database):
        return read_database(src, argument=argument, need_geometry=True)
    path = Path(src)
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


def write_layers(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write several layers into one GeoPackage atomically (all of them, or none)."""
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise InputFileError(f"output: several layers go into a GeoPackage (.gpkg); got {path}")
    with atomic_path(path) as tmp:
        for name, gdf in layers.items():
            gdf.to_file(tmp, driver="GPKG", layer=name, mode="a" if tmp.exists() else "w")
    return path


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
