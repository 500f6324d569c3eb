"""Catchment audit: who is served by a base that is not their quickest, and by how much.

The first thing a planner checks when drawing borders: addresses (and RegSO) whose own area's
base is not the base they reach quickest, with the minutes they would save, and the
network-based catchments (every place to its quickest base) to set beside the official areas.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import settings
from .crs import SWEREF99TM
from .errors import GeoValueError, MissingColumnError
from .network import Network, network_costs
from .schema import STATUS_OK
from .study import Study

__all__ = ["audit_by_regso", "catchment_audit", "network_catchments"]


def _basis(table: pd.DataFrame) -> tuple[str, str, str, str]:
    """Columns (own value, quickest/nearest value, quickest/nearest base, unit) to audit on."""
    if "own_base_travel_time_s" in table:
        return "own_base_travel_time_s", "quickest_base_travel_time_s", "quickest_base", "s"
    need = {"own_base_distance_m", "nearest_base_distance_m", "nearest_base"}
    if not need <= set(table.columns):
        raise MissingColumnError(
            f"table: the audit needs columns {sorted(need)} (or travel-time columns); give the "
            "output of 'geo assign'"
        )
    return "own_base_distance_m", "nearest_base_distance_m", "nearest_base", "m"


def catchment_audit(table: pd.DataFrame, *, min_saving: float | None = None) -> pd.DataFrame:
    """Addresses whose own base is not their quickest (or, without times, nearest) base.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`geo.areas.assign_addresses` (``Assignment.table``).
    min_saving : float
        Only list addresses that would save at least this much: seconds with travel times
        (default 60 s = 1 minute), metres with straight-line distances.

    Returns
    -------
    pandas.DataFrame
        One row per such address, largest saving first: ``input_row``, ``area``,
        ``regsokod``, ``regsonamn``, ``settlement_class``, ``own_base``, ``own``,
        ``better_base``, ``better``, ``saving`` and ``saving_minutes`` (or ``saving_m``), and
        ``basis`` (``travel_time_s`` or ``straight_distance_m``).
    """
    min_saving = settings.min_saving if min_saving is None else min_saving
    own_col, best_col, best_base_col, unit = _basis(table)
    ok = table[table["status"].astype(str) == STATUS_OK]
    own = ok[own_col].to_numpy(dtype="float64")
    best = ok[best_col].to_numpy(dtype="float64")
    saving = own - best
    keep = (
        np.isfinite(saving)
        & (saving >= min_saving)
        & (ok[best_base_col].astype(str).to_numpy() != ok["own_base"].astype(str).to_numpy())
    )
    cols = [
        c for c in ("input_row", "area", "regsokod", "regsonamn", "settlement_class") if c in ok
    ]
    out = ok.loc[keep, cols].copy()
    out["own_base"] = ok.loc[keep, "own_base"].astype(str)
    out["own"] = own[keep]
    out["better_base"] = ok.loc[keep, best_base_col].astype(str)
    out["better"] = best[keep]
    out["saving"] = saving[keep]
    if unit == "s":
        out["saving_minutes"] = (saving[keep] / 60).round(1)
        out["basis"] = "travel_time_s"
    else:
        out["saving_m"] = saving[keep].round(0)
        out["basis"] = "straight_distance_m"
    return out.sort_values("saving", ascending=False).reset_index(drop=True)


def audit_by_regso(table: pd.DataFrame, *, min_saving: float | None = None) -> pd.DataFrame:
    """The audit per RegSO: how many addresses would be quicker at another base.

    Returns
    -------
    pandas.DataFrame
        ``regsokod``, ``regsonamn``, ``area``, ``addresses``, ``better_elsewhere``,
        ``share_better_elsewhere``, ``median_saving`` (s or m, see ``basis``), the most common
        ``better_base`` and ``basis``; RegSO with the largest share first.
    """
    min_saving = settings.min_saving if min_saving is None else min_saving
    if "regsokod" not in table:
        raise MissingColumnError("table: the audit by RegSO needs the column 'regsokod'")
    detail = catchment_audit(table, min_saving=min_saving)
    ok = table[table["status"].astype(str) == STATUS_OK]
    total = ok.groupby(["regsokod", "regsonamn", "area"], observed=True).size().rename("addresses")
    if detail.empty:
        out = total.reset_index()
        out["better_elsewhere"] = 0
        out["share_better_elsewhere"] = 0.0
        out["median_saving"] = np.nan
        out["better_base"] = ""
    else:
        g = detail.groupby(["regsokod", "regsonamn", "area"], observed=True)
        agg = pd.DataFrame(
            {
                "better_elsewhere": g.size(),
                "median_saving": g["saving"].median(),
                "better_base": g["better_base"].agg(lambda s: s.value_counts().index[0]),
            }
        )
        out = total.to_frame().join(agg, how="left").reset_index()
        out["better_elsewhere"] = out["better_elsewhere"].fillna(0).astype(int)
        out["share_better_elsewhere"] = (out["better_elsewhere"] / out["addresses"]).round(4)
        out["better_base"] = out["better_base"].fillna("")
    out["basis"] = "travel_time_s" if "own_base_travel_time_s" in table else "straight_distance_m"
    out = out[out["addresses"] > 0]
    return out.sort_values(
        ["share_better_elsewhere", "addresses"], ascending=[False, False]
    ).reset_index(drop=True)


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
