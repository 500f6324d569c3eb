"""Interactive Folium maps that planners open and decide from (the only folium code in geo).

Three maps: :func:`catchment_map` (areas, bases, RegSO with need indicators, localities,
settlement classes), :func:`access_map` (distance or travel time to the own base on a grid of
cells, with suppression of small counts) and :func:`siting_map` (current and proposed bases,
the new catchments and the before/after figures). :func:`save_map` writes a self-contained
HTML file: Leaflet's JavaScript and CSS (from the PyPI package ``xstatic-leaflet``) and all
data are inlined, so the map works with no network; only the optional background tiles come
from a tile server.

Privacy: no map embeds individual addresses. Addresses are aggregated to cells and cells with
fewer than ``min_count`` (default 5) addresses are left out.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement, Template

from . import settings
from .crs import SWEREF99TM, WGS84
from .errors import GeoValueError
from .schema import (
    CELL_POPULATION_IN_STUDY,
    LOCALITY_POPULATION,
    NETWORK_ESTIMATED,
    REGSO_AREA,
    REGSO_CENTRE_TO_BASE_M,
    REGSO_CHILDREN,
    REGSO_LOW_INCOME_PCT,
    REGSO_POPULATION,
    REGSO_SINGLE_PARENTS,
    SETTLEMENT_CLASSES,
    STATUS_OK,
)
from .study import Study

if TYPE_CHECKING:
    from .scenario import SitingResult

__all__ = ["access_map", "catchment_map", "save_map", "siting_map"]

logger = logging.getLogger(__name__)

AREA_COLOURS = [
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
]
SETTLEMENT_COLOURS = {"city": "#6a51a3", "locality": "#fd8d3c", "countryside": "#74c476"}
CLASS_COLOURS = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027"]
DISTANCE_CLASSES_KM = (2, 5, 10, 20)
TIME_CLASSES_MIN = (15, 30, 45, 60)
DATA_YEARS = "SCB RegSO 2025, befolkning 2022–2024"

LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "catchment_title": "Nära socialtjänst – upptagningsområden",
        "access_title": "Avstånd till områdets bas",
        "access_time_title": "Restid till områdets bas",
        "siting_title": "Nya baser – förslag",
        "areas": "Upptagningsområden",
        "bases": "Baser",
        "regso": "RegSO-områden",
        "localities": "Tätorter",
        "settlement": "Bebyggelsetyp",
        "city": "Tätorten {town}",
        "locality": "Mindre tätort",
        "countryside": "Landsbygd",
        "population": "Befolkning 2023",
        "children": "Barn 0–17 (uppskattat)",
        "low_income": "Låg ekonomisk standard",
        "single_parents": "Ensamstående med barn",
        "area_km2": "Yta",
        "area": "Område",
        "base": "Bas",
        "confirmed": "bekräftad plats",
        "assumed": "antagen plats",
        "distance_to_base": "Avstånd befolkningscentrum–bas",
        "addresses": "Adresser",
        "median": "Median",
        "p90": "90:e percentil",
        "cells": "Rutor",
        "suppressed": "rutor med färre än {n} adresser visas inte",
        "beyond": "Andel bortom {t}",
        "current": "Nuvarande baser",
        "proposed": "Föreslagna baser",
        "new_catchments": "Nya upptagningsområden",
        "before": "Före",
        "after": "Efter",
        "mean": "Medel",
        "share_within": "Andel inom {t}",
        "data": "Data",
        "made": "Skapad",
        "measure": "Mät avstånd",
        "fullscreen": "Helskärm",
        "synthetic": "SYNTETISKA adresser (demo)",
        "legend_distance": "Avstånd till egen bas",
        "legend_time": "Restid till egen bas",
        "all": "alla",
        "people": "inv.",
        "estimated": "UPPSKATTAD restid (inget vägnät: fågelväg × 1,3)",
        "people_grid": "Befolkning 2024",
        "all_suppressed": "Alla rutor har färre än {n} adresser och visas inte (skydd av "
        "personuppgifter); välj större rutor med --cell-size-m",
    },
    "en": {
        "catchment_title": "Local social services – catchment areas",
        "access_title": "Distance to the area's base",
        "access_time_title": "Travel time to the area's base",
        "siting_title": "New bases – proposal",
        "areas": "Catchment areas",
        "bases": "Bases",
        "regso": "RegSO areas",
        "localities": "Localities",
        "settlement": "Settlement class",
        "city": "{town} (main town)",
        "locality": "Smaller locality",
        "countryside": "Countryside",
        "population": "Population 2023",
        "children": "Children 0–17 (estimated)",
        "low_income": "Low economic standard",
        "single_parents": "Single parents",
        "area_km2": "Area",
        "area": "Area",
        "base": "Base",
        "confirmed": "confirmed location",
        "assumed": "assumed location",
        "distance_to_base": "Population centre to base",
        "addresses": "Addresses",
        "median": "Median",
        "p90": "90th percentile",
        "cells": "Cells",
        "suppressed": "cells with fewer than {n} addresses are not shown",
        "beyond": "Share beyond {t}",
        "current": "Current bases",
        "proposed": "Proposed bases",
        "new_catchments": "New catchment areas",
        "before": "Before",
        "after": "After",
        "mean": "Mean",
        "share_within": "Share within {t}",
        "data": "Data",
        "made": "Made",
        "measure": "Measure distance",
        "fullscreen": "Full screen",
        "synthetic": "SYNTHETIC addresses (demo)",
        "legend_distance": "Distance to own base",
        "legend_time": "Travel time to own base",
        "all": "all",
        "people": "people",
        "estimated": "ESTIMATED travel time (no network: straight line × 1.3)",
        "people_grid": "Population 2024",
        "all_suppressed": "Every cell has fewer than {n} addresses and none is shown (privacy); "
        "use larger cells with --cell-size-m",
    },
}


def _labels(lang: str, study: Study | None = None) -> dict[str, str]:
    """The labels of ``lang``; with a study, the main town named as the study names it."""
    if lang not in LABELS:
        raise GeoValueError(f"lang: must be one of {sorted(LABELS)}; received {lang!r}")
    lab = dict(LABELS[lang])
    lab["city"] = lab["city"].format(town=study.town if study is not None else "")
    return lab


def fmt_number(value: float, lang: str = "sv", decimals: int = 0) -> str:
    """A number the way the language writes it: ``12 345,6`` (sv) or ``12,345.6`` (en)."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


