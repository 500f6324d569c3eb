"""Demand for siting: weighted points from the population grid or the user's addresses.

Demand is the SCB 1 km grid (each cell at the representative point of its part inside the
municipality), weighted by one of :data:`geo.schema.WEIGHTS`:

``population``  people 2024 (grid);
``children``    people × the cell's RegSO share of children 0–17 (2022);
``low_income``  people × the RegSO share with low economic standard (2022);
``single_parents``  people × the RegSO share of single-parent households (2022);
``need``        people × (1 + need), ``need`` as below: the most vulnerable count twice.

``equity`` (≥ 0) multiplies each weight by ``1 + equity × need`` where ``need`` is the RegSO's
share with low economic standard divided by the highest such share (0–1): the most vulnerable
districts count up to ``1 + equity`` times more.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import settings
from ..crs import SWEREF99TM
from ..errors import GeoValueError
from ..schema import (
    CELL_ID,
    CELL_POPULATION_IN_STUDY,
    REGSO_CHILDREN,
    REGSO_LOW_INCOME_PCT,
    REGSO_POPULATION_BEFORE,
    REGSO_SINGLE_PARENTS,
    STATUS_OK,
    WEIGHTS,
)
from ..study import Study

__all__ = ["address_cells", "demand_from_addresses", "demand_points"]

_REGSO_SHARE = {
    "children": (REGSO_CHILDREN, REGSO_POPULATION_BEFORE),
    "low_income": (REGSO_LOW_INCOME_PCT, None),
    "single_parents": (REGSO_SINGLE_PARENTS, None),
}


def demand_points(
    study: Study, weight: str = "population", *, equity: float = 0.0
) -> gpd.GeoDataFrame:
    """Weighted demand points from the population grid (EPSG:3006).

    Returns
    -------
    geopandas.GeoDataFrame
        ``rutid_scb``, ``population``, ``weight`` (3 decimals), ``regsokod``, ``regsonamn``,
        ``area`` (current catchment), ``settlement_class``, ``locality`` (the locality's
        name, empty elsewhere) and point geometry (whole metres).
    """
    if weight not in WEIGHTS:
        raise GeoValueError(f"weight: must be one of {WEIGHTS}; received {weight!r}")
    if equity < 0:
        raise GeoValueError(f"equity: must be 0 or more; received {equity}")
    if study.demand is None or study.regso is None:
        raise GeoValueError("study: siting needs the demand grid and RegSO layers")
    cells = study.demand
    muni = shapely.union_all(study.regso.geometry.values)
    pts = shapely.point_on_surface(shapely.intersection(cells.geometry.values, muni))
    e, n = shapely.get_x(pts), shapely.get_y(pts)
    pop = cells[CELL_POPULATION_IN_STUDY].to_numpy(dtype="float64")
    regso = study.regso.set_index("regsokod")
    codes = cells["regsokod"].astype(str)
    e, n = np.round(e), np.round(n)  # whole metres: the studio embeds the same numbers
    w = pop.copy()
    if weight == "need":
        equity += 1.0
    elif weight in _REGSO_SHARE:
        col, denom = _REGSO_SHARE[weight]
        share = regso[col] / regso[denom] if denom else regso[col] / (100 if "pct" in col else 1)
        w = pop * codes.map(share).fillna(0).to_numpy(dtype="float64")
    if equity:
        w = w * (1 + equity * study.need_of(codes))
    w = np.round(w, 3)
    area_idx = study.area_index.locate(e, n)
    locality = np.full(len(cells), "", dtype=object)
    if study.settlement_index is not None and study.settlement is not None:
        hit = study.settlement_index.locate(e, n)
        names = study.settlement["settlement_name"].fillna("").astype(str).to_numpy()
        locality = np.where(hit >= 0, names[np.maximum(hit, 0)], "")
    settlement = cells["settlement_class"].astype(str).to_numpy()
    locality = np.where(settlement == "locality", locality, "")
    area_names = study.areas["area"].astype(str).to_numpy()
    return gpd.GeoDataFrame(
        {
            CELL_ID: cells[CELL_ID].to_numpy(),
            "population": pop,
            "weight": w,
            "regsokod": codes.to_numpy(),
            "regsonamn": codes.map(regso["regsonamn"]).to_numpy(),
            "area": np.where(area_idx >= 0, area_names[np.maximum(area_idx, 0)], ""),
            "settlement_class": settlement,
            "locality": locality,
        },
        geometry=shapely.points(e, n),
        crs=SWEREF99TM,
    )


def demand_from_addresses(
    table: pd.DataFrame, study: Study, *, equity: float = 0.0
) -> gpd.GeoDataFrame:
    """Demand from the user's assigned addresses (one unit each; ``ok`` rows only).

    ``table`` is :attr:`geo.areas.Assignment.table` (or the file ``geo assign`` wrote).
    """
    need = {"status", "e_3006", "n_3006", "area", "regsokod"}
    missing = need - set(table.columns)
    if missing:
        raise GeoValueError(
            f"addresses: columns {sorted(missing)} missing; give the output of 'geo assign'"
        )
    ok = table[table["status"].astype(str) == STATUS_OK]
    if ok.empty:
        raise GeoValueError("addresses: no row with status 'ok' to use as demand")
    codes = ok["regsokod"].astype(str)
    w = np.ones(len(ok))
    if equity and study.regso is not None:
        w = w * (1 + equity * study.need_of(codes))
    return gpd.GeoDataFrame(
        {
            CELL_ID: "",
            "population": np.ones(len(ok)),
            "weight": w,
            "regsokod": codes.to_numpy(),
            "regsonamn": ok["regsonamn"].astype(str).to_numpy() if "regsonamn" in ok else "",
            "area": ok["area"].astype(str).to_numpy(),
            "settlement_class": ok["settlement_class"].astype(str).to_numpy()
            if "settlement_class" in ok
            else "",
            "locality": np.where(
                ok["settlement_class"].astype(str).to_numpy() == "locality",
                ok["settlement_name"].fillna("").astype(str).to_numpy(),
                "",
            )
            if {"settlement_class", "settlement_name"} <= set(ok.columns)
            else "",
        },
        geometry=shapely.points(ok["e_3006"].to_numpy(), ok["n_3006"].to_numpy()),
        crs=SWEREF99TM,
    )


def address_cells(
    table: pd.DataFrame,
    study: Study,
    *,
    cell_size_m: float = 1000.0,
    min_count: int | None = None,
    equity: float = 0.0,
) -> tuple[gpd.GeoDataFrame, int]:
    """The user's assigned addresses counted per square cell, small counts left out.

    Privacy: a cell with fewer than ``min_count`` addresses (default
    :data:`geo.settings.min_count`) is dropped, so the result can go into a page.

    Returns
    -------
    (geopandas.GeoDataFrame, int)
        Demand cells like :func:`demand_points` (the point is the cell's centre, the
        weight the number of addresses, × need with ``equity``), and the number of
        addresses left out in small cells.
    """
    min_count = settings.min_count if min_count is None else min_count
    if cell_size_m <= 0:
        raise GeoValueError(f"cell size: must be more than 0 m; received {cell_size_m}")
    pts = demand_from_addresses(table, study, equity=equity)
    e, n = pts.geometry.x.to_numpy(), pts.geometry.y.to_numpy()
    ce = (np.floor(e / cell_size_m) + 0.5) * cell_size_m
    cn = (np.floor(n / cell_size_m) + 0.5) * cell_size_m
    frame = pd.DataFrame(
        {
            "e": ce, "n": cn, "population": pts["population"].to_numpy(),
            "weight": pts["weight"].to_numpy(), "area": pts["area"].to_numpy(),
            "regsokod": pts["regsokod"].to_numpy(), "regsonamn": pts["regsonamn"].to_numpy(),
            "settlement_class": pts["settlement_class"].to_numpy(),
            "locality": pts["locality"].to_numpy(),
        }
    )  # fmt: skip
    first = {c: "first" for c in ("area", "regsokod", "regsonamn", "settlement_class", "locality")}
    # the most common label of the cell's addresses stands for the cell
    mode = {c: (lambda v: v.mode().iat[0]) for c in first}
    agg = frame.groupby(["e", "n"], sort=True).agg(
        population=("population", "sum"), weight=("weight", "sum")
    )
    labels = frame.groupby(["e", "n"], sort=True).agg(mode)
    cells = pd.concat([agg, labels], axis=1).reset_index()
    small = cells["population"] < min_count
    left_out = int(cells.loc[small, "population"].sum())
    cells = cells[~small].reset_index(drop=True)
    cells["weight"] = cells["weight"].round(3)
    ids = [f"{int(a)}_{int(b)}" for a, b in zip(cells["e"], cells["n"], strict=True)]
    cells.insert(0, CELL_ID, ids)
    return (
        gpd.GeoDataFrame(
            cells.drop(columns=["e", "n"]),
            geometry=shapely.points(cells["e"].to_numpy(), cells["n"].to_numpy()),
            crs=SWEREF99TM,
        ),
        left_out,
    )
