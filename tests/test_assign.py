"""Assignment and distances: hand-made geometries with known answers, then real Linköping."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.areas import assign_addresses, locate_points
from geo.crs import from_sweref, to_sweref
from geo.errors import CrsError, GeoValueError, MissingColumnError

E0, N0 = 530_000.0, 6_470_000.0


def _table(points, crs=3006):
    return gpd.GeoDataFrame({"id": range(len(points))}, geometry=points, crs=crs)


def test_known_answers_on_two_squares(square_study):
    pts = [
        shapely.Point(E0 + 500, N0 + 500),  # base A itself
        shapely.Point(E0 + 1800, N0 + 900),  # in B
        shapely.Point(E0 + 1000, N0 + 300),  # on the shared edge -> A (lowest index)
        shapely.Point(E0 + 2300, N0 + 500),  # 300 m east of B
        shapely.Point(E0 + 900, N0 + 500),  # in A, 400 m from A, 200 m from B (moved)
    ]
    bases = square_study.bases.copy()
    bases.loc[1, "geometry"] = shapely.Point(E0 + 1100, N0 + 500)  # B's base near the border
    r = assign_addresses(_table(pts), square_study.with_areas(square_study.areas, bases))
    t = r.table
    assert t["status"].tolist() == ["ok", "ok", "ok", "outside", "ok"]
    assert t["area"].astype(str).tolist()[:3] == ["A", "B", "A"]
    assert t["own_base_distance_m"].iloc[0] == 0.0
    assert t["distance_m_b"].iloc[0] == 600.0
    assert t["own_base_distance_m"].iloc[1] == pytest.approx(np.hypot(700, 400), abs=0.05)
    assert t["nearest_area"].astype(str).iloc[3] == "B"
    assert t["distance_to_area_m"].iloc[3] == 300.0
    assert "nearest is B at 300 m" in t["reason"].iloc[3]
    assert np.isnan(t["own_base_distance_m"].iloc[3])  # outside: no own base
    # the catchment audit case: own base A (400 m) is not the nearest base (B, 200 m)
    assert t["own_base"].astype(str).iloc[4] == "Base A"
    assert t["nearest_base"].astype(str).iloc[4] == "Base B"
    assert t["own_base_distance_m"].iloc[4] == 400.0
    assert t["nearest_base_distance_m"].iloc[4] == 200.0


def test_every_row_comes_out_in_order_with_status(square_study, tmp_path):
    p = tmp_path / "a.csv"
    lon, lat = from_sweref(np.array([E0 + 500]), np.array([N0 + 500]))
    rows = [
        f"1,{lat[0]},{lon[0]}",  # ok
        "2,,",  # missing
        "3,abc,15.6",  # text
        f"4,{lon[0]},{lat[0]}",  # swapped
        "5,52.52,13.40",  # Berlin
        "6,nan,inf",
        f"1,{lat[0]},{lon[0]}",  # duplicate id
    ]
    p.write_text("id,lat,lon\n" + "\n".join(rows) + "\n")
    r = assign_addresses(p, square_study)
    t = r.table
    assert len(t) == 7 and t["input_row"].tolist() == list(range(1, 8))
    assert t["id"].tolist() == ["1", "2", "3", "4", "5", "6", "1"]
    assert t["status"].tolist() == ["ok"] + ["invalid_coordinates"] * 5 + ["ok"]
    reasons = t["reason"].tolist()
    assert "missing" in reasons[1] and "not a number: 'abc'" in reasons[2]
    assert "swapped" in reasons[3] and "not in Sweden" in reasons[4]
    assert reasons[5] and reasons[0].startswith("duplicate id")
    assert any("duplicate" in n for n in r.notes)
    assert r.status_counts().to_dict() == {
        "ok": 2,
        "outside": 0,
        "invalid_coordinates": 5,
        "unmatched_address": 0,
        "ambiguous": 0,
        "needs_review": 0,
    }


def test_wrong_crs_is_caught_per_row(square_study):
    # SWEREF coordinates declared as WGS 84: every row invalid, hint names EPSG:3006
    df = pd.DataFrame({"x": [E0 + 10, 15.6], "y": [N0 + 10, 58.4]})
    r = assign_addresses(df, square_study, x_col="x", y_col="y", crs=4326)
    assert r.table["status"].tolist() == ["invalid_coordinates", "outside"]
    assert "3006" in r.table["reason"].iloc[0]


def test_same_answer_in_every_crs(study):
    e = np.array([534_089.6, 537_466.6, 526_000.0, 545_000.0])
    n = np.array([6_476_454.6, 6_472_279.9, 6_481_000.0, 6_460_000.0])
    ref = assign_addresses(_table(shapely.points(e, n)), study).table
    for epsg in (4326, 3021, 3010):
        x, y = from_sweref(e, n, epsg)
        t = assign_addresses(_table(shapely.points(x, y), crs=epsg), study).table
        assert t["area"].tolist() == ref["area"].tolist()
        np.testing.assert_allclose(t["own_base_distance_m"], ref["own_base_distance_m"], atol=0.2)


def test_input_not_mutated_and_clashing_columns_renamed(square_study):
    g = _table([shapely.Point(E0 + 10, N0 + 10)])
    g["status"] = ["mine"]
    before = g.copy()
    r = assign_addresses(g, square_study)
    pd.testing.assert_frame_equal(g, before)
    assert r.table["status_input"].tolist() == ["mine"] and r.table["status"].tolist() == ["ok"]


def test_crs_conflicts(square_study):
    g = _table([shapely.Point(E0, N0)])
    with pytest.raises(CrsError, match="nothing is relabelled"):
        assign_addresses(g, square_study, crs=4326)
    with pytest.raises(CrsError, match="no CRS"):
        assign_addresses(gpd.GeoDataFrame(geometry=[shapely.Point(E0, N0)]), square_study)
    with pytest.raises(MissingColumnError, match="no coordinate columns"):
        assign_addresses(pd.DataFrame({"a": [1]}), square_study)
    # a plain DataFrame with lat/lon columns works like a file
    df = pd.DataFrame({"lat": [58.4275], "lon": [15.5837]})
    assert assign_addresses(df, square_study).table["status"].tolist() == ["outside"]
    with pytest.raises(GeoValueError, match="expected a file path"):
        assign_addresses([1, 2], square_study)


def test_chunking_gives_identical_results(study):
    rng = np.random.default_rng(3)
    e = rng.uniform(515_000, 562_000, 30_000)
    n = rng.uniform(6_436_000, 6_501_000, 30_000)
    a = locate_points(e, n, study, chunk_size=1_000_000)
    b = locate_points(e, n, study, chunk_size=777)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])


# --------------------------------------------------------------------- real Linköping places
PLACES = [
    # name, lat, lon, area, regso, settlement class
    ("Skäggetorp centrum", 58.4275, 15.5837, "norr", "Skäggetorp-Tornby", "city"),
    ("Stora torget", 58.4108, 15.6214, None, None, "city"),
    ("Ljungsbro", 58.5085, 15.4980, "norr", "Ljungsbro-Berg", "locality"),
    ("Malmslätt", 58.4117, 15.5100, "väster", "Malmslätt", "locality"),
    ("Berga centrum", 58.3897, 15.6408, "öster", "Berga", "city"),
    ("Linghem", 58.4350, 15.7870, "öster", "Linghem", "locality"),
]


@pytest.mark.parametrize("name,lat,lon,area,regso,cls", PLACES)
def test_real_places(study, name, lat, lon, area, regso, cls):
    e, n = to_sweref(np.array([lon]), np.array([lat]), 4326)
    r = assign_addresses(_table(shapely.points(e, n)), study).table.iloc[0]
    assert r["status"] == "ok", name
    if area:
        assert r["area"] == area
        assert r["regsonamn"] == regso
    assert r["settlement_class"] == cls
    d = [r[f"distance_m_{b}"] for b in study.base_ids]
    assert r["nearest_base_distance_m"] == min(d)
    assert r["own_base_distance_m"] in d


def test_skaggetorp_base_is_zero_from_itself(study):
    base = study.bases.set_index("base_id").loc["norr"]
    r = assign_addresses(_table([base.geometry]), study).table.iloc[0]
    assert r["area"] == "norr" and r["own_base_distance_m"] == 0.0


def test_outside_municipality_names_nearest_area(study):
    # Norrköping centre, 40 km NE: in Sweden, outside Linköping
    e, n = to_sweref(np.array([16.1826]), np.array([58.5877]), 4326)
    r = assign_addresses(_table(shapely.points(e, n)), study).table.iloc[0]
    assert r["status"] == "outside" and r["nearest_area"] in ("norr", "öster")
    assert 10_000 < r["distance_to_area_m"] < 40_000


def test_summary_known_answer(square_study):
    pts = [shapely.Point(E0 + 500 + d, N0 + 500) for d in (0, 100, 300)] + [
        shapely.Point(E0 + 1500, N0 + 500)
    ]
    s = assign_addresses(_table(pts), square_study).summary()
    a = s[(s["area"] == "A") & (s["settlement_class"] == "all")].iloc[0]
    assert a["addresses"] == 3
    assert a["mean_distance_m"] == pytest.approx(400 / 3)
    assert a["median_distance_m"] == 100 and a["max_distance_m"] == 300
    assert a["share_within_2km"] == 1.0
    tot = s.iloc[-1]
    assert tot["area"] == "all" and tot["addresses"] == 4


@pytest.mark.slow
def test_summary_on_real_data_matches_table(study):
    from geo.synthetic import synthetic_addresses

    df = synthetic_addresses(5_000, seed=1, study=study)
    g = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df.lon, df.lat), crs=4326)
    r = assign_addresses(g, study)
    s = r.summary()
    t = r.table
    for area in study.areas["area"]:
        row = s[(s["area"] == area) & (s["settlement_class"] == "all")].iloc[0]
        d = t.loc[t["area"] == area, "own_base_distance_m"]
        assert row["addresses"] == len(d)
        # geo.figures: the inverted CDF, a distance somebody has (numpy's "inverted_cdf")
        assert row["p90_distance_m"] == np.percentile(d, 90, method="inverted_cdf")
        assert row["median_distance_m"] == np.percentile(d, 50, method="inverted_cdf")
        assert row["share_within_5km"] == pytest.approx((d <= 5000).mean())
    parts = s[(s["area"] != "all") & (s["settlement_class"] != "all")]
    assert parts["addresses"].sum() == len(t)
    # the grid population of the municipality (2024) is about 168 000
    assert 160_000 < s.iloc[-1]["population_est"] < 172_000
    assert "<table" in r._repr_html_()
