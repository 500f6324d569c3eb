"""A scenario against today's bases: the figures the planning studio shows.

:func:`compare` sends every demand point to its nearest open base (straight line, or travel
time over a network from a matrix over the candidate sites, as the studio does) and gives
the figures of :mod:`geo.figures` per group (everyone, today's areas, settlement classes,
localities) before and after; :func:`what_if` applies closures, moves and additions first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..distance import distance_matrix_m
from ..errors import GeoValueError
from ..figures import WEIGHT_SCALE, change, exact_weights, figures
from ..scenario_file import Scenario
from ..schema import ALL, SETTLEMENT_CLASSES, WEIGHTS
from ..study import Study
from .candidates import candidate_sites, snap_to_sites
from .costs import travel_time_matrix_s
from .demand import demand_points

if TYPE_CHECKING:
    from ..network import Network
    from ..transit import Transit
    from .problem import SitingProblem

__all__ = ["Comparison", "compare", "comparison_groups", "what_if"]


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
    problem: SitingProblem | None = None,
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
    problem : SitingProblem, optional
        A problem built on the same grid, default candidates and ``network``: its cost
        matrix is used instead of routing again.

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
        if _reusable(problem, network, dem, study):
            assert problem is not None  # noqa: S101 - checked by _reusable
            sites = problem.candidates
            matrix = np.where(np.isfinite(problem.cost), np.round(problem.cost), np.inf)
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


def _reusable(
    problem: SitingProblem | None, network: Any, dem: gpd.GeoDataFrame, study: Study
) -> bool:
    """Whether ``problem``'s cost matrix is the one :func:`compare` would route: the same
    network, demand points and (default) candidate sites."""
    if problem is None or problem.network is not network or len(problem.demand) != len(dem):
        return False
    sites = candidate_sites(study)

    def same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> bool:
        return len(a) == len(b) and bool(
            np.array_equal(a.geometry.x.to_numpy(), b.geometry.x.to_numpy())
            and np.array_equal(a.geometry.y.to_numpy(), b.geometry.y.to_numpy())
        )

    return same(problem.demand, dem) and same(problem.candidates, sites)


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
    # studio (JavaScript, summing one by one) and numpy get the same bits (geo.figures).
    pop_all = exact_weights(dem["population"].to_numpy())
    w_all = exact_weights(dem["weight"].to_numpy())
    cuts = [t * scale for t in levels] + [threshold * scale]
    rows = []
    for group, name, sel in comparison_groups(dem):
        w = w_all[sel]
        b, a = before[sel], after[sel]
        better, worse = change(b, a, w, tolerance=tol)
        row: dict[str, Any] = {
            "group": group,
            "name": name,
            "population": float(pop_all[sel].sum()) / WEIGHT_SCALE,
            "weighted": float(w.sum()) / WEIGHT_SCALE,
            "better": better / WEIGHT_SCALE,
            "worse": worse / WEIGHT_SCALE,
        }
        fb = figures(b, w, thresholds=cuts)
        fa = figures(a, w, thresholds=cuts)
        for when, f in (("before", fb), ("after", fa)):
            row[f"unreachable_{when}"] = f["unreachable"] / WEIGHT_SCALE
            row[f"mean_{when}"] = f["mean"]
            row[f"p90_{when}"] = f["p90"]
            row[f"max_{when}"] = f["max"]
        for i, t in enumerate(levels):
            key = _threshold_name(t, unit)
            for when, f in (("before", fb), ("after", fa)):
                row[f"share_within_{key}_{when}"] = f[f"share_within_{i}"]
        for when, f in (("before", fb), ("after", fa)):
            row[f"share_within_{when}"] = f[f"share_within_{len(levels)}"]
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
    problem: SitingProblem | None = None,
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
    return compare(
        study, base, demand=demand, network=network, max_snap_m=max_snap_m, problem=problem
    ).table
