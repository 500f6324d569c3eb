"""Inputs that real municipal files contain must never act on the people who open the outputs.

- Script injection: text from the user's files (area, base, site, RegSO, locality, settlement
  and address fields) in every map kind, opened in headless Chromium with every tooltip and
  popup open: no payload runs and none becomes markup.
- Spreadsheets: text is text (never a formula) in .xlsx, formulas neutralised in .csv, numbers
  stay numbers.
- Crashes: maps from an address file not yet assigned; an access map where every cell is
  suppressed.
- Swedish coordinate conventions: X = northing, Swedish column names, CRS from the values.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import io

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from browser import OPEN_EVERYTHING, console_errors, dump_dom, with_script

from geo import maps
from geo.areas import assign_addresses
from geo.cli import main
from geo.crs import from_sweref, to_sweref
from geo.io.tables import write_table
from geo.siting import site
from geo.synthetic import synthetic_addresses

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow

#: Each payload marks the page (html[data-pwned]) if it ever runs.
MARK = "document.documentElement.setAttribute('data-pwned','{}')"
PAYLOADS = [
    f'<img src=x onerror="{MARK.format("img")}">',
    f"<script>{MARK.format('script')}</script>",
    f'"><svg onload="{MARK.format("svg")}">',
    f'\'><iframe srcdoc="<script>parent.{MARK.format("iframe")}</script>"></iframe>',
    f"</script><script>{MARK.format('break')}</script>",
    f'<a href="javascript:{MARK.format("href")}">länk</a>',
    f'<details open ontoggle="{MARK.format("toggle")}">',
    "{{7*7}}${7*7}<b>bold</b>",
    f"`;{MARK.format('tick')};`",
    "{{ self.__init__.__globals__ }}{% for x in range(3) %}X{% endfor %}",
]
#: Markup that only exists in a DOM dump if a payload became an element (text nodes are
#: serialised with &lt;).
MARKUP = ["<img src=", "<svg onload", "<iframe", "<details", "<b>bold", '<a href="javascript:']


def _payload(i: int) -> str:
    return f"{PAYLOADS[i % len(PAYLOADS)]} #{i}"


def _check_dom(dom: str, log: str, *, expect_opened: int, shown: tuple[int, ...]) -> None:
    """No payload ran or became markup; payloads ``shown`` are displayed, as typed."""
    assert "geo-opened" in dom, "the opener script did not run"
    errors = html.unescape(dom.split('data-errors="', 1)[1].split('"', 1)[0])
    assert errors == "[]", errors
    opened = int(dom.split('data-opened="', 1)[1].split('"', 1)[0])
    assert opened >= expect_opened, opened
    html_tag = dom[dom.index("<html") : dom.index(">", dom.index("<html"))]
    assert "data-pwned" not in html_tag, html_tag  # no payload ran
    for payload in PAYLOADS:  # as markup; as text, "<" is serialised as "&lt;"
        assert "<" not in payload or payload not in dom
    for markup in MARKUP:
        assert markup not in dom, markup
    for evaluated in ("TemplateReference", "X #", "49${7*7}", "{{7*7}}49", "4949&lt;b"):
        assert evaluated not in dom, evaluated  # neither Jinja nor a JS template evaluated it
    # the text is shown, as typed, in the opened tooltips
    opened_html = dom.split('id="geo-opened"', 1)[1]
    for i in shown:
        assert html.escape(PAYLOADS[i], quote=False) in opened_html, PAYLOADS[i]
    assert console_errors(log) == []


@pytest.fixture(scope="module")
def payload_study(study):
    """The Linköping study with a payload in every text field that reaches a map."""
    names = {a: _payload(i) for i, a in enumerate(study.areas["area"])}
    areas = study.areas.assign(area=study.areas["area"].map(names))
    bases = study.bases.assign(
        area=study.bases["area"].map(names),
        base_name=[_payload(4 + i) for i in range(len(study.bases))],
        location_status=[_payload(8 + i) for i in range(len(study.bases))],
    )
    regso = study.regso.assign(
        regsonamn=[_payload(30 + i) for i in range(len(study.regso))],
        catchment=study.regso["catchment"].map(names),
    )
    settlement = study.settlement.assign(
        settlement_name=[_payload(70 + i) for i in range(len(study.settlement))],
        settlement_class=study.settlement["settlement_class"].replace(
            {"countryside": _payload(69)}
        ),
    )
    localities = study.localities.assign(
        name=[_payload(100 + i) for i in range(len(study.localities))]
    )
    return dataclasses.replace(
        study, areas=areas, bases=bases, regso=regso, settlement=settlement,
        localities=localities, name=_payload(130),
    )  # fmt: skip


@pytest.fixture(scope="module")
def payload_assignment(payload_study):
    demo = synthetic_addresses(3000, seed=5, study=payload_study)
    demo["kommentar"] = [_payload(i) for i in range(len(demo))]
    demo["handläggare"] = PAYLOADS[0]
    return assign_addresses(demo, payload_study).table


@pytest.mark.parametrize("kind", ["catchments", "access", "access_points", "siting"])
def test_no_payload_runs_in_any_map(payload_study, payload_assignment, tmp_path, kind):
    if kind == "catchments":
        m = maps.catchment_map(payload_study, assignment=payload_assignment)
        expect = 4 + 4 + 32 + 3 + 20  # areas, bases, RegSO, settlement, localities
    elif kind.startswith("access"):
        m = maps.access_map(
            payload_study, payload_assignment, show_addresses=kind == "access_points"
        )
        expect = 4 + 4 + 20  # areas, bases, cells
    else:
        sites = gpd.GeoDataFrame(
            {"name": [_payload(200), _payload(201)]},
            geometry=[shapely.Point(517_600, 6_480_000), shapely.Point(522_800, 6_464_000)],
            crs=3006,
        )
        res = site(payload_study, add=2, candidates=(), extra_sites=sites)
        assert set(res.proposals.loc[res.proposals["new"], "site"]) == set(sites["name"])
        m = maps.siting_map(res, payload_study)
        expect = 4 + 4 + 2 + 4  # areas, current and proposed bases, new catchments
    path = maps.save_map(m, tmp_path / f"{kind}.html")
    dom, log = dump_dom(with_script(path, OPEN_EVERYTHING), tmp_path)
    _check_dom(dom, log, expect_opened=expect, shown=tuple(range(len(PAYLOADS))))


def test_no_payload_runs_from_the_command_line(study, tmp_path, capsys):
    """The same through the CLI: --areas, --bases, --sites and the address file's columns."""
    names = {a: _payload(i) for i, a in enumerate(study.areas["area"])}
    areas = tmp_path / "areas.gpkg"
    study.areas.assign(area=study.areas["area"].map(names)).to_file(areas)
    lon, lat = from_sweref(study.bases.geometry.x.to_numpy(), study.bases.geometry.y.to_numpy())
    bases = tmp_path / "bases.csv"
    pd.DataFrame(
        {"namn": [_payload(4 + i) for i in range(4)], "omrade": study.bases["area"].map(names),
         "lat": lat, "lon": lon}
    ).to_csv(bases, index=False)  # fmt: skip
    sites = tmp_path / "sites.csv"
    pd.DataFrame({"namn": [_payload(8), _payload(9)], "lat": [58.51, 58.36],
                  "lon": [15.50, 15.60]}).to_csv(sites, index=False)  # fmt: skip
    demo = synthetic_addresses(3000, seed=6, study=study)
    demo["kommentar"] = [_payload(i) for i in range(len(demo))]
    src = tmp_path / "addresses.csv"
    demo.to_csv(src, index=False)
    flags = ["--areas", str(areas), "--bases", str(bases), "-q"]
    assigned = tmp_path / "assigned.csv"
    assert main(["assign", str(src), "-o", str(assigned), "--no-progress", *flags]) == 0
    runs = {
        "catchments": [],
        "access": ["--show-addresses"],
        "siting": ["--sites", str(sites), "--candidates", ""],
    }
    for kind, extra in runs.items():
        out = tmp_path / f"cli_{kind}.html"
        code = main(["map", kind, "--addresses", str(assigned), "-o", str(out), "--no-tiles",
                     *flags, *extra])  # fmt: skip
        assert code == 0, capsys.readouterr().err
        dom, log = dump_dom(with_script(out, OPEN_EVERYTHING), tmp_path)
        _check_dom(dom, log, expect_opened=10, shown=tuple(range(8 if kind != "siting" else 10)))