#: Characters that folium's templates would still act on after HTML escaping: ``{`` and
#: ``}`` (folium renders a page's scripts through Jinja a second time, so ``{{ ... }}`` in a
#: value would be evaluated in Python) and ``` ` `` and ``$`` (folium puts tooltip text into
#: JavaScript template literals, where ``${...}`` runs). As HTML character references they
#: display the same and act on nothing.
_INERT = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "$": "&#36;"})


def _html(value: object) -> str:
    """Any text for the page, inert: HTML-escaped, and nothing a template would evaluate.

    Every text value that reaches a map (tooltips, labels, legends, panels, titles) goes
    through here, so text from the user's files is shown as text and never runs.
    """
    return html.escape(str(value), quote=True).translate(_INERT)


def _escaped(values: Any) -> list[str]:
    """:func:`_html` of every value."""
    return [_html(v) for v in values]


def _tooltip_layer(
    gdf: gpd.GeoDataFrame, fields: dict[str, str], *, keep: tuple[str, ...] = (), **kw: Any
) -> folium.GeoJson:
    """A GeoJSON layer whose tooltip shows ``fields`` (column -> label), all escaped.

    folium's :class:`~folium.GeoJsonTooltip` puts property values and labels into the page
    as HTML; here every shown value and label is HTML-escaped first, so text from the user's
    files (area, base, site, RegSO and locality names) is shown as text and never runs.
    Only the shown columns, ``keep`` (for styling) and the geometry go into the page.
    """
    data = gpd.GeoDataFrame(
        {f"t{i}": _escaped(gdf[c]) for i, c in enumerate(fields)}
        | {k: gdf[k].to_numpy() for k in keep},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    tooltip = folium.GeoJsonTooltip(
        fields=[f"t{i}" for i in range(len(fields))],
        aliases=_escaped(fields.values()),
        sticky=kw.pop("sticky", True),
    )
    return folium.GeoJson(data, tooltip=tooltip, **kw)


def _to_wgs84(gdf: gpd.GeoDataFrame, *, simplify_m: float = 20.0) -> gpd.GeoDataFrame:
    """Simplify in metres (EPSG:3006), then convert to WGS 84 with 5 decimals (~1 m)."""
    out = gdf.copy()
    if simplify_m > 0:
        out["geometry"] = shapely.simplify(out.geometry.values, simplify_m, preserve_topology=True)
    out = out.to_crs(WGS84)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-5, mode="pointwise")
    return out


