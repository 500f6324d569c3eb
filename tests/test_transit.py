"""Public transport: hand-made feeds with known answers, the real AtB feed, the reference.

The hand-made feeds lie in Linköping (SWEREF 99 TM around the city), stops 2–3 km apart so
that no transfer walk joins them unless meant to.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.crs import from_sweref
from geo.errors import GeoValueError, InputFileError
from geo.transit import evaluate, load_transit, read_gtfs
from geo.transit.profile import INF

E0, N0 = 530_000.0, 6_470_000.0
DAY = dt.date(2026, 1, 13)  # a Tuesday


def _stop(sid: str, de: float, dn: float, name: str | None = None) -> dict:
    lon, lat = from_sweref(np.array([E0 + de]), np.array([N0 + dn]))
    return {"stop_id": sid, "stop_name": name or sid, "stop_lat": f"{lat[0]:.7f}",
            "stop_lon": f"{lon[0]:.7f}"}  # fmt: skip


STOPS = [_stop("A", 0, 0), _stop("B", 3000, 0), _stop("C", 6000, 0), _stop("D", 0, 9000)]


def write_feed(
    folder: Path,
    trips: dict[str, list[tuple[str, str]]],
    *,
    service: dict[str, str] | None = None,
    calendar_dates: list[tuple[str, str, int]] | None = None,
    calendar: list[dict] | None = None,
    frequencies: list[tuple[str, str, str, int]] | None = None,
    stops: list[dict] | None = None,
    encoding: str = "utf-8",
    bom: bool = False,
    as_zip: bool = False,
) -> Path:
    """trips: trip_id -> [(stop_id, "HH:MM:SS"), ...]; every trip on service "S" unless
    ``service`` says otherwise; calendar_dates default: S runs on DAY."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "stops.txt": pd.DataFrame(stops or STOPS),
        "trips.txt": pd.DataFrame(
            {
                "route_id": "R",
                "trip_id": list(trips),
                "service_id": [(service or {}).get(t, "S") for t in trips],
            }
        ),  # fmt: skip
        "stop_times.txt": pd.DataFrame(
            [
                {
                    "trip_id": t,
                    "arrival_time": hhmm,
                    "departure_time": hhmm,
                    "stop_id": s,
                    "stop_sequence": k + 1,
                }
                for t, rows in trips.items()
                for k, (s, hhmm) in enumerate(rows)
            ]
        ),  # fmt: skip
        "routes.txt": pd.DataFrame({"route_id": ["R"], "route_type": [3]}),
    }
    if calendar is not None:
        files["calendar.txt"] = pd.DataFrame(calendar)
    if calendar_dates is not None or calendar is None:
        cd = calendar_dates if calendar_dates is not None else [("S", DAY.strftime("%Y%m%d"), 1)]
        files["calendar_dates.txt"] = pd.DataFrame(
            cd, columns=["service_id", "date", "exception_type"]
        )
    if frequencies:
        files["frequencies.txt"] = pd.DataFrame(
            frequencies, columns=["trip_id", "start_time", "end_time", "headway_secs"]
        )
    for name, frame in files.items():
        text = frame.to_csv(index=False)
        data = text.encode(encoding)
        (folder / name).write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    if as_zip:
        z = folder.with_suffix(".zip")
        with zipfile.ZipFile(z, "w") as f:
            for name in files:
                f.write(folder / name, name)
        return z
    return folder


def _at(stop: str) -> tuple[np.ndarray, np.ndarray]:
    s = next(x for x in STOPS if x["stop_id"] == stop)
    from geo.crs import to_sweref

    e, n = to_sweref(np.array([float(s["stop_lon"])]), np.array([float(s["stop_lat"])]), 4326)
    return e, n


def _one(transit, origin: str, target: str):
    e, n = _at(origin)
    te, tn = _at(target)
    return transit.costs(e, n, te, tn, target_names=[target])


# ----------------------------------------------------------------------------- known answers


