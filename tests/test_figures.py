"""One implementation of every figure (geo.figures), and every consumer giving the same digits.

Known answers by hand; numpy's ``inverted_cdf``; and one parity test that feeds the same
costs — unreachable cells included — to every consumer: the assignment summary, ``geo site``
(:class:`geo.siting.SitingProblem`), :func:`geo.siting.compare` (``geo whatif``, the report)
and the planning studio's JavaScript core under Node.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.figures import (
    WEIGHT_SCALE,
    change,
    exact_weights,
    figures,
    group_figures,
    weighted_quantile,
)
from geo.scenario_file import Scenario
from geo.siting import SitingProblem, candidate_sites, compare

ROOT = Path(__file__).resolve().parents[1]


def test_figures_of_a_hand_made_group():
    # 40 people: 10 at 1 000 m, 30 at 500 m; 5 people with no route
    values = np.array([1000.0, 500.0, np.inf])
    w = exact_weights([10, 30, 5])
    f = figures(values, w, thresholds=(600.0, 2000.0))
    assert f["total"] / WEIGHT_SCALE == 45 and f["unreachable"] / WEIGHT_SCALE == 5
    assert f["mean"] == (1000 * 10 + 500 * 30) / 40  # never inf: the unreachable apart
    assert f["p90"] == 1000.0 and f["max"] == 1000.0
    assert f["share_within_0"] == pytest.approx(30 / 45)  # the unreachable are not within
    assert f["share_within_1"] == pytest.approx(40 / 45)
    nothing = figures(np.array([np.inf, np.nan]), np.ones(2))
    assert np.isnan(nothing["mean"]) and np.isnan(nothing["p90"]) and np.isnan(nothing["max"])
    assert change(np.array([100.0, np.inf, np.inf]), np.array([50.0, 10.0, np.inf]),
                  np.ones(3), tolerance=1) == (2.0, 0.0)  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_the_quantile_is_numpys_inverted_cdf_and_groups_agree(seed):
    rng = np.random.default_rng(seed)
    v = rng.integers(0, 50, 200).astype(float)  # ties on purpose
    for q in (0.1, 0.5, 0.9, 1.0):
        assert weighted_quantile(v, np.ones(v.size), q) == np.percentile(
            v, q * 100, method="inverted_cdf"
        )
    v[rng.random(v.size) < 0.1] = np.inf
    w = exact_weights(rng.random(v.size) * 10)
    codes = rng.integers(-1, 6, v.size)
    got = group_figures(codes, 6, v, w, thresholds=(10.0, 30.0), quantiles=(0.5, 0.9))
    for g in range(6):
        want = figures(v[codes == g], w[codes == g], thresholds=(10.0, 30.0), quantiles=(0.5, 0.9))
        for key, value in want.items():
            assert got[key][g] == pytest.approx(value, nan_ok=True, rel=1e-12), (g, key)


def _grid_study(square_study):
    """The two squares with a 4 × 2 demand grid (cells 500 m) and RegSO = areas."""
    study = square_study
    e0, n0 = 530_000.0, 6_470_000.0
    boxes = [shapely.box(e0 + 500 * i, n0 + 500 * j, e0 + 500 * (i + 1), n0 + 500 * (j + 1))
             for j in range(2) for i in range(4)]  # fmt: skip
    area = ["A" if b.centroid.x < e0 + 1000 else "B" for b in boxes]
    pop = [10.0, 20.0, 5.0, 40.0, 7.0, 3.0, 30.0, 15.0]
    dem = gpd.GeoDataFrame(
        {"population": pop, "weight": pop, "area": area, "settlement_class": "city",
         "locality": "", "regsokod": "", "regsonamn": ""},
        geometry=[b.centroid for b in boxes], crs=3006,
    )  # fmt: skip
    return study, dem


def test_every_consumer_gives_the_same_figures(square_study, tmp_path):
    """The same costs (two cells unreachable) through geo.figures, compare (geo whatif and
    the report), SitingProblem.solve (geo site), the assignment summary, and the studio's
    JavaScript core: the same figures, digit for digit."""
    study, dem = _grid_study(square_study)
    cand = candidate_sites(study, ("localities",))  # the two bases only
    cost = np.array([[120.0, 900.0], [300.0, 700.0], [np.inf, np.inf], [800.0, 100.0],
                     [200.0, np.inf], [400.0, 650.0], [np.inf, np.inf], [950.0, 60.0]])  # fmt: skip
    sentinel = object()  # stands for a network: compare takes the problem's matrix
    problem = SitingProblem(study, dem, cand, cost, "s", network=sentinel)  # type: ignore[arg-type]
    w = exact_weights(dem["weight"].to_numpy())
    levels_s = [900.0, 1800.0, 2700.0]  # 15, 30, 45 min
    ref_after = figures(cost.min(axis=1), w, thresholds=levels_s)

    # compare (geo whatif, the decision report): today's two bases, unchanged
    comp = compare(study, Scenario.today(study), demand=dem, network=sentinel, problem=problem)  # type: ignore[arg-type]
    row = comp.table.set_index(["group", "name"]).loc[("all", "all")]
    assert row["mean_after"] == ref_after["mean"] and row["p90_after"] == ref_after["p90"]
    assert row["max_after"] == ref_after["max"]
    assert row["unreachable_after"] == ref_after["unreachable"] / WEIGHT_SCALE == 35
    assert row["share_within_15min_after"] == ref_after["share_within_0"]
    assert np.isfinite(comp.table["mean_after"]).all()  # never inf or nan in a mean

    # geo site: no new base, both kept: the 'after' is each cell's nearer base
    res = problem.solve(add=0)
    ba = res.before_after.set_index(["area", "settlement_class"]).loc[("all", "all")]
    assert ba["mean_after"] == ref_after["mean"] and ba["p90_after"] == ref_after["p90"]
    assert ba["unreachable_after"] == 35 and np.isfinite(ba["mean_before"])
    own = cost[np.arange(8), [0 if a == "A" else 1 for a in dem["area"]]]
    # before: the nearest base today, the rule of geo whatif and the studio
    assert ba["mean_before"] == figures(cost.min(axis=1), w)["mean"] == row["mean_before"]

    # the assignment summary: one weight per address, the same rules
    from geo.report import summarize

    table = pd.DataFrame({
        "status": "ok", "area": dem["area"], "settlement_class": "city",
        "own_base_distance_m": own, "own_base_travel_time_s": own,
        "network_status": "ok", "travel_mode": "car",
    })  # fmt: skip
    s = summarize(table, study).set_index(["area", "settlement_class"]).loc[("all", "all")]
    unit = figures(own, np.ones(8), thresholds=levels_s, quantiles=(0.5, 0.9))
    assert s["median_time_s"] == unit["p50"] and s["p90_time_s"] == unit["p90"]
    assert s["share_within_15min"] == unit["share_within_0"]

    # the studio's JavaScript core, under Node, on the same cells and groups
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is needed in CI (the studio core's tests)")
        pytest.skip("node not installed")
    groups = [np.flatnonzero(m).tolist() for _, _, m in _groups(comp)]
    before = comp.before
    fixture = {
        "cost_before": [float(v) if np.isfinite(v) else None for v in before],
        "cost_after": [float(v) if np.isfinite(v) else None for v in comp.after],
        "weight": dem["weight"].tolist(), "population": dem["population"].tolist(),
        "groups": groups, "levels": [15, 30, 45, 30], "scale": 60, "tolerance": 60,
        "expected": [_expected(r) for _, r in comp.table.iterrows()],
        "projection": _projection_points(),
    }  # fmt: skip
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    run = subprocess.run(
        [node, "--test", str(ROOT / "tests" / "js")],
        env={**os.environ, "GEO_CORE_FIXTURE": str(path)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout and "# skipped 0" in run.stdout


def _groups(comp):
    from geo.siting import comparison_groups

    return comparison_groups(comp.demand)


def _expected(row: pd.Series) -> dict:
    def v(x):
        return float(x) if np.isfinite(x) else None

    out = {"weighted": v(row["weighted"]), "better": v(row["better"]), "worse": v(row["worse"])}
    for when in ("before", "after"):
        for k in ("mean", "p90", "max", "unreachable"):
            out[f"{k}_{when}"] = v(row[f"{k}_{when}"])
        for i, key in enumerate(("15min", "30min", "45min")):
            out[f"share_{i}_{when}"] = v(row[f"share_within_{key}_{when}"])
        out[f"share_3_{when}"] = v(row[f"share_within_{when}"])
    return out


def _projection_points() -> list[dict]:
    from geo.crs import to_sweref

    lat = np.array([55.4, 58.41, 63.8, 67.85, 59.33])
    lon = np.array([13.0, 15.62, 20.26, 20.22, 18.06])
    e, n = to_sweref(lon, lat, 4326)
    return [{"lat": float(a), "lon": float(b), "e": float(c), "n": float(d)}
            for a, b, c, d in zip(lat, lon, e, n, strict=True)]  # fmt: skip


def test_the_service_summary_is_the_same_figures(study):
    """/api/summary's figures (geo.report.area_figures): the people of each grid piece at its
    own base's distance, by geo.figures — recomputed here from the pieces by hand."""
    from geo.report import area_figures, population_by_area

    table = area_figures(study).set_index("area")
    pop = population_by_area(study)
    assert table.loc["all", "population_est"] == pytest.approx(pop["population_est"].sum())
    cells = study.demand
    pieces = gpd.overlay(
        cells[["rutid_scb", "pop_in_kommun_est", "geometry"]], study.areas[["area", "geometry"]],
        how="intersection", keep_geom_type=True,
    )  # fmt: skip
    inside = pieces.groupby("rutid_scb").geometry.apply(lambda g: g.area.sum())
    people = pieces["pop_in_kommun_est"] * pieces.geometry.area / pieces["rutid_scb"].map(inside)
    pts = pieces.geometry.representative_point()
    for area in study.areas["area"]:
        mine = (pieces["area"] == area).to_numpy()
        be = study.bases.loc[study.bases["area"] == area].geometry.iloc[0]
        d = np.hypot(pts.x.to_numpy()[mine] - be.x, pts.y.to_numpy()[mine] - be.y)
        f = figures(d, exact_weights(people.to_numpy()[mine]), thresholds=(5000.0,))
        assert table.loc[area, "mean_distance_m"] == pytest.approx(f["mean"], rel=1e-12)
        assert table.loc[area, "p90_distance_m"] == pytest.approx(f["p90"], rel=1e-12)
        assert table.loc[area, "share_within_5km"] == pytest.approx(f["share_within_0"])


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 30, 101])
def test_the_unweighted_rank_is_the_weighted_quantiles_rule(n):
    from geo.figures import quantile_rank

    v = np.arange(n, dtype="float64") * 10 + 5
    for q in (0.1, 0.5, 0.9, 0.95, 1.0):
        assert v[int(quantile_rank(n, q))] == weighted_quantile(v, np.ones(n), q)


