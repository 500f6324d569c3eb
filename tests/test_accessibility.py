"""WCAG 2.1 AA, measured: axe-core (from the npm registry, pinned in package.json, run offline)
in Debian's Chromium on every page geo writes or serves — the maps, the planning studio (with
an area design), the decision report, the reception page and /maps/ — 0 violations each."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from geo.cli import main

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api")

from browser import playwright_chromium  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def axe() -> str:
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is missing: .ci/run installs it with npm ci")
        pytest.skip("axe-core not installed (npm ci)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("a11y")
    out = {}
    for kind in ("catchments", "access", "siting"):
        out[kind] = tmp / f"{kind}.html"
        assert main(["map", kind, "-o", str(out[kind]), "--no-tiles", "-q"]) == 0
    design = tmp / "six.gpkg"
    assert main(["areas", "design", "--add", "2", "-o", str(design), "-q"]) == 0
    out["studio"] = tmp / "studio.html"
    assert main(["map", "studio", "--design", str(design), "--no-proven",
                 "-o", str(out["studio"]), "-q"]) == 0  # fmt: skip
    out["report"] = tmp / "report.html"
    assert main(["report", "-o", str(out["report"]), "-q"]) == 0
    return out


def _violations(page, axe: str) -> list[str]:
    page.wait_for_timeout(800)  # charts and layers drawn
    page.add_script_tag(content=axe)
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].html.slice(0, 120))",
        TAGS,
    )
    return list(found)


@pytest.mark.parametrize("name", ["catchments", "access", "siting", "studio", "report"])
def test_every_page_meets_wcag_21_aa(pages, axe, name):
    with sync_api.sync_playwright() as p:
        browser = playwright_chromium(p)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(pages[name].as_uri())
        assert _violations(page, axe) == []
        browser.close()


def test_the_served_pages_meet_wcag_21_aa(axe, tmp_path):
    from test_service import Server

    from geo.synthetic import synthetic_register

    register = tmp_path / "register.csv"
    synthetic_register(2000, seed=9).to_csv(register, index=False)
    srv = Server(tmp_path, "--register", str(register))
    try:
        with sync_api.sync_playwright() as p:
            browser = playwright_chromium(p)
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            for path in ("/", "/maps/"):
                page.goto(f"http://127.0.0.1:{srv.port}{path}")
                assert _violations(page, axe) == [], path
            browser.close()
    finally:
        assert srv.stop() == 0


def _luminance(rgb: str) -> float:
    """WCAG relative luminance of a CSS colour as the browser computes it ('rgb(r, g, b)')."""
    r, g, b = (int(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def test_luminance_by_hand():
    assert _luminance("rgb(255, 255, 255)") == pytest.approx(1.0)
    assert (1.05 / (_luminance("rgb(118, 118, 118)") + 0.05)) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", ["report", "studio"])
def test_charts_pass_non_text_contrast_and_say_their_values(pages, name):
    """WCAG 1.4.11: every bar and point at least 3:1 against the page; 1.1.1/1.4.1: every
    chart has a title and a summary in words with each of its values."""
    with sync_api.sync_playwright() as p:
        browser = playwright_chromium(p)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(pages[name].as_uri())
        page.wait_for_selector("body[data-ready='1']")
        charts = page.evaluate(
            """() => [...document.querySelectorAll('.chart')].filter(c => c.querySelector('svg')).map(c => ({
                title: (c.querySelector('svg > title') || {}).textContent || '',
                summary: (c.querySelector('.chart-summary') || {}).textContent || '',
                marks: [...c.querySelectorAll('svg rect[fill], svg circle')].map(m => getComputedStyle(m).fill),
                values: [...c.querySelectorAll('svg text')].map(t => t.textContent)
                    .filter(t => /^[0-9]/.test(t) && / (km|min)$/.test(t)),
            }))"""
        )
        browser.close()
    assert len(charts) >= (3 if name == "report" else 1)
    for c in charts:
        assert c["title"] and c["summary"], c
        for rgb in set(c["marks"]):
            assert 1.05 / (_luminance(rgb) + 0.05) >= 3.0, (c["title"], rgb)
        for v in c["values"]:  # every value drawn on a bar is in the summary
            assert v.replace("\u00a0", " ") in c["summary"].replace("\u00a0", " "), (
                v,
                c["summary"],
            )
