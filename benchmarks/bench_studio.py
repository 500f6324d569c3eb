#!/usr/bin/env python3
"""Benchmark: the planning studio in Debian's Chromium, and what a Python round trip costs.

Two demand layers: the Linköping 1 km grid (1 083 cells) with 12 bases (today's four and
eight more), and 10 000 demand cells (synthetic addresses counted per 250 m cell, labelled
synthetic) with 12 bases. For each: one change = ``geoStudio.moveBase`` (recompute every
figure of every group, redraw the cells, the markers, the tables and the chart), timed in the
page over 40 moves; the peer in the same run is the same change computed in Python by
:func:`geo.scenario.what_if` (the server round trip a classic web GIS makes, without the
network), on the same input. File sizes: straight line, and with a car travel-time matrix
(central Linköping roads, the only road layer available offline; the matrix is as large for
any network), against ``GeoDataFrame.explore()`` of the same cells.

Prints ``ms_per_update``, ``size_mb`` and ``ratio_*`` lines. Needs Debian's chromium and
Playwright (test extras).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from geo.areas import assign_addresses
from geo.crs import from_sweref
from geo.maps.studio import save_page, studio_page
from geo.scenario_file import Scenario
from geo.siting import address_cells, candidate_sites, what_if
from geo.study import load_study
from geo.synthetic import synthetic_addresses

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def _moves(study, n: int) -> list[tuple[float, float]]:
    rng = np.random.default_rng(7)
    e0, n0 = study.base_xy
    e = e0[3] + rng.uniform(-4000, 4000, n)
    nn = n0[3] + rng.uniform(-4000, 4000, n)
    lon, lat = from_sweref(e, nn)
    return list(zip(lat.tolist(), lon.tolist(), strict=True))


def _twelve(study) -> dict[str, tuple[float, float]]:
    sites = candidate_sites(study)
    extra = sites[sites["kind"] != "base"].iloc[::4].head(8)
    lon, lat = from_sweref(extra.geometry.x.to_numpy(), extra.geometry.y.to_numpy())
    return {
        f"{s} ({i})": (la, lo)
        for i, (s, la, lo) in enumerate(zip(extra["site"], lat, lon, strict=True))
    }


def _in_browser(browser, path: Path, add: dict, moves: list) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=120_000)
    for name, (lat, lon) in add.items():
        page.evaluate("a => geoStudio.addBase(a[0], a[1], a[2])", [name, lat, lon])
    assert len(page.evaluate("geoStudio.bases()")) == 12
    times = page.evaluate(
        """moves => moves.map(m => {
            const t = performance.now();
            geoStudio.moveBase('oster', m[0], m[1]);
            document.body.offsetHeight;  // layout included
            return performance.now() - t;
        })""",
        moves,
    )
    page.close()
    return statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--moves", type=int, default=40)
    ap.add_argument("--cells", type=int, default=10_000)
    args = ap.parse_args()
    from browser import playwright_chromium
    from playwright.sync_api import sync_playwright

    study = load_study()
    add = _twelve(study)
    moves = _moves(study, args.moves)
    tmp = Path(tempfile.mkdtemp(prefix="bench_studio_"))

    # the 1 km grid
    grid = save_page(studio_page(study, proven=True), tmp / "grid.html")
    # 10 000 cells of synthetic addresses (250 m)
    table = assign_addresses(synthetic_addresses(400_000, seed=11, study=study), study).table
    cells, _ = address_cells(table, study, cell_size_m=250, min_count=1)
    cells = cells.sort_values("population", ascending=False).head(args.cells)
    cells = cells.reset_index(drop=True)
    many = save_page(
        studio_page(study, demand=cells, cell_size_m=250, proven=False, notes=("SYNTHETIC",)),
        tmp / "many.html",
    )
    # with a car travel-time matrix
    from geo.network import build_network
    from geo.network.readers import read_road_lines

    roads = ROOT.parent / "shared/data/linkoping/roads_central_2017.gpkg"
    net = build_network(read_road_lines(roads, "car", layer="roads"), "car")
    grid_car = save_page(studio_page(study, network=net, mode="car", proven=False), tmp / "gc.html")
    many_car = save_page(
        studio_page(study, demand=cells, cell_size_m=250, network=net, mode="car", proven=False),
        tmp / "mc.html",
    )

    with sync_playwright() as p:
        browser = playwright_chromium(p)
        ms_grid, max_grid = _in_browser(browser, grid, add, moves)
        ms_many, max_many = _in_browser(browser, many, add, moves)
        browser.close()

    # the peer: the same change computed in Python (what_if per change)
    scenario = Scenario.today(study).changed(study, add=add)
    t = time.perf_counter()
    for lat, lon in moves[:10]:
        what_if(study, scenario=scenario, move={"oster": (lat, lon)})
    py_ms = (time.perf_counter() - t) / 10 * 1000

    # explore() of the same grid cells (size peer)
    explore = tmp / "explore.html"
    d = study.demand[["rutid_scb", "pop_2024", "geometry"]]
    d.explore(column="pop_2024").save(str(explore))

    mb = lambda f: f.stat().st_size / 1e6  # noqa: E731
    print(f"cells grid={len(study.demand)} many={len(cells)} bases=12 moves={args.moves}")
    print(f"ms_per_update grid_1km_12_bases median={ms_grid:.1f} max={max_grid:.1f} (goal < 50)")
    print(
        f"ms_per_update cells_{len(cells)}_12_bases median={ms_many:.1f} max={max_many:.1f} (goal < 200)"
    )
    print(f"ms_per_update python_what_if_grid {py_ms:.1f}")
    print(f"ratio_vs_python_what_if grid {py_ms / ms_grid:.1f}")
    print(f"size_mb grid_straight {mb(grid):.2f} (goal < 3)")
    print(f"size_mb grid_car_matrix {mb(grid_car):.2f} (goal < 8)")
    print(f"size_mb cells_{len(cells)}_straight {mb(many):.2f}")
    print(f"size_mb cells_{len(cells)}_car_matrix {mb(many_car):.2f} (goal < 8)")
    print(f"size_mb explore_grid_cells_only {mb(explore):.2f}")
    print(f"ratio_vs_explore size {mb(explore) / mb(grid):.2f}")


if __name__ == "__main__":
    main()
