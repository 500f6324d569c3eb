"""Layers several maps share: the catchment areas and the bases."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np

from ..crs import WGS84
from ..report import population_by_area
from ..study import Study

if TYPE_CHECKING:
    pass

from .page import AREA_COLOURS, fmt_number, html_text, labels, to_wgs84, tooltip_layer

logger = logging.getLogger(__name__)


def area_colours(study: Study) -> dict[str, str]:
    return {
        a: AREA_COLOURS[i % len(AREA_COLOURS)]
        for i, a in enumerate(study.areas["area"].astype(str))
    }


def add_areas(
    m: folium.Map, study: Study, lang: str, *, show: bool = True, fill_opacity: float = 0.25
) -> dict[str, str]:
    lab = labels(lang, study)
    colours = area_colours(study)
    areas = study.areas[["area", "geometry"]].copy()
    base_of = dict(
        zip(study.bases["area"].astype(str), study.bases["base_name"].astype(str), strict=False)
    )
    areas["base"] = areas["area"].astype(str).map(base_of).fillna("")
    areas["area_km2_txt"] = [fmt_number(a / 1e6, lang, 1) + " km²" for a in areas.geometry.area]
    if study.demand is not None:  # the people of geo assign's summary and /api/summary
        pop = population_by_area(study).groupby("area")["population_est"].sum()
        areas["pop_txt"] = [fmt_number(pop.get(a, np.nan), lang) for a in areas["area"]]
    else:
        areas["pop_txt"] = "–"
    areas["colour"] = [colours.get(a, "#999") for a in areas["area"].astype(str)]
    layer = folium.FeatureGroup(name=lab["areas"], show=show)
    tooltip_layer(
        to_wgs84(areas),
        {"area": lab["area"], "base": lab["base"], "pop_txt": lab["pop_area_grid"],
         "area_km2_txt": lab["area_km2"]},
        keep=("colour",),
        style_function=lambda f: {
            "fillColor": f["properties"]["colour"],
            "color": f["properties"]["colour"],
            "weight": 3,
            "fillOpacity": fill_opacity,
        },
        name=lab["areas"],
        sticky=False,
    ).add_to(layer)  # fmt: skip
    for a, geom in zip(areas["area"].astype(str), areas.to_crs(WGS84).geometry, strict=True):
        pt = geom.representative_point()
        folium.Marker(
            [pt.y, pt.x],
            icon=folium.DivIcon(
                html=f'<div class="geo-area-label" style="color:{colours[a]}">'
                f"{html_text(a.upper())}</div>"
            ),
        ).add_to(layer)
    layer.add_to(m)
    return colours


def add_bases(
    m: folium.Map,
    bases: gpd.GeoDataFrame,
    lang: str,
    *,
    name: str,
    colour: str = "#000",
    show: bool = True,
) -> None:
    lab = labels(lang)
    layer = folium.FeatureGroup(name=name, show=show)
    b = bases.to_crs(WGS84)
    for row in b.itertuples():
        status = getattr(row, "location_status", "")
        note = f" ({lab.get(str(status), str(status))})" if status else ""
        label = html_text(str(row.base_name)) + html_text(note)
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x], radius=9, color="#fff", weight=3, fill=True,
            fill_color=colour, fill_opacity=1, tooltip=f"{lab['base']}: {label}",
        ).add_to(layer)  # fmt: skip
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                icon_anchor=(-12, 8),
                html=f'<div class="geo-base-label">{html_text(str(row.base_name))}</div>',
            ),
        ).add_to(layer)
    layer.add_to(m)