def test_map_text_is_escaped_in_the_page_source(payload_study, payload_assignment):
    """No text value reaches the page unescaped: not in HTML, not breaking out of a script."""
    page = maps.to_html(maps.catchment_map(payload_study, assignment=payload_assignment))
    for payload in PAYLOADS:
        assert payload not in page
    assert "</script><script>document" not in page
    for evaluated in ("TemplateReference", "49${7*7}", "X #"):  # folium's second Jinja pass
        assert evaluated not in page, evaluated
    # the escaped form is there, inside the JSON of the layers
    assert "\\u0026lt;img src=x onerror=" in page or "&lt;img src=x onerror=" in page


# ----------------------------------------------------------------------------- spreadsheets
FORMULA = '=HYPERLINK("http://x","click")'


@pytest.fixture()
def risky_csv(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "lat": ["58.4275", "58.41", "58.40", "58.39"],
            "lon": ["15.5837", "15.60", "15.61", "15.62"],
            "note": [FORMULA, "+46 13 20 60 00", "@SUM(A1)", "-2+3"],
            "mixed": ["12", "tolv", "13", ""],
            "kod": ["0580", "0581", "0582", "0583"],
            "amount": ["-5", "7,5", "", "1e3x"],
        }
    ).to_csv(src, index=False)
    return src