def test_direct_trip_and_a_transfer_just_missed(tmp_path):
    feed = write_feed(
        tmp_path / "f",
        {
            "t1": [("A", "08:00:00"), ("B", "08:10:00")],
            "t2": [("B", "08:10:30"), ("C", "08:20:00")],  # 30 s after t1: missed (slack 60 s)
            "t3": [("B", "08:20:00"), ("C", "08:30:00")],
        },
    )
    tr = load_transit(feed, depart=f"{DAY}T07:55", window_min=1)
    ab = _one(tr, "A", "B")
    assert ab.status[0, 0] == "ok" and ab.time_s[0, 0] == 15 * 60  # 5 min wait, 10 min ride
    assert ab.transfers[0, 0] == 0 and ab.waiting_share[0, 0] == pytest.approx(5 / 15)
    ac = _one(tr, "A", "C")
    assert ac.time_s[0, 0] == 35 * 60  # t1 then t3: arrives 08:30
    assert ac.transfers[0, 0] == 1
    assert ac.waiting_share[0, 0] == pytest.approx((5 + 10) / 35)
    assert ac.ride_s[0, 0] == 20 * 60 and ac.walk_s[0, 0] == 0
    # with no slack the 30 s transfer is made
    tr0 = load_transit(feed, depart=f"{DAY}T07:55", window_min=1, transfer_slack_s=0)
    assert _one(tr0, "A", "C").time_s[0, 0] == 25 * 60


def test_a_trip_past_midnight_from_the_day_before(tmp_path):
    yesterday = (DAY - dt.timedelta(days=1)).strftime("%Y%m%d")
    feed = write_feed(
        tmp_path / "f",
        {"night": [("A", "24:10:00"), ("C", "24:40:00")]},
        calendar_dates=[("S", yesterday, 1)],
    )
    tr = load_transit(feed, depart=f"{DAY}T00:05", window_min=1)
    assert _one(tr, "A", "C").time_s[0, 0] == 35 * 60
    with pytest.raises(GeoValueError, match="no service on .* the feed covers"):
        load_transit(feed, depart=f"{DAY}T07:00")


def test_calendar_and_calendar_dates(tmp_path):
    week = {d: "1" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}
    cal = [{"service_id": "S", **week, "saturday": "0", "sunday": "0",
            "start_date": "20260101", "end_date": "20260331"}]  # fmt: skip
    trips = {"t": [("A", "08:00:00"), ("C", "08:20:00")]}
    removed = write_feed(
        tmp_path / "r", trips, calendar=cal, calendar_dates=[("S", DAY.strftime("%Y%m%d"), 2)]
    )
    with pytest.raises(GeoValueError, match="2026-01-01 – 2026-03-31"):
        load_transit(removed, depart=f"{DAY}T07:55", window_min=10)
    plain = write_feed(tmp_path / "p", trips, calendar=cal, calendar_dates=[])
    tr = load_transit(plain, depart=f"{DAY}T07:55", window_min=1)
    assert _one(tr, "A", "C").time_s[0, 0] == 25 * 60
    only_dates = write_feed(tmp_path / "d", trips)  # calendar_dates only
    assert load_transit(only_dates).timetable.day == DAY  # the first ordinary Tuesday


def test_frequencies_are_expanded(tmp_path):
    feed = write_feed(
        tmp_path / "f",
        {"tpl": [("A", "00:00:00"), ("C", "00:10:00")]},
        frequencies=[("tpl", "07:00:00", "08:00:00", 900)],
    )
    tr = load_transit(feed, depart=f"{DAY}T07:01", window_min=1)
    assert _one(tr, "A", "C").time_s[0, 0] == 24 * 60  # the 07:15 departure
    assert tr.timetable.n_connections == 3  # 07:15, 07:30, 07:45 (07:00 is before the window)


def test_latin1_and_bom_feeds(tmp_path):
    stops = [dict(s) for s in STOPS]
    stops[0]["stop_name"] = "Ørmelen – Hållplats"
    trips = {"t": [("A", "08:00:00"), ("C", "08:20:00")]}
    latin = write_feed(tmp_path / "l", trips, stops=stops, encoding="cp1252", as_zip=True)
    assert read_gtfs(latin).stops["stop_name"].iloc[0] == "Ørmelen – Hållplats"
    bom = write_feed(tmp_path / "b", trips, stops=stops, bom=True)
    f = read_gtfs(bom)
    assert "stop_id" in f.stops.columns and f.stops["stop_name"].iloc[0] == "Ørmelen – Hållplats"
    with pytest.raises(InputFileError, match="lacks stop_times.txt"):
        (tmp_path / "b" / "stop_times.txt").unlink()
        read_gtfs(tmp_path / "b")
    bad = tmp_path / "bad.zip"
    bad.write_text("not a zip")
    with pytest.raises(InputFileError, match="not a zip"):
        read_gtfs(bad)


