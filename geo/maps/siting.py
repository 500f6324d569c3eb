"""The siting map: current and proposed bases, new catchments, before/after figures."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd

from ..study import Study

if TYPE_CHECKING:
    from ..siting import SitingResult

from .layers import add_areas, add_bases
from .page import (
    AREA_COLOURS,
    base_map,
    fmt_number,
    html_text,
    labels,
    legend,
    panel,
    to_wgs84,
    tooltip_layer,
)

logger = logging.getLogger(__name__)

__all__ = ["siting_map"]


def _before_after_row(r: dict[Any, Any], lab: dict[str, str], lang: str, scale: float) -> str:
    def pair(a: str, b: str, factor: float, decimals: int) -> str:
        return (
            f"{fmt_number(float(r[a]) * factor, lang, decimals)} → "
            f"{fmt_number(float(r[b]) * factor, lang, decimals)}"
        )

    cls = str(r["settlement_class"])
    cells = [
        fmt_number(float(r["population"]), lang),
        pair("mean_before", "mean_after", 1 / scale, 1),
        pair("p90_before", "p90_after", 1 / scale, 1),
        pair("share_within_before", "share_within_after", 100.0, 0) + " %",
    ]
    tds = "".join(f"<td>{c}</td>" for c in cells)
    return f"<tr><td>{html_text(lab.get(cls, cls))}</td>{tds}</tr>"


def siting_map(
    result: SitingResult, study: Study, *, lang: str = "sv", tiles: bool = True
) -> folium.Map:
    """Current and proposed bases, the new catchments and the before/after figures."""
    lab = labels(lang, study)
    m = base_map(study, lab["siting_title"], lang, tiles=tiles)
    add_areas(m, study, lang, show=False)
    prop = result.proposals
    part = result.partition
    if study.regso is not None and len(part):
        r = study.regso.merge(part[["regsokod", "site"]], on="regsokod")
        new = r.dissolve(by="site").reset_index()[["site", "geometry"]]
        sites = list(prop.sort_values("rank")["site"])
        col = {s: AREA_COLOURS[i % len(AREA_COLOURS)] for i, s in enumerate(sites)}
        new["colour"] = [col.get(str(v), "#999") for v in new["site"]]
        layer = folium.FeatureGroup(name=lab["new_catchments"], show=True)
        tooltip_layer(
            to_wgs84(new),
            {"site": lab["base"]},
            keep=("colour",),
            style_function=lambda f: {
                "fillColor": f["properties"]["colour"],
                "color": "#333",
                "weight": 2,
                "fillOpacity": 0.3,
            },  # fmt: skip
            sticky=False,
        ).add_to(layer)
        layer.add_to(m)
    add_bases(m, study.bases, lang, name=lab["current"], colour="#444")
    newp = prop[prop["new"]].rename(columns={"site": "base_name"})
    add_bases(
        m,
        gpd.GeoDataFrame(newp, geometry="geometry", crs=prop.crs),
        lang,
        name=lab["proposed"],
        colour="#d7301f",
    )
    folium.LayerControl(collapsed=False).add_to(m)
    unit = "km" if result.unit == "m" else "min"
    scale = 1000.0 if result.unit == "m" else 60.0
    t = f"{fmt_number(result.threshold / scale, lang)} {unit}"
    ba = result.before_after[result.before_after["area"] == "all"]
    rows = "".join(_before_after_row(r, lab, lang, scale) for r in ba.to_dict("records"))
    s = result.solution
    ranked = "".join(
        f"<li>{html_text(str(p.site))}{'' if p.new else ' (' + lab['current'].lower() + ')'}: "
        f"{fmt_number(p.population_served, lang)} inv.</li>"
        for p in prop.sort_values("rank").itertuples()
    )
    inner = (
        f"<b>{html_text(lab['proposed'])}</b> ({html_text(str(s.objective))}, "
        f"{html_text(str(s.status))}, gap {fmt_number(100 * s.gap, lang, 3)} %)"
        f"<ol>{ranked}</ol>"
        f"<table><tr><th></th>"
        f"<th>{html_text(lab['people_grid'])}</th>"
        f"<th>{html_text(lab['mean'])} ({unit})</th><th>{html_text(lab['p90'])} ({unit})</th>"
        f"<th>{html_text(lab['share_within'].format(t=t))}</th></tr>{rows}</table>"
        f"<div class='geo-note'>{html_text(lab['before'])} → "
        f"{html_text(lab['after'])}</div>"
    )
    panel(m, "geo-panel", inner)
    legend(m, lab["bases"], [("#444", lab["current"]), ("#d7301f", lab["proposed"])])
    return m
