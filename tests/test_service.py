"""geo serve, tested as its users use it: the real server process, over real HTTP (loopback).

Every request goes to 127.0.0.1 on a free port; loops are bounded in count and time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.crs import to_sweref
from geo.synthetic import synthetic_register

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``geo serve`` in a subprocess; its stderr (the log) goes to a file."""

    def __init__(self, tmp: Path, *args: str) -> None:
        self.port = _free_port()
        self.log = tmp / f"serve_{self.port}.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "geo.cli", "serve", "--port", str(self.port), *args],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("server did not start within 90 s")

    def get(self, path: str, *, headers: dict[str, str] | None = None, method: str = "GET"):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def json(self, path: str, **kw):
        status, body = self.get(path, **kw)
        return status, json.loads(body)

    def stop(self) -> int:
        """SIGTERM; uvicorn finishes requests in flight, shuts down, then re-raises the signal
        (exit status -15), as a service manager expects."""
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=30)
        return 0 if code == -signal.SIGTERM else code


@pytest.fixture(scope="module")
def register_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("register") / "register.csv"
    synthetic_register(3000, seed=9).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory, register_file):
    srv = Server(tmp_path_factory.mktemp("serve"), "--register", str(register_file))
    yield srv
    assert srv.stop() == 0  # SIGTERM: a graceful stop


def test_lookup_equals_geo_assign(server, tmp_path, capsys):
    rng = np.random.default_rng(3)
    lat = [float(v) for v in 58.41 + rng.normal(0, 0.05, 12)]
    lon = [float(v) for v in 15.62 + rng.normal(0, 0.1, 12)]
    src = tmp_path / "points.csv"
    pd.DataFrame({"lat": lat, "lon": lon}).to_csv(src, index=False)
    out = tmp_path / "assigned.csv"
    assert main(["assign", str(src), "-o", str(out), "-q"]) == 0
    expected = pd.read_csv(out)
    for i in range(len(lat)):
        status, answer = server.json(f"/api/lookup?lat={lat[i]!r}&lon={lon[i]!r}")
        row = expected.iloc[i]
        assert status == 200 and answer["status"] == row["status"]
        for col, value in answer["assign"].items():
            want = row[col]
            if value in (None, "") or (not isinstance(want, str) and pd.isna(want)):
                assert value in (None, "") and (pd.isna(want) or want == ""), col
            elif isinstance(value, (int, float)):
                assert value == pytest.approx(float(want), abs=0.01), col
            else:
                assert str(value) == str(want), col
        if row["status"] == "ok":
            assert answer["base"]["name"] == row["own_base"]
            assert answer["base"]["distance_m"] == pytest.approx(row["own_base_distance_m"])
            assert set(answer["distances_m"]) == {"norr", "vaster", "syd", "oster"}
    # the same point in SWEREF 99 TM gives the same answer
    e, n = to_sweref(np.array(lon[:1]), np.array(lat[:1]), "EPSG:4326")
    _, by_en = server.json(f"/api/lookup?e={e[0]:.3f}&n={n[0]:.3f}")
    _, by_ll = server.json(f"/api/lookup?lat={lat[0]!r}&lon={lon[0]!r}")
    assert by_en["area"] == by_ll["area"]
    assert by_en["base"]["distance_m"] == pytest.approx(by_ll["base"]["distance_m"], abs=0.02)


def test_lookup_by_address(server, register_file):
    reg = pd.read_csv(register_file)
    text = str(reg.iloc[10]["address"])
    status, answer = server.json("/api/lookup?" + urllib.parse.urlencode({"address": text}))
    assert status == 200, answer
    assert answer["status"] == "ok" and answer["assign"]["match_level"] in ("exact", "fuzzy")
    status, answer = server.json("/api/lookup?address=Finnsintegatan%2099%2C%20Ingenstans")
    assert status == 422 and "address" in answer["error"]