def test_xlsx_text_is_text_and_numbers_are_numbers(risky_csv, tmp_path, capsys):
    out = tmp_path / "out.xlsx"
    assert main(["assign", str(risky_csv), "-o", str(out), "-q"]) == 0
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    cells = {h: [row[i] for row in ws.iter_rows(min_row=2)] for i, h in enumerate(header)}
    assert all(c.data_type != "f" for col in cells.values() for c in col)  # never a formula
    assert cells["note"][0].value == FORMULA and cells["note"][0].data_type == "s"
    for col in ("id", "lat", "lon", "e_3006", "own_base_distance_m"):
        assert {c.data_type for c in cells[col]} == {"n"}, col
    assert cells["lat"][0].value == pytest.approx(58.4275)
    assert cells["id"][0].value == 1
    for col in ("mixed", "kod", "amount", "status"):  # text in some rows: text in every row
        assert {c.data_type for c in cells[col] if c.value is not None} == {"s"}, col
    assert cells["kod"][0].value == "0580"  # a leading zero is kept


def test_csv_formulas_are_neutralised_unless_raw(risky_csv, tmp_path):
    out = tmp_path / "out.csv"
    assert main(["assign", str(risky_csv), "-o", str(out), "-q"]) == 0
    t = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert t["note"].tolist() == ["'" + FORMULA, "'+46 13 20 60 00", "'@SUM(A1)", "'-2+3"]
    assert t["amount"].tolist()[:2] == ["-5", "7,5"]  # a plain number is no formula
    assert t["lat"].tolist()[0] == "58.4275"
    starts = t.apply(lambda c: c.str.match(r"[=+@\t\r]|-[^\d]")).to_numpy()
    assert not starts.any()
    raw = tmp_path / "raw.csv"
    assert main(["assign", str(risky_csv), "-o", str(raw), "-q", "--raw-csv"]) == 0
    assert pd.read_csv(raw, dtype=str)["note"].tolist()[0] == FORMULA


def test_category_names_from_files_are_neutralised_too(tmp_path, square_study):
    areas = square_study.areas.assign(area=["=1+1", "B"])
    bases = square_study.bases.assign(area=["=1+1", "B"], base_name=["@cmd", "Base B"])
    s = dataclasses.replace(square_study, areas=areas, bases=bases)
    res = assign_addresses(pd.DataFrame({"e": [530_500.0], "n": [6_470_500.0]}), s, crs=3006).table
    write_table(res, tmp_path / "o.csv")
    back = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert back["area"].tolist() == ["'=1+1"] and back["own_base"].tolist() == ["'@cmd"]
    assert res["area"].tolist() == ["=1+1"]  # the input is not modified


# ----------------------------------------------------------------------------- crashes
def test_maps_assign_an_address_file_on_the_fly(study, tmp_path, capsys):
    src = tmp_path / "adresser.csv"
    demo = synthetic_addresses(2000, seed=3, study=study)
    demo[["address_id", "lat", "lon", "synthetic"]].to_csv(src, index=False, sep=";")
    for kind in ("catchments", "access", "siting"):
        out = tmp_path / f"{kind}.html"
        code = main(["map", kind, "--addresses", str(src), "-o", str(out), "--no-tiles"])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert "has not been through 'geo assign'" in captured.err
        assert "2,000 rows were assigned now" in captured.err
        assert out.stat().st_size > 50_000
    code = main(["site", "--add", "1", "--addresses", str(src), "-o", str(tmp_path / "s"), "-q"])
    assert code == 0
    code = main(["summary", str(src), "-q"])
    assert code == 0 and "norr" in capsys.readouterr().out


def test_access_map_with_every_cell_suppressed(study, tmp_path, capsys):
    few = assign_addresses(synthetic_addresses(4, seed=2, study=study), study).table
    src = tmp_path / "few.csv"
    few.to_csv(src, index=False)
    out = tmp_path / "access.html"
    assert main(["map", "access", "--addresses", str(src), "-o", str(out), "--no-tiles"]) == 0
    assert "Alla rutor har färre än 5 adresser" in capsys.readouterr().err
    dom, log = dump_dom(out, tmp_path)
    assert "Alla rutor har färre än 5 adresser och visas inte" in dom
    assert console_errors(log) == []
    # no share is given for an area with fewer than 5 addresses either
    legend = dom.split('id="geo-legend"', 1)[1]
    assert " %</td>" not in legend