def test_statuses_with_reasons(tmp_path):
    feed = write_feed(
        tmp_path / "f",
        {
            "t1": [("A", "08:00:00"), ("C", "08:20:00")],
            "back": [("D", "08:00:00"), ("A", "08:30:00")],
        },
    )
    tr = load_transit(feed, depart=f"{DAY}T07:50", window_min=10)
    ae, an = _at("A")
    ce, cn = _at("C")
    de, dn = _at("D")
    pts_e = np.array([ae[0], ae[0] + 300, E0 + 20_000, ce[0], np.nan])
    pts_n = np.array([an[0], an[0], N0 + 40_000, cn[0], np.nan])
    c = tr.costs(pts_e, pts_n, np.array([ce[0], de[0], ae[0] + 500]),
                 np.array([cn[0], dn[0], an[0]]), target_names=["C", "D", "near A"])  # fmt: skip
    assert c.status[0, 0] == "ok" and "median of 10 departures" in c.reason[0, 0]
    assert c.status[0, 1] == "unreachable"  # D only has departures, none arrive
    assert "no trip reaches D" in c.reason[0, 1]
    assert c.status[1, 2] == "walk_only" and c.transfers[1, 2] == 0
    assert c.status[2, 0] == "no_service" and "nearest:" in c.reason[2, 0]
    assert c.status[4, 0] == "no_service" and c.reason[4, 0] == "no valid coordinates"
    # the median over the window: departures 07:50..07:59 all take the 08:00 trip
    assert c.time_s[0, 0] == pytest.approx(np.median(np.arange(21, 31)) * 60, abs=60)
    assert c.time_p90_s[0, 0] >= c.time_s[0, 0]


# ----------------------------------------------------------------------------- AtB (real)


@pytest.fixture(scope="module")
def atb(shared):
    return load_transit(shared / "fixtures/gtfs_atb_region_nord_2019.zip")


def test_atb_feed_is_read_as_it_is(shared, atb):
    feed = read_gtfs(shared / "fixtures/gtfs_atb_region_nord_2019.zip")
    assert len(feed.stops) >= 3692 and len(feed.trips) == 1098
    assert feed.date_range() == (dt.date(2019, 1, 1), dt.date(2019, 2, 1))
    assert "Olsøya" in set(feed.stops["stop_name"])  # Latin-1 in the file
    assert atb.timetable.day == dt.date(2019, 1, 8)  # 1 January (holiday) skipped
    assert atb.departures_s.size == 120


def test_atb_direct_trip_equals_the_printed_times(shared, atb):
    tt = atb.timetable
    # a trip in the window: its first and third stops, as printed in stop_times.txt
    c0 = int(np.flatnonzero((tt.dep_s >= 7 * 3600 + 600) & (tt.dep_s < 8 * 3600))[0])
    trip = tt.trip[c0]
    cs = np.flatnonzero(tt.trip == trip)
    a, b = cs[0], cs[min(2, cs.size - 1)]
    s_from, s_to = tt.dep_stop[a], tt.arr_stop[b]
    printed = int(tt.arr_s[b] - tt.dep_s[a])
    prof = atb.profiles(tt.stop_e[s_to], tt.stop_n[s_to])
    j = evaluate(prof, np.array([0]), np.array([s_from]), np.array([0]), 1,
                 np.array([int(tt.dep_s[a])]))  # fmt: skip
    assert int(j.arr_s[0, 0] - tt.dep_s[a]) <= printed
    assert j.arr_s[0, 0] < INF