@pytest.mark.parametrize(
    "path,code,reason",
    [
        ("/api/lookup", 422, "give lat and lon"),
        ("/api/lookup?lat=58.4", 422, "lon is missing"),
        ("/api/lookup?lat=abc&lon=15.6", 422, "lat is not a number: 'abc'"),
        ("/api/lookup?lat=nan&lon=15.6", 422, "lat is not a number"),
        ("/api/lookup?lat=48.85&lon=2.35", 422, "not in Sweden"),
        ("/api/lookup?lat=15.6&lon=58.41", 422, "x and y appear swapped"),
        ("/api/lookup?lat=58.4&lon=15.6&x=1", 422, "unknown parameters ['x']"),
        ("/api/lookup?address=", 422, "address: give 1 to 300 characters"),
        ("/api/nope", 404, "no such route"),
    ],
)
def test_bad_requests_get_a_clear_4xx(server, path, code, reason):
    status, body = server.get(path)
    assert status == code
    answer = json.loads(body)
    assert reason in answer["error"] and "Traceback" not in body.decode()


def test_other_endpoints(server):
    status, body = server.get("/api/lookup?lat=58.4&lon=15.6", method="POST")
    assert status == 405 and "not allowed" in json.loads(body)["error"]
    status, areas = server.json("/api/areas")
    assert status == 200 and [f["properties"]["area"] for f in areas["features"]] == [
        "norr", "väster", "syd", "öster"
    ]  # fmt: skip
    coords = areas["features"][0]["geometry"]["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    lon, lat = coords[:2]
    assert 15 < lon < 16.2 and 58.2 < lat < 58.7  # EPSG:4326
    status, bases = server.json("/api/bases")
    assert status == 200 and len(bases["features"]) == 4
    status, summary = server.json("/api/summary")
    assert status == 200 and sum(a["population_est"] for a in summary["areas"]) > 160_000
    status, body = server.get("/docs")
    assert status == 200 and b"/docs-assets/swagger-ui-bundle.js" in body
    status, body = server.get("/docs-assets/swagger-ui-bundle.js")
    assert status == 200 and len(body) > 100_000  # served from the package, not a CDN
    status, spec = server.json("/openapi.json")
    assert "/api/lookup" in spec["paths"]


def test_no_address_or_coordinate_is_logged(server):
    secrets = ["58.4123456", "15.6123456", "Storgatan", "6474514"]
    server.get("/api/lookup?lat=58.4123456&lon=15.6123456")
    server.get("/api/lookup?e=535058.9&n=6474514.6")
    server.get("/api/lookup?" + urllib.parse.urlencode({"address": "Storgatan 12, Linköping"}))
    time.sleep(0.3)
    log = server.log.read_text()
    assert "GET /api/lookup 200" in log
    assert [s for s in secrets if s in log] == []


def test_malformed_requests_leave_it_healthy(server):
    """10 000 malformed requests, then a valid lookup answers and memory has not grown 10 %."""
    server.get("/api/lookup?lat=58.41&lon=15.6")

    def rss() -> int:
        status = Path(f"/proc/{server.proc.pid}/status").read_text()
        return int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1])

    before = rss()
    bad = ["/api/lookup?lat=x&lon=y", "/api/lookup?lat=1e999&lon=2", "/api/lookup?e=1",
           "/api/lookup?address=" + "x" * 400, "/%00", "/api/lookup?lat=58&lon=15&lat=59",
           "/api/areas/../../etc/passwd", "/api/lookup?" + "a=1&" * 50]  # fmt: skip
    deadline = time.monotonic() + 120
    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda i: server.get(bad[i % len(bad)])[0], range(10_000)))
    assert time.monotonic() < deadline
    assert set(codes) <= {400, 404, 405, 422} and 500 not in codes
    status, answer = server.json("/api/lookup?lat=58.41&lon=15.6")
    assert status == 200 and answer["area"] == "väster"
    assert rss() < before * 1.10


