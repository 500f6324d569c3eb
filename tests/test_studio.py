"""The planning studio and the decision report, driven in Debian's Chromium as a planner would.

The studio computes its figures in JavaScript; every test that changes the scenario exports
it and checks that :func:`geo.scenario.what_if` (``geo whatif --scenario``) shows the same
digits for every figure of every row.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.cli.siting import shown_figures
from geo.crs import to_sweref
from geo.maps.studio import save_page, studio_data, studio_page
from geo.report import round_shown
from geo.scenario_file import read_scenario
from geo.siting import address_cells, compare, what_if

sync_api = pytest.importorskip("playwright.sync_api")

from browser import playwright_chromium  # noqa: E402
from test_studio_data import EVIL, scenario_doc  # noqa: E402

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def studio_file(tmp_path_factory, study) -> Path:
    path = tmp_path_factory.mktemp("studio") / "studio.html"
    assert main(["map", "studio", "-o", str(path), "-q"]) == 0
    return path


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = playwright_chromium(p)
        yield b
        b.close()


def _open(browser, path: Path, errors: list[str] | None = None):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    if errors is not None:
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (errors.append("dialog " + d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    return page


def _python_shown(study, scenario_doc: dict, tmp_path: Path, network=None) -> pd.DataFrame:
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps(scenario_doc), encoding="utf-8")
    return shown_figures(what_if(study, scenario=read_scenario(f), network=network))


def _assert_same_figures(page, study, tmp_path, network=None) -> int:
    """Every shown figure of the studio equals what_if's for the exported scenario."""
    summary = page.evaluate("geoStudio.summary()")
    table = _python_shown(study, page.evaluate("geoStudio.scenario()"), tmp_path, network)
    assert len(table) == len(summary["rows"])
    compared = 0
    for (_, py), js in zip(table.iterrows(), summary["rows"], strict=True):
        assert (py["group"], py["name"]) == (js["group"], js["name"])
        for key, text in js["shown"].items():
            assert py[key] == text, (js["group"], js["name"], key, py[key], text)
            compared += 1
    return compared


# ----------------------------------------------------------------------------- Python side


def test_studio_figures_equal_whatif_after_every_kind_of_change(
    browser, studio_file, study, tmp_path
):
    errors: list[str] = []
    page = _open(browser, studio_file, errors)
    shots = tmp_path / "shots"
    shots.mkdir()
    page.screenshot(path=str(shots / "0_today.png"))
    first = page.evaluate("geoStudio.summary()")
    row = first["rows"][0]["shown"]
    assert row["mean_before_km"] == row["mean_after_km"] and row["better"] == "0"
    assert _assert_same_figures(page, study, tmp_path) > 300

    page.evaluate("geoStudio.moveBase('syd', 58.3720, 15.5600)")  # Lambohov farther south
    page.screenshot(path=str(shots / "1_moved.png"))
    assert _assert_same_figures(page, study, tmp_path)
    new_id = page.evaluate("geoStudio.addBase('Ljungsbro', 58.5085, 15.4980)")
    assert new_id.startswith("new-")
    page.screenshot(path=str(shots / "2_added.png"))
    assert _assert_same_figures(page, study, tmp_path)
    rows = {(r["group"], r["name"]): r for r in page.evaluate("geoStudio.summary()")["rows"]}
    assert rows[("locality", "Ljungsbro")]["values"]["mean_after"] < 2000
    assert rows[("locality", "Ljungsbro")]["values"]["better"] > 4000
    page.evaluate("geoStudio.closeBase('oster')")
    page.screenshot(path=str(shots / "3_closed.png"))
    assert _assert_same_figures(page, study, tmp_path)
    # the page shows what summary() says: the area table's first row
    shown = page.inner_text("#table-area tbody tr:first-child")
    norr = rows[("area", "norr")]
    assert norr["name"] in shown
    # weight and threshold switches
    page.select_option("#weight", "children")
    assert page.evaluate("geoStudio.summary().weight") == "children"
    assert _assert_same_figures(page, study, tmp_path)
    page.select_option("#threshold", "10")
    assert page.evaluate("geoStudio.summary().threshold") == 10
    assert _assert_same_figures(page, study, tmp_path)
    # undo steps back through the threshold, the weight and the closure
    for _ in range(3):
        page.click("#undo")
    assert page.evaluate("geoStudio.summary().weight") == "population"
    assert "oster" in [b["id"] for b in page.evaluate("geoStudio.bases()")]
    page.click("#reset")
    assert page.evaluate("geoStudio.summary()")["rows"][0]["shown"] == row
    # closing the last base is refused with a message
    for b in ["norr", "vaster", "syd"]:
        page.evaluate(f"geoStudio.closeBase('{b}')")
    assert page.evaluate("geoStudio.closeBase('oster')") is False
    assert page.inner_text("#message")
    assert errors == []
    # the states look different: colours change where catchments change
    from browser import png_pixels

    a, b = png_pixels(shots / "0_today.png"), png_pixels(shots / "3_closed.png")
    assert (np.abs(a.astype(int) - b.astype(int)).sum(axis=-1) > 60).mean() > 0.01
    page.close()


