"""Cost matrices from demand points to candidate sites: straight line, network, timetable."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from .. import settings
from ..distance import distance_matrix_m
from ..network import Network, network_costs

if TYPE_CHECKING:
    from ..transit import Transit

__all__ = ["cost_matrix", "travel_time_matrix_s"]


def cost_matrix(
    dem: gpd.GeoDataFrame,
    cand: gpd.GeoDataFrame,
    network: Network | Transit | None,
    max_snap_m: float,
) -> tuple[np.ndarray, str]:
    de, dn = dem.geometry.x.to_numpy(), dem.geometry.y.to_numpy()
    ce, cn = cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy()
    if network is None:
        return distance_matrix_m(de, dn, ce, cn), "m"
    if not isinstance(network, Network):  # a timetable: median travel time over the window
        tc = network.costs(de, dn, ce, cn, target_names=cand["site"].astype(str).tolist())
        t = np.ascontiguousarray(tc.time_s)
        return np.where(np.isnan(t), np.inf, t), "s"
    costs = network_costs(
        network, de, dn, ce, cn, max_snap_m=max_snap_m, target_names=cand["site"].tolist()
    )
    t = np.ascontiguousarray(costs.time_s)
    return np.where(np.isnan(t), np.inf, t), "s"


def travel_time_matrix_s(
    network: Network | Transit,
    demand: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    max_snap_m: float | None = None,
) -> np.ndarray:
    """Travel time (s, whole seconds; ``inf`` unreachable) from every demand point to every
    site: the matrix the studio embeds and :func:`compare` uses with a network."""
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    t, _ = cost_matrix(demand, sites, network, max_snap_m)
    return np.where(np.isfinite(t), np.round(t), np.inf)