@pytest.mark.slow
def test_atb_transfer_equals_the_hand_computed_best(atb):
    """Search the timetable for a stop where one trip's arrival meets another trip's later
    departure to a stop the first trip does not serve; the router's arrival must be the
    second trip's printed arrival (or earlier, never later), and equal the reference."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from transit_reference import TimeExpanded

    tt = atb.timetable
    fp = atb.footpaths()
    found = None
    for c in range(tt.n_connections):
        x, t_arr = tt.arr_stop[c], tt.arr_s[c]
        later = np.flatnonzero(
            (tt.dep_stop == x) & (tt.dep_s >= t_arr + atb.slack_s) & (tt.trip != tt.trip[c])
            & (tt.dep_s <= t_arr + 1200)
        )  # fmt: skip
        if later.size and tt.dep_s[c] >= tt.start_s:
            found = (c, later[0])
            break
    assert found is not None
    c1, c2 = found
    origin, dest = tt.dep_stop[c1], tt.arr_stop[c2]
    hand = int(tt.arr_s[c2])  # board c1, transfer, ride c2: its printed arrival
    egress = {int(dest): 0}
    prof = __import__("geo.transit.profile", fromlist=["x"]).profiles_to_target(
        tt, egress, fp, atb.slack_s
    )
    j = evaluate(
        prof, np.array([0]), np.array([origin]), np.array([0]), 1, np.array([int(tt.dep_s[c1])])
    )
    assert j.arr_s[0, 0] <= hand
    ref = TimeExpanded(tt, fp, [egress], atb.slack_s)
    assert ref.earliest_arrival([(int(origin), 0)], int(tt.dep_s[c1]))[0] == j.arr_s[0, 0]


@pytest.mark.slow
def test_identical_to_the_time_expanded_dijkstra_on_1000_triples(atb):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from transit_reference import TimeExpanded

    tt = atb.timetable
    rng = np.random.default_rng(16)
    served = atb.served_stops()
    targets = rng.choice(served, 10, replace=False)
    fp = atb.footpaths()
    egress, profs = [], []
    for t in targets:
        _, st, secs = atb._near(tt.stop_e[[t]], tt.stop_n[[t]], served, atb.max_walk_m)
        egress.append(dict(zip(st.tolist(), secs.tolist(), strict=True)))
        profs.append(atb.profiles(tt.stop_e[t], tt.stop_n[t], fp))
    ref = TimeExpanded(tt, fp, egress, atb.slack_s)
    origins = rng.choice(tt.n_stops, 100, replace=False)
    departures = rng.choice(atb.departures_s, 100)
    pts, stops, secs = atb._near(tt.stop_e[origins], tt.stop_n[origins], served, atb.max_walk_m)
    compared = finite = 0
    for i, d in enumerate(departures):
        sel = pts == i
        expected = ref.earliest_arrival(
            list(zip(stops[sel].tolist(), secs[sel].tolist(), strict=True)), int(d)
        )
        for k in range(10):
            j = evaluate(profs[k], np.zeros(sel.sum(), dtype=np.int64), stops[sel], secs[sel], 1,
                         np.array([d]))  # fmt: skip
            ours = float(j.arr_s[0, 0]) if j.arr_s[0, 0] < INF else np.inf
            assert ours == expected[k], (origins[i], d, targets[k])
            compared += 1
            finite += np.isfinite(expected[k])
    assert compared == 1000 and finite > 300


# ----------------------------------------------------------------------------- downstream


@pytest.fixture()
def linkoping_feed(tmp_path, study):
    """A synthetic feed (labelled so) with a line through the four bases and Ljungsbro."""
    bases = study.bases
    stops = [
        {"stop_id": str(b.base_id), "stop_name": f"{b.base_name} (synthetic)",
         "stop_lat": f"{lat:.7f}", "stop_lon": f"{lon:.7f}"}
        for b, lon, lat in zip(bases.itertuples(), *from_sweref(bases.geometry.x.to_numpy(),
                                                                bases.geometry.y.to_numpy()),
                               strict=True)
    ]  # fmt: skip
    lon, lat = from_sweref(np.array([529_017.8]), np.array([6_485_432.8]))
    stops.append({"stop_id": "ljb", "stop_name": "Ljungsbro (synthetic)",
                  "stop_lat": f"{lat[0]:.7f}", "stop_lon": f"{lon[0]:.7f}"})  # fmt: skip
    order = ["ljb", "norr", "vaster", "syd", "oster"]
    trips = {}
    for k, start in enumerate(range(6 * 60, 10 * 60, 15)):
        rows = [(s, f"{(start + 6 * i) // 60:02d}:{(start + 6 * i) % 60:02d}:00")
                for i, s in enumerate(order)]  # fmt: skip
        trips[f"out{k}"] = rows
        trips[f"in{k}"] = [(s, t) for (s, _), (_, t) in zip(rows[::-1], rows, strict=True)]
    return write_feed(tmp_path / "synthetic_linkoping_gtfs", trips, stops=stops, as_zip=True)


@pytest.mark.slow
def test_transit_everywhere_downstream(tmp_path, linkoping_feed, study, capsys):
    out = tmp_path / "a.csv"
    args = ["--mode", "transit", "--gtfs", str(linkoping_feed)]
    assert main(["assign", "--demo-count", "2000", "-o", str(out), "--no-progress", "-q",
                 *args]) == 0  # fmt: skip
    t = pd.read_csv(out)
    assert set(t["network_status"].dropna()) <= {"ok", "walk_only", "no_service", "unreachable"}
    assert {"own_base_travel_time_s", "own_base_travel_time_p90_s", "own_base_transfers",
            "own_base_waiting_share", "travel_time_s_norr", "transfers_norr"} <= set(t.columns)  # fmt: skip
    ok = t[t["network_status"] == "ok"]
    counts = t["network_status"].value_counts()
    # five stops: addresses near them ride (or walk), the rest have no stop within 1 km
    assert counts["ok"] >= 20 and counts["no_service"] > 500 and counts["walk_only"] > 100
    assert (ok["own_base_travel_time_p90_s"] >= ok["own_base_travel_time_s"]).all()
    assert ((ok["own_base_waiting_share"] >= 0) & (ok["own_base_waiting_share"] < 1)).all()
    assert (t.loc[t["network_status"] == "no_service", "own_base_travel_time_s"].isna()).all()
    assert main(["summary", str(out), "-q"]) == 0
    assert main(["audit", str(out), "-q"]) == 0
    assert main(["site", "--add", "1", "-o", str(tmp_path / "s"), "-q", *args]) == 0
    assert main(["whatif", "--close", "syd", "-q", *args]) == 0
    assert main(["map", "access", "--addresses", str(out), "-o", str(tmp_path / "m.html"),
                 "--no-tiles", "-q"]) == 0  # fmt: skip
    studio = tmp_path / "studio.html"
    assert main(["map", "studio", "--no-proven", "-o", str(studio), "-q", *args]) == 0
    assert "kollektivtrafik" in studio.read_text(encoding="utf-8")
    assert main(["assign", "--demo-count", "10", "-o", str(out), "-q", "--mode", "transit"]) == 2
    assert "--gtfs" in capsys.readouterr().err


@pytest.mark.slow
def test_walking_along_a_walk_network(shared, linkoping_feed, study):
    from geo.crs import to_sweref
    from geo.network import load_network
    from geo.synthetic import synthetic_addresses

    roads = shared / "linkoping/roads_central_2017.gpkg"
    walk = load_network("walk", lines=roads, layer="roads")
    a = synthetic_addresses(300, seed=3, study=study)
    e, n = to_sweref(a["lon"].to_numpy(), a["lat"].to_numpy(), 4326)
    be, bn = study.base_xy
    est = load_transit(linkoping_feed, window_min=30).costs(e, n, be, bn)
    net = load_transit(linkoping_feed, window_min=30, walk_network=walk)
    got = net.costs(e, n, be, bn)
    assert "walk network" in net.walk_label and "ESTIMATED" not in net.walk_label
    both = np.isfinite(est.walk_s) & np.isfinite(got.walk_s)
    assert both.sum() > 20 and (est.walk_s[both] != got.walk_s[both]).any()
    car = load_network("car", lines=roads, layer="roads")
    with pytest.raises(GeoValueError, match="walk network"):
        load_transit(linkoping_feed, walk_network=car)


def test_the_compiled_scan_equals_the_python_loop(atb):
    """numba's scan and the reference loop give identical profiles, every array, for targets
    across the AtB feed (the time-expanded identity above is checked on the default engine)."""
    pytest.importorskip("numba")
    from geo.transit.profile import profiles_to_target

    tt = atb.timetable
    fp = atb.footpaths()
    rng = np.random.default_rng(5)
    served = atb.served_stops()
    for target in rng.choice(served, 8, replace=False):
        near = rng.choice(served, 2, replace=False)  # the target and two stops 5 min away
        egress = {int(target): 0, **{int(s): 300 for s in near if s != target}}
        a = profiles_to_target(tt, egress, fp, atb.slack_s, engine="compiled")
        b = profiles_to_target(tt, egress, fp, atb.slack_s, engine="python")
        assert a.size == b.size > 0
        for name in ("start", "dep", "arr", "transfers", "ride_s", "walk_s"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.slow
def test_geo_serve_answers_by_public_transport_as_geo_assign_does(tmp_path, linkoping_feed, study):
    """geo serve --gtfs: /api/lookup gives the median and p90 to every base, with the status
    and reason, equal to geo assign --mode transit for the same points."""
    import json as _json
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_service import Server

    from geo.crs import from_sweref

    # points by the stops (ride or walk), and one far from any stop
    e = np.array([529_100.0, 537_000.0, 533_800.0, 545_000.0, 520_000.0])
    n = np.array([6_485_500.0, 6_476_000.0, 6_471_000.0, 6_472_500.0, 6_460_000.0])
    e = np.r_[e, study.base_xy[0] + 150.0]
    n = np.r_[n, study.base_xy[1] - 100.0]
    lon, lat = from_sweref(e, n)
    lat, lon = np.round(lat, 6), np.round(lon, 6)
    pts = tmp_path / "points.csv"
    pd.DataFrame({"lat": lat, "lon": lon}).to_csv(pts, index=False)
    out = tmp_path / "assigned.csv"
    assert main(["assign", str(pts), "-o", str(out), "-q", "--mode", "transit",
                 "--gtfs", str(linkoping_feed)]) == 0  # fmt: skip
    want = pd.read_csv(out)
    srv = Server(tmp_path, "--gtfs", str(linkoping_feed))
    try:
        statuses = set()
        for k in range(len(want)):
            status, body = srv.json(f"/api/lookup?lat={lat[k]}&lon={lon[k]}")
            assert status == 200, body
            travel = body["travel"]
            row = want.iloc[k]
            assert travel["mode"] == "transit"
            assert travel["status"] == row["network_status"]
            statuses.add(travel["status"])
            assert (travel["reason"] or "") == (
                row["network_reason"] if isinstance(row["network_reason"], str) else ""
            )
            for bid in study.base_ids:
                for key, col in (
                    ("travel_times_s", "travel_time_s_"),
                    ("travel_times_p90_s", "travel_time_p90_s_"),
                ):
                    got, exp = travel[key][bid], row[col + bid]
                    assert (got is None and pd.isna(exp)) or got == pytest.approx(exp), (
                        k,
                        bid,
                        key,
                    )
        assert {"ok", "no_service"} <= statuses
        assert "profiles to 4 bases made in" in srv.log.read_text()
        _json.dumps(travel)
    finally:
        assert srv.stop() == 0


# ----------------------------------------------------------------------------- boarding rules
def _patch(folder: Path, *, stop_times: dict | None = None, transfers: list[dict] | None = None):
    """Add ``pickup_type``/``drop_off_type`` to stop_times.txt (``{(trip, stop): {col: v}}``)
    and write transfers.txt."""
    st = pd.read_csv(folder / "stop_times.txt", dtype=str)
    for (trip, stop), cols in (stop_times or {}).items():
        for col, v in cols.items():
            if col not in st:
                st[col] = ""
            st.loc[(st["trip_id"] == trip) & (st["stop_id"] == stop), col] = str(v)
    st.to_csv(folder / "stop_times.txt", index=False)
    if transfers is not None:
        pd.DataFrame(transfers).to_csv(folder / "transfers.txt", index=False)
    return folder


@pytest.fixture(params=["python", "compiled"])
def scan_engine(request, monkeypatch):
    import geo.settings

    monkeypatch.setattr(geo.settings, "transit_scan", request.param)
    return request.param


def test_no_pickup_and_no_drop_off_give_the_legal_journey(tmp_path, scan_engine):
    trips = {
        "early": [("A", "08:00:00"), ("B", "08:10:00"), ("C", "08:20:00")],
        "late": [("A", "08:20:00"), ("B", "08:30:00"), ("C", "08:40:00")],
    }
    plain = load_transit(write_feed(tmp_path / "p", trips), depart=f"{DAY}T07:55", window_min=1)
    assert _one(plain, "A", "B").time_s[0, 0] == 15 * 60
    # the early bus does not stop for passengers at A: the legal journey is the late one
    f = _patch(write_feed(tmp_path / "a", trips), stop_times={("early", "A"): {"pickup_type": 1}})
    tr = load_transit(f, depart=f"{DAY}T07:55", window_min=1)
    assert _one(tr, "A", "B").time_s[0, 0] == 35 * 60
    assert _one(tr, "A", "C").time_s[0, 0] == 45 * 60
    # nobody may leave the early bus at B, but it still carries them on to C
    f = _patch(write_feed(tmp_path / "b", trips), stop_times={("early", "B"): {"drop_off_type": 1}})
    tr = load_transit(f, depart=f"{DAY}T07:55", window_min=1)
    assert _one(tr, "A", "B").time_s[0, 0] == 35 * 60
    assert _one(tr, "A", "C").time_s[0, 0] == 25 * 60
    # 2 (phone the agency) and 3 (ask the driver) are boardable
    f = _patch(write_feed(tmp_path / "c", trips), stop_times={("early", "A"): {"pickup_type": 2}})
    tr = load_transit(f, depart=f"{DAY}T07:55", window_min=1)
    assert _one(tr, "A", "B").time_s[0, 0] == 15 * 60


TRANSFER_TRIPS = {
    "t1": [("A", "08:00:00"), ("B", "08:10:00")],
    "t2": [("B", "08:15:00"), ("C", "08:25:00")],
    "t2b": [("B", "08:10:30"), ("C", "08:22:00")],  # 30 s after t1 arrives: missed (slack 60)
    "t3": [("B", "08:40:00"), ("C", "08:50:00")],
    "t4": [("A", "08:30:00"), ("C", "09:00:00")],
    "t5": [("D", "08:20:00"), ("C", "08:40:00")],
}


@pytest.mark.parametrize(
    ("rules", "minutes"),
    [
        ([], 30),  # t1 then t2 at 08:15 (5 min ≥ slack)
        ([{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 3}], 65),  # only t4
        ([{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 2,
           "min_transfer_time": 600}], 55),  # t2 too soon: t3 at 08:40
        ([{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 1}], 27),  # t2b waits
        ([{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 3},
          {"from_stop_id": "B", "to_stop_id": "D", "transfer_type": 2,
           "min_transfer_time": 300}], 45),  # B→D (9 km apart) in 5 min by the feed: t5
        ([{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 3,
           "from_route_id": "R"}], 30),  # route-specific: not honoured, said in a warning
    ],
)  # fmt: skip
def test_transfer_rules_give_the_legal_journey(tmp_path, scan_engine, rules, minutes):
    folder = write_feed(tmp_path / "f", TRANSFER_TRIPS)
    if rules:
        cols = ["from_stop_id", "to_stop_id", "transfer_type", "min_transfer_time", "from_route_id"]
        rows = [{c: r.get(c, "") for c in cols} for r in rules]
        _patch(folder, transfers=rows)
    tr = load_transit(folder, depart=f"{DAY}T07:55", window_min=1)
    assert _one(tr, "A", "C").time_s[0, 0] == minutes * 60


def test_boarding_rules_hold_in_the_time_expanded_reference(tmp_path):
    """The reference (Dijkstra on a time-expanded graph) reads the same rules: the identity
    test still means something."""
    from transit_reference import TimeExpanded

    from geo.transit.profile import profiles_to_target

    folder = write_feed(tmp_path / "f", TRANSFER_TRIPS)
    _patch(
        folder,
        stop_times={("t4", "A"): {"pickup_type": 1}, ("t1", "B"): {"drop_off_type": ""}},
        transfers=[{"from_stop_id": "B", "to_stop_id": "B", "transfer_type": 2,
                    "min_transfer_time": 600}],
    )  # fmt: skip
    tr = load_transit(folder, depart=f"{DAY}T07:55", window_min=60)
    tt, fp = tr.timetable, tr.footpaths()
    c_stop = int(np.flatnonzero(tt.stop_ids == "C")[0])
    a_stop = int(np.flatnonzero(tt.stop_ids == "A")[0])
    egress = {c_stop: 0}
    ref = TimeExpanded(tt, fp, [egress], tr.slack_s)
    for engine in ("python", "compiled"):
        prof = profiles_to_target(tt, egress, fp, tr.slack_s, engine=engine)
        for t in range(7 * 3600 + 55 * 60, 8 * 3600 + 55 * 60, 60):
            got = evaluate(prof, np.array([0]), np.array([a_stop]), np.array([0]), 1, np.array([t]))
            want = ref.earliest_arrival([(a_stop, 0)], t)[0]
            assert (got.arr_s[0, 0] if got.arr_s[0, 0] < INF else np.inf) == want, (engine, t)