def test_token_and_binding(tmp_path, capsys):
    code = main(["serve", "--host", "0.0.0.0", "--port", str(_free_port())])
    err = capsys.readouterr().err
    assert code == 2 and "--token-file" in err and err.count("\n") == 1
    token = tmp_path / "token"
    token.write_text("x" * 40 + "\n")
    srv = Server(tmp_path, "--token-file", str(token))
    try:
        status, body = srv.get("/api/summary")
        assert status == 401 and "bearer token" in json.loads(body)["error"]
        status, _ = srv.get("/api/summary", headers={"Authorization": "Bearer wrong"})
        assert status == 401
        status, _ = srv.get("/api/summary", headers={"Authorization": f"Bearer {'x' * 40}"})
        assert status == 200
    finally:
        assert srv.stop() == 0
    token.write_text("short\n")
    code = main(["serve", "--token-file", str(token), "--port", str(_free_port())])
    assert code == 2 and "shorter than 16" in capsys.readouterr().err


def test_a_request_in_flight_finishes_on_sigterm(tmp_path):
    srv = Server(tmp_path)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(srv.get, "/api/summary")
        time.sleep(0.05)
        assert srv.stop() == 0
        status, _ = pending.result(timeout=30)
    assert status == 200
    assert os.path.exists(srv.log)


def test_two_workers_answer_the_same(tmp_path, server):
    srv = Server(tmp_path, "--workers", "2")
    try:
        path = "/api/lookup?lat=58.4101&lon=15.6213"
        answers = {json.dumps(srv.json(path)[1], sort_keys=True) for _ in range(20)}
        assert answers == {json.dumps(server.json(path)[1], sort_keys=True)}
    finally:
        assert srv.stop() == 0


def _reception(p, srv: Server):
    """Debian's Chromium on the reception page of ``srv``, loaded: (browser, page, errors)."""
    from browser import playwright_chromium

    browser = playwright_chromium(p)
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"http://127.0.0.1:{srv.port}/")
    page.wait_for_selector("#study:not(:empty)")
    return browser, page, errors


def test_reception_page_in_chromium(tmp_path):
    """As the reception uses it: type an address, pick a suggestion, read the card."""
    sync_api = pytest.importorskip("playwright.sync_api")

    reg = synthetic_register(3000, seed=9)
    payload = "<img src=x onerror=\"document.title='pwned'\">gatan"
    reg.loc[0, "gatunamn"] = payload
    reg.loc[0, "address"] = f"{payload} 1, Linköping"
    path = tmp_path / "register.csv"
    reg.to_csv(path, index=False)
    srv = Server(tmp_path, "--register", str(path))
    try:
        target = str(reg.iloc[5]["gatunamn"])
        with sync_api.sync_playwright() as p:
            browser, page, errors = _reception(p, srv)
            assert "Linköping (kommun 0580)" in page.inner_text("header")
            page.locator("#q").press_sequentially(target[:8], delay=20)
            page.wait_for_selector("#suggestions li")
            items = page.locator("#suggestions li").all_inner_texts()
            assert items and all(i.casefold().startswith(target[:8].casefold()) for i in items)
            choice = items[0]
            page.locator("#suggestions li").first.click()
            page.wait_for_selector("#card.ok .answer, #card.error .answer")
            card = page.inner_text("#card")
            _, answer = srv.json("/api/lookup?" + urllib.parse.urlencode({"address": choice}))
            km = f"{answer['base']['distance_m'] / 1000:.1f}".replace(".", ",")
            assert card.startswith(
                f"Område {answer['area']} — basen i {answer['base']['name']}, {km} km"
            ), card
            page.screenshot(path=str(tmp_path / "reception.png"))
            # a payload in the register is shown as text, never run
            page.fill("#q", "")
            page.locator("#q").press_sequentially("<img", delay=20)
            page.wait_for_selector("#suggestions li")
            assert page.locator("#suggestions li").first.inner_text().startswith("<img src=x")
            assert page.locator("#suggestions img").count() == 0
            page.locator("#suggestions li").first.click()
            page.wait_for_selector("#card .answer")
            assert page.title() != "pwned" and page.locator("img[src=x]").count() == 0
            assert errors == []
            browser.close()
    finally:
        assert srv.stop() == 0


