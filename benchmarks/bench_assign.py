#!/usr/bin/env python3
"""Benchmark: point-in-area assignment, ours vs geopandas.sjoin (and an rtree variant).

Same synthetic, population-weighted points (drawn from the SCB 1 km grid inside Linköping's
RegSO), same 32 RegSO polygons, same run. Prints points/s for each method, the peak memory of
our full pipeline (assignment to areas, RegSO and settlement class plus distance to every
base) in a separate process, and ``ratio_vs_sjoin`` lines. Results are checked identical.

Usage::

    python benchmarks/bench_assign.py                # 1 M and 10 M points
    python benchmarks/bench_assign.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import geopandas as gpd
import numpy as np
import shapely

from geo.areas import assign_addresses, locate_points
from geo.polygons import OUTSIDE
from geo.study import load_study
from geo.synthetic import synthetic_xy


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _sjoin(regso: gpd.GeoDataFrame, e: np.ndarray, n: np.ndarray) -> np.ndarray:
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(e, n), crs=regso.crs)
    j = gpd.sjoin(pts, regso[["geometry"]], predicate="within", how="left")
    j = j[~j.index.duplicated()]
    return j["index_right"].fillna(OUTSIDE).to_numpy().astype(np.int64)


def _rtree(regso: gpd.GeoDataFrame, e: np.ndarray, n: np.ndarray) -> np.ndarray:
    """rtree variant: R-tree of polygon boxes, bulk query, exact GEOS test per candidate."""
    from rtree import index as rindex

    b = shapely.bounds(regso.geometry.values)
    idx = rindex.Index(((i, tuple(bb), None) for i, bb in enumerate(b)), interleaved=True)
    ids, counts = idx.intersection_v(np.column_stack([e, n]), np.column_stack([e, n]))
    ids = ids.astype(np.int64)
    pidx = np.repeat(np.arange(e.size), counts.astype(np.int64))
    out = np.full(e.size, OUTSIDE, dtype=np.int64)
    geoms = regso.geometry.values
    order = np.argsort(ids, kind="stable")
    ids, pidx = ids[order], pidx[order]
    cuts = np.flatnonzero(np.diff(ids)) + 1
    for g_ids, g_p in zip(np.split(ids, cuts), np.split(pidx, cuts), strict=True):
        if g_p.size == 0:
            continue
        poly = geoms[int(g_ids[0])]
        shapely.prepare(poly)
        hit = g_p[shapely.contains_xy(poly, e[g_p], n[g_p])]
        out[hit] = g_ids[0]
    return out


def _worker(size: int, repeat: int) -> None:
    """Run our full pipeline in this process and report time and peak memory as JSON."""
    study = load_study()
    e, n = synthetic_xy(size, seed=1)
    study.area_index, study.regso_index, study.settlement_index  # noqa: B018 - build indexes
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = locate_points(e, n, study, chunk_size=1_000_000)
        times.append(time.perf_counter() - t)
        del res
    peak_mb = _peak_rss_mb()
    # The whole adapter too: a GeoDataFrame in, every output column in a DataFrame out.
    gdf = gpd.GeoDataFrame(
        {"address_id": np.arange(size)}, geometry=gpd.points_from_xy(e, n), crs=3006
    )
    t = time.perf_counter()
    table = assign_addresses(gdf, study).table
    adapter = time.perf_counter() - t
    print(
        json.dumps(
            {
                "first": times[0],
                "best": min(times),
                "peak_mb": peak_mb,
                "adapter": adapter,
                "adapter_peak_mb": _peak_rss_mb(),
                "rows": len(table),
            }
        )
    )


def _peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss not inherited on exec)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        _worker(args.worker, args.repeat)
        return

    study = load_study()
    regso = study.regso
    t0 = time.perf_counter()
    index = study.regso_index
    build = time.perf_counter() - t0
    print(f"index build: {build:.2f} s, cell {index.cell_size_m:.0f} m, "
          f"{index.nx * index.ny:,} cells, {index.n_boundary_cells:,} boundary cells")  # fmt: skip
    try:
        import rtree  # noqa: F401

        have_rtree = True
    except ImportError:
        have_rtree = False
        print("rtree not installed: pip install rtree to include the rtree variant")
    for size in args.sizes:
        e, n = synthetic_xy(size, seed=1)
        reps = args.repeat if size <= 2_000_000 else 2
        t_ours, ours = _best(lambda e=e, n=n: index.locate(e, n), reps)
        t_sj, ref = _best(lambda e=e, n=n: _sjoin(regso, e, n), reps)
        same = np.array_equal(np.asarray(ours, dtype=np.int64), ref)
        print(f"\n== {size:,} synthetic points (population-weighted), 32 RegSO polygons")
        print(f"points_per_s ours_grid_index {size / t_ours:,.0f}  ({t_ours:.3f} s)")
        print(f"points_per_s geopandas_sjoin {size / t_sj:,.0f}  ({t_sj:.3f} s)")
        if have_rtree:
            t_rt, rt = _best(lambda e=e, n=n: _rtree(regso, e, n), 1)
            print(f"points_per_s rtree_variant   {size / t_rt:,.0f}  ({t_rt:.3f} s)")
            print(f"identical rtree_vs_sjoin {bool(np.array_equal(rt, ref))}")
            print(f"ratio_vs_rtree {t_rt / t_ours:.1f}")
        print(f"identical ours_vs_sjoin {same}")
        print(f"ratio_vs_sjoin {t_sj / t_ours:.1f}")
        w = subprocess.run(
            [sys.executable, __file__, "--worker", str(size), "--repeat", str(reps)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        info = json.loads(w.stdout.strip().splitlines()[-1])
        print(
            f"full_pipeline (areas + RegSO + settlement + distance to 4 bases): "
            f"{size / info['best']:,.0f} points/s best of {reps}, {size / info['first']:,.0f} "
            f"first call; peak memory {info['peak_mb']:,.0f} MB (input generation included)"
        )
        print(f"ratio_full_pipeline_vs_sjoin {t_sj / info['best']:.1f}")
        print(
            f"adapter assign_addresses (GeoDataFrame in, all output columns out): "
            f"{size / info['adapter']:,.0f} points/s; peak memory {info['adapter_peak_mb']:,.0f} MB"
        )
        print(f"ratio_full_pipeline_first_call_vs_sjoin {t_sj / info['first']:.1f}")


if __name__ == "__main__":
    main()