def test_a_real_drag_moves_a_base_and_the_export_reproduces_it(
    browser, studio_file, study, tmp_path
):
    errors: list[str] = []
    page = _open(browser, studio_file, errors)
    marker = page.locator(".leaflet-marker-icon[data-base-id='oster']")
    box = marker.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    before = next(b for b in page.evaluate("geoStudio.bases()") if b["id"] == "oster")
    page.mouse.move(x, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x + 12 * k, y - 9 * k)
    page.mouse.up()
    after = next(b for b in page.evaluate("geoStudio.bases()") if b["id"] == "oster")
    assert after["status"] == "moved"
    assert after["e"] > before["e"] + 500 and after["n"] > before["n"] + 500
    page.screenshot(path=str(tmp_path / "dragged.png"))
    assert _assert_same_figures(page, study, tmp_path)
    # the export button downloads the scenario; geo whatif --scenario reads it
    with page.expect_download() as dl:
        page.click("#export-json")
    path = tmp_path / "export.json"
    dl.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "geo-scenario" and len(doc["bases"]) == 4
    out = tmp_path / "w.csv"
    assert main(["whatif", "--scenario", str(path), "-o", str(out), "-q"]) == 0
    assert pd.read_csv(out)["group"].iloc[0] == "all"
    with page.expect_download() as dl:
        page.click("#export-csv")
    csv = tmp_path / "export.csv"
    dl.value.save_as(csv)
    assert [b.name for b in read_scenario(csv).bases] == [b["name"] for b in doc["bases"]]
    # reset, then open the exported file: the same figures again
    shown = page.evaluate("geoStudio.summary()")
    page.click("#reset")
    page.set_input_files("#open", str(path))
    page.wait_for_function("geoStudio.bases().some(b => b.status === 'moved')")
    assert page.evaluate("geoStudio.summary()")["rows"] == shown["rows"]
    assert errors == []
    page.close()


def test_every_tooltip_and_the_suggestion(browser, studio_file, study, tmp_path):
    page = _open(browser, studio_file)
    # base markers, today's places and candidate sites
    tips = []
    for el in page.locator(".leaflet-marker-icon, path.leaflet-interactive").all()[:80]:
        el.hover(force=True)
        tip = page.locator(".leaflet-tooltip").last
        if tip.count():
            tips.append(tip.inner_text())
    assert any("Skäggetorp" in t for t in tips)
    assert any("Ljungsbro" in t for t in tips)
    # a cell: the nearest base and the distance today
    map_box = page.locator("#map").bounding_box()
    page.mouse.move(map_box["x"] + map_box["width"] * 0.45, map_box["y"] + map_box["height"] * 0.4)
    page.mouse.move(
        map_box["x"] + map_box["width"] * 0.45 + 3, map_box["y"] + map_box["height"] * 0.4
    )
    cell_tip = page.locator(".leaflet-tooltip.geo-cell-tip").inner_text()
    assert "km" in cell_tip and ("idag" in cell_tip)
    # suggestion from today's bases: the heuristic finds geo site's proven optimum
    page.fill("#suggest-n", "2")
    page.click("#suggest")
    text = page.inner_text("#suggestion")
    assert "Bevisat optimum" in text and "samma lösning" in text
    summary = page.evaluate("geoStudio.summary()")
    served = sum(b["served"] for b in summary["bases"])
    assert served == pytest.approx(summary["rows"][0]["values"]["weighted"])
    sug = page.evaluate("geoStudio.suggest(2)")
    assert sug["sameAsProven"] is True
    page.click("#suggest-apply")
    assert len(page.evaluate("geoStudio.bases()")) == 6
    assert _assert_same_figures(page, study, tmp_path)
    # charts: the marginal gain of each base, the trade-off, before/after per class
    for chart in ("#chart-classes", "#chart-sweep", "#chart-tradeoff"):
        assert page.locator(f"{chart} svg").count() == 1
    page.screenshot(path=str(tmp_path / "suggested.png"))
    page.close()