# ----------------------------------------------------------------------------- Swedish axes
#: Skäggetorp base, SWEREF 99 TM, and the same point in RT90 2.5 gon V.
E, N = 534_089.6, 6_476_454.6
RT_X_EAST, RT_Y_NORTH = (float(v[0]) for v in from_sweref(np.array([E]), np.array([N]), 3021))


def _assign_csv(tmp_path, text: str, *args: str) -> tuple[int, pd.DataFrame, str]:
    src = tmp_path / "in.csv"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["assign", str(src), "-o", str(out), "--no-progress", *args])
    table = pd.read_csv(out) if code == 0 else pd.DataFrame()
    return code, table, err.getvalue()


@pytest.mark.parametrize("crs", [["--crs", "RT90"], []])
def test_rt90_with_x_northing_is_read_the_swedish_way(tmp_path, crs):
    text = f"id;X;Y\n1;{RT_Y_NORTH:.2f};{RT_X_EAST:.2f}\n2;{RT_Y_NORTH + 100:.2f};{RT_X_EAST:.2f}\n"
    code, t, err = _assign_csv(tmp_path, text, *crs)
    assert code == 0, err
    assert t["status"].tolist() == ["ok", "ok"]
    assert t["e_3006"][0] == pytest.approx(E, abs=0.5) and t["n_3006"][0] == pytest.approx(
        N, abs=0.5
    )
    assert t["area"][0] == "norr"
    assert "read the Swedish way" in err and "'X' is the northing" in err
    if not crs:
        assert "RT90 2.5 gon V (EPSG:3021) by their values" in err


@pytest.mark.parametrize(
    "header",
    ["X;Y", "X-koordinat;Y-koordinat", "x_koordinat;y_koordinat", "XKOORD;YKOORD"],
)
def test_sweref_x_northing_without_crs(tmp_path, header):
    code, t, err = _assign_csv(tmp_path, f"{header}\n{N};{E}\n")
    assert code == 0, err
    assert t["status"].tolist() == ["ok"] and t["e_3006"][0] == pytest.approx(E)
    assert "SWEREF 99 TM (EPSG:3006) by their values" in err


@pytest.mark.parametrize(
    "header,values",
    [
        ("Nordkoordinat;Ostkoordinat", f"{N};{E}"),
        ("nord_koordinat;öst_koordinat", f"{N};{E}"),
        ("Northing;Easting", f"{N};{E}"),
        ("N;E", f"{N};{E}"),
        ("Easting (m);Northing (m)", f"{E};{N}"),
        ("Latitud;Longitud", "58,4275;15,5837"),
        ("LATITUD;LONGITUD", "58.4275;15.5837"),
    ],
)
def test_swedish_column_names(tmp_path, header, values):
    code, t, err = _assign_csv(tmp_path, f"id;{header}\n1;{values}\n")
    assert code == 0, err
    assert t["status"].tolist() == ["ok"] and t["area"][0] == "norr"


def test_values_identify_the_crs_only_when_unambiguous(tmp_path):
    # RT90 easting in one row, SWEREF 99 TM in another: which is meant cannot be told
    code, _, err = _assign_csv(tmp_path, f"E;N\n{E};{N}\n{RT_X_EAST};{RT_Y_NORTH}\n")
    assert code == 2 and "do not identify one; pass --crs" in err
    # a SWEREF 99 local zone (false easting 150 000 m) looks like no national system
    code, _, err = _assign_csv(tmp_path, "E;N\n150000;6476000\n")
    assert code == 2 and "--crs" in err
    assert err.count("\n") == 1


def test_swap_check_is_kept_for_everything_else(tmp_path):
    # E/N are not X/Y: an E column holding northings is a mistake, flagged per row
    code, t, err = _assign_csv(tmp_path, f"E;N\n{N};{E}\n", "--crs", "EPSG:3006")
    assert code == 0
    assert t["status"].tolist() == ["invalid_coordinates"]
    assert "appear swapped" in t["reason"][0]
    # X/Y in a projected CRS that is not Swedish: no Swedish reading
    x, y = to_sweref(np.array([E]), np.array([N]), 3006)
    code, t, err = _assign_csv(tmp_path, f"X;Y\n{y[0]};{x[0]}\n", "--crs", "EPSG:3035")
    assert code == 0 and "Swedish way" not in err
    assert t["status"].tolist() == ["invalid_coordinates"]
