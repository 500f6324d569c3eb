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

from .access import access_map
from .catchments import catchment_map
from .offline import inline_leaflet, save_map, to_html
from .page import fmt_number, labels
from .siting import siting_map

__all__ = [
    "access_map",
    "catchment_map",
    "fmt_number",
    "inline_leaflet",
    "labels",
    "save_map",
    "siting_map",
    "to_html",
]