def test_javascript_projection_matches_pyproj(browser, studio_file):
    page = _open(browser, studio_file)
    rng = np.random.default_rng(1)
    lat = rng.uniform(55.3, 69.0, 50)
    lon = rng.uniform(11.0, 24.0, 50)
    e, n = to_sweref(lon, lat, 4326)
    js = page.evaluate(
        "pts => pts.map(p => geoStudio.toSweref(p[0], p[1]))", np.c_[lat, lon].tolist()
    )
    assert np.abs(np.array(js) - np.c_[e, n]).max() < 0.001  # 1 mm
    back = page.evaluate("pts => pts.map(p => geoStudio.fromSweref(p[0], p[1]))", js)
    assert np.abs(np.array(back) - np.c_[lat, lon]).max() < 1e-8
    page.close()


def test_names_from_the_files_stay_text(browser, study, tmp_path):
    evil_bases = study.bases.copy()
    evil_bases.loc[0, "base_name"] = EVIL
    evil = dataclasses.replace(study, bases=evil_bases)
    path = save_page(studio_page(evil, proven=False), tmp_path / "evil.html")
    errors: list[str] = []
    page = _open(browser, path, errors)
    page.locator(".leaflet-marker-icon[data-base-id='norr']").hover(force=True)
    assert EVIL in page.locator(".leaflet-tooltip").last.inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#bases input").first.input_value() == EVIL
    assert errors == []
    page.close()


def test_studio_with_a_travel_time_matrix_snaps_and_matches(browser, shared, study, tmp_path):
    from geo.network import build_network
    from geo.network.readers import read_road_lines

    roads = shared / "linkoping/roads_central_2017.gpkg"
    path = tmp_path / "car.html"
    args = ["map", "studio", "--mode", "car", "--lines", str(roads), "--layer", "roads"]
    assert main([*args, "--no-proven", "-o", str(path), "-q"]) == 0
    net = build_network(read_road_lines(roads, "car", layer="roads"), "car")
    page = _open(browser, path)
    assert "fästs vid närmaste kandidatplats" in page.inner_text("#mode-note")
    moved = page.evaluate("geoStudio.moveBase('oster', 58.4040, 15.6500)")
    doc = page.evaluate("geoStudio.scenario()")
    site = next(b for b in doc["bases"] if b["id"] == "oster")["site"]
    assert site  # snapped to a candidate site, and stands exactly there
    cands = studio_data(study, proven=False)["candidates"]
    assert any(c["name"] == site and c["e"] == moved["e"] for c in cands)
    assert page.evaluate("geoStudio.summary().unit") == "min"
    assert _assert_same_figures(page, study, tmp_path, network=net)
    page.close()


