"""Area design: balanced, contiguous areas around the bases — exact, checked by brute force."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main
from geo.design import DesignUnits, adjacency, design_units, solve_partition
from geo.design.model import is_contiguous
from geo.errors import GeoValueError


def _grid_units(nx: int, ny: int, w: np.ndarray) -> DesignUnits:
    boxes = [shapely.box(x * 100, y * 100, x * 100 + 100, y * 100 + 100)
             for y in range(ny) for x in range(nx)]  # fmt: skip
    frame = gpd.GeoDataFrame(
        {"unit_name": [f"u{i}" for i in range(len(boxes))], "workload": w, "people": w,
         "today": ""}, geometry=boxes, crs=3006,
    )  # fmt: skip
    e = np.array([b.centroid.x for b in boxes])
    n = np.array([b.centroid.y for b in boxes])
    return DesignUnits(frame, e, n, adjacency(frame.geometry.values), "population", "test")


def _brute_force(units, roots, cost, tolerance):
    w, n, k_all = units.workload, len(units), len(roots)
    mean = w.sum() / k_all
    best, best_a = np.inf, None
    for a in itertools.product(range(k_all), repeat=n):
        a = np.array(a)
        if any(a[r] != k for k, r in enumerate(roots)):
            continue
        load = np.bincount(a, weights=w, minlength=k_all)
        if (np.abs(load - mean) > tolerance * mean + 1e-9).any():
            continue
        if not is_contiguous(a, roots, units):
            continue
        value = float((w * cost[np.arange(n), a]).sum())
        if value < best - 1e-12:
            best, best_a = value, a
    return best, best_a


@pytest.mark.parametrize("seed", range(8))
def test_the_optimum_equals_brute_force(seed):
    """Every partition of a 4 × 3 grid into 3 areas enumerated: the model finds the best."""
    rng = np.random.default_rng(seed)
    w = rng.integers(1, 10, 12).astype(float)
    units = _grid_units(4, 3, w)
    roots = sorted(rng.choice(12, 3, replace=False).tolist())
    cost = np.hypot(units.e[:, None] - units.e[roots], units.n[:, None] - units.n[roots]) / 1000
    best, _ = _brute_force(units, roots, cost, 0.35)
    if not np.isfinite(best):
        with pytest.raises(GeoValueError, match="tightest"):
            solve_partition(units, roots, cost, tolerance=0.35)
        return
    p = solve_partition(units, roots, cost, tolerance=0.35)
    assert p.status == "optimal" and p.gap == 0.0
    assert p.objective == pytest.approx(best, rel=1e-9)
    assert is_contiguous(p.assignment, roots, units)  # one piece each, holding its base
    assert p.tolerance <= 0.35 + 1e-9


def test_corners_are_not_edges_and_islands_are_reported():
    # a 2 × 2 checkerboard touches only at corners; a far square is an island
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 1, 2, 2), shapely.box(1, 0, 2, 1),
                      shapely.box(50, 50, 51, 51)], dtype=object)  # fmt: skip
    edges = adjacency(geoms, min_shared_m=0.5)
    assert sorted(map(tuple, edges.tolist())) == [(0, 2), (1, 2)]  # not (0, 1): a corner


def test_an_impossible_tolerance_names_the_tightest(capsys):
    units = _grid_units(2, 1, np.array([1.0, 9.0]))
    cost = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(GeoValueError) as err:
        solve_partition(units, [0, 1], cost, tolerance=0.1)
    # the two areas must be the two units: 1 and 9 around a mean of 5 — 0.8 from the mean
    assert "the tightest that can be met is 0.800" in str(err.value)
    assert "--tolerance 0.800" in str(err.value)


@pytest.mark.slow
def test_linkoping_six_areas_on_regso_proven_optimal(study):
    from geo.design.areas import design_areas

    units = design_units(study, "regso")
    design = design_areas(study, units, add=2, tolerance=0.10, time_limit_s=60)
    p = design.partition
    assert p.status == "optimal" and len(design.areas) == 6
    roots = [int(np.flatnonzero(units.frame.geometry.intersects(b))[0])
             for b in design.bases.geometry]  # fmt: skip
    assert is_contiguous(p.assignment, roots, units)
    ratio = design.areas["workload_vs_mean"].to_numpy()
    assert (np.abs(ratio - 1) <= 0.10 + 1e-9).all()
    assert design.areas["people"].sum() == pytest.approx(units.people.sum())
    # a single polygon per area, holding its base
    for geom, base in zip(design.areas.geometry, design.bases.geometry, strict=True):
        assert geom.geom_type == "Polygon" and geom.buffer(1).covers(base)
    # today's nearest-base rule leaves öster with about four times syd's people
    today = units.frame.groupby("today")["people"].sum()
    assert today.max() / today.min() > 3.5 and ratio.max() / ratio.min() < 1.25


@pytest.mark.slow
def test_cli_design_writes_areas_every_command_reads(tmp_path, capsys, study):
    out = tmp_path / "areas.gpkg"
    assert main(["areas", "design", "--add", "2", "--tolerance", "0.1", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "6 areas — proven optimal" in printed
    areas = gpd.read_file(out, layer="areas")
    assert len(areas) == 6
    assert {"workload", "people_moved_in", "people_moved_out", "polsby_popper"} <= set(
        areas.columns
    )
    # everyone who moved left one area of today and entered another: the sums agree, and an
    # area that shrinks shows who left (issue 30: öster showed 0)
    assert areas["people_moved_in"].sum() == pytest.approx(areas["people_moved_out"].sum())
    today_people = design_units(study, "regso").frame.groupby("today")["people"].sum()
    shrinking = areas[areas["area"].isin(list(today_people.index))]
    assert len(shrinking) == 4 and (shrinking["people_moved_out"] > 0).any()
    for r in shrinking.itertuples():
        change = r.people - today_people[r.area]
        assert change == pytest.approx(r.people_moved_in - r.people_moved_out, abs=1e-6)
    assert (areas["solution"] == "proven optimal").all()  # said in every output
    assert (tmp_path / "areas_map.html").stat().st_size > 10_000
    table = pd.read_csv(tmp_path / "areas_areas.csv")
    assert table["units"].sum() == 32
    res = tmp_path / "assigned.csv"
    assert main(["assign", "--demo-count", "2000", "--areas", str(out), "--area-col", "area",
                 "--bases", str(tmp_path / "areas_bases.csv"), "-o", str(res), "-q"]) == 0  # fmt: skip
    t = pd.read_csv(res)
    assert set(t.loc[t["status"] == "ok", "area"]) == set(areas["area"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "args,message",
    [
        (["--tolerance", "0.001", "--time-limit", "3"], "pass --tolerance"),
        (["--bases-file", "{bases}"], "lies outside Linköping"),
        (["--balance", "votes"], "balance: 'votes' is neither population"),
        (["--add", "1", "--bases-file", "{bases}"], "either --bases-file or --add"),
    ],
)
def test_bad_designs_end_in_one_line(tmp_path, capsys, args, message):
    bases = tmp_path / "b.csv"
    pd.DataFrame({"name": ["Oslo", "Skäggetorp"], "lat": [59.91, 58.4268],
                  "lon": [10.75, 15.5955]}).to_csv(bases, index=False)  # fmt: skip
    args = [a.replace("{bases}", str(bases)) for a in args]
    assert main(["areas", "design", *args, "-o", str(tmp_path / "x.gpkg"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geo: error:") and message in err and "\n" not in err, err


@pytest.mark.slow
def test_a_units_file_must_cover_the_study(study, tmp_path, capsys):
    """The user's own units: a file of the RegSO with a caseload column works; one with
    half the municipality missing ends in one line."""
    regso = study.regso[["regsonamn", "geometry"]].copy()
    regso["caseload"] = np.arange(len(regso)) % 7 + 3
    full = tmp_path / "units.gpkg"
    regso.to_file(full)
    out = tmp_path / "own.gpkg"
    assert main(["areas", "design", "--units", str(full), "--unit-col", "regsonamn",
                 "--balance", "caseload", "--tolerance", "0.15", "-o", str(out), "-q"]) == 0  # fmt: skip
    areas = gpd.read_file(out, layer="areas")
    assert areas["workload"].sum() == regso["caseload"].sum()
    half = tmp_path / "half.gpkg"
    regso.iloc[: len(regso) // 2].to_file(half)
    assert (
        main(["areas", "design", "--units", str(half), "-q", "-o", str(tmp_path / "h.gpkg")]) == 2
    )
    err = capsys.readouterr().err
    assert "of Linköping (kommun 0580)'s people; the units must cover the whole study" in err


def test_need_of_the_users_own_units_is_people_times_one_plus_need(study, tmp_path):
    """--units FILE --balance need: need = people × (1 + the RegSO's relative low-income
    share), from the one definition (issue 30: it was people)."""
    import geopandas as gpd

    regso = study.regso
    path = tmp_path / "units.gpkg"
    gpd.GeoDataFrame(
        {"namn": regso["regsonamn"].astype(str)}, geometry=regso.geometry.values, crs=regso.crs
    ).to_file(path)
    units = design_units(study, str(path), balance="need")
    own = design_units(study, "regso", balance="need")
    frame = units.frame.set_index("unit_name")
    ref = own.frame.set_index("unit_name")
    assert frame["workload"].sum() > 1.2 * frame["people"].sum()  # not just people
    # the RegSO drawn as the user's own polygons: each unit's need per person is 1 + its
    # RegSO's need (grid cells straddling a border mix in a neighbour's)
    need = study.need_by_regso.rename(
        index=dict(zip(regso["regsokod"], regso["regsonamn"], strict=True))
    )
    big = frame[frame["people"] > 1000]
    ratio = big["workload"] / big["people"]
    # (1 km cells carry one RegSO's need each, so a city unit mixes its neighbours')
    assert np.corrcoef(ratio, need.reindex(big.index))[0, 1] > 0.9
    assert (ratio >= 1).all() and (ratio <= 2 + 1e-9).all()
    top = study.need_by_regso.idxmax()
    name = regso.set_index("regsokod").loc[top, "regsonamn"]
    assert ref.loc[name, "need"] == pytest.approx(2 * ref.loc[name, "people"])
