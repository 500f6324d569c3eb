#!/usr/bin/env python3
"""Benchmark: p-median on the Linköping 1 km grid, ours vs spopt.locate.PMedian (HiGHS).

Demand: the ~1 080 populated 1 km cells, weighted by population 2024; candidates: 300 random
cells (seed 0) and all cells; p = 4 and 8; the same straight-line cost matrix for both, in the
same run. Prints both objective values, the times and ``ratio_vs_spopt``. spopt runs in a
subprocess with a time cap (``--spopt-cap``); an instance it cannot finish is reported as such.

A capacitated case follows (``geo site --add 2 --capacity 36915``): the same grid demand, the
57 candidates of ``geo site`` (today's 4 bases kept open, localities, RegSO centres), p = 6,
capacity 36 915 people per base, every cell to one base; ours (``pmedian(capacity=...)``)
against spopt's capacitated ``PMedian`` (``facility_capacities``, ``predefined_facilities_arr``)
on the same cost matrix, both to the same relative gap (1e-6): both objectives,
``same_objective_capacitated`` (within that gap) and
``ratio_vs_spopt_capacitated``.

Needs: pip install -e ".[test]" (spopt, pulp, highspy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np


def _instance(n_cand: int | None):
    from geo.study import load_study

    d = load_study().demand
    e = d.geometry.centroid.x.to_numpy()
    n = d.geometry.centroid.y.to_numpy()
    w = d["pop_in_kommun_est"].to_numpy()
    cand = (
        np.arange(len(e))
        if n_cand is None
        else np.random.default_rng(0).choice(len(e), n_cand, replace=False)
    )
    cost = np.hypot(e[:, None] - e[cand][None, :], n[:, None] - n[cand][None, :])
    return cost, w


CAPACITY = 36915.0


def _cap_instance():
    from geo.siting import SitingProblem
    from geo.study import load_study

    prob = SitingProblem.build(load_study())
    return prob.cost, prob.demand["weight"].to_numpy(), len(prob.study.bases)


def _spopt_capacitated() -> None:
    import pulp
    from spopt.locate import PMedian

    warnings.simplefilter("ignore")
    cost, w, n_bases = _cap_instance()
    t = time.perf_counter()
    model = PMedian.from_cost_matrix(
        cost, w, p_facilities=n_bases + 2, predefined_facilities_arr=np.arange(n_bases),
        facility_capacities=np.full(cost.shape[1], CAPACITY),
    ).solve(pulp.HiGHS(msg=False, gapRel=1e-6))  # fmt: skip
    dt = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "value": float(pulp.value(model.problem.objective))}))


def _capacitated(cap_s: float) -> None:
    from geo.siting import pmedian

    cost, w, n_bases = _cap_instance()
    sol = pmedian(cost, w, n_bases + 2, fixed=range(n_bases), capacity=CAPACITY, time_limit_s=600)
    loads = np.bincount(sol.assignment, weights=w)
    print(
        f"\n== capacitated: {cost.shape[0]} demand x {cost.shape[1]} candidates, p={n_bases + 2}, capacity {CAPACITY:,.0f}"
    )
    print(
        f"ours: {sol.seconds:.1f} s, value {sol.value:,.1f}, {sol.status} (gap {sol.gap:.2e}), "
        f"largest load {loads.max():,.0f}; {sol.method}"
    )
    _against_spopt(["--worker-capacitated"], sol, cap_s, "capacitated PMedian", "_capacitated")


def _against_spopt(worker: list[str], sol, cap_s: float, label: str, suffix: str) -> None:  # type: ignore[no-untyped-def]
    """spopt on the same instance in a subprocess (capped), then the comparison lines."""
    try:
        r = subprocess.run(
            [sys.executable, __file__, *worker],
            capture_output=True, text=True, timeout=cap_s, check=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        print(f"spopt: did not finish within {cap_s:.0f} s (stopped)")
        print(f"ratio_vs_spopt{suffix} > {cap_s / sol.seconds:.1f}")
        return
    ref = json.loads(r.stdout.strip().splitlines()[-1])
    same = abs(ref["value"] - sol.value) <= 1e-6 * abs(ref["value"])
    print(f"spopt {label} (HiGHS): {ref['seconds']:.1f} s, value {ref['value']:,.1f}")
    print(f"same_objective{suffix} {same}")
    print(f"ratio_vs_spopt{suffix} {ref['seconds'] / sol.seconds:.1f}")


def _spopt(n_cand: int | None, p: int) -> None:
    import pulp
    from spopt.locate import PMedian

    warnings.simplefilter("ignore")
    cost, w = _instance(n_cand)
    t = time.perf_counter()
    model = PMedian.from_cost_matrix(cost, w, p_facilities=p).solve(pulp.HiGHS(msg=False))
    dt = time.perf_counter() - t
    print(json.dumps({"seconds": dt, "value": float(pulp.value(model.problem.objective))}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--spopt-cap", type=float, default=900.0, help="seconds per spopt solve")
    ap.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--worker-capacitated", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only-capacitated", action="store_true", help="the capacitated case alone")
    args = ap.parse_args()
    if args.worker_capacitated:
        _spopt_capacitated()
        return
    if args.only_capacitated:
        _capacitated(args.spopt_cap)
        return
    if args.worker:
        n_cand = None if args.worker[0] == "all" else int(args.worker[0])
        _spopt(n_cand, int(args.worker[1]))
        return
    from geo.siting import pmedian

    for n_cand in (300, None):
        for p in (4, 8):
            cost, w = _instance(n_cand)
            label = f"{cost.shape[0]} demand x {cost.shape[1]} candidates, p={p}"
            sol = pmedian(cost, w, p, time_limit_s=900)
            print(f"\n== {label}")
            print(
                f"ours: {sol.seconds:.1f} s, value {sol.value:,.1f}, {sol.status} (gap {sol.gap:.2e}); {sol.method}"
            )
            worker = ["--worker", "all" if n_cand is None else str(n_cand), str(p)]
            _against_spopt(worker, sol, args.spopt_cap, "PMedian", "")
    _capacitated(args.spopt_cap)


if __name__ == "__main__":
    main()