def test_map_tooltips_use_the_summaries_percentiles():
    """On distances 100–1 000 m the map tooltips say 500/900 m as every summary (pandas'
    interpolation said 550/910; issue 30)."""
    import pandas as pd

    from geo.report import cell_figures, figures_by

    d = np.arange(100.0, 1001.0, 100.0)
    t = pd.DataFrame({"status": ["ok"] * 10, "regso": ["A"] * 10, "own_base_distance_m": d})
    f = figures_by(t, "regso", ["A", "B"], min_count=5)
    assert f.loc["A", "median_distance_m"] == 500 and f.loc["A", "p90_distance_m"] == 900
    assert f.loc["B", "addresses"] == 0
    want = figures(d, np.ones(10), quantiles=(0.5, 0.9))
    assert (want["p50"], want["p90"]) == (500, 900)
    c = cell_figures(
        np.full(10, 5.0), np.full(10, 5.0), d, np.ones(10), cell_size_m=500, min_count=5
    )
    assert c["median"].tolist() == [500] and c["count"].tolist() == [10]
    # weighted: one cell whose 1 000 m point carries most of the people
    w = np.r_[np.ones(9), 100.0]
    c = cell_figures(np.full(10, 5.0), np.full(10, 5.0), d, w, cell_size_m=500, min_count=5)
    assert c["median"].tolist() == [1000]


