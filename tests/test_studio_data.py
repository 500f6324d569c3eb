"""The planning studio's data and the scenario files, without a browser.

What the studio page is built from (:func:`geo.maps.studio.studio_data`), how its figures
round, the comparison by hand on two squares, and the checks on a scenario file. The page
itself is driven in Chromium in ``tests/test_studio.py``.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.crs import to_sweref
from geo.errors import GeoValueError
from geo.maps.studio import page_json, save_page, studio_data, studio_page
from geo.report import round_shown
from geo.scenario_file import Scenario, ScenarioBase, read_scenario
from geo.siting import compare

EVIL = '<img src=x onerror="window.__pwned=1">{{7*7}}${alert(1)}'


def test_rounding_is_the_same_as_javascripts_to_fixed():
    # toFixed rounds the exact binary value, halves away from zero
    assert str(round_shown(0.125 * 100, 0)) == "13"
    assert str(round_shown(2.25, 1)) == "2.3"
    assert str(round_shown(1.005, 2)) == "1.00"  # 1.005 is 1.00499999... in binary
    assert str(round_shown(167793.5, 0)) == "167794"


def test_compare_by_hand_on_two_squares(square_study):
    """Two squares, a base at each centre: moving base A onto B's centre doubles nobody's
    distance in B and sends A's cell 1 km away."""

    dem = pd.DataFrame(
        {
            "population": [10.0, 30.0],
            "weight": [10.0, 30.0],
            "area": ["A", "B"],
            "settlement_class": ["city", "countryside"],
            "locality": ["", ""],
        }
    )
    import geopandas as gpd
    import shapely

    e0, n0 = 530_000.0, 6_470_000.0
    dem = gpd.GeoDataFrame(
        dem,
        geometry=shapely.points([e0 + 500, e0 + 1500], [n0 + 500, n0 + 500]),
        crs=3006,
    )
    moved = Scenario((ScenarioBase("both", e0 + 1500, n0 + 500, "B"),), threshold=0.5)
    comp = compare(square_study, moved, demand=dem)
    t = comp.table.set_index(["group", "name"])
    assert t.loc[("all", "all"), "mean_before"] == 0
    assert t.loc[("all", "all"), "mean_after"] == pytest.approx(1000 * 10 / 40)
    assert t.loc[("area", "A"), "worse"] == 10 and t.loc[("area", "B"), "worse"] == 0
    assert t.loc[("all", "all"), "share_within_after"] == pytest.approx(30 / 40)
    assert t.loc[("all", "all"), "p90_after"] == 1000  # 90 % of 40 people reach into A's 10
    assert t.loc[("all", "all"), "max_after"] == 1000
    assert comp.nearest.tolist() == [0, 0]


def scenario_doc(study, bases, **more):
    """A scenario document as the studio writes it (schema version 2)."""
    doc = {"format": "geo-scenario", "version": 2,
           "study": {"kommun": study.kommun, "name": study.name}, "unit": "km",
           "mode": "straight", "weight": "population", "demand": "grid", "bases": bases}  # fmt: skip
    doc.update(more)
    return doc


def test_scenario_files_are_checked(tmp_path, study):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(GeoValueError, match="not valid JSON"):
        read_scenario(bad)
    bad.write_text(json.dumps(scenario_doc(study, [{"name": "x", "lat": "north", "lon": 15}])))
    with pytest.raises(GeoValueError, match="schema at bases/0/lat: 'north' is not of type"):
        read_scenario(bad)
    bad.write_text(json.dumps(scenario_doc(study, [{"name": "x", "lat": 91, "lon": 15}])))
    with pytest.raises(GeoValueError, match="bases/0/lat: 91 is greater than the maximum of 90"):
        read_scenario(bad)
    bad.write_text(json.dumps(scenario_doc(study, [])))
    with pytest.raises(GeoValueError, match=r"schema at bases: \[\] should be non-empty"):
        read_scenario(bad)
    assert main(["whatif", "--scenario", str(bad), "-q"]) == 2
    csv = tmp_path / "bases.csv"
    csv.write_text("name,lat,lon\nSkäggetorp,58.4268,15.5955\nLjungsbro,58.5085,15.4980\n")
    sc = read_scenario(csv)
    assert [b.name for b in sc.bases] == ["Skäggetorp", "Ljungsbro"]
    e, n = to_sweref(np.array([15.4980]), np.array([58.5085]), 4326)
    assert (sc.bases[1].e, sc.bases[1].n) == pytest.approx((e[0], n[0]))


@pytest.mark.slow
def test_studio_data_is_offline_and_inert(study, tmp_path):
    evil_areas = study.areas.copy()
    evil_bases = study.bases.copy()
    evil_areas.loc[0, "area"] = EVIL
    evil_bases.loc[evil_bases["area"] == study.areas.loc[0, "area"], "area"] = EVIL
    evil_bases.loc[0, "base_name"] = EVIL
    evil = dataclasses.replace(study, areas=evil_areas, bases=evil_bases)
    assert "Planning studio" in studio_page(study, proven=False, lang="en")
    page = studio_page(evil, proven=False)
    assert "<img" not in page.split('id="geo-studio-data"')[1].split("</script>")[0]
    assert "https://unpkg" not in page and "cdn" not in page.lower().split("leaflet")[0]
    assert json.loads(page_json({"x": "</script><b>"})) == {"x": "</script><b>"}
    assert "</script>" not in page_json({"x": "</script>"})
    with pytest.raises(GeoValueError, match="weight"):
        studio_data(study, weight="income")
    path = save_page(page, tmp_path / "evil.html")
    assert path.read_text(encoding="utf-8") == page
    with pytest.raises(GeoValueError, match=".html"):
        save_page(page, tmp_path / "evil.txt")


# ----------------------------------------------------------------------------- in Chromium
