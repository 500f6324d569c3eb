#!/usr/bin/env python3
"""Benchmark: our maps vs GeoDataFrame.explore() of the same layers, same run.

For 75 000 and 1 000 000 synthetic addresses: build time, HTML size and time to render in
headless Chromium (wall time of a screenshot run, browser start included, network blocked)
for the catchment map and the access map. ``explore()`` gets the same layers an analyst would
pass it: the catchment areas, RegSO and bases; for access, the assigned address points
coloured by distance. Its CDN Leaflet is replaced by the same inlined Leaflet ours uses, so
both pages can render offline. Prints ``ratio_vs_explore`` lines for size and render time.

Needs Debian's chromium (``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd

from geo import maps
from geo.areas import assign_addresses
from geo.study import load_study
from geo.synthetic import synthetic_addresses


def _render_seconds(path: Path, timeout: float) -> float | None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("chromium not found: apt-get install chromium")
    with tempfile.TemporaryDirectory() as prof:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={prof}", "--proxy-server=127.0.0.1:9", "--window-size=1280,860",
            f"--screenshot={prof}/s.png", path.as_uri(),
        ]  # fmt: skip
        t = time.perf_counter()
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return None
        return time.perf_counter() - t


def _offline_explore(m, path: Path) -> None:
    """Save an explore() map with Leaflet inlined like ours and other CDN files dropped."""
    page = maps.inline_leaflet(m.get_root().render())
    page = re.sub(r'<script src="https?://[^"]+"></script>', "", page)
    page = re.sub(r'<link rel="stylesheet" href="https?://[^"]+"\s*/?>', "", page)
    path.write_text(page, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[75_000, 1_000_000])
    ap.add_argument("--render-timeout", type=float, default=300.0)
    ap.add_argument("--explore-max-points", type=int, default=1_000_000)
    args = ap.parse_args()
    study = load_study()
    out = Path(tempfile.mkdtemp(prefix="bench_maps_"))
    for size in args.sizes:
        table = assign_addresses(synthetic_addresses(size, seed=1, study=study), study).table
        ok = table[table["status"] == "ok"]
        print(f"\n== {size:,} synthetic addresses")
        for kind in ("catchments", "access"):
            t = time.perf_counter()
            m = (
                maps.catchment_map(study, assignment=table)
                if kind == "catchments"
                else maps.access_map(study, table)
            )
            ours_path = maps.save_map(m, out / f"ours_{kind}_{size}.html")
            t_ours = time.perf_counter() - t
            t = time.perf_counter()
            if kind == "catchments":
                em = study.areas.explore(column="area", name="areas")
                study.regso[
                    [
                        "regsonamn",
                        "pop_2023",
                        "children_0_17_est_2022",
                        "low_economic_standard_pct_2022",
                        "geometry",
                    ]
                ].explore(m=em, name="regso", style_kwds={"fill": False})
                study.bases.explore(m=em, name="bases", color="black")
            else:
                if len(ok) > args.explore_max_points:
                    print(f"explore access: skipped above {args.explore_max_points:,} points")
                    continue
                pts = gpd.GeoDataFrame(
                    ok[["address_id", "area", "own_base_distance_m"]],
                    geometry=gpd.points_from_xy(ok["e_3006"], ok["n_3006"]), crs=3006,
                )  # fmt: skip
                em = pts.explore(column="own_base_distance_m")
            ex_path = out / f"explore_{kind}_{size}.html"
            _offline_explore(em, ex_path)
            t_ex = time.perf_counter() - t
            r_ours = _render_seconds(ours_path, args.render_timeout)
            r_ex = _render_seconds(ex_path, args.render_timeout)
            s_ours, s_ex = ours_path.stat().st_size / 1e6, ex_path.stat().st_size / 1e6

            def fmt(r: float | None) -> str:
                return f"{r:.1f} s" if r is not None else f"> {args.render_timeout:.0f} s (stopped)"

            print(f"{kind}: ours build {t_ours:.1f} s, {s_ours:.1f} MB, render {fmt(r_ours)}")
            print(f"{kind}: explore build {t_ex:.1f} s, {s_ex:.1f} MB, render {fmt(r_ex)}")
            print(f"ratio_vs_explore_size_{kind} {s_ex / s_ours:.1f}")
            if r_ours is not None and r_ex is not None:
                print(f"ratio_vs_explore_render_{kind} {r_ex / r_ours:.1f}")
            elif r_ours is not None:
                print(f"ratio_vs_explore_render_{kind} > {args.render_timeout / r_ours:.1f}")
    print(f"\nfiles in {out}")


if __name__ == "__main__":
    main()