def test_studio_on_the_users_addresses_suppresses_small_cells(browser, study, tmp_path):
    from geo.areas import assign_addresses
    from geo.synthetic import synthetic_addresses

    table = assign_addresses(synthetic_addresses(3000, seed=4, study=study), study).table
    cells, left_out = address_cells(table, study, cell_size_m=1000)
    assert cells["population"].min() >= 5 and left_out > 0
    assert cells["population"].sum() + left_out == (table["status"] == "ok").sum()
    f = tmp_path / "assigned.csv"
    table.to_csv(f, index=False)
    out = tmp_path / "addr.html"
    args = ["map", "studio", "--addresses", str(f), "--cell-size-m", "1000"]
    assert main([*args, "-o", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    # no address coordinates: only cell centres on the 1 km grid go into the page
    doc = json.loads(
        text.split('id="geo-studio-data" type="application/json">')[1].split("</script>")[0]
    )
    assert all(math.isclose(e % 1000, 500) for e in doc["cells"]["e"])
    assert set(doc["weights"]) == {"population", "need"}
    page = _open(browser, out)
    assert "SYNTETISKA" in page.inner_text("#notes")
    # the same figures from geo whatif --addresses, for both weights
    page.evaluate("geoStudio.moveBase('syd', 58.3720, 15.5600)")
    page.evaluate("geoStudio.addBase('Ljungsbro', 58.5085, 15.4980)")
    for weight in ("population", "need"):
        page.select_option("#weight", weight)
        doc = page.evaluate("geoStudio.scenario()")
        assert doc["demand"] == "addresses per 1000 m cell"
        f_s = tmp_path / f"s_{weight}.json"
        f_s.write_text(json.dumps(doc), encoding="utf-8")
        demand, _ = address_cells(
            table, study, cell_size_m=1000, equity=1.0 if weight == "need" else 0.0
        )
        py = shown_figures(what_if(study, scenario=read_scenario(f_s), demand=demand))
        js = page.evaluate("geoStudio.summary()")["rows"]
        for (_, r), j in zip(py.iterrows(), js, strict=True):
            assert all(r[k] == v for k, v in j["shown"].items()), (weight, j["name"])
        w_csv = tmp_path / f"w_{weight}.csv"
        cli = ["whatif", "--scenario", str(f_s), "--addresses", str(f), "--cell-size-m", "1000"]
        assert main([*cli, "-o", str(w_csv), "-q"]) == 0
        assert pd.read_csv(w_csv)["weighted"].iloc[0] == pytest.approx(js[0]["values"]["weighted"])
    page.close()


# ----------------------------------------------------------------------------- the report


def _squeeze(text: str) -> str:
    return "".join(text.split())


def _print_layout(pdf: Path) -> tuple[list[str], list[float]]:
    """Each page's text (whitespace removed) and how much of its height holds text: from the
    top margin down to the lowest line, as a share of the page's printable height."""
    pypdf = pytest.importorskip("pypdf")
    texts, fills = [], []
    for page in pypdf.PdfReader(pdf).pages:
        ys: list[float] = []

        def visit(text, cm, tm, font, size, ys=ys):
            if text.strip():
                ys.append(cm[1] * tm[4] + cm[3] * tm[5] + cm[5])

        texts.append(_squeeze(page.extract_text(visitor_text=visit)))
        height = float(page.mediabox.height)
        margin = 12 / 25.4 * 72  # report.css: @page margin 12mm
        fills.append((height - margin - min(ys, default=height)) / (height - 2 * margin))
    return texts, fills


@pytest.mark.parametrize("extra", [False, True], ids=["proposal", "proposal+scenario"])
def test_the_report_prints_page_by_page(browser, study, tmp_path, extra):
    """Printed by Chromium (A4 landscape from the page's CSS): every heading shares its page
    with its first figure or table, each scenario starts a page, no page but the last is more
    than two-thirds empty; the figures are compare()'s."""
    scen = tmp_path / "s.json"
    bases = [
        {"id": "norr", "name": "Skäggetorp", "lat": 58.4268, "lon": 15.5955},
        {"id": "", "name": "Malmslätt", "lat": 58.4170, "lon": 15.5130},
    ]
    scen.write_text(
        json.dumps(scenario_doc(study, bases, name=EVIL, weight="children")), encoding="utf-8"
    )
    out = tmp_path / "report.html"
    extra_args = ["--scenario", str(scen)] if extra else []
    assert main(["report", *extra_args, "-o", str(out), "-q"]) == 0
    errors: list[str] = []
    page = _open(browser, out, errors)
    assert page.evaluate("window.__pwned") is None and errors == []
    if extra:
        assert EVIL in page.inner_text("#scenario-2 h2")
    assert page.locator(".chart svg").count() >= (4 if extra else 3)
    # every chart says its values in words
    summaries = page.locator(".chart-summary").all_inner_texts()
    assert len(summaries) == page.locator(".chart svg").count()
    assert all("km" in s for s in summaries)
    page.emulate_media(media="print")
    # each heading and the caption (or first header cell) of the figure or table after it
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('main h2, main h3')].map(h => {
            const all = [...document.querySelectorAll('main h2, main h3, main figure, main table')];
            const next = all.slice(all.indexOf(h) + 1).find(e => e.matches('figure, table'));
            if (!next) return [h.textContent, null];
            const cap = next.querySelector('figcaption, caption');
            const th = [...next.querySelectorAll('th')].find(t => t.textContent.trim());
            return [h.textContent, (cap || th || next).textContent];
        })"""
    )
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    texts, fills = _print_layout(pdf)
    assert 3 <= len(texts) <= 8
    starts = [sum(len(t) for t in texts[:k]) for k in range(len(texts))]
    whole = "".join(texts)

    def page_of(pos: int) -> int:
        return max(k for k, s in enumerate(starts) if s <= pos)

    cursor = 0
    for heading, first in pairs:
        h = whole.find(_squeeze(heading), cursor)
        assert h >= 0, heading
        cursor = h + len(_squeeze(heading))
        if first is None:
            continue
        f = whole.find(_squeeze(first), cursor)
        assert f >= 0, (heading, first)
        assert page_of(h) == page_of(f), (
            f"{heading!r} on page {page_of(h) + 1}, {first!r} on {page_of(f) + 1}"
        )
    # each scenario starts a page (the first under the section's heading)
    for k, name in enumerate(["Förslag: 2 nya baser", EVIL][: 1 + extra], start=1):
        h = whole.find(_squeeze(f"{k}. {name}"))
        top = texts[page_of(h)]
        assert top.startswith(_squeeze(f"{k}. {name}")) or top.startswith(
            _squeeze(f"Scenarier: före och efter{k}. {name}")
        ), (name, top[:80])
    assert all(f > 1 / 3 for f in fills[:-1]), fills
    for heading in ("Dagens områden och baser", "fågelvägen", "Antagna basplatser"):
        assert _squeeze(heading) in whole, heading
    # the report's figures are compare()'s
    if extra:
        comp = compare(study, read_scenario(scen))
        mean = comp.table.iloc[0]["mean_after"] / 1000
        assert f"{round_shown(mean, 1)}".replace(".", ",") in whole
    print(f"report: {len(texts)} pages; filled", [round(f, 2) for f in fills])
    if not extra:  # the README says how many pages the default report prints to
        readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
        said = re.search(r"A4 landscape\) to (\d+) pages", " ".join(readme.split()))
        assert said and int(said.group(1)) == len(texts), (said, len(texts))


def _open_scenario(page, doc: dict, path) -> str:
    """Write ``doc`` to ``path``, open it with 'Öppna scenario…', and return the message."""
    path.write_text(json.dumps(doc), encoding="utf-8")
    page.set_input_files("#open", str(path))
    page.wait_for_function("document.getElementById('message').textContent.length > 0")
    return page.inner_text("#message")


@pytest.mark.parametrize(
    "changes,shown",
    [
        ({"study": {"kommun": "0581", "name": "Norrköping (kommun 0581)"}}, "kommun 0581"),
        ({"mode": "car", "unit": "min", "threshold": 30}, "car (min)"),
        ({"version": 7}, "version 7"),
        ({"demand": "addresses per 500 m cell"}, "addresses per 500 m cell"),
        ({"weight": "votes"}, "weight"),
    ],
)
def test_the_studio_refuses_a_scenario_it_cannot_judge(
    browser, studio_file, tmp_path, changes, shown
):
    """'Öppna scenario…' checks what geo whatif --scenario checks, with the message on the page."""
    page = _open(browser, studio_file)
    doc = page.evaluate("geoStudio.scenario()")
    jsonschema = pytest.importorskip("jsonschema")
    from geo.scenario_file import scenario_schema

    jsonschema.validate(doc, scenario_schema())  # what the studio writes follows the schema
    before = page.evaluate("geoStudio.summary()")["rows"]
    doc.update(changes)
    path = tmp_path / "other.json"
    text = _open_scenario(page, doc, path)
    assert text.startswith("Filen kunde inte läsas som ett scenario") and shown in text, text
    assert page.evaluate("geoStudio.summary()")["rows"] == before  # nothing changed
    assert main(["whatif", "--scenario", str(path), "-q"]) == 2  # and the command refuses it too
    page.close()


def test_an_area_design_in_the_studio_moves_units_and_exports(browser, study, tmp_path):
    """geo areas design, then the studio with --design: the six areas beside today's; a unit
    moved with a real click (workloads update at once, every area stays one piece); the areas
    exported and read back by geo assign."""
    design = tmp_path / "six.gpkg"
    assert main(["areas", "design", "--add", "2", "-o", str(design), "-q"]) == 0
    out = tmp_path / "studio.html"
    assert (
        main(["map", "studio", "--design", str(design), "--no-proven", "-o", str(out), "-q"]) == 0
    )
    errors: list[str] = []
    page = _open(browser, out, errors)
    assert page.locator("#design-table tbody tr").count() == 6
    before = page.evaluate("geoStudioDesign.rows()")
    # find a unit that can move, and click it on the map
    found = page.evaluate(
        """() => { const D = JSON.parse(document.getElementById('geo-studio-data').textContent).design;
        const n = geoStudioDesign.units();
        const nb = Array.from({length: n}, () => []);
        D.edges.forEach(e => { nb[e[0]].push(e[1]); nb[e[1]].push(e[0]); });
        for (let i = 0; i < n; i++) {
          const k = geoStudioCore.nextArea(Int32Array.from(D.units.area), nb, D.roots, i);
          if (k >= 0) { const f = D.outline.features.find(g => g.properties.i === i);
            const ll = L.geoJSON(f).getBounds().getCenter();
            const p = geoStudio.leaflet().latLngToContainerPoint(ll);
            return {i: i, k: k, x: p.x, y: p.y}; } }
        return null; }"""
    )
    assert found is not None
    i = found["i"]
    from_area = page.evaluate(f"geoStudioDesign.areaOf({i})")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + found["x"], box["y"] + found["y"])
    page.wait_for_function(f"geoStudioDesign.areaOf({i}) !== {json.dumps(from_area)}")
    after = page.evaluate("geoStudioDesign.rows()")
    moved = [k for k in range(6) if after[k]["workload"] != before[k]["workload"]]
    assert len(moved) == 2 and sum(a["workload"] for a in after) == pytest.approx(
        sum(b["workload"] for b in before)
    )
    assert "flyttades till" in page.inner_text("#design-message")
    page.screenshot(path=str(tmp_path / "design.png"))
    with page.expect_download() as dl:
        page.click("#design-export")
    exported = tmp_path / "areas.csv"
    dl.value.save_as(exported)
    edited = tmp_path / "edited.gpkg"
    assert main(["areas", "apply", str(design), str(exported), "-o", str(edited), "-q"]) == 0
    areas = gpd.read_file(edited, layer="areas").set_index("area")
    shown = {r["area"]: r for r in page.evaluate(
        "(() => { const D = JSON.parse(document.getElementById('geo-studio-data').textContent).design;"
        " return geoStudioDesign.rows().map((r, k) => ({area: D.areas[k], workload: r.workload})); })()"
    )}  # fmt: skip
    for name, row in shown.items():  # the studio's workloads are the exact areas'
        assert areas.loc[name, "workload"] == pytest.approx(row["workload"], rel=1e-6)
    res = tmp_path / "assigned.csv"
    assert main(["assign", "--demo-count", "1000", "--areas", str(edited), "--area-col", "area",
                 "--bases", str(tmp_path / "edited_bases.csv"), "-o", str(res), "-q"]) == 0  # fmt: skip
    t = pd.read_csv(res)
    assert (t["status"] == "ok").all() and t["area"].nunique() == 6
    # the same by keyboard: a unit chosen by typing its name, moved with Enter
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("geoStudioDesign.reset()")
    name = page.evaluate(
        f"JSON.parse(document.getElementById('geo-studio-data').textContent).design.units.name[{i}]"
    )
    _tab_to(page, "e.id === 'design-unit'")
    page.keyboard.type(str(name))
    assert page.evaluate("document.getElementById('design-unit').value") == str(i)
    _tab_to(page, "e.id === 'design-move'")
    page.keyboard.press("Enter")
    assert page.evaluate(f"geoStudioDesign.areaOf({i})") != from_area
    assert "flyttades till" in page.inner_text("#design-message")
    assert errors == []
    page.close()


def _tab_to(page, test: str, *, limit: int = 400) -> None:
    """Press Tab (only) until the focused element ``e`` passes the JS test."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const e = document.activeElement; return !!({test}); }})()"):
            return
    raise AssertionError(f"Tab never reached: {test}")


