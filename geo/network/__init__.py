"""Road and path networks for walking, cycling and driving; network distance and travel time.

A :class:`Network` is a set of straight **segments** between nodes (every OSM node kept, no
simplification), each with a length in metres and a travel time in seconds for each direction
(``inf`` where the mode may not travel that way, e.g. against a one-way street by car). Node
coordinates are in EPSG:3006; lengths are geodesic (WGS 84 ellipsoid), so they are exact
anywhere.

Costs from many addresses to a few bases (or candidate sites) are computed by one Dijkstra run
per base on the *reversed* graph (``scipy.sparse.csgraph``), so each run gives the cost from
every node *to* that base. Addresses and bases are snapped to the nearest point on the nearest
segment (not to the nearest node), and the partial segment is part of the cost.

Speeds (documented defaults, free flow, no junction delays):

* walk: 5 km/h on every way a pedestrian may use;
* bike: 15 km/h on every way a cyclist may use;
* car: the signed ``maxspeed`` (Swedish implicit values ``SE:urban`` 50, ``SE:rural`` 70,
  ``SE:motorway`` 110), else a default per road class (:data:`CAR_SPEED_KMH`).

Where no network is available, :func:`estimate_costs` gives straight line × a detour factor
at an assumed speed (:data:`DETOUR_FACTOR`, :data:`ESTIMATE_SPEED_KMH`); every such figure is
labelled ``estimated``.
"""

from __future__ import annotations

from ..schema import MODES
from .catchments import network_catchments
from .graph import Network, Polylines, Snap, build_network
from .osm import fetch_osm_network
from .readers import (
    cache_dir,
    cache_path,
    load_network,
    read_graphml,
    read_network,
    read_osm_pbf,
    read_road_lines,
    write_network,
)
from .routing import Costs, estimate_costs, network_costs, node_costs_to_targets
from .rules import (
    CAR_DEFAULT_KMH,
    CAR_SPEED_KMH,
    DETOUR_FACTOR,
    ESTIMATE_SPEED_KMH,
    IMPLICIT_MAXSPEED,
    MODE_SPEED_KMH,
    way_rules,
)

__all__ = [
    "CAR_DEFAULT_KMH",
    "CAR_SPEED_KMH",
    "DETOUR_FACTOR",
    "ESTIMATE_SPEED_KMH",
    "IMPLICIT_MAXSPEED",
    "MODES",
    "MODE_SPEED_KMH",
    "Costs",
    "Network",
    "Polylines",
    "Snap",
    "build_network",
    "cache_dir",
    "cache_path",
    "estimate_costs",
    "fetch_osm_network",
    "load_network",
    "network_catchments",
    "network_costs",
    "node_costs_to_targets",
    "read_graphml",
    "read_network",
    "read_osm_pbf",
    "read_road_lines",
    "way_rules",
    "write_network",
]
