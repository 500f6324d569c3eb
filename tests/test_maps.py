"""Maps: self-contained offline HTML, privacy, and rendering in a real headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from browser import console_errors, dump_dom, png_pixels, screenshot

from geo import maps
from geo.areas import assign_addresses
from geo.cli import main
from geo.errors import GeoValueError
from geo.siting import site
from geo.synthetic import synthetic_addresses


@pytest.fixture(scope="module")
def assigned(study):
    return assign_addresses(synthetic_addresses(6000, seed=11, study=study), study).table


def _render(html_path: Path, tmp: Path) -> tuple[str, str, Path]:
    """DOM after scripts ran, Chromium's console log, and a screenshot; network blocked."""
    shot = screenshot(html_path, tmp)
    dom, log = dump_dom(html_path, tmp)
    return dom, log, shot


def test_html_is_self_contained_and_small(study, tmp_path):
    path = maps.save_map(maps.catchment_map(study), tmp_path / "c.html")
    page = path.read_text(encoding="utf-8")
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?://', page)
    assert "L.map(" in page and "leaflet-container" in page  # Leaflet JS and CSS inlined
    assert path.stat().st_size < 3_000_000
    for text in (
        "Upptagningsområden",
        "RegSO-områden",
        "Tätorter",
        "Baser",
        "Skäggetorp",
        "bekräftad plats",
    ):
        assert text in page or json.dumps(text)[1:-1] in page, text  # JS strings escape å/ä/ö
    en = maps.to_html(maps.catchment_map(study, lang="en"))
    assert "Catchment areas" in en and "Upptagningsomr" not in en
    with pytest.raises(GeoValueError, match="lang"):
        maps.catchment_map(study, lang="de")
    with pytest.raises(GeoValueError, match=".html"):
        maps.save_map(maps.catchment_map(study), tmp_path / "c.png")


def test_swedish_numbers():
    assert maps.fmt_number(12345.67, "sv", 1) == "12\u00a0345,7"
    assert maps.fmt_number(12345.67, "en", 1) == "12,345.7"
    assert maps.fmt_number(float("nan")) == "–"


@pytest.mark.slow
def test_no_address_in_default_html(study, assigned, tmp_path):
    """No input coordinate or address id may appear in a default map."""
    ok = assigned[assigned["status"] == "ok"]
    ids = set(ok["address_id"].head(500))
    # the coordinates as the input file has them (7 decimals). Map geometry is rounded to 5
    # decimals (~1 m), so a coordinate that happens to have 5 or fewer decimals cannot be told
    # from a boundary vertex: only longer ones are checked.
    lonlat = {f"{v:.7f}".rstrip("0") for v in [*ok["lat"].head(500), *ok["lon"].head(500)]}
    lonlat = {t for t in lonlat if len(t.split(".")[1]) >= 6}
    sweref = {f"{v:.1f}" for v in [*ok["e_3006"].head(500), *ok["n_3006"].head(500)]}
    secrets = ids | lonlat | sweref
    assert len(lonlat) > 800
    res = site(study, add=1, addresses=assigned)
    for m in (
        maps.access_map(study, assigned),
        maps.catchment_map(study, assignment=assigned),
        maps.siting_map(res, study),
    ):
        page = maps.to_html(m)
        leaked = [s for s in secrets if s in page]
        assert leaked == [], leaked[:5]
    # ... and the test can fail: with --show-addresses the points are there
    page = maps.to_html(maps.access_map(study, assigned, show_addresses=True))
    assert sum(f"{lat:.7f}"[:8] in page for lat in ok["lat"].head(50)) >= 45


def test_small_counts_are_suppressed(study, assigned):
    m = maps.access_map(study, assigned, min_count=5, cell_size_m=500)
    page = maps.to_html(m)
    counts = [int(c.replace("\u00a0", "")) for c in re.findall(r'"t0": "([\d\u00a0]+)"', page)]
    assert counts and min(counts) >= 5
    assert "färre än 5 adresser" in page


