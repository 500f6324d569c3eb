"""The planning studio: one offline page in which planners move, add and close bases.

The page (``data/studio.html``, ``studio.js``, ``charts.js``, ``studio.css`` and the
label files ``studio_sv.json``/``studio_en.json``) gets one JSON document from
:func:`studio_data`: the demand cells with every weight, today's bases, the candidate sites,
the catchment areas' outlines, ``geo site``'s proven optima (the sweep) and the trade-off
between objectives, and with a network the travel-time matrix from every cell to every
candidate site. Everything is computed in the browser from there; the figures equal
:func:`geo.siting.compare` for the exported scenario.

Privacy: the demand is the SCB grid (public) or the user's addresses counted per cell with
small cells left out (:func:`geo.siting.address_cells`); no address enters the page.
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import settings
from ..crs import from_sweref
from ..errors import GeoValueError
from ..network import Network
from ..scenario_file import (
    MAX_SCENARIO_BYTES,
    SCENARIO_VERSION,
    Scenario,
    demand_label,
    scenario_schema,
)
from ..schema import SETTLEMENT_CLASSES, WEIGHTS
from ..siting import (
    SitingProblem,
    candidate_sites,
    comparison_groups,
    demand_points,
    travel_time_matrix_s,
)
from ..study import Study
from .offline import leaflet_assets
from .page import AREA_COLOURS, DATA_YEARS, data_text, html_text, to_wgs84

if TYPE_CHECKING:
    from ..transit import Transit

logger = logging.getLogger(__name__)

__all__ = [
    "STUDIO_COLOURS",
    "fill_template",
    "page_json",
    "save_page",
    "studio_data",
    "studio_labels",
    "studio_page",
]

#: Colours of the bases in the studio (a base keeps its colour while it moves).
STUDIO_COLOURS = [
    *AREA_COLOURS[:7],
    "#1f78b4",
    "#b15928",
    "#fb9a99",
    "#6a3d9a",
    "#b2df8a",
    "#ff7f00",
    "#cab2d6",
]
#: Unreachable in the embedded travel-time matrix (whole seconds, unsigned 16 bits).
UNREACHABLE_S = 65535


def studio_labels(lang: str) -> dict[str, str]:
    """The studio's label texts in ``lang`` (``sv`` or ``en``)."""
    if lang not in ("sv", "en"):
        raise GeoValueError(f"lang: must be one of ['en', 'sv']; received {lang!r}")
    out: dict[str, str] = json.loads(data_text(f"studio_{lang}.json"))
    return out