def _post(server, path: str, body: bytes, content_type: str):
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}{path}", data=body, method="POST",
        headers={"Content-Type": content_type},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_assign_upload_equals_geo_assign(server, tmp_path):
    demo = synthetic_addresses_with_garbage(tmp_path)
    body = demo.read_bytes()
    status, got = _post(server, "/api/assign", body, "text/csv")
    assert status == 200, got[:300]
    (tmp_path / "served.csv").write_bytes(got)
    assert main(["assign", str(demo), "-o", str(tmp_path / "cli.csv"), "-q"]) == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(tmp_path / "served.csv"), pd.read_csv(tmp_path / "cli.csv")
    )
    # the same as an Excel workbook, answered as one
    frame = pd.read_csv(demo, dtype=str, keep_default_na=False)
    frame.to_excel(tmp_path / "in.xlsx", index=False)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    status, got = _post(server, "/api/assign", (tmp_path / "in.xlsx").read_bytes(), xlsx)
    assert status == 200 and got[:2] == b"PK"
    (tmp_path / "served.xlsx").write_bytes(got)
    assert len(pd.read_excel(tmp_path / "served.xlsx")) == len(frame)
    status, got = _post(server, "/api/assign?format=geojson", body, "text/csv")
    assert status == 200 and json.loads(got)["type"] == "FeatureCollection"


def synthetic_addresses_with_garbage(tmp_path: Path) -> Path:
    from geo.synthetic import synthetic_addresses

    demo = synthetic_addresses(400, seed=12).astype({"lat": object, "lon": object})
    demo.loc[3, "lat"] = "abc"
    demo.loc[7, "lon"] = None
    path = tmp_path / "upload.csv"
    demo.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    "body,content_type,code,reason",
    [
        (b"id,lat,lon\n1,58.4,15.6\n", "image/png", 415, "content-type"),
        (b"", "text/csv", 422, "empty"),
        (b"\x00\x01garbage", "text/csv", 422, "not a text file"),
        (
            b"PK\x03\x04broken",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            422,
            "Excel",
        ),
        (b"id,a,b\n1,2,3\n", "text/csv", 422, "no coordinate columns"),
    ],
)
def test_bad_uploads(server, body, content_type, code, reason):
    status, got = _post(server, "/api/assign", body, content_type)
    assert status == code and reason in json.loads(got)["error"]


def test_upload_limits(tmp_path):
    srv = Server(tmp_path, "--max-rows", "20", "--max-upload-mb", "0.002")
    try:
        rows = b"id,lat,lon\n" + b"1,58.41,15.62\n" * 15
        assert _post(srv, "/api/assign", rows, "text/csv")[0] == 200
        status, got = _post(
            srv, "/api/assign", b"id,lat,lon\n" + b"1,58.41,15.62\n" * 25, "text/csv"
        )
        assert status == 413 and "at most 20" in json.loads(got)["error"]
        status, got = _post(
            srv, "/api/assign", b"id,lat,lon\n" + b"1,58.41,15.62\n" * 200, "text/csv"
        )
        assert status == 413 and "larger than 2,000 bytes" in json.loads(got)["error"]
        status, answer = srv.json("/api/lookup?lat=58.41&lon=15.62")  # still healthy
        assert status == 200
    finally:
        assert srv.stop() == 0


def test_maps_are_served(server):
    status, body = server.get("/maps/")
    assert status == 200 and b"/maps/catchments.html" in body
    for name in ("catchments", "access"):
        status, page = server.get(f"/maps/{name}.html")
        assert status == 200 and b"L.map(" in page and b"leaflet-container" in page
        assert b'src="http' not in page  # Leaflet inlined: works offline
    assert server.get("/maps/nope.html")[0] == 404
    status, body = server.get("/maps/")
    assert b"/maps/studio.html" in body
    status, page = server.get("/maps/studio.html")
    assert status == 200 and b'id="geo-studio-data"' in page and b'src="http' not in page


