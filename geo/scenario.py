"""Siting scenarios on a study: where new bases should go, and what a change does.

The adapter between the study (RegSO, population grid, localities, bases) and the solvers in
:mod:`geo.siting`: builds weighted demand and candidate sites, the cost matrix (straight line
or network), runs the solver, and reports what planners ask: the proposed sites ranked, the new
catchment partition, before/after figures per area and settlement class, a sweep over the
number of bases, what-if changes and the trade-off between objectives.

Demand is the SCB 1 km grid (each cell at the representative point of its part inside the
municipality), weighted by one of :data:`WEIGHTS`:

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

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import settings
from .crs import SWEREF99TM, from_sweref
from .distance import distance_matrix_m
from .errors import GeoValueError
from .network import Network, network_costs
from .scenario_file import Scenario, ScenarioBase, read_scenario  # noqa: F401 (re-exported)
from .schema import (
    ALL,
    CANDIDATE_KINDS,
    CELL_ID,
    CELL_POPULATION_IN_STUDY,
    OBJECTIVES,
    REGSO_AREA,
    REGSO_CENTRE_E,
    REGSO_CENTRE_N,
    REGSO_CHILDREN,
    REGSO_LOW_INCOME_PCT,
    REGSO_POPULATION,
    REGSO_POPULATION_BEFORE,
    REGSO_SINGLE_PARENTS,
    SETTLEMENT_CLASSES,
    STATUS_OK,
    WEIGHTS,
)
from .siting import Solution, max_coverage, pcenter, pmedian
from .study import Study

__all__ = [
    "CANDIDATE_KINDS",
    "OBJECTIVES",
    "WEIGHTS",
    "Comparison",
    "SitingResult",
    "address_cells",
    "compare",
    "comparison_groups",
    "snap_to_sites",
    "travel_time_matrix_s",
    "candidate_sites",
    "demand_from_addresses",
    "demand_points",
    "site",
    "sweep",
    "tradeoff",
    "what_if",
]

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from .transit import Transit

_REGSO_SHARE = {
    "children": (REGSO_CHILDREN, REGSO_POPULATION_BEFORE),
    "low_income": (REGSO_LOW_INCOME_PCT, None),
    "single_parents": (REGSO_SINGLE_PARENTS, None),
}


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return float("nan")
    v, w = values[ok], weights[ok]
    order = np.argsort(v)
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, q * cum[-1], side="left")])


def _wmean(values: np.ndarray, weights: np.ndarray) -> float:
    return float(np.average(values, weights=weights)) if weights.sum() > 0 else float("nan")


def _wshare(mask: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float(weights[mask].sum() / total) if total > 0 else float("nan")


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
        low = regso[REGSO_LOW_INCOME_PCT]
        need = codes.map(low / low.max()).fillna(0).to_numpy(dtype="float64")
        w = w * (1 + equity * need)
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
        low = study.regso.set_index("regsokod")[REGSO_LOW_INCOME_PCT]
        w = w * (1 + equity * codes.map(low / low.max()).fillna(0).to_numpy(dtype="float64"))
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


def candidate_sites(
    study: Study,
    kinds: tuple[str, ...] = ("localities", "regso"),
    *,
    extra: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites: the existing bases first, then the kinds asked for.

    ``localities``: tätorter outside Linköping city; ``regso``: RegSO population-weighted
    centres; ``grid``: populated 1 km cells; ``extra``: the user's own sites (points with a
    ``name`` column), e.g. available premises.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site``, ``kind`` (``base``, ``locality``, ``regso``, ``grid``, ``user``),
        ``base_id`` (for existing bases), ``regsonamn`` and point geometry (EPSG:3006).
    """
    unknown = set(kinds) - set(CANDIDATE_KINDS)
    if unknown:
        raise GeoValueError(f"candidates: unknown kinds {sorted(unknown)}; use {CANDIDATE_KINDS}")
    frames = [
        pd.DataFrame(
            {
                "site": study.bases["base_name"].astype(str),
                "kind": "base",
                "base_id": study.bases["base_id"].astype(str),
                "e": study.bases.geometry.x,
                "n": study.bases.geometry.y,
            }
        )
    ]
    if "localities" in kinds and study.localities is not None:
        loc = study.localities[study.localities["settlement_class"] != "city"]
        frames.append(
            pd.DataFrame(
                {"site": loc["name"], "kind": "locality", "e": loc.geometry.x, "n": loc.geometry.y}
            )
        )
    if "regso" in kinds and study.regso is not None:
        r = study.regso
        frames.append(
            pd.DataFrame(
                {
                    "site": r["regsonamn"],
                    "kind": "regso",
                    "e": r[REGSO_CENTRE_E],
                    "n": r[REGSO_CENTRE_N],
                }
            )
        )
    if "grid" in kinds:
        d = demand_points(study)
        d = d[d["population"] > 0]
        frames.append(
            pd.DataFrame(
                {
                    "site": "ruta " + d[CELL_ID].astype(str),
                    "kind": "grid",
                    "e": d.geometry.x,
                    "n": d.geometry.y,
                }
            )
        )
    if extra is not None:
        ex = extra.to_crs(SWEREF99TM)
        name = "name" if "name" in ex else ex.columns[0]
        frames.append(
            pd.DataFrame(
                {
                    "site": ex[name].astype(str),
                    "kind": "user",
                    "e": ex.geometry.x,
                    "n": ex.geometry.y,
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["base_id"] = out["base_id"].fillna("")
    if study.regso_index is not None and study.regso is not None:
        r = study.regso_index.locate(out["e"].to_numpy(), out["n"].to_numpy())
        names = study.regso["regsonamn"].to_numpy()
        out["regsonamn"] = np.where(r >= 0, names[np.maximum(r, 0)], "")
    return gpd.GeoDataFrame(
        out.drop(columns=["e", "n"]),
        geometry=shapely.points(out["e"].to_numpy(), out["n"].to_numpy()),
        crs=SWEREF99TM,
    )


def _cost(
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


@dataclass
class SitingResult:
    """A solved siting scenario.

    Attributes
    ----------
    solution : Solution
        The solver's answer (value, proven bound, gap, status).
    proposals : geopandas.GeoDataFrame
        The open sites ranked by how much the objective worsens without them, with ``new``
        (not an existing base), the population and weight they serve.
    partition : pandas.DataFrame
        Each RegSO and the open site nearest its population-weighted centre (the rule of the
        default partition), with its current area.
    before_after : pandas.DataFrame
        Per area (current catchments) and settlement class: population, mean and 90th
        percentile cost and the share within ``threshold`` before (own base today) and after.
    unit : str
        ``m`` (straight line) or ``s`` (network travel time).
    """

    solution: Solution
    proposals: gpd.GeoDataFrame
    partition: pd.DataFrame
    before_after: pd.DataFrame
    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    unit: str
    threshold: float
    notes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:
        s = self.solution
        head = (
            f"<b>{s.objective}</b>: {len(s.selected)} sites, value {s.value:,.0f}, "
            f"gap {s.gap:.2%}, {s.status}, {s.seconds:.1f} s"
        )
        return (
            f"<div>{head}{self.proposals.drop(columns='geometry').to_html(index=False)}"
            f"{self.before_after.to_html(index=False)}</div>"
        )


def _solve(
    objective: str, cost: np.ndarray, w: np.ndarray, p: int, fixed: list[int], threshold: float,
    capacity: float | None, time_limit_s: float,
) -> Solution:  # fmt: skip
    if objective == "pmedian":
        return pmedian(cost, w, p, fixed=fixed, capacity=capacity, time_limit_s=time_limit_s)
    if objective == "coverage":
        return max_coverage(cost, w, p, threshold=threshold, fixed=fixed, time_limit_s=time_limit_s)
    if objective == "center":
        return pcenter(cost, w, p, fixed=fixed, time_limit_s=time_limit_s)
    raise GeoValueError(f"objective: must be one of {OBJECTIVES}; received {objective!r}")


def _figures(cost_to_site: np.ndarray, dem: gpd.GeoDataFrame, threshold: float) -> dict[str, float]:
    pop = dem["population"].to_numpy()
    return {
        "population": float(pop.sum()),
        "mean": float(np.average(cost_to_site, weights=pop)) if pop.sum() > 0 else np.nan,
        "p90": _weighted_quantile(cost_to_site, pop, 0.9),
        "max": float(cost_to_site[pop > 0].max()) if (pop > 0).any() else np.nan,
        "share_within": float(pop[cost_to_site <= threshold].sum() / pop.sum())
        if pop.sum()
        else np.nan,
    }


def _before_after(
    dem: gpd.GeoDataFrame, before: np.ndarray, after: np.ndarray, threshold: float
) -> pd.DataFrame:
    rows = []
    groups: list[tuple[str, str, np.ndarray]] = []
    for a in [*sorted(set(dem["area"]) - {""}), "all"]:
        in_a = np.ones(len(dem), dtype=bool) if a == "all" else (dem["area"] == a).to_numpy()
        for c in (*SETTLEMENT_CLASSES, ALL):
            sel = in_a if c == "all" else in_a & (dem["settlement_class"] == c).to_numpy()
            groups.append((a, c, sel))
    for a, c, sel in groups:
        if not sel.any():
            continue
        b = _figures(before[sel], dem[sel], threshold)
        f = _figures(after[sel], dem[sel], threshold)
        rows.append(
            {
                "area": a, "settlement_class": c, "population": round(b["population"]),
                "mean_before": b["mean"], "mean_after": f["mean"],
                "p90_before": b["p90"], "p90_after": f["p90"],
                "max_before": b["max"], "max_after": f["max"],
                "share_within_before": b["share_within"], "share_within_after": f["share_within"],
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


def _partition(
    study: Study, open_sites: gpd.GeoDataFrame, network: Network | Transit | None, max_snap_m: float
) -> pd.DataFrame:
    """Each RegSO to the open site nearest (by the same cost) its population-weighted centre."""
    if study.regso is None:
        return pd.DataFrame(columns=["regsokod", "regsonamn", "site", "cost"])
    r = study.regso
    pts = gpd.GeoDataFrame(
        {"population": r[REGSO_POPULATION]},
        geometry=shapely.points(r[REGSO_CENTRE_E].to_numpy(), r[REGSO_CENTRE_N].to_numpy()),
        crs=SWEREF99TM,
    )
    cost, unit = _cost(pts, open_sites, network, max_snap_m)
    best = np.argmin(cost, axis=1)
    return pd.DataFrame(
        {
            "regsokod": r["regsokod"],
            "regsonamn": r["regsonamn"],
            "current_area": r[REGSO_AREA],
            "site": open_sites["site"].to_numpy()[best],
            f"cost_{unit}": cost[np.arange(len(r)), best].round(1),
            "pop_2023": r["pop_2023"],
        }
    )


def site(
    study: Study,
    *,
    add: int = 2,
    objective: str = "pmedian",
    threshold_km: float = 5.0,
    threshold_min: float | None = None,
    weight: str = "population",
    equity: float = 0.0,
    keep_existing: bool = True,
    candidates: tuple[str, ...] = ("localities", "regso"),
    extra_sites: gpd.GeoDataFrame | None = None,
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
    capacity: float | None = None,
    time_limit_s: float | None = None,
    addresses: pd.DataFrame | None = None,
) -> SitingResult:
    """Choose ``add`` new bases (keeping or freeing the existing ones).

    Parameters
    ----------
    study : Study
    add : int
        New bases to place. With ``keep_existing`` the existing bases stay open and the total
        is ``len(bases) + add``; otherwise all ``len(bases) + add`` sites are chosen freely.
    objective : {"pmedian", "coverage", "center"}
    threshold_km, threshold_min : float
        Coverage threshold, and for the "share within" figures: km for straight line,
        minutes with a network.
    weight : {"population", "children", "low_income", "single_parents"}
    equity : float
        Extra weight for the most vulnerable districts (see module docs).
    candidates : tuple of str
        Kinds of candidate sites (:data:`CANDIDATE_KINDS`).
    extra_sites : geopandas.GeoDataFrame, optional
        The user's own candidate sites (points, ``name`` column).
    network : Network, optional
        Use network travel time (s) as cost instead of straight-line distance (m).
    capacity : float, optional
        Most population (weight) one base may serve.
    time_limit_s : float
    addresses : pandas.DataFrame, optional
        The user's own addresses as assigned by :func:`geo.areas.assign_addresses`
        (``Assignment.table``): each ``ok`` row is one unit of demand instead of the grid.

    Returns
    -------
    SitingResult
    """
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    if add < 0:
        raise GeoValueError(f"add: must be 0 or more; received {add}")
    dem = (
        demand_points(study, weight, equity=equity)
        if addresses is None
        else demand_from_addresses(addresses, study, equity=equity)
    )
    cand = candidate_sites(study, candidates, extra=extra_sites)
    cost, unit = _cost(dem, cand, network, max_snap_m)
    n_bases = len(study.bases)
    p = n_bases + add
    fixed = list(range(n_bases)) if keep_existing else []
    if p > len(cand):
        raise GeoValueError(
            f"add: {p} sites needed but only {len(cand)} candidates; add candidate kinds"
        )
    threshold = threshold_km * 1000 if unit == "m" else (threshold_min or 30.0) * 60
    w = dem["weight"].to_numpy()
    sol = _solve(objective, cost, w, p, fixed, threshold, capacity, time_limit_s)

    # before: each demand point to its own area's base today (straight line or network)
    areas = pd.Categorical(dem["area"].astype(str), categories=study.areas["area"].astype(str))
    own = study.own_base(areas.codes)
    rows = np.arange(len(dem))
    before = np.where(own >= 0, cost[rows, np.maximum(own, 0)], np.nan)
    after = cost[rows, sol.assignment]

    # rank: how much worse the objective gets (total weighted cost) without each site
    sel = sol.selected
    wc = w[:, None] * cost[:, sel]
    total = wc.min(axis=1).sum()
    loss = []
    for k in range(sel.size):
        others = np.delete(wc, k, axis=1)
        loss.append(others.min(axis=1).sum() - total if others.shape[1] else np.inf)
    served = pd.Series(dem["population"].to_numpy()).groupby(sol.assignment).sum()
    served_w = pd.Series(w).groupby(sol.assignment).sum()
    prop = cand.iloc[sel].copy()
    prop["new"] = prop["kind"] != "base"
    prop["population_served"] = [float(served.get(j, 0.0)) for j in sel]
    prop["weight_served"] = [float(served_w.get(j, 0.0)) for j in sel]
    prop["loss_if_removed"] = loss
    lon, lat = from_sweref(prop.geometry.x.to_numpy(), prop.geometry.y.to_numpy())
    prop["lat"], prop["lon"] = lat.round(6), lon.round(6)
    prop = prop.sort_values("loss_if_removed", ascending=False).reset_index(drop=True)
    prop.insert(0, "rank", np.arange(1, len(prop) + 1))

    part = _partition(study, cand.iloc[sel], network, max_snap_m)
    notes = [
        (
            f"demand: {len(dem):,} grid cells weighted by {weight}"
            if addresses is None
            else f"demand: {len(dem):,} of the user's addresses (status ok), one unit each"
        )
        + (f", equity {equity}" if equity else ""),
        f"candidates: {len(cand):,} ({', '.join(sorted(set(cand['kind'])))})",
        f"cost: {'network travel time (s)' if unit == 's' else 'straight-line distance (m)'}",
    ]
    return SitingResult(
        sol,
        prop,
        part,
        _before_after(dem, before, after, threshold),
        dem,
        cand,
        unit,
        threshold,
        notes,
    )


def sweep(
    study: Study,
    p_values: range | list[int] = range(4, 9),
    **kwargs: Any,
) -> pd.DataFrame:
    """p-median solutions for each number of bases, with the marginal gain of each extra base.

    Returns
    -------
    pandas.DataFrame
        ``bases``, ``value``, ``gap``, ``marginal_gain`` (value of one base fewer minus
        this value), ``mean``, ``p90``, ``max`` cost per person and ``share_within``, and
        ``sites`` chosen.
    """
    n_bases = len(study.bases)
    rows = []
    prev = None
    for p in p_values:
        if p < n_bases and kwargs.get("keep_existing", True):
            continue
        res = site(study, add=p - n_bases, objective="pmedian", **kwargs)
        after = res.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
        rows.append(
            {
                "bases": p, "value": res.solution.value, "gap": res.solution.gap,
                "marginal_gain": (prev - res.solution.value) if prev is not None else np.nan,
                "mean": after["mean_after"], "p90": after["p90_after"], "max": after["max_after"],
                "share_within": after["share_within_after"],
                "sites": ", ".join(res.proposals.sort_values("rank")["site"]),
                "new_sites": ", ".join(
                    res.proposals[res.proposals["new"]].sort_values("rank")["site"]
                ),
            }
        )  # fmt: skip
        prev = res.solution.value
    return pd.DataFrame(rows)


def tradeoff(study: Study, *, add: int = 2, **kwargs: Any) -> pd.DataFrame:
    """Total vs worst cost vs share beyond the threshold for the solutions of each objective.

    Shows what equity costs: the p-median minimises the total, the p-center the worst case,
    maximal covering the share beyond the threshold.
    """
    rows = []
    for obj in OBJECTIVES:
        res = site(study, add=add, objective=obj, **kwargs)
        a = res.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
        pop = res.demand["population"].to_numpy()
        cost_after = a["mean_after"] * pop.sum()
        rows.append(
            {
                "objective": obj, "total_person_cost": cost_after, "mean": a["mean_after"],
                "worst": a["max_after"], "share_beyond": 1 - a["share_within_after"],
                "sites": ", ".join(res.proposals["site"]),
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


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


# ----------------------------------------------------------------------------- scenarios


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
    t, _ = _cost(demand, sites, network, max_snap_m)
    return np.where(np.isfinite(t), np.round(t), np.inf)


def snap_to_sites(e: np.ndarray, n: np.ndarray, sites: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the nearest site (straight line) of each point: where a base stands when
    travel times come from a matrix over the sites."""
    d = distance_matrix_m(e, n, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    return np.argmin(d, axis=1)


@dataclass
class Comparison:
    """A scenario against today's bases.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per group (see :func:`compare`).
    demand : geopandas.GeoDataFrame
        The demand points compared (:func:`demand_points`).
    before, after : numpy.ndarray
        Cost (m or s) of each demand point to its nearest base today and in the scenario.
    nearest : numpy.ndarray
        Index into ``scenario.bases`` of each point's nearest base in the scenario.
    unit : str
        ``m`` or ``s``.
    """

    table: pd.DataFrame
    demand: gpd.GeoDataFrame
    before: np.ndarray
    after: np.ndarray
    nearest: np.ndarray
    unit: str
    scenario: Scenario


def comparison_groups(dem: gpd.GeoDataFrame) -> list[tuple[str, str, np.ndarray]]:
    """The row groups of a comparison, in order: ``all``; each ``area`` by name; each
    settlement ``class``; each ``locality`` by population (largest first) — with the mask of
    demand points in each."""
    out: list[tuple[str, str, np.ndarray]] = [(ALL, ALL, np.ones(len(dem), dtype=bool))]
    area = dem["area"].astype(str).to_numpy()
    for a in sorted(set(area) - {""}):
        out.append(("area", a, area == a))
    cls = dem["settlement_class"].astype(str).to_numpy()
    for c in SETTLEMENT_CLASSES:
        if (cls == c).any():
            out.append(("class", c, cls == c))
    loc = dem["locality"].astype(str).to_numpy() if "locality" in dem else np.array([])
    pop = dem["population"].to_numpy()
    names = sorted(set(loc) - {""}, key=lambda x: (-pop[loc == x].sum(), x))
    for x in names:
        out.append(("locality", x, loc == x))
    return out


def _threshold_name(value: float, unit: str) -> str:
    return f"{value:g}km" if unit == "m" else f"{value:g}min"


def compare(
    study: Study,
    scenario: Scenario,
    *,
    demand: gpd.GeoDataFrame | None = None,
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
) -> Comparison:
    """Figures of a scenario against today's bases: the numbers the planning studio shows.

    Every demand point goes to its nearest open base (straight line, or travel time with a
    ``network``: then every base stands at its nearest candidate site of
    :func:`candidate_sites` and times come from :func:`travel_time_matrix_s`, as in the
    studio). Figures are weighted by the scenario's weight.

    Parameters
    ----------
    study : Study
    scenario : Scenario
    demand : geopandas.GeoDataFrame, optional
        Demand points (default :func:`demand_points` with the scenario's weight).
    network : Network, optional
    max_snap_m : float, optional

    Returns
    -------
    Comparison
        ``table`` has one row per group — ``all``; each ``area`` (today's catchment of the
        point); each settlement ``class``; each ``locality`` — with ``population``,
        ``weighted`` (the sum of the weight), ``better`` and ``worse`` (weight whose cost
        falls or rises by more than :data:`geo.settings.change_tolerance_m` or ``_s``),
        ``mean``, ``p90`` (weighted, inverted CDF) and ``max`` before and after, the share
        within each of :data:`geo.settings.thresholds_km` (``_min`` with a network) and
        the scenario's threshold before and after, and ``unit``.
    """
    if scenario.weight not in WEIGHTS:
        raise GeoValueError(f"weight: must be one of {WEIGHTS}; received {scenario.weight!r}")
    if not scenario.bases:
        raise GeoValueError("scenario: no base is open")
    dem = demand_points(study, scenario.weight) if demand is None else demand
    today = Scenario.today(study)
    be = np.array([b.e for b in today.bases])
    bn = np.array([b.n for b in today.bases])
    se = np.array([b.e for b in scenario.bases])
    sn = np.array([b.n for b in scenario.bases])
    if network is None:
        de, dn = dem.geometry.x.to_numpy(), dem.geometry.y.to_numpy()
        c_before = distance_matrix_m(de, dn, be, bn)
        c_after = distance_matrix_m(de, dn, se, sn)
        unit = "m"
    else:
        sites = candidate_sites(study)
        matrix = travel_time_matrix_s(network, dem, sites, max_snap_m=max_snap_m)
        c_before = matrix[:, snap_to_sites(be, bn, sites)]
        c_after = matrix[:, snap_to_sites(se, sn, sites)]
        unit = "s"
    before = c_before.min(axis=1) if c_before.shape[1] else np.full(len(dem), np.inf)
    nearest = np.argmin(c_after, axis=1)
    after = c_after[np.arange(len(dem)), nearest]
    table = _comparison_table(dem, before, after, unit, scenario.threshold)
    return Comparison(table, dem, before, after, nearest, unit, scenario)


def _comparison_table(
    dem: gpd.GeoDataFrame,
    before: np.ndarray,
    after: np.ndarray,
    unit: str,
    threshold: float | None,
) -> pd.DataFrame:
    scale = 1000.0 if unit == "m" else 60.0
    levels = list(settings.thresholds_km if unit == "m" else settings.thresholds_min)
    if threshold is None:
        threshold = (
            settings.coverage_threshold_km if unit == "m" else settings.coverage_threshold_min
        )
    tol = settings.change_tolerance_m if unit == "m" else settings.change_tolerance_s
    # Weights in thousandths as whole numbers: their sums are exact in any order, so the
    # studio (JavaScript, summing one by one) and numpy (pairwise) get the same bits.
    pop_all = np.round(dem["population"].to_numpy(dtype="float64") * 1000)
    w_all = np.round(dem["weight"].to_numpy(dtype="float64") * 1000)
    rows = []
    for group, name, sel in comparison_groups(dem):
        w = w_all[sel]
        b, a = before[sel], after[sel]
        d = a - b
        row: dict[str, Any] = {
            "group": group,
            "name": name,
            "population": float(pop_all[sel].sum()) / 1000,
            "weighted": float(w.sum()) / 1000,
            "better": float(w[d < -tol].sum()) / 1000,
            "worse": float(w[d > tol].sum()) / 1000,
        }
        for when, c in (("before", b), ("after", a)):
            reach = np.isfinite(c) & (w > 0)
            row[f"mean_{when}"] = _wmean(c[reach], w[reach]) if reach.any() else np.nan
            row[f"p90_{when}"] = _weighted_quantile(c, w, 0.9)
            row[f"max_{when}"] = float(c[reach].max()) if reach.any() else np.nan
        for t in levels:
            key = _threshold_name(t, unit)
            for when, c in (("before", b), ("after", a)):
                row[f"share_within_{key}_{when}"] = _wshare(c <= t * scale, w)
        for when, c in (("before", b), ("after", a)):
            row[f"share_within_{when}"] = _wshare(c <= threshold * scale, w)
        row["unit"] = unit
        rows.append(row)
    return pd.DataFrame(rows)


def what_if(
    study: Study,
    *,
    close: tuple[str, ...] = (),
    move: dict[str, tuple[float, float]] | None = None,
    add: dict[str, tuple[float, float]] | None = None,
    scenario: Scenario | None = None,
    weight: str | None = None,
    threshold_km: float | None = None,
    threshold_min: float | None = None,
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
    demand: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Effect of closing, moving or adding bases: :func:`compare`'s table.

    Parameters
    ----------
    close : tuple of str
        ``base_id`` s of bases to close.
    move : dict, optional
        ``base_id`` -> (lat, lon) WGS 84 of its new place.
    add : dict, optional
        name -> (lat, lon) of new bases.
    scenario : Scenario, optional
        Start from this scenario (e.g. :func:`read_scenario` of a studio export) instead of
        today's bases; ``close``/``move``/``add`` apply on top of it.
    weight : str, optional
        Overrides the scenario's weight (default ``population``).
    threshold_km, threshold_min : float, optional
        The headline "share within" threshold: kilometres for straight-line distance,
        minutes with a ``network`` (default: the scenario's, else the settings).
    network : Network or Transit, optional
        Travel times along the network (or by public transport) instead of straight-line
        distance.
    demand : geopandas.GeoDataFrame, optional
        Demand points instead of the grid, e.g. :func:`address_cells` of the user's
        addresses (as the studio built with ``--addresses`` uses them).

    Returns
    -------
    pandas.DataFrame
        See :func:`compare`.
    """
    base = Scenario.today(study, name="what-if") if scenario is None else scenario
    if close or move or add:
        base = base.changed(study, close=close, move=move, add=add)
    if not base.bases:
        raise GeoValueError("what-if: closing every base leaves no base")
    threshold = threshold_km if network is None else threshold_min
    base = replace(
        base,
        weight=weight or base.weight,
        threshold=base.threshold if threshold is None else threshold,
    )
    return compare(study, base, demand=demand, network=network, max_snap_m=max_snap_m).table
