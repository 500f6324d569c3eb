#!/usr/bin/env python3
"""Benchmark: drawing six areas on Linköping's RegSO — geo areas design vs spopt and today's rule.

Same units (the 32 RegSO), same weights (population), same six bases (today's four and
``geo site``'s two new ones), same run. Peers:

* **spopt** (PySAL) regionalisation: AZP, max-p (with the same workload floor: the mean × (1 −
  tolerance)) and SKATER, each on the same queen-free (edge) adjacency and the population as
  the attribute; they draw regions without bases, so each region is matched to a base by the
  least total person-distance (Hungarian algorithm) before it is judged;
* **today's rule**: each RegSO to the base nearest its population-weighted centre.

Per method: balance (max/min workload), mean distance to the own base (km), people moved from
today's area, Polsby–Popper compactness (mean), contiguity, whether every area holds one base,
seconds — and ``ratio_objective_vs_spopt`` (ours / the best spopt objective among those that are
contiguous, hold one base each and meet the tolerance; goal ≤ 1.0).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import shapely
from scipy.optimize import linear_sum_assignment

from geo.design import design_units
from geo.design.areas import design_areas
from geo.design.model import is_contiguous
from geo.study import load_study


def judge(name, labels, units, roots, cost_km, tolerance, seconds) -> dict:
    """Figures of a partition (labels per unit): bases matched to regions where needed."""
    labels = np.asarray(labels)
    regions = sorted(set(labels.tolist()))
    k_all = len(roots)
    people = units.people
    # match regions to bases (each base to one region) by least person-distance
    m = np.array([[float((people * cost_km[:, b])[labels == r].sum()) for b in range(k_all)]
                  for r in regions])  # fmt: skip
    rows, cols = linear_sum_assignment(m) if len(regions) == k_all else (np.arange(0), np.arange(0))
    area = np.full(len(labels), -1)
    for r, b in zip(rows.tolist(), cols.tolist(), strict=True):
        area[labels == regions[r]] = b
    ok_k = len(regions) == k_all and (area >= 0).all()
    holds = ok_k and all(area[r] == k for k, r in enumerate(roots))
    contiguous = bool(holds) and is_contiguous(area, list(roots), units)
    codes = pd.factorize(labels)[0]
    load = np.bincount(codes, weights=units.workload)
    mean = units.workload.sum() / k_all
    within = ok_k and (np.abs(load - mean) <= tolerance * mean + 1e-9).all()
    obj = (
        float((people * cost_km[np.arange(len(labels)), np.maximum(area, 0)]).sum())
        if ok_k
        else np.nan
    )
    geoms = units.frame.geometry.values
    pp = []
    for r in regions:
        g = shapely.union_all(geoms[labels == r])
        pp.append(4 * np.pi * g.area / g.length**2)
    return {
        "method": name, "regions": len(regions), "balance_max_min": float(load.max() / max(load.min(), 1)),
        "mean_km": obj / people.sum() if ok_k else np.nan, "objective": obj,
        "polsby_popper": float(np.mean(pp)), "contiguous": bool(contiguous), "one_base_each": bool(holds),
        "within_tolerance": bool(within), "seconds": seconds,
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--add", type=int, default=2)
    args = ap.parse_args()
    study = load_study()
    units = design_units(study, "regso")
    t = time.perf_counter()
    design = design_areas(study, units, add=args.add, tolerance=args.tolerance)
    t_ours = time.perf_counter() - t
    bases = design.bases
    be, bn = bases.geometry.x.to_numpy(), bases.geometry.y.to_numpy()
    roots = [int(np.flatnonzero(units.frame.geometry.intersects(shapely.Point(x, y)))[0])
             for x, y in zip(be, bn, strict=True)]  # fmt: skip
    cost_km = np.hypot(units.e[:, None] - be[None, :], units.n[:, None] - bn[None, :]) / 1000
    names = design.bases["area"].tolist()
    ours = np.array([names.index(a) for a in design.units["area"]])
    rows = [judge("geo areas design", ours, units, roots, cost_km, args.tolerance, t_ours)]
    nearest = np.argmin(cost_km, axis=1)
    rows.append(
        judge("nearest base (today's rule)", nearest, units, roots, cost_km, args.tolerance, 0.0)
    )

    from libpysal.weights import W

    neigh = {i: [] for i in range(len(units))}
    for i, j in units.edges.tolist():
        neigh[i].append(j)
        neigh[j].append(i)
    w = W(neigh, silence_warnings=True)
    gdf = units.frame.assign(pop=units.people).reset_index(drop=True)
    k_all = len(roots)
    floor = units.workload.sum() / k_all * (1 - args.tolerance)
    from spopt.region import AZP, MaxPHeuristic, Skater

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in (
            ("spopt AZP", lambda: AZP(gdf, w, ["pop"], n_clusters=k_all, random_state=1)),
            ("spopt max-p (floor)", lambda: MaxPHeuristic(gdf, w, ["pop"], "pop", floor, top_n=2)),
            ("spopt SKATER (floor)", lambda: Skater(gdf, w, ["pop"], n_clusters=k_all, floor=floor,
                                                    trace=False, islands="increase")),
        ):  # fmt: skip
            t = time.perf_counter()
            model = make()
            model.solve()
            rows.append(judge(name, model.labels_, units, roots, cost_km, args.tolerance,
                              time.perf_counter() - t))  # fmt: skip
    table = pd.DataFrame(rows)
    print(f"== {len(units)} RegSO of Linköping, {k_all} areas, tolerance {args.tolerance:.0%}; "
          f"ours: {design.status_text}")  # fmt: skip
    print(table.round(3).to_string(index=False))
    ok = table[(table["method"].str.startswith("spopt")) & table["contiguous"]
               & table["one_base_each"] & table["within_tolerance"]]  # fmt: skip
    if len(ok):
        print(f"ratio_objective_vs_spopt {rows[0]['objective'] / ok['objective'].min():.3f}")
    else:
        print("ratio_objective_vs_spopt n/a (no spopt partition is contiguous, holds one base "
              "per area and meets the tolerance)")  # fmt: skip
    best_any = table[table["method"].str.startswith("spopt")]["objective"].min()
    print(f"ratio_objective_vs_spopt_any {rows[0]['objective'] / best_any:.3f}")


if __name__ == "__main__":
    main()
