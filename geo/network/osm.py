"""Networks from OpenStreetMap online (needs internet and osmnx); the only download in geo."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import shapely

from ..crs import from_sweref
from ..errors import DownloadError, MissingDependencyError
from .graph import Network, build_network
from .readers import read_graphml

logger = logging.getLogger(__name__)


def fetch_osm_network(
    polygon_3006: shapely.Geometry, mode: str, *, buffer_m: float = 5_000.0
) -> Network:
    """Download the ``mode`` network for a polygon (EPSG:3006) plus a buffer from OpenStreetMap.

    Needs internet access and the optional package ``osmnx`` (``pip install geo[online]``).
    Only the area's outline is sent to the Overpass API; never an address.
    """
    try:
        import osmnx
    except ImportError as exc:
        raise MissingDependencyError(
            "network: fetching from OpenStreetMap needs osmnx (pip install 'geo[online]'); "
            "offline, pass --pbf with a local .osm.pbf extract"
        ) from exc

    area = shapely.buffer(polygon_3006, buffer_m)
    lon_lat = shapely.transform(area, lambda xy: np.column_stack(from_sweref(xy[:, 0], xy[:, 1])))
    osm_type = {"walk": "walk", "bike": "bike", "car": "drive"}[mode]
    try:
        graph = osmnx.graph_from_polygon(
            lon_lat, network_type=osm_type, simplify=False, retain_all=True
        )
    except (OSError, ValueError, RuntimeError, _osmnx_error(osmnx)) as exc:
        # requests' errors are OSErrors: no network, DNS, HTTP, Overpass refusing the query
        raise DownloadError(
            "network: could not download the network from OpenStreetMap "
            f"({type(exc).__name__}: {exc}); offline, pass --pbf with a local .osm.pbf extract"
        ) from exc
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "osm.graphml"
        osmnx.save_graphml(graph, path)
        net = build_network(read_graphml(path, mode), mode)
    return replace(net, source=f"OpenStreetMap via osmnx ({mode}, {buffer_m:.0f} m buffer)")


def _osmnx_error(osmnx: object) -> type[Exception]:
    errors = getattr(osmnx, "_errors", None)
    return getattr(errors, "InsufficientResponseError", RuntimeError)
