#!/usr/bin/env python3
"""Benchmark: addresses from a PostGIS table, assigned, written back — against the same
through a GeoPackage.

Same SYNTHETIC addresses (points in SWEREF 99 TM), same study, same run: read the addresses
(``geo.addresses.read_addresses``), assign them (``geo.areas.assign_addresses``), write the
result (``geo.io.tables.write_table``: a new table in one transaction, with a primary key and a
GiST index; a GeoPackage written atomically). Prints the read / assign / write split and
``ratio_vs_gpkg`` (GeoPackage time / PostGIS time; above 1 means the database is faster).

The database is a throwaway cluster started from Debian's packages (as the tests do), or
``--url postgresql://…`` (a database you own; the tables ``geo_bench_*`` are replaced).

Usage::

    python benchmarks/bench_postgis.py                  # 1 M addresses
    python benchmarks/bench_postgis.py --size 200000
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo.addresses import read_addresses
from geo.areas import assign_addresses
from geo.io.postgis import write_database
from geo.io.tables import write_table
from geo.study import load_study
from geo.synthetic import synthetic_addresses

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def run(source, target, study) -> tuple[dict[str, float], object]:
    t_read, table = _timed(lambda: read_addresses(source))
    t_assign, result = _timed(lambda: assign_addresses(table, study))
    out = result.to_geodataframe()
    t_write, _ = _timed(lambda: write_table(out, target, if_exists="replace"))
    return {"read": t_read, "assign": t_assign, "write": t_write}, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--url", help="postgresql://… of a database to use instead of a throwaway one")
    a = ap.parse_args()
    cluster = None
    if a.url is None:
        sys.path.insert(0, str(ROOT / "tests"))
        import pgcluster

        if not pgcluster.available():
            print("PostgreSQL not installed (apt-get install postgresql postgis) and no --url")
            return 2
        cluster = pgcluster.Cluster()
        base = cluster.url()
    else:
        base = a.url.split("?")[0]
    try:
        study = load_study()
        demo = synthetic_addresses(a.size, seed=11, study=study)
        points = gpd.GeoDataFrame(
            demo.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(demo["lon"], demo["lat"]),
            crs=4326,
        ).to_crs(3006)
        print(f"== {a.size:,} SYNTHETIC addresses (points, EPSG:3006), {len(study.areas)} areas")
        with tempfile.TemporaryDirectory() as tmp:
            gpkg_in, gpkg_out = Path(tmp) / "in.gpkg", Path(tmp) / "out.gpkg"
            points.to_file(gpkg_in, layer="addresses")
            write_database(points, f"{base}?table=public.geo_bench_in", if_exists="replace")
            pg, r_pg = run(
                f"{base}?table=public.geo_bench_in", f"{base}?table=public.geo_bench_out", study
            )
            fi, r_fi = run(gpkg_in, gpkg_out, study)
        same = r_pg.table["area"].equals(r_fi.table["area"]) and np.allclose(  # type: ignore[attr-defined]
            r_pg.table["own_base_distance_m"],
            r_fi.table["own_base_distance_m"],
            equal_nan=True,  # type: ignore[attr-defined]
        )
        for name, t in (("postgis", pg), ("geopackage", fi)):
            total = sum(t.values())
            print(
                f"seconds {name:<10} total {total:6.2f}  read {t['read']:6.2f}  "
                f"assign {t['assign']:6.2f}  write {t['write']:6.2f}  "
                f"({a.size / total:,.0f} rows/s)"
            )
        print(f"identical postgis_vs_geopackage {same}")
        print(f"ratio_vs_gpkg {sum(fi.values()) / sum(pg.values()):.2f}")
    finally:
        if cluster is not None:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
