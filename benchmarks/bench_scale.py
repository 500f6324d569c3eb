#!/usr/bin/env python3
"""Benchmark: national assignment — single machine, local dataset engine, dask — vs sjoin.

Same run, same input: SYNTHETIC addresses drawn from the SCB 1 km grid of all Sweden
(``../shared/data/sweden/popgrid_1km_2024.csv``) inside the 3 363 RegSO of Sweden, written
as GeoParquet parts of 1 M points; areas = all RegSO (keyed by ``regsokod``); bases = the
largest locality of each municipality (285 points, a stand-in for municipal offices).
Each engine assigns every point to its RegSO and measures the straight-line distance to the
nearest base and writes the result:

* ``single``: :func:`geo.areas.assign_addresses` on the whole set in memory (one process;
  the parts read as coordinates with :func:`geo.io.datasets.read_points_part`);
* ``local``: :func:`geo.scale.assign_dataset` in one process, parts on two threads (reads,
  writes);
* ``dask-1`` / ``dask-2``: the same on a local dask cluster of 1 and 2 worker processes;
* ``sjoin``: ``geopandas.sjoin(points, regso, predicate="within")`` on one part (area only,
  no distances, no I/O), extrapolated linearly to the whole set;
* ``geopandas``: the same job done the plain geopandas way on one part — read the part,
  ``sjoin`` to the RegSO, ``sjoin_nearest`` to the bases with the distance, write the part —
  extrapolated linearly.

Prints points/s, peak memory (RSS) per process or worker, the seconds of work per million
points in each step (read, assign, write, summary, duplicates, quantiles: where the next
bottleneck is), one ``ratio_vs_geopandas_pipeline_<engine>`` line per engine (``single``,
``local``, ``dask`` with the most workers) at the largest size, and how the time grows from
the smallest to the largest size. Results are checked: the dask areas
equal sjoin's on the first part, and single and dask agree on every row.

Usage::

    python benchmarks/bench_scale.py                      # 1 M and 10 M points
    python benchmarks/bench_scale.py --sizes 2000000 --workers 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GEO_SHARED_DATA", ROOT.parent / "shared" / "data")) / "sweden"
PART_ROWS = 1_000_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _study(bases: Path):
    from geo.study import load_study

    study = load_study(
        areas=SHARED / "regso_2025.gpkg",
        area_col="regsokod",
        area_label_col="regsonamn",
        bases=bases,
        one_base_per_area=False,
    )
    _ = study.area_index
    return study


def _child(kind: str, data: Path, bases: Path, out: Path) -> None:
    """Run one engine in this (fresh) process and print a JSON line of measurements."""
    from geo.addresses import AddressTable, table_from_points
    from geo.areas import assign_addresses
    from geo.io import datasets
    from geo.scale import assign_dataset

    t0 = time.perf_counter()
    study = _study(bases)
    load_s = time.perf_counter() - t0
    if kind == "single":
        t = time.perf_counter()
        parts = [datasets.read_points_part(f) for f in datasets.dataset_files(data)]
        pts = AddressTable.concat(
            [
                table_from_points(p.frame, p.x, p.y, p.type_id, p.type_names, declared_crs=p.crs)
                for p in parts
                if p is not None
            ]
        )
        del parts
        read_s = time.perf_counter() - t
        t = time.perf_counter()
        res = assign_addresses(pts, study, id_col="address_id")
        assign_s = time.perf_counter() - t
        t = time.perf_counter()
        res.table.drop(columns=["reason"]).to_parquet(out)  # one file, no geometry
        write_s = time.perf_counter() - t
        rows = len(res.table)
        seconds = read_s + assign_s + write_s
        extra = {"read_s": read_s, "assign_s": assign_s, "write_s": write_s}
    else:
        res = assign_dataset(data, out, study, engine="local", id_col="address_id")
        rows, seconds, extra = res.rows, res.seconds, {"steps": res.step_seconds}
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "load_s": load_s, "peak_mb": _peak_mb(), **extra}
        )
    )


def _run_child(kind: str, data: Path, bases: Path, out: Path) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, str(data), str(bases), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _dask(workers: int, data: Path, bases: Path, out: Path) -> dict:
    from distributed import Client, LocalCluster

    from geo.scale import assign_dataset

    study = _study(bases)
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            memory_limit="4GB",
            scheduler_kwargs={"dashboard": False},
        ) as cluster,
        Client(cluster) as client,
    ):
        res = assign_dataset(data, out, study, engine="dask", client=client, id_col="address_id")
        peaks = client.run(_peak_mb)
    return {
        "rows": res.rows,
        "seconds": res.seconds,
        "peak_mb": max(peaks.values()),
        "steps": res.step_seconds,
    }


def _geopandas_pipeline(data: Path, bases: Path, out: Path) -> dict:
    from geo.io import datasets

    regso = gpd.read_file(SHARED / "regso_2025.gpkg")[["regsokod", "regsonamn", "geometry"]]
    offices = gpd.read_file(bases)[["base_name", "geometry"]]
    t = time.perf_counter()
    pts = gpd.read_parquet(datasets.dataset_files(data)[0])
    j = gpd.sjoin(pts, regso, predicate="within", how="left")
    j = j[~j.index.duplicated()].drop(columns="index_right")
    j = gpd.sjoin_nearest(j, offices, how="left", distance_col="nearest_base_distance_m")
    j = j[~j.index.duplicated()]
    j.to_parquet(out)
    return {"rows": len(pts), "seconds": time.perf_counter() - t}


def _sjoin(data: Path, out: Path) -> dict:
    from geo.io import datasets

    regso = gpd.read_file(SHARED / "regso_2025.gpkg")
    pts = datasets.read_part(datasets.dataset_files(data)[0])
    t = time.perf_counter()
    j = gpd.sjoin(
        pts[["geometry"]], regso[["regsokod", "geometry"]], predicate="within", how="left"
    )
    seconds = time.perf_counter() - t
    j = j[~j.index.duplicated()]
    ours = pd.read_parquet(datasets.dataset_files(out)[0], columns=["area"])["area"].astype(object)
    agree = float((j["regsokod"].fillna("").to_numpy() == ours.fillna("").to_numpy()).mean())
    return {"rows": len(pts), "seconds": seconds, "agree": agree}


def _bases(path: Path) -> None:
    loc = gpd.read_file(SHARED / "tatort_points_2020.gpkg")
    main = loc.sort_values("pop", ascending=False).drop_duplicates("mun_code")
    main[["name", "mun_name", "geometry"]].rename(columns={"name": "base_name"}).to_file(path)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
        return
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--skip-single", action="store_true", help="skip the in-memory engine")
    args = p.parse_args()

    from geo.io import datasets
    from geo.scale import write_national_addresses

    print(f"machine: {os.cpu_count()} cores; parts of {PART_ROWS:,} points; 3 363 RegSO")
    timings: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp_s:
        tmp = Path(tmp_s)
        bases = tmp / "bases.gpkg"
        _bases(bases)
        regso = gpd.read_file(SHARED / "regso_2025.gpkg")
        for n in args.sizes:
            data = tmp / f"pts_{n}"
            t = time.perf_counter()
            write_national_addresses(
                SHARED / "popgrid_1km_2024.csv", data, n, partition_rows=PART_ROWS, areas=regso
            )
            print(
                f"\n== {n:,} SYNTHETIC points in {len(datasets.dataset_files(data))} parts "
                f"(generated in {time.perf_counter() - t:.0f} s)"
            )
            results: dict[str, dict] = {}
            if not args.skip_single:
                results["single"] = _run_child("single", data, bases, tmp / "single.parquet")
            results["local"] = _run_child("local", data, bases, tmp / "out_local")
            for w in args.workers:
                results[f"dask-{w}"] = _dask(w, data, bases, tmp / f"out_dask{w}")
            sj = _sjoin(data, tmp / f"out_dask{args.workers[-1]}")
            sj_rate = sj["rows"] / sj["seconds"]
            gp = _geopandas_pipeline(data, bases, tmp / "gp.parquet")
            gp_rate = gp["rows"] / gp["seconds"]
            print(
                f"geopandas (read, sjoin, sjoin_nearest, write one part of {gp['rows']:,}): "
                f"{gp['seconds']:.1f} s, {gp_rate:,.0f} pts/s -> {n / gp_rate:,.0f} s for "
                f"{n:,} (extrapolated, one process)"
            )
            print(
                f"sjoin (one part of {sj['rows']:,}, area only): {sj['seconds']:.1f} s, "
                f"{sj_rate:,.0f} pts/s -> {n / sj_rate:,.0f} s for {n:,} (extrapolated); "
                f"areas agree with ours on {sj['agree']:.4%} of the part"
            )
            if "single" in results:
                one = pd.read_parquet(tmp / "single.parquet", columns=["area", "nearest_base"])
                dk = pd.concat(
                    [
                        pd.read_parquet(f, columns=["area", "nearest_base"])
                        for f in datasets.dataset_files(tmp / f"out_dask{args.workers[-1]}")
                    ],
                    ignore_index=True,
                )
                same = (one.astype(object).fillna("") == dk.astype(object).fillna("")).all().all()
                print(f"single and dask results identical on every row: {bool(same)}")
            for name, r in results.items():
                rate = r["rows"] / r["seconds"]
                timings.setdefault(name, {})[n] = r["seconds"]
                per_m = 1e6 / r["rows"]
                if name == "single":
                    steps = {k: r[f"{k}_s"] for k in ("read", "assign", "write")}
                else:
                    steps = r["steps"]
                split = ", ".join(f"{k} {v * per_m:.2f}" for k, v in steps.items())
                where = "per worker" if name.startswith("dask") else "process"
                print(
                    f"{name:7s}: {r['seconds']:7.1f} s  {rate:12,.0f} pts/s  "
                    f"peak {r['peak_mb'] / 1024:.2f} GB ({where}); "
                    f"work per million points (s): {split}"
                )
                print(
                    f"  {rate / sj_rate:.2f}x the area-only sjoin, "
                    f"{rate / gp_rate:.2f}x the geopandas pipeline at {n:,} points"
                )
                if n == max(args.sizes):
                    engine = "dask" if name == f"dask-{max(args.workers)}" else name
                    if engine in ("single", "local", "dask"):
                        print(f"ratio_vs_geopandas_pipeline_{engine} {rate / gp_rate:.2f}")
                        print(f"peak_memory_gb_{engine} {r['peak_mb'] / 1024:.2f}")
        if len(args.sizes) > 1:
            lo, hi = min(args.sizes), max(args.sizes)
            print(f"\n== growth from {lo:,} to {hi:,} points ({hi / lo:.0f}x the points)")
            for name, t in timings.items():
                if lo in t and hi in t:
                    print(f"{name:7s}: time x{t[hi] / t[lo]:.1f}")


if __name__ == "__main__":
    main()
