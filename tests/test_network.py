"""Network distance and travel time: hand-made graphs with known answers, real roads, networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from geo.crs import to_sweref
from geo.errors import GeoValueError, InputFileError
from geo.network import (
    Polylines,
    build_network,
    estimate_costs,
    network_costs,
    way_rules,
)
from geo.network import readers as network_io

E0, N0 = 530_000.0, 6_470_000.0
# Segment lengths are geodesic; offsets here are in SWEREF 99 TM, whose scale factor near
# Linköping is 0.9996: a 1 000 m grid distance is about 1 000.4 m on the ground.
SCALE = 1e-3


def _lines(ways, speeds, crs="EPSG:3006"):
    """Polylines from lists of (e, n) offsets from (E0, N0); speeds (fwd, bwd) km/h per way."""
    coords = np.concatenate([np.asarray(w, dtype=float) + [E0, N0] for w in ways])
    way = np.repeat(np.arange(len(ways)), [len(w) for w in ways])
    f = np.array([s[0] for s in speeds], dtype=float)
    b = np.array([s[1] for s in speeds], dtype=float)
    return Polylines(
        coords, way, f, b, np.array(["residential"] * len(ways), dtype=object), crs, "test"
    )


def test_known_answers_on_a_line_and_a_oneway_loop():
    # A straight 1 000 m street west-east, and a one-way loop north of it (east-bound only).
    ways = [
        [(0, 0), (500, 0), (1000, 0)],
        [(0, 0), (0, 300), (1000, 300), (1000, 0)],  # drawn west -> north -> east -> down
    ]
    net = build_network(_lines(ways, [(36, 36), (36, 0)]), "car")  # 36 km/h = 10 m/s
    assert net.n_nodes == 5 and net.n_segments == 5
    # address at (200, 0); target (base) at (800, 0): 600 m along the street, 60 s
    c = network_costs(
        net, np.array([E0 + 200]), np.array([N0 + 5]), np.array([E0 + 800]), np.array([N0])
    )
    assert c.distance_m[0, 0] == pytest.approx(600, rel=SCALE)
    assert c.time_s[0, 0] == pytest.approx(60, rel=SCALE)
    assert c.snap_m[0] == pytest.approx(5)
    # from (500, 300) on the loop to (0, 0): one-way forces the long way east and back: 500+300+1000
    c = network_costs(
        net, np.array([E0 + 500]), np.array([N0 + 300]), np.array([E0]), np.array([N0])
    )
    assert c.distance_m[0, 0] == pytest.approx(1800, rel=SCALE)
    # walking ignores one-way: 500 + 300
    walk = build_network(_lines(ways, [(5, 5), (5, 5)]), "walk")
    c = network_costs(
        walk, np.array([E0 + 500]), np.array([N0 + 300]), np.array([E0]), np.array([N0])
    )
    assert c.distance_m[0, 0] == pytest.approx(800, rel=SCALE)
    assert c.time_s[0, 0] == pytest.approx(c.distance_m[0, 0] / (5 / 3.6), rel=1e-12)


def test_same_segment_respects_direction():
    net = build_network(
        _lines(
            [[(0, 0), (1000, 0)], [(1000, 0), (1000, 500), (0, 500), (0, 0)]], [(36, 0), (36, 0)]
        ),
        "car",
    )
    e = np.array([E0 + 300, E0 + 700])
    n = np.array([N0, N0])
    c = network_costs(net, e, n, np.array([E0 + 600]), np.array([N0]))
    assert c.distance_m[0, 0] == pytest.approx(300, rel=SCALE)  # ahead on the one-way
    assert c.distance_m[1, 0] == pytest.approx(
        300 + 500 + 1000 + 500 + 600, rel=SCALE
    )  # round the block


def test_disconnected_far_and_invalid_points_get_status():
    ways = [[(0, 0), (1000, 0)], [(0, 2000), (1000, 2000)]]  # two separate streets
    net = build_network(_lines(ways, [(36, 36), (36, 36)]), "car")
    e = np.array([E0 + 100, E0 + 100, E0 + 100, np.nan])
    n = np.array([N0, N0 + 2000, N0 + 1000, N0])
    c = network_costs(
        net, e, n, np.array([E0 + 900]), np.array([N0]), max_snap_m=200, target_names=["Bas"]
    )
    assert c.status.tolist() == ["ok", "unreachable", "too_far_from_network", "invalid_coordinates"]
    assert "not connected to Bas" in c.reason[1] and "1,000 m" in c.reason[2]
    assert np.isnan(c.distance_m[1:]).all() and np.isfinite(c.distance_m[0]).all()
    c = network_costs(
        net, e[:1], n[:1], np.array([E0 + 900, E0]), np.array([N0, N0 + 1000]),
        max_snap_m=200, target_names=["Bas", "Off"],
    )  # fmt: skip
    assert c.status[0] == "unreachable" and "Off not on the car network" in c.reason[0]
    assert np.isfinite(c.distance_m[0, 0]) and np.isnan(c.distance_m[0, 1])


def test_way_rules():
    assert way_rules({"highway": "residential"}, "car") == (40.0, 40.0)
    assert way_rules({"highway": "primary", "maxspeed": "SE:rural", "oneway": "yes"}, "car") == (
        70.0,
        0.0,
    )
    assert way_rules({"highway": "secondary", "oneway": "-1", "maxspeed": "30 mph"}, "car")[
        1
    ] == pytest.approx(48.28, abs=0.01)
    assert way_rules({"highway": "footway"}, "car") == (0.0, 0.0)
    assert way_rules({"highway": "footway"}, "walk") == (5.0, 5.0)
    assert way_rules({"highway": "footway"}, "bike") == (0.0, 0.0)
    assert way_rules({"highway": "cycleway"}, "bike") == (15.0, 15.0)
    assert way_rules(
        {"highway": "residential", "oneway": "yes", "oneway:bicycle": "no"}, "bike"
    ) == (15.0, 15.0)
    assert way_rules({"highway": "motorway"}, "walk") == (0.0, 0.0)
    assert way_rules({"highway": "service", "access": "private"}, "car") == (0.0, 0.0)
    assert way_rules({"highway": "residential", "junction": "roundabout"}, "car") == (40.0, 0.0)
    with pytest.raises(GeoValueError, match="mode"):
        way_rules({"highway": "residential"}, "boat")


@pytest.fixture(scope="module")
def linkoping_car(shared):
    return build_network(
        network_io.read_road_lines(
            shared / "linkoping/roads_central_2017.gpkg", "car", layer="roads"
        ),
        "car",
    )


def test_resecentrum_to_university_hospital(linkoping_car):
    e, n = to_sweref(np.array([15.6254, 15.6201]), np.array([58.4163, 58.4003]), 4326)
    c = network_costs(linkoping_car, e[:1], n[:1], e[1:], n[1:])
    assert c.status[0] == "ok"
    assert 2_000 < c.distance_m[0, 0] < 2_700  # "about 2.3 km by road"
    straight = np.hypot(e[0] - e[1], n[0] - n[1])
    assert c.distance_m[0, 0] >= straight - c.snap_m[0] - c.target_snap_m[0]


@pytest.mark.slow
def test_real_network_never_shorter_than_straight_line_and_equals_networkx(linkoping_car):
    net = linkoping_car
    rng = np.random.default_rng(0)
    src = rng.choice(net.n_nodes, 300, replace=False)
    tgt = rng.choice(net.n_nodes, 5, replace=False)
    c = network_costs(net, net.node_e[src], net.node_n[src], net.node_e[tgt], net.node_n[tgt])
    straight = np.hypot(
        net.node_e[src][:, None] - net.node_e[tgt][None, :],
        net.node_n[src][:, None] - net.node_n[tgt][None, :],
    )
    ok = np.isfinite(c.distance_m)
    assert ok.mean() > 0.9
    # geodesic lengths vs SWEREF 99 TM straight lines: scale factor < 0.1 % here
    assert (c.distance_m[ok] >= straight[ok] * 0.999 - 0.01).all()
    # networkx on the same graph, lengths as weights: identical distances
    g = nx.DiGraph()
    for u, v, length, tf, tb in zip(
        net.seg_u, net.seg_v, net.seg_length_m, net.seg_time_fwd_s, net.seg_time_bwd_s, strict=True
    ):
        if np.isfinite(tf):
            g.add_edge(int(u), int(v), length=float(length), time=float(tf))
        if np.isfinite(tb):
            g.add_edge(int(v), int(u), length=float(length), time=float(tb))
    rev = g.reverse(copy=False)
    for k, t in enumerate(tgt):
        d = nx.single_source_dijkstra_path_length(rev, int(t), weight="length")
        tt = nx.single_source_dijkstra_path_length(rev, int(t), weight="time")
        want = np.array([d.get(int(s), np.nan) for s in src])
        want_t = np.array([tt.get(int(s), np.nan) for s in src])
        np.testing.assert_allclose(c.distance_m[:, k], want, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(c.time_s[:, k], want_t, rtol=1e-9, atol=1e-6)


@pytest.mark.parametrize("mode", ["walk", "bike", "car"])
def test_pbf_pipeline(shared, mode, tmp_path):
    lines = network_io.read_osm_pbf(shared / "fixtures/helsinki.osm.pbf", mode)
    net = build_network(lines, mode)
    assert net.n_segments > 1000
    classes = set(net.seg_class)
    if mode == "car":
        assert "footway" not in classes and "primary" in classes
        assert not np.isfinite(net.seg_time_bwd_s).all()  # one-way streets exist
    if mode == "walk":
        assert "footway" in classes and "steps" in classes
        assert np.isfinite(net.seg_time_bwd_s).all()
    path = network_io.write_network(net, tmp_path / f"h_{mode}.npz")
    back = network_io.read_network(path)
    assert back.mode == mode and np.array_equal(back.seg_u, net.seg_u)
    np.testing.assert_array_equal(back.seg_time_fwd_s, net.seg_time_fwd_s)
    # the largest piece routes between its far corners
    big = np.flatnonzero(net.component == np.bincount(net.component).argmax())
    a, b = big[np.argmin(net.node_e[big])], big[np.argmax(net.node_e[big])]
    c = network_costs(net, net.node_e[[a]], net.node_n[[a]], net.node_e[[b]], net.node_n[[b]])
    assert np.isfinite(c.distance_m).all() or c.status[0] == "unreachable"


@pytest.mark.slow
def test_graphml_round_trip(shared, tmp_path):
    """A GraphML graph (as osmnx saves it) gives the same network as the PBF it came from."""
    lines = network_io.read_osm_pbf(shared / "fixtures/helsinki.osm.pbf", "car")
    net = build_network(lines, "car")
    from geo.crs import from_sweref

    lon, lat = from_sweref(net.node_e, net.node_n)
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for i in range(net.n_nodes):
        g.add_node(i, x=float(lon[i]), y=float(lat[i]))
    for u, v, tf, tb, cls in zip(
        net.seg_u, net.seg_v, net.seg_time_fwd_s, net.seg_time_bwd_s, net.seg_class, strict=True
    ):
        for a, b, t in ((u, v, tf), (v, u, tb)):
            if np.isfinite(t):
                g.add_edge(
                    int(a),
                    int(b),
                    highway=str(cls),
                    maxspeed=str(round(3.6 * 1 / 1)),
                    oneway="True",
                )
    p = tmp_path / "g.graphml"
    nx.write_graphml(g, p)
    back = build_network(network_io.read_graphml(p, "car"), "car")
    assert back.n_nodes == net.n_nodes and back.n_segments == net.n_segments
    assert back.seg_length_m.sum() == pytest.approx(net.seg_length_m.sum(), rel=1e-6)


def test_bad_network_files(tmp_path):
    p = tmp_path / "x.osm.pbf"
    p.write_bytes(b"not a pbf")
    with pytest.raises(InputFileError, match="pbf"):
        network_io.read_osm_pbf(p, "car")
    with pytest.raises(InputFileError, match="not a network saved by geo"):
        network_io.read_network(p)


def test_estimate_is_labelled():
    c = estimate_costs(
        np.array([E0, np.nan]), np.array([N0, N0]), np.array([E0 + 1000]), np.array([N0]), "car"
    )
    assert c.status.tolist() == ["estimated", "invalid_coordinates"]
    assert c.distance_m[0, 0] == pytest.approx(1300) and c.time_s[0, 0] == pytest.approx(
        1300 / 12.5
    )
    assert "estimated" in c.reason[0] and "1.3" in c.reason[0]