def _no_nan(value: Any) -> Any:
    """``value`` with every non-finite float as ``None`` (JSON ``null``: "no figure")."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value


def page_json(doc: Any) -> str:
    """JSON for a ``<script type="application/json">`` element: nothing in it can end the
    element or open markup (``<``, ``>`` and ``&`` as ``\\u`` escapes); a figure that does
    not exist (``nan``/``inf``: e.g. nobody in a group reaches a base) is ``null``."""
    text = json.dumps(_no_nan(doc), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(values: np.ndarray, decimals: int | None = None) -> list[Any]:
    arr = np.asarray(values, dtype="float64")
    if decimals is not None:
        arr = np.round(arr, decimals)
    return [float(v) if np.isfinite(v) else None for v in arr]


def _records(table: pd.DataFrame | None) -> list[dict[str, Any]]:
    if table is None or table.empty:
        return []
    out = []
    for row in table.to_dict("records"):
        out.append(
            {
                str(k): (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in row.items()
            }
        )
    return out


def studio_data(
    study: Study,
    *,
    weight: str = "population",
    demand: gpd.GeoDataFrame | None = None,
    cell_size_m: float = 1000.0,
    network: Network | Transit | None = None,
    mode: str = "straight",
    lang: str = "sv",
    proven: bool = True,
    notes: tuple[str, ...] = (),
    max_snap_m: float | None = None,
) -> dict[str, Any]:
    """Everything the studio page computes from (JSON-ready).

    Parameters
    ----------
    study : Study
    weight : str
        The weight shown first (all of :data:`geo.schema.WEIGHTS` are embedded for the grid;
        ``population`` and ``need`` for the user's addresses).
    demand : geopandas.GeoDataFrame, optional
        Demand cells instead of the SCB grid, e.g. :func:`geo.siting.address_cells` with
        ``equity=1`` (EPSG:3006 cell centres, ``cell_size_m`` squares). Columns as
        :func:`geo.siting.demand_points`: ``population`` is the population weight (the
        count) and ``weight`` the need weight.
    network : Network, optional
        Travel times: a matrix from every cell to every candidate site is embedded and bases
        snap to the nearest candidate.
    mode : str
        The network's travel mode (for the page's texts).
    proven : bool
        Embed ``geo site``'s proven optima for 1–4 more bases and the trade-off between
        objectives (a few seconds at build time).
    notes : tuple of str
        Shown under the title (e.g. that addresses are synthetic).
    """
    if weight not in WEIGHTS:
        raise GeoValueError(f"weight: must be one of {WEIGHTS}; received {weight!r}")
    lab = studio_labels(lang)
    problem: SitingProblem | None = None
    if demand is None:
        # one siting problem: the grid, the candidates and (with a network) the costs,
        # routed once for the embedded matrix, the proven optima and the trade-off
        problem = SitingProblem.build(study, weight=weight, network=network, max_snap_m=max_snap_m)
        dem = demand_points(study, "population")
        weights = {w: dem["weight"].tolist() if w == "population" else None for w in WEIGHTS}
        for w in WEIGHTS:
            if weights[w] is None:
                weights[w] = demand_points(study, w)["weight"].tolist()
        cells = study.demand
        if cells is None:  # pragma: no cover - demand_points has raised already
            raise GeoValueError("study: the studio needs the demand grid")
        b = cells.geometry.bounds
        x0 = np.round(b["minx"].to_numpy())
        y0 = np.round(b["miny"].to_numpy())
        size = np.round(np.maximum(b["maxx"].to_numpy() - x0, b["maxy"].to_numpy() - y0)).astype(
            float
        )
        cell_label = lab["cell_grid"]
    else:
        dem = demand
        if weight not in ("population", "need"):
            weight = "population"
        weights = {"population": dem["population"].round(3).tolist(), "need": None}
        weights["need"] = dem["weight"].round(3).tolist()
        half = cell_size_m / 2
        x0 = dem.geometry.x.to_numpy() - half
        y0 = dem.geometry.y.to_numpy() - half
        size = np.full(len(dem), float(cell_size_m))
        cell_label = lab["cell_addresses"]
    groups = comparison_groups(dem)
    area_names = study.areas["area"].astype(str).tolist()
    group_rows = [{"group": g, "name": n} for g, n, _ in groups]
    member_of = {("area", a): i for i, a in enumerate(area_names)}
    area_idx = [member_of.get(("area", a), -1) for a in dem["area"].astype(str)]
    class_idx = [
        SETTLEMENT_CLASSES.index(c) if c in SETTLEMENT_CLASSES else -1
        for c in dem["settlement_class"].astype(str)
    ]
    localities = [n for g, n, _ in groups if g == "locality"]
    loc_of = {n: i for i, n in enumerate(localities)}
    loc_idx = [loc_of.get(x, -1) for x in dem["locality"].astype(str)]
    sites = candidate_sites(study)
    lon, lat = from_sweref(sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    candidates = [
        {
            "name": str(s),
            "kind": str(k),
            "e": float(e),
            "n": float(n),
            "lat": round(float(la), 6),
            "lon": round(float(lo), 6),
        }
        for s, k, e, n, la, lo in zip(
            sites["site"], sites["kind"], sites.geometry.x, sites.geometry.y, lat, lon,
            strict=True,
        )
    ]  # fmt: skip
    blon, blat = from_sweref(*study.base_xy)
    today = Scenario.today(study)
    bases = [
        {
            "id": b.base_id,
            "name": b.name,
            "area": str(a),
            "e": b.e,
            "n": b.n,
            "lat": round(float(la), 6),
            "lon": round(float(lo), 6),
            "colour": STUDIO_COLOURS[i % len(STUDIO_COLOURS)],
        }
        for i, (b, a, la, lo) in enumerate(
            zip(today.bases, study.bases["area"], blat, blon, strict=True)
        )
    ]
    matrix = None
    unit = "m"
    if network is not None:
        if problem is not None:
            t = np.where(np.isfinite(problem.cost), np.round(problem.cost), np.inf)
        else:
            t = travel_time_matrix_s(network, dem, sites, max_snap_m=max_snap_m)
        t = np.where(np.isfinite(t) & (t < UNREACHABLE_S), t, UNREACHABLE_S).astype("<u2")
        matrix = base64.b64encode(np.ascontiguousarray(t).tobytes()).decode("ascii")
        unit = "s"
    outline = to_wgs84(study.areas[["area", "geometry"]], simplify_m=30.0)
    areas_geojson = json.loads(outline.to_json(drop_id=True))
    sweep_rows: list[dict[str, Any]] = []
    tradeoff_rows: list[dict[str, Any]] = []
    if proven and problem is not None:
        n_bases = len(study.bases)
        sweep_rows = _records(problem.sweep(range(n_bases, n_bases + 5)))
        tradeoff_rows = _records(problem.tradeoff(add=2))
    levels = settings.thresholds_km if unit == "m" else settings.thresholds_min
    default = settings.coverage_threshold_km if unit == "m" else settings.coverage_threshold_min
    return {
        "format": "geo-studio",
        "version": 1,
        "lang": lang,
        "labels": lab,
        "study": study.name,
        "kommun": study.kommun,
        "scenario_schema": scenario_schema(),
        "scenario_version": SCENARIO_VERSION,
        "max_scenario_bytes": MAX_SCENARIO_BYTES,
        "town": study.town,
        "made": _dt.date.today().isoformat(),
        "data_years": DATA_YEARS,
        "notes": list(notes),
        "mode": mode if network is not None else "straight",
        "unit": unit,
        "thresholds": [float(x) for x in levels],
        "threshold": float(default),
        "tolerance": settings.change_tolerance_m if unit == "m" else settings.change_tolerance_s,
        "min_count": settings.min_count,
        "weight": weight,
        "weights": weights,
        "colours": STUDIO_COLOURS,
        "cell_label": cell_label,
        "demand": demand_label(None if demand is None else cell_size_m),
        "cells": {
            "e": _finite(dem.geometry.x.to_numpy()),
            "n": _finite(dem.geometry.y.to_numpy()),
            "x0": _finite(x0, 1),
            "y0": _finite(y0, 1),
            "size": _finite(size, 1),
            "population": _finite(dem["population"].to_numpy(), 3),
            "area": area_idx,
            "class": class_idx,
            "locality": loc_idx,
        },
        "areas": area_names,
        "classes": list(SETTLEMENT_CLASSES),
        "localities": localities,
        "groups": group_rows,
        "bases": bases,
        "candidates": candidates,
        "matrix": matrix,
        "areas_geojson": areas_geojson,
        "sweep": sweep_rows,
        "tradeoff": tradeoff_rows,
    }


_TOKENS = re.compile(r"\{\{([A-Z][A-Z_]*)\}\}")


def fill_template(template: str, values: dict[str, str]) -> str:
    """Put ``values`` into the ``{{NAME}}`` places of a page template in one pass (nothing
    inserted is read as a place again)."""
    return _TOKENS.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def design_data(
    units: gpd.GeoDataFrame, bases: gpd.GeoDataFrame, cells_e: np.ndarray, cells_n: np.ndarray
) -> dict[str, Any]:
    """What the studio needs of an area design (``geo areas design``): the units with their
    area, workload and outline, who touches whom, each demand cell's unit, the bases."""
    from ..design.units import edges_with_links
    from ..polygons import PolygonIndex

    names = bases["area"].astype(str).tolist()
    area = [names.index(a) for a in units["area"].astype(str)]
    edges, links = edges_with_links(units.geometry.values, units["unit_name"].astype(str).tolist())
    index = PolygonIndex(units.geometry.values)
    cell_unit = index.locate(np.asarray(cells_e, dtype=float), np.asarray(cells_n, dtype=float))
    be, bn = bases.geometry.x.to_numpy(), bases.geometry.y.to_numpy()
    roots = PolygonIndex(units.geometry.values).locate(be, bn)
    blon, blat = from_sweref(be, bn)
    outline = to_wgs84(units[["geometry"]].assign(i=np.arange(len(units))), simplify_m=20.0)
    return {
        "areas": names,
        "bases": [{"name": str(b), "e": float(x), "n": float(y), "lat": round(float(la), 6),
                   "lon": round(float(lo), 6)}
                  for b, x, y, la, lo in zip(bases["base_name"], be, bn, blat, blon, strict=True)],
        "units": {"id": units["unit_id"].astype(str).tolist(),
                  "name": units["unit_name"].astype(str).tolist(), "area": area,
                  "workload": _finite(units["workload"].to_numpy(dtype=float), 3)},
        "roots": [int(r) for r in roots],
        "edges": edges.tolist(),
        "links": links,
        "cell_unit": [int(u) for u in cell_unit],
        "outline": json.loads(outline.to_json(drop_id=True)),
    }  # fmt: skip


