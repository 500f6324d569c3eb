"""The access map: distance or travel time to the own base on cells, small counts suppressed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import settings
from ..crs import SWEREF99TM, WGS84
from ..errors import GeoValueError
from ..schema import (
    ALL,
    CELL_POPULATION_IN_STUDY,
    NETWORK_ESTIMATED,
    STATUS_OK,
)
from ..study import Study

if TYPE_CHECKING:
    pass

from ..report import cell_figures, shares_beyond
from .layers import add_areas, add_bases
from .page import (
    CLASS_COLOURS,
    DISTANCE_CLASSES_KM,
    TIME_CLASSES_MIN,
    base_map,
    fmt_number,
    html_text,
    labels,
    legend,
    notice,
    to_wgs84,
    tooltip_layer,
)

logger = logging.getLogger(__name__)

__all__ = ["access_map"]


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
    lab = labels(lang, study)
    use_time = assignment is not None and "own_base_travel_time_s" in assignment
    title = lab["access_time_title"] if use_time else lab["access_title"]
    if use_time and assignment is not None and "network_status" in assignment:
        if (assignment["network_status"].astype(str) == NETWORK_ESTIMATED).any():
            title += f" – {lab['estimated']}"
    m = base_map(study, title, lang, tiles=tiles)
    colours = add_areas(m, study, lang, show=True, fill_opacity=0.04)
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
        what = lab["people_grid"]
        cell_size_m = 1000.0
    shown = cell_figures(
        e, n, value, weight, cell_size_m=cell_size_m,
        min_count=min_count if assignment is not None else 1e-9,
    )  # fmt: skip
    edges = np.asarray(classes, dtype=float)
    k = np.searchsorted(edges, shown["median"].to_numpy(), side="right")
    sx = shown["e"].to_numpy()
    sy = shown["n"].to_numpy()
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
        tooltip_layer(
            to_wgs84(cells, simplify_m=0),
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
        text = lab["all_suppressed"].format(n=min_count)
        logger.warning("access map: %s", text)
        notice(m, text)
    layer.add_to(m)
    if show_addresses and assignment is not None:
        pts = folium.FeatureGroup(name=lab["addresses"], show=False)
        lon_lat = gpd.GeoSeries(shapely.points(e, n), crs=SWEREF99TM).to_crs(WGS84)
        for p in lon_lat:
            folium.CircleMarker([p.y, p.x], radius=1, color="#000", weight=0).add_to(pts)
        pts.add_to(m)
    add_bases(m, study.bases, lang, name=lab["bases"])
    folium.LayerControl(collapsed=False).add_to(m)
    items = []
    lo = 0.0
    for i, c in enumerate(CLASS_COLOURS):
        hi = edges[i] if i < edges.size else None
        items.append(
            (
                c,
                f"{fmt_number(lo, lang)}–{fmt_number(hi, lang)} {unit}"
                if hi is not None
                else f"> {fmt_number(lo, lang)} {unit}",
            )
        )
        lo = hi if hi is not None else lo
    # share beyond thresholds per area (weighted by addresses or population)
    thresholds = classes[:3]
    shares = shares_beyond(
        areas, value, weight, thresholds, names=study.areas["area"].astype(str).tolist(),
        min_count=min_count if assignment is not None else 1e-9,
    )  # fmt: skip
    rows = []
    for a, row in shares.iterrows():
        label = lab["all"] if a == ALL else str(a)
        cells_html = "".join(f"<td>{fmt_number(100 * v, lang)} %</td>" for v in row)
        rows.append(
            f"<tr><td style='color:{colours.get(str(a), '#000')}'><b>{html_text(label)}</b></td>"
            f"{cells_html}</tr>"
        )
    head = "".join(
        f"<th>{html_text(lab['beyond'].format(t=f'{t} {unit}'))}</th>" for t in thresholds
    )
    table = f"<table><tr><th></th>{head}</tr>{''.join(rows)}</table>" if rows else ""
    note = (
        f"<div class='geo-note'>{html_text(lab['suppressed'].format(n=min_count))}</div>"
        if assignment is not None
        else ""
    )
    legend(m, lab["legend_time"] if use_time else lab["legend_distance"], items, extra=table + note)
    return m
