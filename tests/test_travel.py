"""Travel mode in the assignment, the catchment audit and network catchments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.areas import assign_addresses
from geo.audit import audit_by_regso, catchment_audit
from geo.cli import main
from geo.crs import to_sweref
from geo.errors import GeoValueError
from geo.network import Polylines, build_network, network_catchments
from geo.network import readers as network_io

E0, N0 = 530_000.0, 6_470_000.0


@pytest.fixture()
def street_study(square_study):
    """The two squares, with base B moved to 100 m east of the border, and one east-west
    street through both squares along N0 + 500 (two-way, 36 km/h = 10 m/s)."""
    bases = square_study.bases.copy()
    bases.loc[1, "geometry"] = shapely.Point(E0 + 1100, N0 + 500)
    study = square_study.with_areas(square_study.areas, bases)
    lines = Polylines(
        np.array([[E0 - 100, N0 + 500], [E0 + 1000, N0 + 500], [E0 + 2100, N0 + 500]]),
        np.zeros(3, dtype=int), np.array([36.0]), np.array([36.0]),
        np.array(["residential"], dtype=object), "EPSG:3006", "test street",
    )  # fmt: skip
    return study, build_network(lines, "car")


def _pts(*xy):
    return gpd.GeoDataFrame(
        {"id": range(len(xy))}, geometry=[shapely.Point(E0 + x, N0 + y) for x, y in xy], crs=3006
    )


def test_assign_with_network_adds_times_and_statuses(street_study):
    study, net = street_study
    g = _pts((200, 500), (900, 520), (1500, 500), (500, 900))
    t = assign_addresses(g, study, mode="car", network=net, max_snap_m=300).table
    assert t["network_status"].astype(str).tolist() == ["ok", "ok", "ok", "too_far_from_network"]
    # (200, 500): 300 m to base A (500, 500) -> 30 s; 900 m to base B (1100, 500) -> 90 s
    assert t["network_distance_m_a"].iloc[0] == pytest.approx(300, rel=1e-3)
    assert t["travel_time_s_b"].iloc[0] == pytest.approx(90, abs=1)
    assert t["own_base_travel_time_s"].iloc[1] == pytest.approx(40, abs=1)
    assert t["quickest_base"].astype(str).iloc[1] == "Base B"
    assert np.isnan(t["own_base_travel_time_s"].iloc[3]) and "400 m" in t["network_reason"].iloc[3]
    s = assign_addresses(g, study, mode="car", network=net, max_snap_m=300).summary()
    row = s[(s["area"] == "A") & (s["settlement_class"] == "all")].iloc[0]
    assert row["time_basis"] == "network" and row["with_travel_time"] == 2
    # geo.figures: the median is a time somebody has (inverted CDF of 30 s and 40 s), and the
    # share within is over every address of the area, the one with no route not within
    assert row["median_time_s"] == pytest.approx(30, abs=1)
    assert row["share_within_15min"] == pytest.approx(2 / 3)


def test_estimate_without_network_is_labelled_everywhere(square_study):
    r = assign_addresses(_pts((100, 500)), square_study, mode="walk")
    t = r.table
    assert t["network_status"].astype(str).tolist() == ["estimated"]
    assert "1.3" in t["network_reason"].iloc[0]
    assert any("ESTIMATED" in n for n in r.notes)
    assert r.summary()["time_basis"].eq("estimated").all()
    assert t["own_base_network_distance_m"].iloc[0] == pytest.approx(400 * 1.3, abs=0.1)


def test_mode_errors(street_study):
    study, net = street_study
    with pytest.raises(GeoValueError, match="mode"):
        assign_addresses(_pts((1, 1)), study, mode="boat")
    with pytest.raises(GeoValueError, match="car network was given for mode 'walk'"):
        assign_addresses(_pts((1, 1)), study, mode="walk", network=net)


def test_audit_lists_addresses_quicker_elsewhere(street_study):
    study, net = street_study
    g = _pts((100, 500), (900, 500), (950, 480), (1500, 500))
    t = assign_addresses(g, study, mode="car", network=net).table
    a = catchment_audit(t)
    # (900, 500): own A 40 s, B 20 s -> saves 20 s: below the 60 s default
    assert a.empty
    a = catchment_audit(t, min_saving=10)
    assert a["input_row"].tolist() == [3, 2]  # largest saving first: 950 saves 30 s, 900 saves 20 s
    assert a["better_base"].tolist() == ["Base B", "Base B"]
    assert a["saving_minutes"].tolist() == [0.5, 0.3]
    # straight-line audit without times
    t2 = assign_addresses(g, study).table
    a2 = catchment_audit(t2, min_saving=100)
    assert a2["basis"].eq("straight_distance_m").all() and a2["input_row"].tolist() == [3, 2]


def test_audit_by_regso_on_real_data(study):
    from geo.synthetic import synthetic_addresses

    df = synthetic_addresses(4000, seed=9, study=study)
    t = assign_addresses(df, study).table
    by = audit_by_regso(t, min_saving=0.1)
    assert by["addresses"].sum() == (t["status"] == "ok").sum()
    detail = catchment_audit(t, min_saving=0.1)
    assert by["better_elsewhere"].sum() == len(detail)
    # by construction of the default partition most people are nearest their own base
    assert (t["own_base"].astype(str) == t["nearest_base"].astype(str)).mean() > 0.8


def test_network_catchments_split_at_equal_time(street_study):
    study, net = street_study
    polys = network_catchments(net, study, cell_size_m=50, max_snap_m=120)
    by = polys.set_index("base_id")
    # along the street, A and B meet halfway between the bases (E0 + 800)
    a, b = by.loc["a", "geometry"], by.loc["b", "geometry"]
    assert a.bounds[2] == pytest.approx(E0 + 800, abs=50) and b.bounds[0] == pytest.approx(
        E0 + 800, abs=50
    )
    assert "" in by.index  # cells far from the street
    total = shapely.union_all(polys.geometry.values).area
    assert total == pytest.approx(shapely.union_all(study.areas.geometry.values).area, rel=1e-6)


@pytest.mark.slow
def test_cli_network_build_assign_audit_catchments(shared, tmp_path, capsys):
    roads = shared / "linkoping/roads_central_2017.gpkg"
    npz = tmp_path / "car.npz"
    assert (
        main(
            [
                "network",
                "build",
                "--mode",
                "car",
                "--lines",
                str(roads),
                "--layer",
                "roads",
                "-o",
                str(npz),
            ]
        )
        == 0
    )
    # two bases inside the central network: Resecentrum and Universitetssjukhuset
    e, n = to_sweref(np.array([15.6254, 15.6201]), np.array([58.4163, 58.4003]), 4326)
    areas = gpd.GeoDataFrame(
        {"area": ["Nord", "Syd"]},
        geometry=[
            shapely.box(e[0] - 3000, n[1] + 800, e[0] + 3000, n[0] + 2000),
            shapely.box(e[0] - 3000, n[1] - 1500, e[0] + 3000, n[1] + 800),
        ],
        crs=3006,
    )
    areas.to_file(tmp_path / "areas.gpkg")
    pd.DataFrame({"name": ["Resecentrum", "US"], "E": e, "N": n}).to_csv(
        tmp_path / "bases.csv", index=False
    )
    # addresses: near random nodes of the network, inside the two areas
    net = network_io.read_network(npz)
    inside = shapely.contains_xy(shapely.union_all(areas.geometry.values), net.node_e, net.node_n)
    rng = np.random.default_rng(1)
    pick = rng.choice(np.flatnonzero(inside), 400, replace=False)
    xs = net.node_e[pick] + rng.uniform(-30, 30, 400)
    ys = net.node_n[pick] + rng.uniform(-30, 30, 400)
    pd.DataFrame({"id": range(400), "E": xs, "N": ys}).to_csv(tmp_path / "adr.csv", index=False)
    study_args = [
        "--areas",
        str(tmp_path / "areas.gpkg"),
        "--bases",
        str(tmp_path / "bases.csv"),
        "--bases-crs",
        "EPSG:3006",
    ]
    out = tmp_path / "res.csv"
    code = main(
        [
            "assign",
            str(tmp_path / "adr.csv"),
            "--crs",
            "3006",
            "--mode",
            "car",
            "--network",
            str(npz),
            "-o",
            str(out),
            "--audit",
            *study_args,
        ]
    )
    assert code == 0
    t = pd.read_csv(out)
    assert (t["network_status"] == "ok").mean() > 0.9
    ok = t[t["network_status"] == "ok"]
    assert (
        ok["own_base_network_distance_m"] + ok["snap_distance_m"] + 50 >= ok["own_base_distance_m"]
    ).all()
    assert (tmp_path / "res_audit.csv").exists() and (tmp_path / "res_audit_regso.csv").exists()
    assert "travel time" in capsys.readouterr().out
    code = main(
        [
            "network",
            "catchments",
            "--mode",
            "car",
            "--network",
            str(npz),
            "-o",
            str(tmp_path / "c.gpkg"),
            "--cell-size-m",
            "200",
            *study_args,
        ]
    )
    assert code == 0
    c = gpd.read_file(tmp_path / "c.gpkg")
    assert set(c["base_name"]) >= {"Resecentrum", "US"}
    # audit as its own command on the written file
    assert main(["audit", str(out), "-o", str(tmp_path / "a.csv")]) == 0
    # no network cached and none given: a one-line error
    assert main(["network", "catchments", "--mode", "walk", "-o", str(tmp_path / "x.gpkg")]) == 2
    assert "no walk network" in capsys.readouterr().err


def test_network_build_offline_without_file_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path))
    import geo.network as gn

    def offline(*a, **k):
        raise GeoValueError(
            "network: could not download the network from OpenStreetMap (ConnectionError: offline); offline, pass --pbf"
        )

    monkeypatch.setattr(gn, "fetch_osm_network", offline)
    assert main(["network", "build", "--mode", "bike"]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("geo: error")]
    assert len(err) == 1 and "--pbf" in err[0]
