"""Network-based catchments: every place in the study area to the base it reaches quickest."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from .. import settings
from ..crs import SWEREF99TM
from ..errors import GeoValueError
from ..study import Study
from .graph import Network
from .routing import network_costs

__all__ = ["network_catchments"]


def network_catchments(
    net: Network,
    study: Study,
    *,
    cell_size_m: float | None = None,
    max_snap_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Network-based catchments: every place to the base it reaches quickest.

    The municipality (the study's areas) is covered by square cells; each cell centre within
    ``max_snap_m`` of the network is routed to every base and takes its quickest base. Cells
    of a base are dissolved into one (multi)polygon per base. Places off the network, or with
    no route to any base, form a row with ``base = ""``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``base_id``, ``base_name``, ``area_km2``, ``cells``, geometry in EPSG:3006.
    """
    cell_size_m = settings.catchment_cell_size_m if cell_size_m is None else cell_size_m
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    if cell_size_m <= 0:
        raise GeoValueError(f"cell_size_m: must be positive; received {cell_size_m}")
    extent = shapely.union_all(study.areas.geometry.values)
    x0, y0, x1, y1 = extent.bounds
    xs = np.arange(x0, x1, cell_size_m) + cell_size_m / 2
    ys = np.arange(y0, y1, cell_size_m) + cell_size_m / 2
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    shapely.prepare(extent)
    inside = shapely.contains_xy(extent, cx, cy)
    cx, cy = cx[inside], cy[inside]
    bases = study.bases
    costs = network_costs(
        net,
        cx,
        cy,
        bases.geometry.x.to_numpy(),
        bases.geometry.y.to_numpy(),
        max_snap_m=max_snap_m,
        target_names=bases["base_name"].astype(str).tolist(),
    )
    t = np.where(np.isnan(costs.time_s), np.inf, costs.time_s)
    best = np.where(np.isfinite(t).any(axis=1), t.argmin(axis=1), -1)
    half = cell_size_m / 2
    boxes = shapely.box(cx - half, cy - half, cx + half, cy + half)
    rows = []
    for k in range(-1, len(bases)):
        sel = best == k
        if not sel.any():
            continue
        geom = shapely.intersection(shapely.coverage_union_all(boxes[sel]), extent)
        rows.append(
            {
                "base_id": "" if k < 0 else str(bases["base_id"].iloc[k]),
                "base_name": "no route / off network" if k < 0 else str(bases["base_name"].iloc[k]),
                "cells": int(sel.sum()),
                "area_km2": round(float(geom.area) / 1e6, 3),
                "geometry": geom,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=SWEREF99TM)