def studio_page(study: Study, **kwargs: Any) -> str:
    """The planning studio as one self-contained HTML document (see :func:`studio_data`).

    Leaflet (from xstatic-leaflet), the page's script, style and data are inlined: the page
    works with no network. Optional background tiles are off by default (``tiles=True``).
    ``design=(units, bases)`` (:func:`geo.design.areas.read_design`) adds the panel of an area
    design: its areas beside today's, a unit moved with a click, the areas exported.
    """
    tiles = bool(kwargs.pop("tiles", False))
    design = kwargs.pop("design", None)
    doc = studio_data(study, **kwargs)
    doc["tiles"] = tiles
    doc["design"] = (
        design_data(design[0], design[1], doc["cells"]["e"], doc["cells"]["n"]) if design else None
    )
    js, css = leaflet_assets()
    lab = doc["labels"]
    return fill_template(
        data_text("studio.html"),
        {
            "LANG": html_text(doc["lang"]),
            "TITLE": html_text(f"{lab['title']} – {study.name}"),
            "LEAFLET_CSS": css,
            "STUDIO_CSS": data_text("studio.css"),
            "LEAFLET_JS": js,
            "DATA": page_json(doc),
            "CHARTS_JS": data_text("charts.js"),
            "CORE_JS": data_text("studio_core.js"),
            "MAIN_JS": data_text("studio.js") + "\n" + data_text("studio_design.js"),
        },
    )


def save_page(page: str, path: str | Path) -> Path:
    """Write a page (HTML text) atomically; the file must end in ``.html``."""
    from ..io.files import atomic_path

    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise GeoValueError(f"output: a page is written as .html; received {str(path)!r}")
    left = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', page)
    if left:
        raise GeoValueError(f"page: external resources left in it: {left}")
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")
    logger.debug("wrote %s (%.1f MB)", path, len(page.encode()) / 1e6)
    return path