def _base_map(study: Study, title: str, lang: str, *, tiles: bool) -> folium.Map:
    lab = _labels(lang, study)
    bounds = study.areas.to_crs(WGS84).total_bounds
    m = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=10,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,
    )
    # Leaflet only: folium's jQuery/Bootstrap/awesome-markers are not used by these maps.
    m.default_js = [folium.Map.default_js[0]]
    m.default_css = [folium.Map.default_css[0]]
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap", attr="© OpenStreetMap contributors (ODbL)"
        ).add_to(m)
    m.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], padding=(10, 10))
    today = _dt.date.today().isoformat()
    header = (
        f'<div id="geo-title" style="position:fixed;top:10px;left:60px;z-index:1000;'
        f"background:rgba(255,255,255,.92);padding:6px 12px;border-radius:4px;"
        f'font:14px/1.3 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)">'
        f"<b style='font-size:16px'>{_html(title)}</b><br>"
        f"<span style='color:#555'>{_html(study.name)} · {lab['data']}: {DATA_YEARS} · "
        f"{lab['made']} {today}</span></div>"
    )
    _add_html(m, header)
    _add_controls(m, lang)
    return m


def _add_html(m: folium.Map, markup: str) -> None:
    root: Any = m.get_root()
    root.html.add_child(Element(markup))