def test_the_studio_works_when_served(server):
    """The planning studio from the service, in Chromium: a base moves and the figures
    change (the same page as ``geo map studio``)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from browser import playwright_chromium

    with sync_api.sync_playwright() as p:
        browser = playwright_chromium(p)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{server.port}/maps/studio.html")
        page.wait_for_selector("body[data-ready='1']", timeout=60_000)
        before = page.evaluate("geoStudio.summary().rows[0].shown.mean_after_km")
        page.evaluate("geoStudio.closeBase('oster')")
        after = page.evaluate("geoStudio.summary().rows[0].shown.mean_after_km")
        assert float(after) > float(before)
        browser.close()


def test_answers_say_how_sure_they_are_in_the_api_and_on_the_page(tmp_path):
    """Streets the register lacks: no area from a guess (API and reception page)."""
    reg = synthetic_register(3000, seed=9)
    extra = reg.iloc[[0]].copy()  # a street of the city, by hand: Torggatan 12, Linköping
    extra[["gatunamn", "adressplatsnummer", "bokstavstillagg", "postnummer", "postort"]] = [
        "Torggatan", "12", "", "582 99", "Linköping"
    ]  # fmt: skip
    extra[["lon", "lat"]] = [15.6214, 58.4108]
    extra["address"] = "Torggatan 12, 582 99 Linköping"
    reg = pd.concat([reg, extra], ignore_index=True)
    path = tmp_path / "register.csv"
    reg.to_csv(path, index=False)
    srv = Server(tmp_path, "--register", str(path))
    try:
        # an unknown street in the city, which four areas share: 200, no area, candidates
        status, a = srv.json(
            "/api/lookup?" + urllib.parse.urlencode({"address": "Zyxwvägen 3, Linköping"})
        )
        assert status == 200 and a["status"] == "ambiguous", a
        assert a["area"] is None and a["base"] is None and a["point"] is None
        assert a["distances_m"] == {k: None for k in a["distances_m"]}
        assert sorted(a["candidate_areas"]) == ["norr", "syd", "väster", "öster"]
        assert a["location_precision"] == "locality" and "4 areas" in a["reason"]
        # another street that looks alike: did you mean …?
        status, r = srv.json(
            "/api/lookup?" + urllib.parse.urlencode({"address": "Storgatan 12, 582 99 Linköping"})
        )
        assert status == 200 and r["status"] == "needs_review" and r["area"] is None, r
        assert r["suggestions"] == ["Torggatan 12, Linköping"]
        assert "did you mean Torggatan 12, Linköping?" in r["reason"]
        # a locality in one area: the area, with the precision said
        status, loc = srv.json(
            "/api/lookup?" + urllib.parse.urlencode({"address": "Zyxwvägen 7, Ljungsbro"})
        )
        assert status == 200 and loc["status"] == "ok" and loc["area"] == "norr", loc
        assert loc["location_precision"] == "locality" and loc["distance_approximate"] is True
        assert loc["place"] == "Ljungsbro"
        # coordinates written the Swedish way read as geo assign reads them
        status, sp = srv.json("/api/lookup?e=536%20300&n=6%20473%20400")
        status2, plain = srv.json("/api/lookup?e=536300&n=6473400")
        assert (
            status == status2 == 200
            and sp["area"] == plain["area"]
            and sp["location_precision"] == "coordinates"
        )
        status, dec = srv.json("/api/lookup?lat=58%2C4108&lon=15%2C6214")
        assert status == 200 and dec["status"] == "ok"

        sync_api = pytest.importorskip("playwright.sync_api")

        with sync_api.sync_playwright() as p:
            browser, page, errors = _reception(p, srv)
            page.evaluate("geoReception.choose('Zyxwvägen 3, Linköping')")
            page.wait_for_selector("#card.warn .answer")
            card = page.inner_text("#card")
            assert card.startswith("Adressen finns inte i registret"), card
            assert "områdena" in card and "Område " not in card and " km" not in card
            page.screenshot(path=str(tmp_path / "ambiguous.png"))
            page.evaluate("geoReception.choose('Storgatan 12, 582 99 Linköping')")
            page.wait_for_selector("#card.warn .offer button")
            assert page.inner_text("#card .offer") == "Menade du Torggatan 12, Linköping?"
            page.screenshot(path=str(tmp_path / "review.png"))
            page.click("#card .offer button")  # the suggestion, looked up
            page.wait_for_selector("#card.ok .answer")
            assert page.input_value("#q") == "Torggatan 12, Linköping"
            assert page.inner_text("#card .answer").startswith("Område ")
            page.evaluate("geoReception.choose('Zyxwvägen 7, Ljungsbro')")
            page.wait_for_selector("#card.ok .approx")
            assert page.inner_text("#card .approx") == "ungefärligt läge (orten Ljungsbro)"
            assert "cirka" in page.inner_text("#card .answer")
            page.screenshot(path=str(tmp_path / "approximate.png"))
            assert errors == []
            browser.close()
    finally:
        assert srv.stop() == 0


def test_hostile_uploads_are_refused_before_parsing_and_the_service_keeps_answering(tmp_path):
    """Issue 31: a 169 KB CSV of 20 000 columns hung a worker for 30 minutes, seven took every
    worker. Now each is refused on its header line (413, naming the limit), lookups and a valid
    upload answer meanwhile, a workbook declaring 3 million rows is refused from its zip
    directory, errors name no server path, and no upload folder is left after SIGTERM."""
    import concurrent.futures as cf
    import re
    import zipfile

    import openpyxl

    tmp_uploads = tmp_path / "tmp"
    tmp_uploads.mkdir()
    env_tmp = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(tmp_uploads)
    try:
        srv = Server(tmp_path, "--workers", "1")
    finally:
        if env_tmp is None:
            os.environ.pop("TMPDIR")
        else:
            os.environ["TMPDIR"] = env_tmp
    try:
        wide = (",".join(f"c{i}" for i in range(20_000)) + "\n").encode()
        wide += (",".join("1" for _ in range(20_000)) + "\n").encode()
        assert 150_000 < len(wide) < 200_000
        valid = b"id,lat,lon\n" + b"1,58.41,15.62\n" * 10
        with cf.ThreadPoolExecutor(9) as pool:
            hostile = [pool.submit(_post, srv, "/api/assign", wide, "text/csv") for _ in range(7)]
            lookup = pool.submit(srv.json, "/api/lookup?lat=58.41&lon=15.62")
            ok = pool.submit(_post, srv, "/api/assign", valid, "text/csv")
            for f in hostile:
                status, got = f.result(timeout=120)
                error = json.loads(got)["error"]
                assert status == 413 and "20,000 columns" in error and "--max-columns" in error
            assert lookup.result(timeout=120)[0] == 200
            assert ok.result(timeout=120)[0] == 200
        # a small workbook that declares 3 million rows: refused before it is parsed
        wb = openpyxl.Workbook()
        wb.active.append(["id", "lat", "lon"])
        wb.save(tmp_path / "small.xlsx")
        rows = b"<row><c><v>1</v></c></row>" * 3_000_000  # compresses to a few hundred KB
        with (
            zipfile.ZipFile(tmp_path / "small.xlsx") as src,
            zipfile.ZipFile(tmp_path / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for item in src.infolist():
                data = src.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":  # no declared size
                    data = re.sub(rb"<dimension[^>]*/>", b"", data)
                    data = data.replace(b"</sheetData>", rows + b"</sheetData>")
                dst.writestr(item, data)
        body = (tmp_path / "bomb.xlsx").read_bytes()
        assert len(body) < 2_000_000
        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        status, got = _post(srv, "/api/assign", body, xlsx)
        assert status == 413 and "3,000,000 rows" in json.loads(got)["error"]
        # an error about the file names the upload, not the server's folder
        status, got = _post(srv, "/api/assign", b"id,a,b\n1,2,3\n", "text/csv")
        assert status == 422 and "/tmp" not in got.decode() and "geo-assign" not in got.decode()
        # an address typed into the path is not logged
        srv.get("/api/lookup/" + urllib.parse.quote("Lilla Tallgatan 1, 583 54 Västerlösa"))
    finally:
        assert srv.stop() == 0
    log = srv.log.read_text()
    assert "Tallgatan" not in log and "Västerlösa" not in log and "Traceback" not in log
    assert list(tmp_uploads.glob("geo-assign-*")) == []