def test_the_studio_works_by_keyboard(browser, studio_file, tmp_path):
    """Every studio action with the keys alone — skip link, weight, threshold, add from the
    list, close and reopen, move a base with the arrow keys, suggest and apply, undo, export,
    open the exported file, reset — and nothing done with the mouse or by script."""
    page = _open(browser, studio_file)
    n_today = len(page.evaluate("geoStudio.bases()"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "controls"
    # weight and threshold: the arrow keys on the focused lists
    _tab_to(page, "e.id === 'weight'")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("geoStudio.scenario().weight") != "population"
    _tab_to(page, "e.id === 'threshold'")
    threshold = page.evaluate("geoStudio.scenario().threshold")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("geoStudio.scenario().threshold") != threshold
    # add a base from the list of sites
    _tab_to(page, "e.id === 'site-list'")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "e.id === 'add-site'")
    page.keyboard.press("Enter")
    bases = page.evaluate("geoStudio.bases()")
    assert len(bases) == n_today + 1 and bases[-1]["status"] == "new"
    # close a base of today, then reopen it: the focus follows the button
    _tab_to(
        page, "e.matches('#bases li button') && !e.closest('li').dataset.baseId.startsWith('new')"
    )
    closed_id = page.evaluate("document.activeElement.closest('li').dataset.baseId")
    page.keyboard.press("Enter")
    assert closed_id not in [b["id"] for b in page.evaluate("geoStudio.bases()")]
    assert page.evaluate("document.activeElement.dataset.baseId") == closed_id
    page.keyboard.press("Enter")
    assert closed_id in [b["id"] for b in page.evaluate("geoStudio.bases()")]
    assert page.evaluate("document.activeElement.closest('li').dataset.baseId") == closed_id
    # a base on the map: reached by Tab, moved by the arrow keys, the focus kept
    _tab_to(page, "e.classList.contains('leaflet-marker-icon') && e.dataset.baseId")
    base_id = page.evaluate("document.activeElement.getAttribute('data-base-id')")
    assert "piltangenterna" in page.evaluate("document.activeElement.getAttribute('aria-label')")
    before = next(b for b in page.evaluate("geoStudio.bases()") if b["id"] == base_id)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    after = next(b for b in page.evaluate("geoStudio.bases()") if b["id"] == base_id)
    assert after["e"] == pytest.approx(before["e"] + 250, abs=0.01)
    assert after["n"] == pytest.approx(before["n"] + 1000, abs=0.01)
    assert after["status"] in ("moved", "new")
    assert page.evaluate("document.activeElement.getAttribute('data-base-id')") == base_id
    # suggest one more base and apply it, then undo
    _tab_to(page, "e.id === 'suggest-n'")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.getElementById('suggest-n').value") == "1"
    _tab_to(page, "e.id === 'suggest'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#suggestion ol li")
    assert page.locator("#suggestion ol li").count() == 1
    n = len(page.evaluate("geoStudio.bases()"))
    _tab_to(page, "e.id === 'suggest-apply'")
    page.keyboard.press("Enter")
    assert len(page.evaluate("geoStudio.bases()")) == n + 1
    _tab_to(page, "e.id === 'undo'")
    page.keyboard.press("Enter")
    assert len(page.evaluate("geoStudio.bases()")) == n
    # export the scenario, reset, open the export again
    exported = page.evaluate("geoStudio.bases()")
    _tab_to(page, "e.id === 'export-json'")
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    saved = tmp_path / "keys.json"
    dl.value.save_as(saved)
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert [b["id"] for b in doc["bases"]] == [b["id"] for b in exported]
    _tab_to(page, "e.id === 'reset'")
    page.keyboard.press("Enter")
    assert len(page.evaluate("geoStudio.bases()")) == n_today
    _tab_to(page, "e.id === 'open'")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files(str(saved))
    page.wait_for_function(f"geoStudio.bases().length === {len(exported)}")
    reopened = page.evaluate("geoStudio.bases()")

    def kept(bases):  # a new base gets a fresh id when a file is opened
        return [(b["name"], b["status"], round(b["e"]), round(b["n"])) for b in bases]

    assert kept(reopened) == kept(exported)
    page.close()


def _dup(doc):
    doc["bases"].append(dict(doc["bases"][0]))


def _latlon(doc):
    doc["bases"][0]["lat"] = round(doc["bases"][0]["lat"] + 0.05, 6)


def _closed(doc):
    doc["closed"] = ["finns_inte"]


def _closed_open(doc):
    doc["closed"] = [doc["bases"][0]["id"]]


def _many(doc):
    doc["bases"] += [dict(doc["bases"][0], id=f"ny-{i}") for i in range(1200)]


def _long_name(doc):
    doc["bases"][0]["name"] = "x" * 5000


@pytest.mark.parametrize(
    "mutate,reason,shown",
    [
        (_dup, "duplicate_id", "finns två gånger"),
        (_latlon, "coordinates_disagree", "från sina e/n"),
        (_closed, "closed_unknown", "finns_inte"),
        (_closed_open, "closed_open", "både stängd och öppen"),
        (_many, None, "≤ 1000"),
        (_long_name, None, "≤ 200"),
    ],
)
def test_the_studio_and_geo_whatif_refuse_the_same_scenarios(
    browser, studio_file, tmp_path, study, mutate, reason, shown
):
    """Issue 31: a scenario with a duplicate base id gave different figures in the studio and
    in geo whatif; lat/lon beside e/n, unknown closed ids and huge files were taken. Both
    readers refuse them now, for the same reason (the studio's core and
    geo.scenario_file.scenario_problems find the same key)."""
    from geo.errors import GeoValueError, ScenarioError
    from geo.scenario_file import read_scenario

    page = _open(browser, studio_file)
    doc = page.evaluate("geoStudio.scenario()")
    before = page.evaluate("geoStudio.summary()")["rows"]
    mutate(doc)
    path = tmp_path / "bad.json"
    text = _open_scenario(page, doc, path)
    assert text.startswith("Filen kunde inte läsas som ett scenario") and shown in text, text
    assert page.evaluate("geoStudio.summary()")["rows"] == before
    if reason is not None:
        js = page.evaluate(
            "d => geoStudioCore.scenarioProblems(d, "
            "JSON.parse(document.getElementById('geo-studio-data').textContent).bases"
            ".map(b => b.id))[0][0]",
            doc,
        )
        assert js == reason
        with pytest.raises(ScenarioError) as err:
            read_scenario(path, study=study)
        assert err.value.reason == reason
    else:
        with pytest.raises(GeoValueError, match="schema"):
            read_scenario(path, study=study)
    assert main(["whatif", "--scenario", str(path), "-q"]) == 2
    page.close()
