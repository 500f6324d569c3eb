#!/usr/bin/env python3
"""Benchmark: p-median on the Linköping 1 km grid, ours vs spopt.locate.PMedian (HiGHS).

Demand: the ~1 080 populated 1 km cells, weighted by population 2024; candidates: 300 random
cells (seed 0) and all cells; p = 4 and 8; the same straight-line cost matrix for both, in the
same run. Prints both objective values, the times and ``ratio_vs_spopt``. spopt runs in a
subprocess with a time cap (``--spopt-cap``); an instance it cannot finish is reported as such.

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
    args = ap.parse_args()
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
            try:
                r = subprocess.run(
                    [sys.executable, __file__, "--worker", "all" if n_cand is None else str(n_cand), str(p)],
                    capture_output=True, text=True, timeout=args.spopt_cap, check=True,
                )  # fmt: skip
            except subprocess.TimeoutExpired:
                print(f"spopt: did not finish within {args.spopt_cap:.0f} s (stopped)")
                print(f"ratio_vs_spopt > {args.spopt_cap / sol.seconds:.1f}")
                continue
            ref = json.loads(r.stdout.strip().splitlines()[-1])
            same = abs(ref["value"] - sol.value) <= 1e-6 * abs(ref["value"])
            print(f"spopt PMedian (HiGHS): {ref['seconds']:.1f} s, value {ref['value']:,.1f}")
            print(f"same_objective {same}")
            print(f"ratio_vs_spopt {ref['seconds'] / sol.seconds:.1f}")


if __name__ == "__main__":
    main()
