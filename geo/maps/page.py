"""The page every map shares: labels, text made inert, title, legend, panels and controls.

Label texts (``data/labels_sv.json``, ``data/labels_en.json``), the controls' JavaScript
(``data/controls.js.jinja``) and the page's CSS (``data/page.css``) are package data files.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import logging
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement, Template

from ..crs import WGS84
from ..errors import GeoValueError
from ..report import round_shown
from ..study import Study

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    pass


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


@cache
def data_text(name: str) -> str:
    """A package data file of :mod:`geo.maps` (templates, scripts, styles, labels)."""
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def labels(lang: str, study: Study | None = None) -> dict[str, str]:
    """The label texts of ``lang`` (``sv`` or ``en``); with a study, its main town named."""
    if lang not in ("sv", "en"):
        raise GeoValueError(f"lang: must be one of ['en', 'sv']; received {lang!r}")
    lab: dict[str, str] = json.loads(data_text(f"labels_{lang}.json"))
    lab["city"] = lab["city"].format(town=study.town if study is not None else "")
    return lab


def fmt_number(value: float, lang: str = "sv", decimals: int = 0) -> str:
    """A number the way the language writes it: ``12 345,6`` (sv) or ``12,345.6`` (en)."""
    if value is None or not np.isfinite(value):
        return "–"
    text = f"{round_shown(value, decimals):,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


#: Characters that folium's templates would still act on after HTML escaping: ``{`` and
#: ``}`` (folium renders a page's scripts through Jinja a second time, so ``{{ ... }}`` in a
#: value would be evaluated in Python) and ``` ` `` and ``$`` (folium puts tooltip text into
#: JavaScript template literals, where ``${...}`` runs). As HTML character references they
#: display the same and act on nothing.
_INERT = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "$": "&#36;"})


def html_text(value: object) -> str:
    """Any text for the page, inert: HTML-escaped, and nothing a template would evaluate.

    Every text value that reaches a map (tooltips, labels, legends, panels, titles) goes
    through here, so text from the user's files is shown as text and never runs.
    """
    return html.escape(str(value), quote=True).translate(_INERT)


def escaped(values: Any) -> list[str]:
    """:func:`_html` of every value."""
    return [html_text(v) for v in values]


def tooltip_layer(
    gdf: gpd.GeoDataFrame, fields: dict[str, str], *, keep: tuple[str, ...] = (), **kw: Any
) -> folium.GeoJson:
    """A GeoJSON layer whose tooltip shows ``fields`` (column -> label), all escaped.

    folium's :class:`~folium.GeoJsonTooltip` puts property values and labels into the page
    as HTML; here every shown value and label is HTML-escaped first, so text from the user's
    files (area, base, site, RegSO and locality names) is shown as text and never runs.
    Only the shown columns, ``keep`` (for styling) and the geometry go into the page.
    """
    data = gpd.GeoDataFrame(
        {f"t{i}": escaped(gdf[c]) for i, c in enumerate(fields)}
        | {k: gdf[k].to_numpy() for k in keep},
        geometry=gdf.geometry.to_numpy(),
        crs=gdf.crs,
    )
    tooltip = folium.GeoJsonTooltip(
        fields=[f"t{i}" for i in range(len(fields))],
        aliases=escaped(fields.values()),
        sticky=kw.pop("sticky", True),
    )
    return folium.GeoJson(data, tooltip=tooltip, **kw)


def to_wgs84(gdf: gpd.GeoDataFrame, *, simplify_m: float = 20.0) -> gpd.GeoDataFrame:
    """Simplify in metres (EPSG:3006), then convert to WGS 84 with 5 decimals (~1 m)."""
    out = gdf.copy()
    if simplify_m > 0:
        out["geometry"] = shapely.simplify(out.geometry.values, simplify_m, preserve_topology=True)
    out = out.to_crs(WGS84)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-5, mode="pointwise")
    return out


def base_map(study: Study, title: str, lang: str, *, tiles: bool) -> folium.Map:
    lab = labels(lang, study)
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
        f'<div id="geo-title"><b>{html_text(title)}</b><br>'
        f"<span>{html_text(study.name)} · {html_text(lab['data'])}: {DATA_YEARS} · "
        f"{html_text(lab['made'])} {today}</span></div>"
    )
    add_html(m, f"<style>{data_text('page.css')}</style>")
    add_html(m, header)
    root: Any = m.get_root()
    root.header.add_child(Element(f"<title>{html_text(title)} – {html_text(study.name)}</title>"))
    m.geo_lang = lang  # type: ignore[attr-defined]  # the page's language, for to_html
    add_controls(m, lang)
    return m


def add_html(m: folium.Map, markup: str) -> None:
    root: Any = m.get_root()
    root.html.add_child(Element(markup))


class Controls(MacroElement):
    """Full-screen button, a click-to-measure tool and SCB attribution (plain Leaflet)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self._template = Template(
            "{% macro script(this, kwargs) %}" + data_text("controls.js.jinja") + "{% endmacro %}"
        )
        lab = labels(lang)
        self.attribution = "Statistik: © SCB (CC0)"
        self.fs_title = lab["fullscreen"]
        self.measure_title = lab["measure"]
        self.decimal = "," if lang == "sv" else "."


def add_controls(m: folium.Map, lang: str) -> None:
    m.add_child(Controls(lang))


def legend(m: folium.Map, title: str, items: list[tuple[str, str]], extra: str = "") -> None:
    """The legend box: a title, a colour swatch and text per item, and ``extra`` HTML."""
    rows = "".join(
        f'<div><span class="geo-swatch" style="background:{c}"></span>{html_text(t)}</div>'
        for c, t in items
    )
    add_html(m, f'<div id="geo-legend"><b>{html_text(title)}</b>{rows}{extra}</div>')


def panel(m: folium.Map, element_id: str, inner_html: str) -> None:
    """A panel in the lower right corner (``inner_html`` is built from escaped text)."""
    add_html(m, f'<div id="{element_id}" class="geo-panel">{inner_html}</div>')


def notice(m: folium.Map, text: str) -> None:
    """A notice under the title, for what the reader must know first."""
    add_html(m, f'<div id="geo-notice">{html_text(text)}</div>')