class _Controls(MacroElement):
    """Full-screen button, a click-to-measure tool and SCB attribution (plain Leaflet)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function(map){
          map.attributionControl.addAttribution({{ this.attribution|tojson }});
          var Btn = L.Control.extend({
            options: {position: 'topleft'},
            initialize: function(o){ L.setOptions(this, o); },
            onAdd: function(){
              var b = L.DomUtil.create('a', 'leaflet-bar geo-btn ' + this.options.cls);
              b.href = '#'; b.title = this.options.title; b.innerHTML = this.options.text;
              b.style.cssText = 'display:block;width:30px;height:30px;line-height:30px;' +
                'text-align:center;background:#fff;font:bold 16px sans-serif;color:#333';
              L.DomEvent.on(b, 'click', function(e){ L.DomEvent.stop(e); this.options.act(b); }, this);
              return b;
            }
          });
          new Btn({cls: 'geo-fullscreen', title: {{ this.fs_title|tojson }},
            text: '<svg width="16" height="16" viewBox="0 0 16 16" style="margin-top:7px"><path d="M1 6V1h5M10 1h5v5M15 10v5h-5M6 15H1v-5" fill="none" stroke="#333" stroke-width="2"/></svg>',
            act: function(){
              var el = map.getContainer();
              if (!document.fullscreenElement && el.requestFullscreen) { el.requestFullscreen(); }
              else if (document.exitFullscreen) { document.exitFullscreen(); }
            }}).addTo(map);
          var measuring = false, pts = [], line = null, tip = null;
          function reset(){ pts = []; if (line) { map.removeLayer(line); line = null; }
                            if (tip) { map.removeLayer(tip); tip = null; } }
          function fmt(m){ return m < 1000 ? Math.round(m) + ' m'
                           : (m/1000).toFixed(2).replace('.', {{ this.decimal|tojson }}) + ' km'; }
          new Btn({cls: 'geo-measure', title: {{ this.measure_title|tojson }},
            text: '<svg width="18" height="18" viewBox="0 0 18 18" style="margin-top:6px"><path d="M1 12L12 1l5 5L6 17z" fill="none" stroke="#333" stroke-width="1.6"/><path d="M4 9l2 2M7 6l2 2M10 3l2 2" stroke="#333" stroke-width="1.4"/></svg>',
            act: function(b){
              measuring = !measuring; reset();
              b.style.background = measuring ? '#ffd54f' : '#fff';
              map.getContainer().style.cursor = measuring ? 'crosshair' : '';
            }}).addTo(map);
          map.on('click', function(e){
            if (!measuring) { return; }
            pts.push(e.latlng);
            if (line) { line.setLatLngs(pts); } else { line = L.polyline(pts, {color: '#000', dashArray: '4 4'}).addTo(map); }
            var d = 0; for (var i = 1; i < pts.length; i++) { d += map.distance(pts[i-1], pts[i]); }
            if (tip) { map.removeLayer(tip); }
            tip = L.tooltip({permanent: true, className: 'geo-measure-tip'})
                   .setLatLng(e.latlng).setContent(fmt(d)).addTo(map);
          });
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, lang: str) -> None:
        super().__init__()
        lab = _labels(lang)
        self.attribution = "Statistik: © SCB (CC0)"
        self.fs_title = lab["fullscreen"]
        self.measure_title = lab["measure"]
        self.decimal = "," if lang == "sv" else "."


def _add_controls(m: folium.Map, lang: str) -> None:
    m.add_child(_Controls(lang))


def _legend(m: folium.Map, title: str, items: list[tuple[str, str]], extra: str = "") -> None:
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:14px;background:{c};'
        f'border:1px solid #555;margin-right:6px;vertical-align:middle"></span>{_html(t)}</div>'
        for c, t in items
    )
    box = (
        f'<div id="geo-legend" style="position:fixed;bottom:60px;left:10px;z-index:1000;'
        f"background:rgba(255,255,255,.92);padding:8px 10px;border-radius:4px;"
        f'font:13px/1.5 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:320px">'
        f"<b>{_html(title)}</b>{rows}{extra}</div>"
    )
    _add_html(m, box)


def _panel(m: folium.Map, element_id: str, inner_html: str) -> None:
    box = (
        f'<div id="{element_id}" style="position:fixed;bottom:30px;right:10px;z-index:1000;'
        f"background:rgba(255,255,255,.95);padding:8px 10px;border-radius:4px;"
        f"font:12px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:420px;"
        f'max-height:70vh;overflow:auto">{inner_html}</div>'
    )
    _add_html(m, box)


def _area_colours(study: Study) -> dict[str, str]:
    return {
        a: AREA_COLOURS[i % len(AREA_COLOURS)]
        for i, a in enumerate(study.areas["area"].astype(str))
    }


def _add_areas(
    m: folium.Map, study: Study, lang: str, *, show: bool = True, fill_opacity: float = 0.25
) -> dict[str, str]:
    lab = _labels(lang, study)
    colours = _area_colours(study)
    areas = study.areas[["area", "geometry"]].copy()
    base_of = dict(
        zip(study.bases["area"].astype(str), study.bases["base_name"].astype(str), strict=False)
    )
    areas["base"] = areas["area"].astype(str).map(base_of).fillna("")
    areas["area_km2_txt"] = [fmt_number(a / 1e6, lang, 1) + " km²" for a in areas.geometry.area]
    if study.regso is not None and REGSO_AREA in study.regso:
        pop = study.regso.groupby(REGSO_AREA)[REGSO_POPULATION].sum()
        areas["pop_txt"] = [fmt_number(pop.get(a, np.nan), lang) for a in areas["area"]]
    else:
        areas["pop_txt"] = "–"
    areas["colour"] = [colours.get(a, "#999") for a in areas["area"].astype(str)]
    layer = folium.FeatureGroup(name=lab["areas"], show=show)
    _tooltip_layer(
        _to_wgs84(areas),
        {"area": lab["area"], "base": lab["base"], "pop_txt": lab["population"],
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
                html=f'<div class="geo-area-label" style="font:bold 15px sans-serif;color:{colours[a]};'
                f'text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap">{_html(a.upper())}</div>'
            ),
        ).add_to(layer)
    layer.add_to(m)
    return colours


def _add_bases(
    m: folium.Map,
    bases: gpd.GeoDataFrame,
    lang: str,
    *,
    name: str,
    colour: str = "#000",
    show: bool = True,
) -> None:
    lab = _labels(lang)
    layer = folium.FeatureGroup(name=name, show=show)
    b = bases.to_crs(WGS84)
    for row in b.itertuples():
        status = getattr(row, "location_status", "")
        note = f" ({lab.get(str(status), str(status))})" if status else ""
        label = _html(str(row.base_name)) + _html(note)
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x], radius=9, color="#fff", weight=3, fill=True,
            fill_color=colour, fill_opacity=1, tooltip=f"{lab['base']}: {label}",
        ).add_to(layer)  # fmt: skip
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                icon_anchor=(-12, 8),
                html=f'<div class="geo-base-label" style="font:bold 13px sans-serif;'
                f'text-shadow:0 0 3px #fff,0 0 3px #fff;white-space:nowrap">{_html(str(row.base_name))}</div>',
            ),
        ).add_to(layer)
    layer.add_to(m)


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
    lab = _labels(lang, study)
    m = _base_map(study, lab["catchment_title"], lang, tiles=tiles)
    colours = _add_areas(m, study, lang)
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
            ok = assignment[assignment["status"].astype(str) == STATUS_OK]
            g = ok.groupby(ok["regsokod"].astype(str))["own_base_distance_m"]
            stats = pd.DataFrame({"n": g.size(), "med": g.median(), "p90": g.quantile(0.9)})
            stats = stats.reindex(r["regsokod"].astype(str))
            small = stats["n"].fillna(0) < min_count
            r["n_txt"] = np.where(
                small, f"< {min_count}", [fmt_number(v, lang) for v in stats["n"].fillna(0)]
            )
            r["med_txt"] = np.where(
                small, "–", [fmt_number(v / 1000, lang, 1) + " km" for v in stats["med"]]
            )
            r["p90_txt"] = np.where(
                small, "–", [fmt_number(v / 1000, lang, 1) + " km" for v in stats["p90"]]
            )
            fields += ["n_txt", "med_txt", "p90_txt"]
            aliases += [
                lab["addresses"],
                f"{lab['median']} ({lab['legend_distance'].lower()})",
                lab["p90"],
            ]
        layer = folium.FeatureGroup(name=lab["regso"], show=True)
        _tooltip_layer(
            _to_wgs84(r[[*fields, "geometry"]]),
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
        _tooltip_layer(
            _to_wgs84(s[["label", "colour", "geometry"]], simplify_m=50),
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
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x], radius=3 + 2 * np.log10(max(getattr(row, LOCALITY_POPULATION), 10)),
                color="#444", weight=1, fill=True, fill_color="#fff", fill_opacity=0.9,
                tooltip=f"{_html(str(row.name))}: {fmt_number(getattr(row, LOCALITY_POPULATION), lang)} inv. (2020)"
                if lang == "sv" else f"{_html(str(row.name))}: {fmt_number(getattr(row, LOCALITY_POPULATION), lang)} people (2020)",
            ).add_to(layer)  # fmt: skip
        layer.add_to(m)
    _add_bases(m, study.bases, lang, name=lab["bases"])
    folium.LayerControl(collapsed=False).add_to(m)
    items = [
        (colours[a], f"{a} – {b}")
        for a, b in zip(
            study.bases["area"].astype(str), study.bases["base_name"].astype(str), strict=True
        )
        if a in colours
    ]
    items += [(SETTLEMENT_COLOURS[k], lab[k]) for k in SETTLEMENT_CLASSES]
    _legend(m, lab["areas"], items)
    return m


def _cells(e: np.ndarray, n: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    return np.floor(e / size_m).astype(np.int64), np.floor(n / size_m).astype(np.int64)


def access_map(
    study: Study,
    assignment: pd.DataFrame | None = None,
    *,
    lang: str = "sv",
    tiles: bool = True,
    cell_size_m: float | None = None,
    min_count: int | None = None,
    show_addresses: bool = False,
) -> folium.Map:
    """Distance (or, with travel times, time) to the own base on a grid of cells.

    With ``assignment`` (:attr:`geo.areas.Assignment.table`), each cell of ``cell_size_m``
    shows the number of addresses and their median cost to the own base; cells with fewer
    than ``min_count`` addresses are left out. Without, the SCB population grid is used.
    ``show_addresses`` adds every address as a dot: only for staff who may see them.
    """
    cell_size_m = settings.access_cell_size_m if cell_size_m is None else cell_size_m
    min_count = settings.min_count if min_count is None else min_count
    lab = _labels(lang, study)
    use_time = assignment is not None and "own_base_travel_time_s" in assignment
    title = lab["access_time_title"] if use_time else lab["access_title"]
    if use_time and assignment is not None and "network_status" in assignment:
        if (assignment["network_status"].astype(str) == NETWORK_ESTIMATED).any():
            title += f" – {lab['estimated']}"
    m = _base_map(study, title, lang, tiles=tiles)
    colours = _add_areas(m, study, lang, show=True, fill_opacity=0.04)
    classes = TIME_CLASSES_MIN if use_time else DISTANCE_CLASSES_KM
    unit = "min" if use_time else "km"
    scale = 60.0 if use_time else 1000.0
    if assignment is not None:
        ok = assignment[assignment["status"].astype(str) == STATUS_OK]
        col = "own_base_travel_time_s" if use_time else "own_base_distance_m"
        ok = ok[np.isfinite(ok[col].to_numpy(dtype="float64"))]
        e, n = ok["e_3006"].to_numpy(), ok["n_3006"].to_numpy()
        value = ok[col].to_numpy(dtype="float64") / scale
        weight = np.ones(len(ok))
        areas = ok["area"].astype(str).to_numpy()
        what = lab["addresses"]
        if (ok.get("synthetic") is not None) and ok["synthetic"].astype(str).str.lower().eq(
            "true"
        ).all():
            title += f" – {lab['synthetic']}"
    else:
        d = study.demand
        if d is None:
            raise GeoValueError("study: the access map without addresses needs the demand grid")
        cent = d.geometry.representative_point()
        e, n = cent.x.to_numpy(), cent.y.to_numpy()
        own = study.area_index.locate(e, n)
        value = study.own_base_distance_m(e, n, study.own_base(own)) / scale
        weight = d[CELL_POPULATION_IN_STUDY].to_numpy()
        areas = np.where(
            own >= 0, study.areas["area"].astype(str).to_numpy()[np.maximum(own, 0)], ""
        )
        what = lab["population"]
        cell_size_m = 1000.0
    cx, cy = _cells(e, n, cell_size_m)
    frame = pd.DataFrame({"cx": cx, "cy": cy, "v": value, "w": weight})
    g = frame.groupby(["cx", "cy"])
    agg = pd.DataFrame({"count": g["w"].sum(), "median": g["v"].median()}).reset_index()
    shown = agg[agg["count"] >= min_count] if assignment is not None else agg[agg["count"] > 0]
    edges = np.asarray(classes, dtype=float)
    k = np.searchsorted(edges, shown["median"].to_numpy(), side="right")
    sx = shown["cx"].to_numpy() * cell_size_m
    sy = shown["cy"].to_numpy() * cell_size_m
    boxes = shapely.box(sx, sy, sx + cell_size_m, sy + cell_size_m)
    cells = gpd.GeoDataFrame(
        {
            "cls": k,
            "count_txt": [fmt_number(v, lang) for v in shown["count"]],
            "median_txt": [fmt_number(v, lang, 1) + f" {unit}" for v in shown["median"]],
        },
        geometry=boxes,
        crs=SWEREF99TM,
    )
    layer = folium.FeatureGroup(name=title, show=True)
    if len(cells):
        cells["colour"] = [CLASS_COLOURS[min(int(c), len(CLASS_COLOURS) - 1)] for c in cells["cls"]]
        _tooltip_layer(
            _to_wgs84(cells, simplify_m=0),
            {"count_txt": what, "median_txt": lab["median"]},
            keep=("colour",),
            style_function=lambda f: {
                "fillColor": f["properties"]["colour"],
                "color": "#fff",
                "weight": 0.3,
                "fillOpacity": 0.75,
            },  # fmt: skip
            sticky=False,
        ).add_to(layer)
    else:
        notice = lab["all_suppressed"].format(n=min_count)
        logger.warning("access map: %s", notice)
        _add_html(
            m,
            '<div id="geo-notice" style="position:fixed;top:80px;left:60px;z-index:1000;'
            "background:#fff3cd;border:1px solid #d39e00;padding:6px 12px;border-radius:4px;"
            f'font:14px/1.3 sans-serif;max-width:420px">{_html(notice)}</div>',
        )
    layer.add_to(m)
    if show_addresses and assignment is not None:
        pts = folium.FeatureGroup(name=lab["addresses"], show=False)
        lon_lat = gpd.GeoSeries(shapely.points(e, n), crs=SWEREF99TM).to_crs(WGS84)
        for p in lon_lat:
            folium.CircleMarker([p.y, p.x], radius=1, color="#000", weight=0).add_to(pts)
        pts.add_to(m)
    _add_bases(m, study.bases, lang, name=lab["bases"])
    folium.LayerControl(collapsed=False).add_to(m)
    labels = []
    lo = 0.0
    for i, c in enumerate(CLASS_COLOURS):
        hi = edges[i] if i < edges.size else None
        labels.append(
            (
                c,
                f"{fmt_number(lo, lang)}–{fmt_number(hi, lang)} {unit}"
                if hi is not None
                else f"> {fmt_number(lo, lang)} {unit}",
            )
        )
        lo = hi if hi is not None else lo
    # share beyond thresholds per area (weighted by addresses or population)
    rows = []
    thresholds = classes[:3]
    for a in [*study.areas["area"].astype(str), lab["all"]]:
        sel = (areas == a) if a != lab["all"] else np.ones(areas.size, dtype=bool)
        w = weight[sel]
        v = value[sel]
        if w.sum() == 0 or (assignment is not None and w.sum() < min_count):
            continue  # no shares of fewer than min_count addresses
        cells_html = "".join(
            f"<td style='text-align:right;padding:0 6px'>{fmt_number(100 * w[v > t].sum() / w.sum(), lang)} %</td>"
            for t in thresholds
        )
        rows.append(
            f"<tr><td style='color:{colours.get(a, '#000')};font-weight:bold'>{_html(a)}</td>{cells_html}</tr>"
        )
    head = "".join(
        f"<th style='padding:0 6px'>{_html(lab['beyond'].format(t=f'{t} {unit}'))}</th>"
        for t in thresholds
    )
    table = f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>" if rows else ""
    note = (
        f"<div style='color:#666;margin-top:4px'>{_html(lab['suppressed'].format(n=min_count))}</div>"
        if assignment is not None
        else ""
    )
    _legend(
        m, lab["legend_time"] if use_time else lab["legend_distance"], labels, extra=table + note
    )
    return m


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
    tds = "".join(f"<td style='text-align:right;padding:0 4px'>{c}</td>" for c in cells)
    return f"<tr><td>{_html(lab.get(cls, cls))}</td>{tds}</tr>"


def siting_map(
    result: SitingResult, study: Study, *, lang: str = "sv", tiles: bool = True
) -> folium.Map:
    """Current and proposed bases, the new catchments and the before/after figures."""
    lab = _labels(lang, study)
    m = _base_map(study, lab["siting_title"], lang, tiles=tiles)
    _add_areas(m, study, lang, show=False)
    prop = result.proposals
    part = result.partition
    if study.regso is not None and len(part):
        r = study.regso.merge(part[["regsokod", "site"]], on="regsokod")
        new = r.dissolve(by="site").reset_index()[["site", "geometry"]]
        sites = list(prop.sort_values("rank")["site"])
        col = {s: AREA_COLOURS[i % len(AREA_COLOURS)] for i, s in enumerate(sites)}
        new["colour"] = [col.get(str(v), "#999") for v in new["site"]]
        layer = folium.FeatureGroup(name=lab["new_catchments"], show=True)
        _tooltip_layer(
            _to_wgs84(new),
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
    _add_bases(m, study.bases, lang, name=lab["current"], colour="#444")
    newp = prop[prop["new"]].rename(columns={"site": "base_name"})
    _add_bases(
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
        f"<li>{_html(str(p.site))}{'' if p.new else ' (' + lab['current'].lower() + ')'}: "
        f"{fmt_number(p.population_served, lang)} inv.</li>"
        for p in prop.sort_values("rank").itertuples()
    )
    panel = (
        f"<b>{_html(lab['proposed'])}</b> ({_html(str(s.objective))}, "
        f"{_html(str(s.status))}, gap {fmt_number(100 * s.gap, lang, 3)} %)"
        f"<ol style='margin:4px 0 8px 18px;padding:0'>{ranked}</ol>"
        f"<table style='border-collapse:collapse'><tr><th></th>"
        f"<th>{_html(lab['people_grid'])}</th>"
        f"<th>{_html(lab['mean'])} ({unit})</th><th>{_html(lab['p90'])} ({unit})</th>"
        f"<th>{_html(lab['share_within'].format(t=t))}</th></tr>{rows}</table>"
        f"<div style='color:#666'>{_html(lab['before'])} → "
        f"{_html(lab['after'])}</div>"
    )
    _panel(m, "geo-panel", panel)
    _legend(m, lab["bases"], [("#444", lab["current"]), ("#d7301f", lab["proposed"])])
    return m


# ----------------------------------------------------------------------------- writing
def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS from the PyPI package xstatic-leaflet (images inlined)."""
    try:
        import xstatic.pkg.leaflet as xl
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise GeoValueError("maps: the package xstatic-leaflet is needed for offline maps") from exc
    base = Path(xl.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        path = base / match.group(1)
        if not path.exists():
            return match.group(0)
        b64 = base64.b64encode(path.read_bytes()).decode()
        mime = "image/svg+xml" if path.suffix == ".svg" else "image/png"
        return f"url(data:{mime};base64,{b64})"

    css = re.sub(r"url\((images/[^)]+)\)", data_uri, css)
    return js, css


def inline_leaflet(page: str) -> str:
    """Replace the CDN links to Leaflet's JavaScript and CSS in a page by their contents."""
    js, css = _leaflet_assets()
    page = re.sub(
        r'<script src="[^"]*leaflet(?:@[\d.]+)?/dist/leaflet\.js"></script>',
        lambda _: f"<script>{js}</script>",
        page,
    )
    page = re.sub(
        r'<link rel="stylesheet" href="[^"]*leaflet(?:@[\d.]+)?/dist/leaflet\.css"\s*/?>',
        lambda _: f"<style>{css}</style>",
        page,
    )
    return page


def to_html(m: folium.Map) -> str:
    """The map as one self-contained HTML document (Leaflet inlined, no CDN)."""
    page = inline_leaflet(m.get_root().render())
    left = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    if left:
        raise GeoValueError(f"maps: external resources left in the page: {left}")
    return page


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write the map as a self-contained, offline HTML file (atomically)."""
    from .io import atomic_path

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise GeoValueError(f"output: a map is written as .html; received {str(path)!r}")
    page = to_html(m)
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.debug("wrote %s (%.1f MB)", path, len(page.encode()) / 1e6)
    return path
