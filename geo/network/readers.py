"""Networks from files: OSM PBF, GraphML, road line layers, and networks saved by geo."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import shapely

from ..crs import WGS84, defined_crs
from ..errors import CrsError, GeoValueError, InputFileError
from ..io import files, tables, vector
from ..schema import (
    MODES,
)
from .graph import Network, Polylines, build_network
from .rules import way_rules

logger = logging.getLogger(__name__)


def read_osm_pbf(path: str | Path, mode: str) -> Polylines:
    """Ways usable by ``mode`` from an OpenStreetMap ``.osm.pbf`` file (offline).

    Uses pyosmium; access, one-way and speed rules are those of :func:`geo.network.way_rules`.
    """
    import osmium

    path = Path(path)
    files.check_file(path, "pbf")
    coords: list[tuple[float, float]] = []
    way: list[int] = []
    fwd: list[float] = []
    bwd: list[float] = []
    cls: list[str] = []
    k = 0
    try:
        fp = (
            osmium.FileProcessor(str(path))
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in fp:
            if not isinstance(obj, osmium.osm.Way):
                continue
            tags = {t.k: t.v for t in obj.tags}
            f, b = way_rules(tags, mode)
            if f <= 0 and b <= 0:
                continue
            pts = [(nd.location.lon, nd.location.lat) for nd in obj.nodes if nd.location.valid()]
            if len(pts) < 2:
                continue
            coords.extend(pts)
            way.extend([k] * len(pts))
            fwd.append(f)
            bwd.append(b)
            cls.append(tags.get("highway", ""))
            k += 1
    except RuntimeError as exc:
        raise InputFileError(f"pbf: cannot read {str(path)!r} as OSM PBF: {exc}") from exc
    if k == 0:
        raise InputFileError(f"pbf: {str(path)!r} has no ways usable for mode {mode!r}")
    return Polylines(
        np.asarray(coords), np.asarray(way), np.asarray(fwd), np.asarray(bwd),
        np.asarray(cls, dtype=object), WGS84, f"OSM PBF {path.name}",
    )  # fmt: skip


def read_road_lines(
    path: str | Path,
    mode: str,
    *,
    layer: str | None = None,
    maxspeed_col: str | None = None,
    oneway_col: str | None = None,
    class_col: str | None = None,
) -> Polylines:
    """Ways from a line layer (GeoPackage, GeoJSON, ...), connected where vertices coincide.

    Columns used when present (names are recognised, or given): ``maxspeed`` (km/h, car),
    ``oneway`` (yes/no/-1), ``highway`` (road class). Lines without a class are treated as
    roads open to every mode.
    """

    gdf = vector.read_vector(path, argument="network", layer=layer)
    if defined_crs(gdf.crs) is None:
        raise CrsError(f"network: {str(path)!r} declares no usable CRS; set one in the file")
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    parts = gdf.geometry.explode(index_parts=False)
    if not set(parts.geom_type) <= {"LineString"}:
        raise InputFileError(
            f"network: {str(path)!r} must hold lines; found {sorted(set(parts.geom_type))}"
        )
    src = gdf.loc[parts.index]
    ms = maxspeed_col or tables.find_column(gdf, ("maxspeed",))
    ow = oneway_col or tables.find_column(gdf, ("oneway",))
    hc = class_col or tables.find_column(gdf, ("highway", "road_class"))
    fwd = np.empty(len(parts))
    bwd = np.empty(len(parts))
    cls = np.empty(len(parts), dtype=object)
    for i, row in enumerate(src.itertuples(index=False)):
        rec = row._asdict()
        tags = {"highway": str(rec.get(hc) or "road") if hc else "road"}
        if ms and rec.get(ms) is not None and str(rec.get(ms)) != "nan":
            tags["maxspeed"] = str(rec.get(ms)).removesuffix(".0")
        if ow and rec.get(ow) is not None:
            tags["oneway"] = str(rec.get(ow)).lower()
        fwd[i], bwd[i] = way_rules(tags, mode)
        cls[i] = tags["highway"]
    coords, way = shapely.get_coordinates(parts.values, return_index=True)
    return Polylines(coords, way, fwd, bwd, cls, gdf.crs.to_wkt(), f"lines {Path(path).name}")


def read_graphml(path: str | Path, mode: str) -> Polylines:
    """Ways from a GraphML graph as saved by osmnx (node ``x``/``y``, edge ``highway``,
    ``oneway``, ``maxspeed`` and optional ``geometry``); each directed edge is one way."""
    import networkx as nx

    path = Path(path)
    files.check_file(path, "graphml")
    try:
        g = nx.read_graphml(path)
    except Exception as exc:
        raise InputFileError(
            f"graphml: cannot read {str(path)!r} as GraphML ({type(exc).__name__}: {exc})"
        ) from exc
    crs = g.graph.get("crs", WGS84)
    coords: list[np.ndarray] = []
    fwd: list[float] = []
    bwd: list[float] = []
    cls: list[str] = []
    for u, v, data in g.edges(data=True):
        tags = {k: str(data[k]) for k in ("highway", "maxspeed", "access", "junction") if k in data}
        tags["oneway"] = "yes"  # a directed edge: travel u -> v only
        hw = tags.get("highway", "road")
        if hw.startswith("["):  # osmnx joins lists of values
            hw = hw.strip("[]").split(",")[0].strip(" '\"")
        tags["highway"] = hw
        f, _ = way_rules(tags, mode)
        if f <= 0:
            continue
        if "geometry" in data:
            line = shapely.from_wkt(data["geometry"])
            xy = shapely.get_coordinates(line)
        else:
            a, b = g.nodes[u], g.nodes[v]
            xy = np.array([[float(a["x"]), float(a["y"])], [float(b["x"]), float(b["y"])]])
        coords.append(xy)
        fwd.append(f)
        bwd.append(0.0)
        cls.append(hw)
    if not coords:
        raise InputFileError(f"graphml: {str(path)!r} has no edges usable for mode {mode!r}")
    way = np.repeat(np.arange(len(coords)), [c.shape[0] for c in coords])
    return Polylines(
        np.concatenate(coords), way, np.asarray(fwd), np.asarray(bwd),
        np.asarray(cls, dtype=object), str(crs), f"GraphML {path.name}",
    )  # fmt: skip


def write_network(net: Network, path: str | Path) -> Path:
    """Save a network as a compressed ``.npz`` (atomically)."""
    path = Path(path)
    with files.atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh,
                mode=np.array(net.mode),
                source=np.array(net.source),
                node_e=net.node_e,
                node_n=net.node_n,
                seg_u=net.seg_u,
                seg_v=net.seg_v,
                seg_length_m=net.seg_length_m,
                seg_time_fwd_s=net.seg_time_fwd_s,
                seg_time_bwd_s=net.seg_time_bwd_s,
                seg_class=net.seg_class.astype(str),
            )
    return path


def read_network(path: str | Path) -> Network:
    """Load a network saved by :func:`write_network`."""

    path = Path(path)
    files.check_file(path, "network")
    try:
        with np.load(path, allow_pickle=False) as z:
            return Network(
                mode=str(z["mode"]),
                node_e=z["node_e"],
                node_n=z["node_n"],
                seg_u=z["seg_u"],
                seg_v=z["seg_v"],
                seg_length_m=z["seg_length_m"],
                seg_time_fwd_s=z["seg_time_fwd_s"],
                seg_time_bwd_s=z["seg_time_bwd_s"],
                seg_class=z["seg_class"],
                source=str(z["source"]),
            )
    except Exception as exc:
        raise InputFileError(
            f"network: {str(path)!r} is not a network saved by geo ({type(exc).__name__}: "
            f"{exc}); rebuild it with 'geo network build'"
        ) from exc


# ----------------------------------------------------------------------------- sources
def cache_dir() -> Path:
    """Where built networks are cached: ``$GEO_CACHE_DIR`` or ``~/.cache/geo/networks``."""
    base = os.environ.get("GEO_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "geo" / "networks"


def cache_path(mode: str, name: str) -> Path:
    """Cache file of the network for ``mode`` of the study area ``name``."""
    return cache_dir() / f"{name}_{mode}.npz"


def load_network(
    mode: str,
    *,
    network: str | Path | None = None,
    pbf: str | Path | None = None,
    graphml: str | Path | None = None,
    lines: str | Path | None = None,
    layer: str | None = None,
) -> Network:
    """A network for ``mode`` from exactly one source.

    Parameters
    ----------
    mode : {"walk", "bike", "car"}
    network : path, optional
        A network saved by ``geo network build`` (``.npz``).
    pbf, graphml, lines : path, optional
        An OSM ``.osm.pbf`` extract, a GraphML graph (osmnx), or a line layer of roads.
    layer : str, optional
        Layer of ``lines``.
    """
    if mode not in MODES:
        raise GeoValueError(f"mode: must be one of {MODES}; received {mode!r}")
    given = {
        k: v for k, v in dict(network=network, pbf=pbf, graphml=graphml, lines=lines).items() if v
    }
    if len(given) != 1:
        raise GeoValueError(
            "network: give exactly one of --network, --pbf, --graphml, --lines; "
            f"received {sorted(given) or 'none'}"
        )
    if network:
        net = read_network(network)
        if net.mode != mode:
            raise GeoValueError(
                f"network: {str(network)!r} is a {net.mode} network but mode {mode!r} was asked for"
            )
        return net
    if pbf:
        return build_network(read_osm_pbf(pbf, mode), mode)
    if graphml:
        return build_network(read_graphml(graphml, mode), mode)
    return build_network(read_road_lines(lines, mode, layer=layer), mode)  # type: ignore[arg-type]
