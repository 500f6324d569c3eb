"""A siting problem built once — demand, candidates, cost matrix — and solved many ways.

:class:`SitingProblem` holds what every siting question on a study shares: the demand
(:mod:`geo.siting.demand`), the candidate sites (:mod:`geo.siting.candidates`) and the cost
from every demand point to every candidate (:mod:`geo.siting.costs`; a network is routed once).
``geo site`` (:meth:`SitingProblem.solve`), the sweep over the number of bases
(:meth:`SitingProblem.sweep`), the trade-off between objectives
(:meth:`SitingProblem.tradeoff`), the planning studio and the decision report all ask the same
problem, so none routes or builds demand twice. The weight can change without routing again
(:meth:`SitingProblem.with_weight`): the cells and sites, hence the costs, stay.

The figures of every result come from :mod:`geo.figures`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import settings
from ..crs import SWEREF99TM, from_sweref
from ..errors import GeoValueError
from ..figures import WEIGHT_SCALE, exact_weights, figures
from ..schema import (
    ALL,
    OBJECTIVES,
    REGSO_AREA,
    REGSO_CENTRE_E,
    REGSO_CENTRE_N,
    REGSO_POPULATION,
    SETTLEMENT_CLASSES,
)
from ..study import Study
from .candidates import candidate_sites
from .costs import cost_matrix
from .demand import demand_from_addresses, demand_points
from .solvers import Solution, max_coverage, pcenter, pmedian

if TYPE_CHECKING:
    from ..network import Network
    from ..transit import Transit

__all__ = ["SitingProblem", "SitingResult", "site", "sweep", "tradeoff"]

logger = logging.getLogger(__name__)


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
        Per area (current catchments) and settlement class: ``weight`` (its name),
        ``population`` (people), ``weighted`` (the weight's sum), and the mean, 90th
        percentile and largest cost and the share within ``threshold``, weighted by the
        weight, before (nearest base today) and after (each cell's base in the proposal).
    unit : str
        ``m`` (straight line) or ``s`` (network travel time).
    capacity : numpy.ndarray or None
        Each candidate's capacity (weight units; ``inf`` = none) when the solve had any.
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
    capacity: np.ndarray | None = None

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
    capacity: np.ndarray | None, time_limit_s: float,
) -> Solution:  # fmt: skip
    if objective == "pmedian":
        return pmedian(cost, w, p, fixed=fixed, capacity=capacity, time_limit_s=time_limit_s)
    if objective == "coverage":
        return max_coverage(cost, w, p, threshold=threshold, fixed=fixed, time_limit_s=time_limit_s)
    if objective == "center":
        return pcenter(cost, w, p, fixed=fixed, time_limit_s=time_limit_s)
    raise GeoValueError(f"objective: must be one of {OBJECTIVES}; received {objective!r}")


def _figures(cost: np.ndarray, weight: np.ndarray, threshold: float) -> dict[str, float]:
    """The figures of ``geo site``'s before/after table (:mod:`geo.figures`), weighted by
    ``weight`` (exact thousandths, :func:`geo.figures.exact_weights`)."""
    f = figures(cost, weight, thresholds=(threshold,))
    return {
        "weighted": f["total"] / WEIGHT_SCALE,
        "unreachable": f["unreachable"] / WEIGHT_SCALE,
        "mean": f["mean"],
        "p90": f["p90"],
        "max": f["max"],
        "share_within": f["share_within_0"],
    }


def _before_after(
    dem: gpd.GeoDataFrame, before: np.ndarray, after: np.ndarray, threshold: float, weight: str
) -> pd.DataFrame:
    """Per today's area and settlement class: people, the weighted sum, and the figures
    weighted by ``weight`` before (nearest base today) and after (each cell's base in the
    proposal), as :func:`geo.siting.compare` computes them for ``geo whatif`` and the studio."""
    rows = []
    groups: list[tuple[str, str, np.ndarray]] = []
    for a in [*sorted(set(dem["area"]) - {""}), "all"]:
        in_a = np.ones(len(dem), dtype=bool) if a == "all" else (dem["area"] == a).to_numpy()
        for c in (*SETTLEMENT_CLASSES, ALL):
            sel = in_a if c == "all" else in_a & (dem["settlement_class"] == c).to_numpy()
            groups.append((a, c, sel))
    people = exact_weights(dem["population"].to_numpy())
    w = exact_weights(dem["weight"].to_numpy())
    for a, c, sel in groups:
        if not sel.any():
            continue
        b = _figures(before[sel], w[sel], threshold)
        f = _figures(after[sel], w[sel], threshold)
        rows.append(
            {
                "area": a, "settlement_class": c, "weight": weight,
                "population": round(float(people[sel].sum()) / WEIGHT_SCALE),
                "weighted": b["weighted"],
                "unreachable_before": b["unreachable"], "unreachable_after": f["unreachable"],
                "mean_before": b["mean"], "mean_after": f["mean"],
                "p90_before": b["p90"], "p90_after": f["p90"],
                "max_before": b["max"], "max_after": f["max"],
                "share_within_before": b["share_within"], "share_within_after": f["share_within"],
            }
        )  # fmt: skip
    return pd.DataFrame(rows)


@dataclass
class SitingProblem:
    """Demand, candidate sites and the cost between them, for one study: built once.

    Build it with :meth:`build`; then :meth:`solve`, :meth:`sweep` and :meth:`tradeoff`
    answer from the same cost matrix.

    Attributes
    ----------
    study : Study
    demand : geopandas.GeoDataFrame
        Demand points (EPSG:3006) with ``population``, ``weight``, ``area``,
        ``settlement_class``, ``locality`` (:func:`geo.siting.demand.demand_points`).
    candidates : geopandas.GeoDataFrame
        Candidate sites, today's bases first (:func:`geo.siting.candidates.candidate_sites`).
    cost : numpy.ndarray
        (demand × candidates) cost: metres, or seconds with a network; ``inf`` unreachable.
    unit : str
        ``m`` or ``s``.
    weight : str
        The demand weight.
    network : Network or Transit or None
    max_snap_m : float
    notes : list of str
    """

    study: Study
    demand: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    cost: np.ndarray
    unit: str
    weight: str = "population"
    equity: float = 0.0
    network: Network | Transit | None = None
    max_snap_m: float = 500.0
    notes: list[str] = field(default_factory=list)
    _partition_cache: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        study: Study,
        *,
        weight: str = "population",
        equity: float = 0.0,
        candidates: tuple[str, ...] = ("localities", "regso"),
        extra_sites: gpd.GeoDataFrame | None = None,
        network: Network | Transit | None = None,
        max_snap_m: float | None = None,
        addresses: pd.DataFrame | None = None,
    ) -> SitingProblem:
        """Demand, candidates and the cost matrix (routed once with a network).

        Parameters
        ----------
        study : Study
        weight : {"population", "children", "low_income", "single_parents", "need"}
        equity : float
            Extra weight for the most vulnerable districts (see :mod:`geo.siting.demand`).
        candidates : tuple of str
            Kinds of candidate sites (:data:`geo.schema.CANDIDATE_KINDS`).
        extra_sites : geopandas.GeoDataFrame, optional
            The user's own candidate sites (points, ``name`` column).
        network : Network or Transit, optional
            Travel time (s) as cost instead of straight-line distance (m).
        max_snap_m : float, optional
        addresses : pandas.DataFrame, optional
            The user's assigned addresses (``Assignment.table``): each ``ok`` row is one unit
            of demand instead of the grid.
        """
        max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
        dem = (
            demand_points(study, weight, equity=equity)
            if addresses is None
            else demand_from_addresses(addresses, study, equity=equity)
        )
        cand = candidate_sites(study, candidates, extra=extra_sites)
        cost, unit = cost_matrix(dem, cand, network, max_snap_m)
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
        return cls(study, dem, cand, cost, unit, weight, equity, network, max_snap_m, notes)

    def with_weight(self, weight: str, *, equity: float | None = None) -> SitingProblem:
        """The same cells, sites and costs with another demand weight (no routing)."""
        equity = self.equity if equity is None else equity
        if weight == self.weight and equity == self.equity:
            return self
        dem = demand_points(self.study, weight, equity=equity)
        if len(dem) != len(self.demand):
            raise GeoValueError("with_weight: only a problem on the study's grid changes weight")
        notes = [f"demand: {len(dem):,} grid cells weighted by {weight}", *self.notes[1:]]
        return replace(self, demand=dem, weight=weight, equity=equity, notes=notes,
                       _partition_cache=self._partition_cache)  # fmt: skip

    def threshold(self, threshold_km: float | None, threshold_min: float | None) -> float:
        """The coverage threshold in the cost's unit (m or s)."""
        if self.unit == "m":
            km = settings.coverage_threshold_km if threshold_km is None else threshold_km
            return float(km) * 1000
        minutes = settings.coverage_threshold_min if threshold_min is None else threshold_min
        return float(minutes) * 60

    @cached_property
    def _regso_points(self) -> gpd.GeoDataFrame | None:
        r = self.study.regso
        if r is None:
            return None
        return gpd.GeoDataFrame(
            {"population": r[REGSO_POPULATION]},
            geometry=shapely.points(r[REGSO_CENTRE_E].to_numpy(), r[REGSO_CENTRE_N].to_numpy()),
            crs=SWEREF99TM,
        )

    def _partition(self, sel: np.ndarray) -> pd.DataFrame:
        """Each RegSO to the open site nearest (by the same cost) its population-weighted
        centre; costs to every candidate routed once per problem."""
        pts = self._regso_points
        if pts is None:
            return pd.DataFrame(columns=["regsokod", "regsonamn", "site", "cost"])
        if "cost" not in self._partition_cache:
            self._partition_cache["cost"] = cost_matrix(
                pts, self.candidates, self.network, self.max_snap_m
            )[0]
        cost = self._partition_cache["cost"][:, sel]
        r = self.study.regso
        assert r is not None  # noqa: S101 - _regso_points is None without RegSO
        best = np.argmin(cost, axis=1)
        return pd.DataFrame(
            {
                "regsokod": r["regsokod"],
                "regsonamn": r["regsonamn"],
                "current_area": r[REGSO_AREA],
                "site": self.candidates["site"].to_numpy()[sel][best],
                f"cost_{self.unit}": cost[np.arange(len(r)), best].round(1),
                "population": r[REGSO_POPULATION],
            }
        )

    def solve(
        self,
        *,
        add: int = 2,
        objective: str = "pmedian",
        threshold_km: float | None = None,
        threshold_min: float | None = None,
        keep_existing: bool = True,
        capacity: float | None = None,
        time_limit_s: float | None = None,
    ) -> SitingResult:
        """Choose ``add`` new bases (keeping or freeing the existing ones).

        Parameters
        ----------
        add : int
            New bases to place. With ``keep_existing`` the existing bases stay open and the
            total is ``len(bases) + add``; otherwise all of them are chosen freely.
        objective : {"pmedian", "coverage", "center"}
        threshold_km, threshold_min : float, optional
            Coverage threshold, and that of the "share within" figures: km for straight
            line, minutes with a network (default: the settings).
        keep_existing : bool
        capacity : float, optional
            Most weight one base may serve (every demand cell then goes to one base within
            the capacities); a ``capacity`` column of the bases or sites file gives a base its
            own and overrides this.
        time_limit_s : float, optional
        """
        time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
        if add < 0:
            raise GeoValueError(f"add: must be 0 or more; received {add}")
        study, dem, cand, cost = self.study, self.demand, self.candidates, self.cost
        n_bases = len(study.bases)
        p = n_bases + add
        fixed = list(range(n_bases)) if keep_existing else []
        if p > len(cand):
            raise GeoValueError(
                f"add: {p} sites needed but only {len(cand)} candidates; add candidate kinds"
            )
        threshold = self.threshold(threshold_km, threshold_min)
        w = dem["weight"].to_numpy()
        if capacity is not None and objective != "pmedian":
            raise GeoValueError(
                f"capacity: only the pmedian objective takes capacities; received {objective!r}"
            )
        caps = self.capacities(capacity) if objective == "pmedian" else None
        sol = _solve(objective, cost, w, p, fixed, threshold, caps, time_limit_s)

        # before: each demand point to its nearest base today (the bases are the first
        # candidates), as geo whatif and the studio; after: its base in the proposal
        rows = np.arange(len(dem))
        before = cost[:, :n_bases].min(axis=1) if n_bases else np.full(len(dem), np.inf)
        after = cost[rows, sol.assignment]

        # rank: how much worse the objective gets (total weighted cost) without each site;
        # unreachable points cost the same with or without any one site (no inf - inf)
        sel = sol.selected
        sub = cost[:, sel]
        reach = np.isfinite(sub).any(axis=1) & (w > 0)
        wc = w[reach, None] * np.where(np.isfinite(sub[reach]), sub[reach], np.inf)
        total = wc.min(axis=1).sum() if reach.any() else 0.0
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
        if caps is not None:
            prop["capacity"] = caps[sel]
            over = prop["weight_served"] > prop["capacity"] * (1 + 1e-9) + 1e-6
            if over.any():  # the solver's promise, checked on what is reported
                raise GeoValueError(
                    f"capacity: loads above capacity at {list(prop.loc[over, 'site'])}"
                )
        lon, lat = from_sweref(prop.geometry.x.to_numpy(), prop.geometry.y.to_numpy())
        prop["lat"], prop["lon"] = lat.round(6), lon.round(6)
        prop = prop.sort_values("loss_if_removed", ascending=False).reset_index(drop=True)
        prop.insert(0, "rank", np.arange(1, len(prop) + 1))
        return SitingResult(
            sol,
            prop,
            self._partition(sel),
            _before_after(dem, before, after, threshold, self.weight),
            dem,
            cand,
            self.unit,
            threshold,
            list(self.notes),
            caps,
        )

    def capacities(self, capacity: float | None) -> np.ndarray | None:
        """Each candidate's capacity: its own (a ``capacity`` column of the bases or sites
        file), else ``capacity`` (one for all); None when neither gives any."""
        own = self.candidates["capacity"].to_numpy(dtype="float64")
        if capacity is None and np.isnan(own).all():
            return None
        if capacity is not None and not capacity > 0:
            raise GeoValueError(f"capacity: must be positive; received {capacity!r}")
        return np.where(np.isnan(own), np.inf if capacity is None else float(capacity), own)

    def sweep(self, p_values: range | list[int] = range(4, 9), **kwargs: Any) -> pd.DataFrame:
        """p-median solutions for each number of bases, with the marginal gain of each extra.

        Returns
        -------
        pandas.DataFrame
            ``bases``, ``value``, ``gap``, ``marginal_gain`` (value of one base fewer minus
            this value), ``mean``, ``p90``, ``max`` cost per person and ``share_within``, and
            ``sites`` chosen.
        """
        n_bases = len(self.study.bases)
        rows = []
        prev = None
        for p in p_values:
            if p < n_bases and kwargs.get("keep_existing", True):
                continue
            res = self.solve(add=p - n_bases, objective="pmedian", **kwargs)
            after = res.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
            rows.append(
                {
                    "bases": p, "value": res.solution.value, "gap": res.solution.gap,
                    "marginal_gain": (prev - res.solution.value) if prev is not None else np.nan,
                    "mean": after["mean_after"], "p90": after["p90_after"],
                    "max": after["max_after"], "share_within": after["share_within_after"],
                    "sites": ", ".join(res.proposals.sort_values("rank")["site"]),
                    "new_sites": ", ".join(
                        res.proposals[res.proposals["new"]].sort_values("rank")["site"]
                    ),
                }
            )  # fmt: skip
            prev = res.solution.value
        return pd.DataFrame(rows)

    def tradeoff(self, *, add: int = 2, **kwargs: Any) -> pd.DataFrame:
        """Total vs worst cost vs share beyond the threshold for each objective's solution.

        Shows what equity costs: the p-median minimises the total, the p-center the worst
        case, maximal covering the share beyond the threshold.
        """
        rows = []
        for obj in OBJECTIVES:
            res = self.solve(add=add, objective=obj, **kwargs)
            a = res.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
            rows.append(
                {
                    "objective": obj, "total_weighted_cost": a["mean_after"] * a["weighted"],
                    "mean": a["mean_after"], "worst": a["max_after"],
                    "share_beyond": 1 - a["share_within_after"],
                    "sites": ", ".join(res.proposals["site"]),
                }
            )  # fmt: skip
        return pd.DataFrame(rows)


#: Keyword arguments of :meth:`SitingProblem.build` (the rest go to the solve).
_BUILD = ("weight", "equity", "candidates", "extra_sites", "network", "max_snap_m", "addresses")


def _split(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    build = {k: v for k, v in kwargs.items() if k in _BUILD}
    return build, {k: v for k, v in kwargs.items() if k not in _BUILD}


def site(study: Study, **kwargs: Any) -> SitingResult:
    """Choose new bases: :meth:`SitingProblem.build` then :meth:`SitingProblem.solve` (the
    keyword arguments of both)."""
    build, solve = _split(kwargs)
    return SitingProblem.build(study, **build).solve(**solve)


def sweep(study: Study, p_values: range | list[int] = range(4, 9), **kwargs: Any) -> pd.DataFrame:
    """:meth:`SitingProblem.sweep` on a problem built once."""
    build, solve = _split(kwargs)
    return SitingProblem.build(study, **build).sweep(p_values, **solve)


def tradeoff(study: Study, *, add: int = 2, **kwargs: Any) -> pd.DataFrame:
    """:meth:`SitingProblem.tradeoff` on a problem built once."""
    build, solve = _split(kwargs)
    return SitingProblem.build(study, **build).tradeoff(add=add, **solve)
