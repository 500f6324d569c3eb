"""``geo areas design``: new area borders for a set of bases, and what they mean per area.

:func:`design_areas` takes the units (:func:`geo.design.units.design_units`), the bases (a
study's own, a file, or today's plus ``add`` new ones from :class:`geo.siting.SitingProblem`)
and the cost from every unit to every base (straight line, or a network or timetable through
:func:`geo.siting.cost_matrix`), solves the partition (:mod:`geo.design.model`) and returns
the dissolved areas with a row of figures each: workload, people, children, need, mean and
90th percentile distance or time (:mod:`geo.figures`), people moved from today's area and
compactness (Polsby–Popper).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import GeoValueError, StudyMismatchError
from ..figures import exact_weights, figures
from ..siting import SitingProblem, cost_matrix
from ..study import Study
from .model import Partition, solve_partition
from .units import DesignUnits

if TYPE_CHECKING:
    from ..network import Network
    from ..transit import Transit

__all__ = ["AreaDesign", "design_areas"]

logger = logging.getLogger(__name__)


@dataclass
class AreaDesign:
    """A designed set of areas.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        One row per area (EPSG:3006): ``area``, ``base_name``, ``workload``, ``workload_vs_mean``
        (ratio), ``people``, ``children``, ``need``, ``mean_<unit>``, ``p90_<unit>``,
        ``people_moved``, ``units``, ``polsby_popper``, geometry (the dissolved units) — the
        layer ``--areas`` reads back.
    bases : geopandas.GeoDataFrame
        ``base_name``, ``area`` and the point: the layer ``--bases`` reads back.
    units : geopandas.GeoDataFrame
        Every unit with its new ``area`` and its ``today``.
    partition : Partition
        The solver's answer: status (``optimal`` or ``time_limit``), objective, bound, gap.
    unit : str
        ``km`` or ``min``.
    notes : list of str
        What was assumed or found (links across water, the solver's status).
    """

    areas: gpd.GeoDataFrame
    bases: gpd.GeoDataFrame
    units: gpd.GeoDataFrame
    partition: Partition
    unit: str
    notes: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        """One line: proven optimal, or the gap reached."""
        p = self.partition
        if p.status == "optimal":
            return f"proven optimal in {p.seconds:,.1f} s"
        return f"best found in {p.seconds:,.1f} s, within {p.gap:.2%} of the optimum (gap)"


def _bases_for(
    study: Study,
    bases: gpd.GeoDataFrame | None,
    add: int,
    network: Any,
) -> gpd.GeoDataFrame:
    """The bases: given, or today's plus ``add`` new ones (geo site's p-median)."""
    if bases is not None and add:
        raise GeoValueError("bases: give either a bases file or --add N, not both")
    if bases is not None:
        out = bases.copy()
        out["base_name"] = out["base_name"].astype(str)
        out["area"] = out["area"].astype(str) if "area" in out else out["base_name"]
        return out.reset_index(drop=True)
    today = study.bases[["base_name", "area", "geometry"]].copy()
    if add <= 0:
        return today.reset_index(drop=True)
    result = SitingProblem.build(study, network=network).solve(add=add)
    new = result.proposals[result.proposals["new"]]
    extra = gpd.GeoDataFrame(
        {"base_name": new["site"].astype(str), "area": new["site"].astype(str)},
        geometry=new.geometry.values, crs=today.crs,
    )  # fmt: skip
    return pd.concat([today, extra], ignore_index=True)  # type: ignore[return-value]


def design_areas(
    study: Study,
    units: DesignUnits,
    *,
    bases: gpd.GeoDataFrame | None = None,
    add: int = 0,
    tolerance: float = 0.10,
    keep_today: float = 0.0,
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
    time_limit_s: float | None = None,
) -> AreaDesign:
    """Areas around the bases: balanced, contiguous, the least travel (and change).

    Parameters
    ----------
    study : Study
    units : DesignUnits
    bases : geopandas.GeoDataFrame, optional
        ``base_name``, ``area`` (the new area's name; default the base's name) and points in
        EPSG:3006. Default: the study's bases, plus ``add`` new ones.
    add : int
        New bases chosen by ``geo site``'s p-median (proven optimal) besides today's.
    tolerance : float
        Largest ``abs(workload - mean) / mean`` of an area.
    keep_today : float
        Cost per person moved from today's area (km, or minutes with a network).
    network : Network or Transit, optional
        Travel time instead of straight-line distance.
    max_snap_m, time_limit_s : float, optional
    """
    base = _bases_for(study, bases, add, network)
    be = base.geometry.x.to_numpy()
    bn = base.geometry.y.to_numpy()
    study.require_in_study(
        be, bn, base["base_name"].tolist(), "bases", "place every base inside the municipality"
    )
    geoms = units.frame.geometry.values
    hit = shapely.STRtree(geoms).query(shapely.points(be, bn), predicate="intersects")
    roots = [-1] * len(base)
    for b, i in zip(hit[0].tolist(), hit[1].tolist(), strict=True):
        if roots[b] < 0:
            roots[b] = i
    lost = [str(base["base_name"].iloc[k]) for k, r in enumerate(roots) if r < 0]
    if lost:
        raise StudyMismatchError(
            f"bases: {lost} lie in none of the units ({units.kind}); the units must cover the "
            "study area"
        )
    same = pd.Series(roots).duplicated(keep=False)
    if same.any():
        names = base["base_name"][same.to_numpy()].tolist()
        raise GeoValueError(
            f"bases: {names} lie in the same unit ({units.kind}); one base per unit (use "
            "smaller units, e.g. --units grid)"
        )
    centres = gpd.GeoDataFrame(geometry=shapely.points(units.e, units.n), crs=units.frame.crs)
    sites = gpd.GeoDataFrame(
        {"site": base["base_name"].astype(str)}, geometry=base.geometry.values, crs=base.crs
    )
    cost, unit = cost_matrix(centres, sites, network, max_snap_m or 500.0)
    scale = 1000.0 if unit == "m" else 60.0
    shown = "km" if unit == "m" else "min"
    names = base["area"].astype(str).tolist()
    today_names = units.frame["today"].astype(str).to_numpy()
    today_idx = np.array([names.index(t) if t in names else -1 for t in today_names])
    part = solve_partition(
        units, roots, cost / scale, tolerance=tolerance, keep_today=keep_today,
        today=today_idx, time_limit_s=time_limit_s,
    )  # fmt: skip
    frame = units.frame.copy()
    frame["area"] = np.array(names, dtype=object)[part.assignment]
    frame["cost"] = cost[np.arange(len(frame)), part.assignment] / scale
    moved = (frame["today"].astype(str) != frame["area"]) & (frame["today"].astype(str) != "")
    rows = []
    mean_load = units.workload.sum() / len(names)
    for k, name in enumerate(names):
        mine = part.assignment == k
        geom = shapely.union_all(frame.geometry.values[mine])
        people = units.people[mine]
        f = figures(frame["cost"].to_numpy()[mine], exact_weights(people))
        rows.append(
            {
                "area": name, "base_name": str(base["base_name"].iloc[k]),
                "workload": float(units.workload[mine].sum()),
                "workload_vs_mean": float(units.workload[mine].sum() / mean_load),
                "people": float(people.sum()),
                "children": float(frame["children"].to_numpy(dtype=float)[mine].sum()),
                "need": float(frame["need"].to_numpy(dtype=float)[mine].sum()),
                f"mean_{shown}": f["mean"], f"p90_{shown}": f["p90"],
                "people_moved": float(people[moved.to_numpy()[mine]].sum()),
                "units": int(mine.sum()),
                "polsby_popper": float(4 * np.pi * geom.area / geom.length**2)
                if geom.length > 0 else np.nan,
                "geometry": geom,
            }
        )  # fmt: skip
    areas = gpd.GeoDataFrame(rows, geometry="geometry", crs=units.frame.crs)
    bases_out = gpd.GeoDataFrame(
        {"base_name": base["base_name"].astype(str), "area": names},
        geometry=base.geometry.values, crs=base.crs,
    )  # fmt: skip
    notes = [
        f"{len(units)} units ({units.kind}), {len(names)} areas, workload {units.balance} "
        f"within {tolerance:.0%} of the mean (met: {part.tolerance:.1%})",
        f"partition {part.status}: "
        + (
            f"proven optimal in {part.seconds:,.1f} s"
            if part.status == "optimal"
            else f"best found in {part.seconds:,.1f} s, gap {part.gap:.2%}"
        ),
        *units.links,
    ]
    return AreaDesign(areas, bases_out, frame, part, shown, notes)
