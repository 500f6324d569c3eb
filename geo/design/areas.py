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
from pathlib import Path
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

__all__ = ["AreaDesign", "apply_assignment", "area_table", "design_areas", "read_design"]

logger = logging.getLogger(__name__)


@dataclass
class AreaDesign:
    """A designed set of areas.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        One row per area (EPSG:3006): ``area``, ``base_name``, ``workload``, ``workload_vs_mean``
        (ratio), ``people``, ``children``, ``need``, ``mean_<unit>``, ``p90_<unit>``,
        ``people_moved_in`` (people whose area today is another), ``people_moved_out`` (people
        of this area today who now belong to another), ``units``, ``polsby_popper``,
        ``solution`` (``proven optimal`` or the
        gap reached), geometry (the dissolved units) — the layer ``--areas`` reads back.
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
    areas = area_table(frame, names, base["base_name"].astype(str).tolist(), shown)
    areas.insert(
        len(areas.columns) - 1, "solution",
        "proven optimal" if part.status == "optimal" else f"best found, gap {part.gap:.2%}",
    )  # fmt: skip
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


def area_table(
    frame: gpd.GeoDataFrame, names: list[str], base_names: list[str], shown: str
) -> gpd.GeoDataFrame:
    """One row per area from its units (``area``, ``cost`` to the own base in ``shown``,
    ``people``, ``workload``, ``children``, ``need``, ``today``): the dissolved polygon, the
    workload and its ratio to the mean, people, children, need, mean and p90 cost
    (:mod:`geo.figures`), people moved in from and out to other areas of today, units,
    Polsby–Popper."""
    area = frame["area"].astype(str).to_numpy()
    today = frame["today"].astype(str).to_numpy()
    people_all = frame["people"].to_numpy(dtype=float)
    load_all = frame["workload"].to_numpy(dtype=float)
    moved = (today != area) & (today != "") & (today != "None")
    mean_load = load_all.sum() / len(names)
    rows = []
    for name, base_name in zip(names, base_names, strict=True):
        mine = area == name
        geom = shapely.union_all(frame.geometry.values[mine])
        people = people_all[mine]
        f = figures(frame["cost"].to_numpy(dtype=float)[mine], exact_weights(people))
        rows.append(
            {
                "area": name, "base_name": base_name,
                "workload": float(load_all[mine].sum()),
                "workload_vs_mean": float(load_all[mine].sum() / mean_load),
                "people": float(people.sum()),
                "children": float(np.nansum(frame["children"].to_numpy(dtype=float)[mine])),
                "need": float(np.nansum(frame["need"].to_numpy(dtype=float)[mine])),
                f"mean_{shown}": f["mean"], f"p90_{shown}": f["p90"],
                "people_moved_in": float(people[moved[mine]].sum()),
                "people_moved_out": float(people_all[moved & (today == name) & ~mine].sum()),
                "units": int(mine.sum()),
                "polsby_popper": float(4 * np.pi * geom.area / geom.length**2)
                if geom.length > 0 else np.nan,
                "geometry": geom,
            }
        )  # fmt: skip
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=frame.crs)


def apply_assignment(
    units: gpd.GeoDataFrame, bases: gpd.GeoDataFrame, edits: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A design's units given the areas of ``edits`` (``unit_id``, ``area``; e.g. exported
    by the planning studio after moving units): checked, and the areas recomputed.

    Every unit must be listed once with an area of the design, and every area must stay one
    piece holding its base's unit. Costs are straight-line distances (km) from each unit's
    representative point to its area's base.

    Returns the areas (as :func:`area_table`) and the units with their new ``area``.
    """
    from .model import is_contiguous
    from .units import DesignUnits, edges_with_links

    missing = {"unit_id", "area"} - set(edits.columns)
    if missing:
        raise GeoValueError(f"assignment: needs columns unit_id and area; lacks {sorted(missing)}")
    edits = edits.assign(unit_id=edits["unit_id"].astype(str), area=edits["area"].astype(str))
    dup = edits["unit_id"][edits["unit_id"].duplicated()].tolist()
    if dup:
        raise GeoValueError(f"assignment: units listed twice: {dup[:5]}")
    ids = units["unit_id"].astype(str)
    absent = sorted(set(ids) - set(edits["unit_id"]))
    extra = sorted(set(edits["unit_id"]) - set(ids))
    if absent or extra:
        raise GeoValueError(
            f"assignment: it must list every unit of the design once; missing {absent[:5]}, "
            f"unknown {extra[:5]}"
        )
    names = bases["area"].astype(str).tolist()
    unknown = sorted(set(edits["area"]) - set(names))
    if unknown:
        raise GeoValueError(f"assignment: areas {unknown} are not areas of the design {names}")
    frame = units.copy()
    frame["area"] = ids.map(dict(zip(edits["unit_id"], edits["area"], strict=True))).to_numpy()
    geoms = frame.geometry.values
    edges, _ = edges_with_links(geoms, frame["unit_name"].astype(str).tolist())
    pts = shapely.point_on_surface(geoms)
    du = DesignUnits(frame, shapely.get_x(pts), shapely.get_y(pts), edges, "", "design")
    hit = shapely.STRtree(geoms).query(bases.geometry.values, predicate="intersects")
    roots = [int(hit[1][hit[0] == k][0]) for k in range(len(bases))]
    assignment = np.array([names.index(a) for a in frame["area"]])
    if not is_contiguous(assignment, roots, du):
        raise GeoValueError(
            "assignment: an area is no longer one piece around its base; move units so that "
            "every area stays connected"
        )
    be, bn = bases.geometry.x.to_numpy(), bases.geometry.y.to_numpy()
    frame["cost"] = np.hypot(du.e - be[assignment], du.n - bn[assignment]) / 1000
    for col in ("children", "need"):
        if col not in frame:
            frame[col] = np.nan
    areas = area_table(frame, names, bases["base_name"].astype(str).tolist(), "km")
    areas.insert(len(areas.columns) - 1, "solution", "edited by hand (checked: one piece each)")
    return areas, frame


def read_design(path: str | Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The units (with their ``area``) and the bases of a design written by
    ``geo areas design`` (a GeoPackage with layers ``units`` and ``bases``; EPSG:3006)."""
    from ..io.files import check_file

    path = Path(path)
    check_file(path, "design")
    try:
        units = gpd.read_file(path, layer="units").to_crs(3006)
        bases = gpd.read_file(path, layer="bases").to_crs(3006)
    except Exception as exc:
        raise GeoValueError(
            f"design: {path.name} has no layers units and bases; write it with geo areas design"
        ) from exc
    missing = {"unit_id", "unit_name", "area", "workload"} - set(units.columns)
    if missing or not {"base_name", "area"} <= set(bases.columns):
        raise GeoValueError(f"design: {path.name} lacks columns {sorted(missing)}")
    unknown = set(units["area"].astype(str)) - set(bases["area"].astype(str))
    if unknown:
        raise GeoValueError(f"design: units in areas {sorted(unknown)} that have no base")
    return units, bases
