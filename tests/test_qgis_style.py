"""The QGIS style geo stores in its GeoPackages: valid QML whatever the area names are, one
default per layer, readable by GDAL (the GeoPackage stays valid)."""

from __future__ import annotations

import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pyogrio
import shapely

from geo.maps.page import AREA_COLOURS
from geo.maps.qgis_style import area_colours_in_order, categorized_qml, embed_style

EVIL = '<img src=x onerror="1">"&\'{{DATA}}'


def test_the_style_is_valid_xml_with_every_name_as_text():
    colours = area_colours_in_order(["norr", EVIL, "öster"])
    qml = categorized_qml("area", colours, geometry="polygon")
    root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("attr") == "area"
    cats = [(c.get("value"), c.get("symbol")) for c in renderer.iter("category")]
    assert cats == [("norr", "0"), (EVIL, "1"), ("öster", "2")]
    fills = [o.get("value") for o in renderer.iter("Option") if o.get("name") == "color"]
    assert fills[1] == "217,95,2,110" and AREA_COLOURS[1] == "#d95f02"


def test_embedding_keeps_one_default_and_a_valid_geopackage(tmp_path):
    path = tmp_path / "a.gpkg"
    gpd.GeoDataFrame({"area": ["norr"]}, geometry=[shapely.Point(1, 2)], crs=3006).to_file(
        path, layer="a"
    )
    qml = categorized_qml("area", {"norr": "#1b9e77"}, geometry="point")
    embed_style(path, "a", qml)
    embed_style(path, "a", qml)  # again: still one default
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, useAsDefault FROM layer_styles").fetchall()
    assert rows == [("a", 1)]
    assert pyogrio.read_dataframe(path, layer="a")["area"].tolist() == ["norr"]
    assert "a" in [name for name, _ in pyogrio.list_layers(path)]
