"""The catchment map: areas, bases, RegSO with need indicators, localities, settlement."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import folium
import numpy as np
import pandas as pd

from .. import settings
from ..crs import WGS84
from ..schema import (
    LOCALITY_POPULATION,
    REGSO_AREA,
    REGSO_CENTRE_TO_BASE_M,
    REGSO_CHILDREN,
    REGSO_CODE,
    REGSO_LOW_INCOME_PCT,
    REGSO_POPULATION,
    REGSO_SINGLE_PARENTS,
    SETTLEMENT_CLASSES,
)
from ..study import Study

if TYPE_CHECKING:
    pass

from ..report import figures_by
from .layers import add_areas, add_bases
from .page import (
    SETTLEMENT_COLOURS,
    base_map,
    fmt_number,
    html_text,
    labels,
    legend,
    to_wgs84,
    tooltip_layer,
)

logger = logging.getLogger(__name__)

__all__ = ["catchment_map"]


def catchment_map(
    study: Study,
    *,
    assignment: pd.DataFrame | None = None,
    lang: str = "sv",
    tiles: bool = True,
    min_count: int | None = None,
) -> folium.Map:
    """The catchment map: areas, bases, RegSO with need indicators, localities, settlement.

    Parameters
    ----------
    study : Study
    assignment : pandas.DataFrame, optional
        :attr:`geo.areas.Assignment.table`; adds per-RegSO address counts and distance
        figures to the tooltips (counts below ``min_count`` suppressed).
    lang : {"sv", "en"}
    tiles : bool
        Add the OpenStreetMap background (the only part that needs the network).
    """
    min_count = settings.min_count if min_count is None else min_count
    lab = labels(lang, study)
    m = base_map(study, lab["catchment_title"], lang, tiles=tiles)
    colours = add_areas(m, study, lang)
    if study.regso is not None:
        r = study.regso.copy()
        r["pop_txt"] = [fmt_number(v, lang) for v in r[REGSO_POPULATION]]
        r["children_txt"] = [fmt_number(v, lang) for v in r[REGSO_CHILDREN]]
        r["low_txt"] = [fmt_number(v, lang, 1) + " %" for v in r[REGSO_LOW_INCOME_PCT]]
        r["single_txt"] = [fmt_number(100 * v, lang, 1) + " %" for v in r[REGSO_SINGLE_PARENTS]]
        r["km2_txt"] = [fmt_number(v, lang, 1) + " km²" for v in r["area_km2"]]
        r["dist_txt"] = [fmt_number(v / 1000, lang, 1) + " km" for v in r[REGSO_CENTRE_TO_BASE_M]]
        fields = [
            "regsonamn",
            REGSO_AREA,
            "pop_txt",
            "children_txt",
            "low_txt",
            "single_txt",
            "km2_txt",
            "dist_txt",
        ]
        aliases = ["RegSO", lab["area"], lab["population"], lab["children"], lab["low_income"],
                   lab["single_parents"], lab["area_km2"], lab["distance_to_base"]]  # fmt: skip
        if assignment is not None:
            stats = figures_by(
                assignment, REGSO_CODE, r[REGSO_CODE].astype(str), min_count=min_count
            )
            small = stats["addresses"] < min_count
            r["n_txt"] = np.where(
                small, f"< {min_count}", [fmt_number(v, lang) for v in stats["addresses"]]
            )
            r["med_txt"] = [
                fmt_number(v / 1000, lang, 1) + " km" for v in stats["median_distance_m"]
            ]
            r["p90_txt"] = [fmt_number(v / 1000, lang, 1) + " km" for v in stats["p90_distance_m"]]
            fields += ["n_txt", "med_txt", "p90_txt"]
            aliases += [
                lab["addresses"],
                f"{lab['median']} ({lab['legend_distance'].lower()})",
                lab["p90"],
            ]
        layer = folium.FeatureGroup(name=lab["regso"], show=True)
        tooltip_layer(
            to_wgs84(r[[*fields, "geometry"]]),
            dict(zip(fields, aliases, strict=True)),
            style_function=lambda f: {
                "fillOpacity": 0.0,
                "color": "#333",
                "weight": 1,
                "opacity": 0.7,
            },
            highlight_function=lambda f: {"weight": 3, "color": "#000"},
        ).add_to(layer)
        layer.add_to(m)
    if study.settlement is not None:
        s = study.settlement.dissolve(by="settlement_class").reset_index()
        s["label"] = s["settlement_class"].map(lambda c: lab.get(c, c))
        s["colour"] = [SETTLEMENT_COLOURS.get(str(c), "#999") for c in s["settlement_class"]]
        layer = folium.FeatureGroup(name=lab["settlement"], show=False)
        tooltip_layer(
            to_wgs84(s[["label", "colour", "geometry"]], simplify_m=50),
            {"label": lab["settlement"]},
            keep=("colour",),
            style_function=lambda f: {
                "fillColor": f["properties"]["colour"],
                "color": "#555",
                "weight": 0.5,
                "fillOpacity": 0.45,
            },  # fmt: skip
            sticky=False,
        ).add_to(layer)
        layer.add_to(m)
    if study.localities is not None:
        layer = folium.FeatureGroup(name=lab["localities"], show=True)
        loc = study.localities.to_crs(WGS84)
        for row in loc.itertuples():
            people = getattr(row, LOCALITY_POPULATION)
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x], radius=3 + 2 * np.log10(max(people, 10)),
                color="#444", weight=1, fill=True, fill_color="#fff", fill_opacity=0.9,
                tooltip=f"{html_text(str(row.name))}: {fmt_number(people, lang)} "
                f"{html_text(lab['people'])} (2020)",
            ).add_to(layer)  # fmt: skip
        layer.add_to(m)
    add_bases(m, study.bases, lang, name=lab["bases"])
    folium.LayerControl(collapsed=False).add_to(m)
    items = [
        (colours[a], f"{a} – {b}")
        for a, b in zip(
            study.bases["area"].astype(str), study.bases["base_name"].astype(str), strict=True
        )
        if a in colours
    ]
    items += [(SETTLEMENT_COLOURS[k], lab[k]) for k in SETTLEMENT_CLASSES]
    legend(m, lab["areas"], items)
    return m