def test_one_label_one_number_on_every_surface(study, tmp_path, capsys):
    """One scenario (Linköping today), each figure on each surface against geo.figures by name
    (issue 30: norr's people were 37 166, 33 559 and 36 676 under labels that did not say which
    rule). Three rules, three labels, and each label's number is the same everywhere:

    * ``population_est`` — people living in the area, grid cells split by area: geo assign's
      print and CSV, /api/summary, the catchment map's area tooltip;
    * the weight of grid cells lying in today's area: geo whatif's CSV and print, the decision
      report, the studio's table (its JavaScript core is held to compare() in
      test_every_consumer_gives_the_same_figures);
    * the weight nearest each base: the studio's base list and geo site's proposals.
    """
    import re

    from fastapi.testclient import TestClient

    from geo.cli import main
    from geo.maps import catchment_map
    from geo.maps.decision import decision_report, people_header
    from geo.maps.page import fmt_number, labels
    from geo.maps.studio import studio_labels
    from geo.report import POPULATION_EST_BASIS, area_figures, population_by_area
    from geo.scenario_file import Scenario
    from geo.service.app import create_app
    from geo.siting import compare
    from geo.siting.demand import demand_points
    from geo.siting.problem import SitingProblem

    # --- rule 1: people in the area, grid split by area
    pop = population_by_area(study).groupby("area")["population_est"].sum()
    out = tmp_path / "a.csv"
    assert main(["assign", "--demo-count", "2000", "-o", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert f"population_est: {POPULATION_EST_BASIS}" in printed
    summ = pd.read_csv(tmp_path / "a_summary.csv")
    summ = summ[summ["settlement_class"] == "all"].set_index("area")["population_est"]
    api = TestClient(create_app(study)).get("/api/summary").json()
    api_rows = {r["area"]: r["population_est"] for r in api["areas"]}
    html = catchment_map(study).get_root().render()
    lab = labels("sv", study)
    assert json.dumps(lab["pop_area_grid"]) in html  # the tooltip's alias (JSON-escaped)
    for area in study.areas["area"]:
        want = round(float(pop[area]))
        assert round(float(summ[area])) == want
        assert api_rows[area] == want
        assert area_figures(study).set_index("area").loc[area, "population_est"] == pytest.approx(
            pop[area]
        )
        assert json.dumps(fmt_number(pop[area], "sv")) in html  # its value in the layer

    # --- rule 2: the weight of cells lying in today's area (weighted by geo.figures)
    dem = demand_points(study, "population")
    comp = compare(study, Scenario.today(study), demand=dem)
    rows = comp.table.set_index(["group", "name"])
    csv = tmp_path / "w.csv"
    assert main(["whatif", "-o", str(csv), "-q"]) == 0
    w = pd.read_csv(csv).set_index(["group", "name"])
    report = decision_report(study, add=1)
    slab = studio_labels("sv")
    header = people_header(slab, "population")
    assert header in report and slab["basis_area_cells"] in header
    for area in study.areas["area"]:
        mine = (dem["area"] == area).to_numpy()
        f = figures(comp.before[mine], exact_weights(dem["weight"].to_numpy()[mine]))
        assert rows.loc[("area", area), "weighted"] == f["total"] / WEIGHT_SCALE
        assert rows.loc[("area", area), "mean_before"] == f["mean"]
        assert w.loc[("area", area), "weighted"] == pytest.approx(f["total"] / WEIGHT_SCALE)
        shown = fmt_number(f["total"] / WEIGHT_SCALE, "sv")
        assert re.search(rf"<td>{re.escape(area)}</td><td>[^<]*</td><td>{shown}</td>", report)

    # --- rule 3: the weight nearest each base (the studio's list, geo site's proposals)
    res = SitingProblem.build(study).solve(add=0)
    served = res.proposals.set_index("site")["population_served"]
    near = pd.Series(dem["population"].to_numpy()).groupby(comp.nearest).sum()
    for k, b in enumerate(Scenario.today(study).bases):
        assert served[b.name] == pytest.approx(near.get(k, 0.0))
    assert "närmast denna bas" in slab["served"]

    # three rules, three different labels
    assert len({lab["pop_area_grid"], header, slab["served"]}) == 3
