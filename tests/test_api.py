"""The notebook-facing API: top-level names, rich displays of result objects."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pytest

import geo


def test_top_level_names_are_the_documented_functions():
    from geo.areas import assign_addresses
    from geo.maps import catchment_map
    from geo.siting import site
    from geo.study import load_study

    assert geo.load_study is load_study and geo.assign_addresses is assign_addresses
    assert geo.site is site and geo.catchment_map is catchment_map
    assert set(geo.__all__) == {"__version__", *geo._EXPORTS} and set(geo.__all__) <= set(dir(geo))
    for name in geo._EXPORTS:
        assert getattr(geo, name).__doc__, name  # every exported name is documented
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        geo.nope  # noqa: B018


def test_import_geo_stays_light():
    code = "import sys, geo; print('folium' in sys.modules, 'geopandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_study_and_assignment_display_as_tables(study):
    page = study._repr_html_()
    assert "<table" in page and "Skäggetorp" in page and "4 areas" in page
    assert "own base" in page and "assumed" in page
    demo = geo.synthetic_addresses(500, seed=2)
    pts = gpd.GeoDataFrame(demo, geometry=gpd.points_from_xy(demo.lon, demo.lat), crs=4326)
    result = geo.assign_addresses(pts, study)
    page = result._repr_html_()
    assert "<table" in page and "ok: 500" in page and "median_distance_m" in page
    # no individual address or coordinate in the display
    assert demo["address_id"].iloc[0] not in page and f"{demo['lon'].iloc[0]:.7f}" not in page