@pytest.mark.parametrize("kind", ["catchments", "access", "siting"])
@pytest.mark.slow
def test_renders_in_headless_chromium_offline(study, assigned, tmp_path, kind):
    path = tmp_path / f"{kind}.html"
    if kind == "catchments":
        m = maps.catchment_map(study, assignment=assigned)
        expect = ["Upptagningsområden", "RegSO-områden", "Bebyggelsetyp", "Befolkning 2023"]
    elif kind == "access":
        m = maps.access_map(study, assigned)
        expect = ["Avstånd till egen bas", "Andel bortom 5 km", "SYNTETISKA", "Median"]
    else:
        m = maps.siting_map(site(study, add=2), study)
        expect = ["Föreslagna baser", "Nya upptagningsområden", "Ljungsbro"]
    maps.save_map(m, path)
    # as a person hovering would: open the tooltip of every GeoJSON layer that has one
    hover = (
        "<script>setTimeout(function(){for (var k in window) { var v = window[k];"
        " if (v instanceof L.Map) { v.eachLayer(function(l){ if (l.feature && l.getTooltip"
        " && l.getTooltip() && !l._geoSeen) { l._geoSeen = 1; l.openTooltip(); } }); } }}, 300);"
        "</script></html>"
    )
    page = path.read_text(encoding="utf-8")
    path.write_text(page[: page.rindex("</html>")] + hover, encoding="utf-8")
    dom, log, shot = _render(path, tmp_path)
    assert "leaflet-tooltip" in dom
    assert "leaflet-control-layers" in dom and "geo-legend" in dom and "geo-title" in dom
    assert "leaflet-control-scale" in dom and "geo-fullscreen" in dom and "geo-measure" in dom
    assert dom.count("leaflet-interactive") > 10  # drawn areas, cells, markers
    for text in expect:
        assert text in dom, text
    errors = console_errors(log)
    assert errors == [], errors
    px = png_pixels(shot)
    assert px.shape[0] > 500 and px.shape[1] > 800
    colours = np.unique(px[::4, ::4].reshape(-1, 3), axis=0)
    assert len(colours) > 50  # areas, cells, legend: not a blank page
    blank = (px == px[0, 0]).all(axis=2).mean()
    assert blank < 0.9


@pytest.mark.slow
def test_cli_map(tmp_path, assigned, capsys):
    src = tmp_path / "assigned.csv"
    assigned.to_csv(src, index=False)
    for kind in ("catchments", "access", "siting"):
        out = tmp_path / f"{kind}.html"
        assert main(["map", kind, "--addresses", str(src), "-o", str(out), "--no-tiles"]) == 0
        assert out.stat().st_size > 100_000
        assert "openstreetmap.org/{z}" not in out.read_text(encoding="utf-8")
    assert "works offline" in capsys.readouterr().out


def test_estimated_times_are_labelled_on_the_map(study):
    t = assign_addresses(synthetic_addresses(2000, seed=1, study=study), study, mode="car").table
    page = maps.to_html(maps.access_map(study, t))
    assert "UPPSKATTAD restid" in page and "Restid till egen bas" in page


def test_pages_have_a_title_a_language_and_let_the_reader_zoom(study):
    """WCAG 2.1: a page title (2.4.2), the page's language (3.1.1), zoom left to the reader
    (1.4.4) — on the maps as on the studio and the reception page."""
    import re

    from geo import maps

    for m, lang in ((maps.catchment_map(study, tiles=False), "sv"),
                    (maps.access_map(study, tiles=False, lang="en"), "en")):  # fmt: skip
        page = maps.to_html(m)
        assert f'<html lang="{lang}">' in page
        title = re.findall(r"<title>([^<]+)</title>", page)
        assert len(title) == 1 and "Linköping" in title[0]
        assert "user-scalable=no" not in page and "maximum-scale" not in page
