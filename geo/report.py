"""Summaries of an assignment: per area and settlement class, as a table, text and HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
from .figures import WEIGHT_SCALE, exact_weights, group_figures
from .schema import (
    ALL,
    CELL_ID,
    CELL_POPULATION_IN_STUDY,
    NETWORK_ESTIMATED,
    SETTLEMENT_CLASSES,
    STATUS_OK,
)

if TYPE_CHECKING:
    from .study import Study

__all__ = [
    "area_figures",
    "format_summary",
    "population_by_area",
    "round_shown",
    "summarize",
]

SETTLEMENT_ORDER = SETTLEMENT_CLASSES


def round_shown(value: float, decimals: int = 0) -> Decimal:
    """A number rounded for display the way JavaScript's ``toFixed`` rounds it.

    The exact binary value is rounded to ``decimals`` places, halves away from zero, so a
    figure in the planning studio (JavaScript) and the same figure in ``geo whatif``,
    reports and maps (Python) show the same last digit.
    """
    return Decimal(float(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


#: What ``population_est`` is, wherever it is shown (geo assign, /api/summary, the catchment
#: map's area tooltip): one rule, one number.
POPULATION_EST_BASIS = (
    "people living in the area by SCB's 1 km grid 2024, each cell split between areas by the "
    "share of its area inside each (not the addresses' count, not who is nearest a base)"
)


def population_by_area(study: Study) -> pd.DataFrame:
    """Estimated population (SCB 1 km grid 2024) per area and settlement class.

    Each cell's in-municipality population is split between areas by the share of the cell's
    area inside each; the cell's settlement class is the one stored in the demand layer.

    Returns
    -------
    pandas.DataFrame
        Columns ``area``, ``settlement_class``, ``population_est``.
    """
    if study.demand is None:
        return pd.DataFrame(columns=["area", "settlement_class", "population_est"])
    ov = _cell_pieces(study)
    return (
        ov.groupby(["area", "settlement_class"], observed=True)["population_est"]
        .sum()
        .reset_index()
    )


def _cell_pieces(study: Study) -> gpd.GeoDataFrame:
    """The grid cells cut by the areas, each piece with its share of the cell's people."""
    assert study.demand is not None  # noqa: S101 - callers check
    cells = study.demand[[CELL_ID, CELL_POPULATION_IN_STUDY, "settlement_class", "geometry"]]
    ov = gpd.overlay(
        cells, study.areas[["area", "geometry"]], how="intersection", keep_geom_type=True
    )
    inside = ov.groupby(CELL_ID).geometry.apply(lambda g: g.area.sum())
    ov["share"] = ov.geometry.area / ov[CELL_ID].map(inside)
    ov["population_est"] = ov[CELL_POPULATION_IN_STUDY] * ov["share"]
    return ov


def area_figures(study: Study) -> pd.DataFrame:
    """Per area: its own base, the population (SCB grid) and how far the population lives
    from the base — by the rules of :mod:`geo.figures`, each 1 km cell's people at the
    representative point of the cell's part in the area.

    Returns
    -------
    pandas.DataFrame
        One row per area and a last row ``all``: ``area``, ``base``, ``population_est``,
        ``population_<class>`` per settlement class, ``mean_distance_m``, ``p90_distance_m``,
        ``max_distance_m`` and ``share_within_<t>km`` (shares 0–1) to the own base.
    """
    areas = study.areas["area"].astype(str).tolist()
    base_of = dict(zip(study.bases["area"].astype(str), study.bases["base_name"], strict=False))
    out = pd.DataFrame({"area": [*areas, ALL]})
    out["base"] = [base_of.get(a) for a in areas] + [None]
    if study.demand is None:
        return out
    pop = population_by_area(study)
    by_area = pop.groupby("area")["population_est"].sum()
    out["population_est"] = [float(by_area.get(a, 0.0)) for a in areas] + [
        float(pop["population_est"].sum())
    ]
    for c in SETTLEMENT_ORDER:
        mine = pop[pop["settlement_class"] == c].groupby("area")["population_est"].sum()
        if len(mine):
            out[f"population_{c}"] = [float(mine.get(a, 0.0)) for a in areas] + [float(mine.sum())]
    pieces = _cell_pieces(study)
    people = exact_weights(pieces["population_est"].to_numpy(dtype=float))
    pts = pieces.geometry.representative_point()
    code = pd.Categorical(pieces["area"].astype(str), categories=areas).codes.astype(np.int64)
    own = study.own_base(code)
    dist = study.own_base_distance_m(pts.x.to_numpy(), pts.y.to_numpy(), own)
    cuts = [t * 1000 for t in settings.thresholds_km]
    per = group_figures(code, len(areas), dist, people, thresholds=cuts)
    every = group_figures(np.zeros(code.size, np.int64), 1, dist, people, thresholds=cuts)
    for key, name in (("mean", "mean_distance_m"), ("p90", "p90_distance_m"),
                      ("max", "max_distance_m")):  # fmt: skip
        out[name] = [*per[key], every[key][0]]
    for i, t in enumerate(settings.thresholds_km):
        out[f"share_within_{t}km"] = [*per[f"share_within_{i}"], every[f"share_within_{i}"][0]]
    return out


def distance_summary(groups: pd.DataFrame, quantiles: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The per-area summary table from figures per (area, settlement class) group.

    The one assembly of the summary, for a single table (:func:`summarize`) and for
    partitioned datasets (:func:`geo.scale.assign_dataset`, whose figures are added up across
    parts).

    Parameters
    ----------
    groups : pandas.DataFrame
        Indexed by ``area`` and ``settlement_class`` (``all`` for the rows over every class and
        every area): ``addresses`` (ok rows), ``measured`` (rows with a distance), ``total``
        (sum of the distances, m), ``max_distance_m`` and ``within_<t>km`` (rows within each
        threshold of :data:`settings.thresholds_km`).
    quantiles : pandas.DataFrame
        The same index: ``median_distance_m`` and ``p90_distance_m`` (exact).
    study : Study

    Returns
    -------
    pandas.DataFrame
        As :func:`summarize` describes; a group's distance figures are given only when every
        one of its addresses has a distance.
    """
    keys = ["area", "settlement_class"]
    g = groups
    by_class = study.settlement is not None
    pop = population_by_area(study) if study.demand is not None else None
    classes: list[str] = []
    if by_class:
        present = set(g.index.get_level_values(1)) - {ALL}
        if pop is not None:
            present |= set(pop["settlement_class"])
        classes = [c for c in SETTLEMENT_ORDER if c in present]
    order = [
        (a, c)
        for a in study.areas["area"].astype(str)
        for c in ([*classes, ALL] if by_class else [ALL])
    ] + [(ALL, ALL)]
    index = pd.MultiIndex.from_tuples(order, names=keys)
    tab = g.reindex(index)
    n = tab["addresses"].fillna(0).to_numpy(dtype=np.int64)
    m = tab["measured"].fillna(0).to_numpy(dtype=float)
    full = (m > 0) & (m == n)  # every address measured (none when there are no bases)
    out = pd.DataFrame({"area": [k[0] for k in order], "settlement_class": [k[1] for k in order]})
    out["addresses"] = n
    if pop is not None:
        by_both = pop.groupby(keys)["population_est"].sum()
        by_area = pop.groupby("area")["population_est"].sum()
        pops = [
            float(pop["population_est"].sum())
            if a == ALL
            else float(by_area.get(a, 0.0))
            if c == ALL
            else float(by_both.get((a, c), 0.0))
            for a, c in order
        ]
        out["population_est"] = np.round(pops).astype(int)
    q = quantiles.reindex(index)
    safe_m = np.where(m > 0, m, 1.0)
    out["mean_distance_m"] = np.where(full, tab["total"].to_numpy(dtype=float) / safe_m, np.nan)
    out["median_distance_m"] = np.where(full, q["median_distance_m"].to_numpy(dtype=float), np.nan)
    out["p90_distance_m"] = np.where(full, q["p90_distance_m"].to_numpy(dtype=float), np.nan)
    out["max_distance_m"] = np.where(full, tab["max_distance_m"].to_numpy(dtype=float), np.nan)
    for t in settings.thresholds_km:
        share = tab[f"within_{t}km"].to_numpy(dtype=float) / safe_m
        out[f"share_within_{t}km"] = np.where(full, share, np.nan)
    out.insert(
        list(out.columns).index("population_est" if pop is not None else "addresses") + 1,
        "distance_to",
        (study.distance_basis or "none").replace("_", " "),
    )
    if "area_label" in study.areas:
        labels = dict(zip(study.areas["area"].astype(str), study.areas["area_label"], strict=True))
        out.insert(1, "area_label", out["area"].map(labels).fillna(""))
    return out


def _group_figures(
    area: np.ndarray, settle: np.ndarray | None, value: np.ndarray, *, prefix: str
) -> pd.DataFrame:
    """Figures of ``value`` per (area, class), per area (class ``all``) and over all areas,
    by the rules of :mod:`geo.figures` (one weight per address).

    ``prefix`` ``distance``: the columns :func:`distance_summary` takes (``value`` in metres);
    ``time``: the travel-time columns (``value`` in seconds; shares over every address, the
    unreachable not within).
    """
    value = np.asarray(value, dtype="float64")
    ones = np.ones(value.size)
    area = np.asarray(area, dtype=object)
    cls = np.asarray(settle, dtype=object) if settle is not None else np.full(area.size, ALL)
    levels = [(area, cls)] if settle is not None else []
    every = np.full(area.size, ALL, dtype=object)
    levels += [(area, every), (every, every)]
    cuts = (
        [t * 1000 for t in settings.thresholds_km]
        if prefix == "distance"
        else [m * 60 for m in settings.thresholds_min]
    )
    parts = []
    for a_col, c_col in levels:
        keys = pd.MultiIndex.from_arrays([a_col, c_col], names=["area", "settlement_class"])
        codes, uniq = pd.factorize(keys, sort=False)
        f = group_figures(codes, len(uniq), value, ones, thresholds=cuts, quantiles=(0.5, 0.9))
        index = pd.MultiIndex.from_tuples(list(uniq), names=["area", "settlement_class"])
        if prefix == "distance":
            finite = np.isfinite(value)
            part = pd.DataFrame(
                {
                    "addresses": f["count"],
                    "measured": f["reachable"].astype(np.int64),
                    "total": np.bincount(codes[finite], value[finite], minlength=len(uniq)),
                    "max_distance_m": f["max"],
                    "median_distance_m": f["p50"],
                    "p90_distance_m": f["p90"],
                },
                index=index,
            )
            for t in settings.thresholds_km:
                inside = value <= t * 1000
                part[f"within_{t}km"] = np.bincount(codes[inside], minlength=len(uniq))
        else:
            part = pd.DataFrame(
                {
                    "with_travel_time": f["reachable"].astype(np.int64),
                    "median_time_s": f["p50"],
                    "p90_time_s": f["p90"],
                },
                index=index,
            )
            for i, m in enumerate(settings.thresholds_min):
                part[f"share_within_{m}min"] = f[f"share_within_{i}"]
        parts.append(part)
    return pd.concat(parts)


def summarize(table: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Per-area summary of distance to the area's own base, split by settlement class.

    For a study without one base per area (regional and national runs) the distance is to
    the nearest base (see :attr:`geo.study.Study.distance_basis`); without bases only the
    counts are given.

    Parameters
    ----------
    table : pandas.DataFrame
        :attr:`geo.areas.Assignment.table` (or the same columns read back from a file).
    study : Study

    Returns
    -------
    pandas.DataFrame
        One row per area and settlement class, a row ``all`` per area and a final row for all
        areas. Columns: ``area``, ``settlement_class``, ``addresses``, ``population_est``,
        ``mean_distance_m``, ``median_distance_m``, ``p90_distance_m``, ``max_distance_m``,
        ``share_within_2km``, ``share_within_5km``, ``share_within_10km`` (shares 0–1).
        With a travel mode also ``travel_mode``, ``time_basis`` (``network`` or
        ``estimated``), ``with_travel_time``, ``median_time_s``, ``p90_time_s`` and
        ``share_within_15min``/``30min``/``45min`` of the time to the own base.
        Only rows with status ``ok`` count. ``distance_to`` says which distance is measured.
    """
    ok = table[table["status"].astype(str) == STATUS_OK]
    basis = study.distance_basis
    dist = (
        ok[f"{basis}_distance_m"].to_numpy(dtype="float64")
        if basis is not None
        else np.full(len(ok), np.nan)
    )
    area = ok["area"].astype(str).to_numpy()
    settle = None
    if study.settlement is not None:
        settle = (
            ok["settlement_class"].astype(object).fillna("unknown").astype(str).to_numpy()
            if "settlement_class" in ok
            else np.full(len(ok), "unknown")
        )
    figures = _group_figures(area, settle, dist, prefix="distance")
    out = distance_summary(
        figures.drop(columns=["median_distance_m", "p90_distance_m"]),
        figures[["median_distance_m", "p90_distance_m"]],
        study,
    )
    if "own_base_travel_time_s" in ok:
        time = ok["own_base_travel_time_s"].to_numpy(dtype="float64")
        times = _group_figures(area, settle, np.where(np.isfinite(time), time, np.nan),
                               prefix="time")  # fmt: skip
        times = times.reindex(pd.MultiIndex.from_frame(out[["area", "settlement_class"]]))
        for col in times.columns:
            out[col] = times[col].to_numpy()
        out["with_travel_time"] = out["with_travel_time"].fillna(0).astype(int)
        status = ok["network_status"].astype(str)
        time_basis = "estimated" if (status == NETWORK_ESTIMATED).all() else "network"
        out.insert(2, "time_basis", time_basis)
        out.insert(2, "travel_mode", str(ok["travel_mode"].iloc[0]) if len(ok) else "")
    cols = ["area", "settlement_class", "addresses", "population_est"]
    if "area_label" in out:
        cols.insert(1, "area_label")
    cols = [c for c in cols if c in out]
    return out[cols + [c for c in out.columns if c not in cols]]


def figures_by(
    table: pd.DataFrame, column: str, keys: Sequence[str], *, min_count: float
) -> pd.DataFrame:
    """Addresses and the median and 90th percentile distance to the own base, per value of
    ``column`` (e.g. RegSO) of an assignment's ``ok`` rows, in the order of ``keys``
    (:func:`geo.figures.group_figures`: a distance somebody really has, as every summary).

    Groups with fewer than ``min_count`` addresses keep their count (for a "fewer than"
    label) but no distance figures (privacy).
    """
    ok = table[table["status"].astype(str) == STATUS_OK]
    keys = list(keys)
    codes = pd.Categorical(ok[column].astype(str), categories=keys).codes
    value = ok["own_base_distance_m"].to_numpy(dtype="float64")
    f = group_figures(codes, len(keys), value, np.ones(value.size), quantiles=(0.5, 0.9))
    out = pd.DataFrame(
        {"addresses": f["count"], "median_distance_m": f["p50"], "p90_distance_m": f["p90"]},
        index=pd.Index(keys, name=column),
    )
    out["addresses"] = out["addresses"].astype(int)
    small = out["addresses"] < min_count
    out.loc[small, ["median_distance_m", "p90_distance_m"]] = np.nan
    return out


def cell_figures(
    e: np.ndarray,
    n: np.ndarray,
    value: np.ndarray,
    weight: np.ndarray,
    *,
    cell_size_m: float,
    min_count: float,
) -> pd.DataFrame:
    """Figures per square cell of a grid in EPSG:3006, small cells left out (privacy).

    Parameters
    ----------
    e, n : numpy.ndarray
        Points (m, EPSG:3006).
    value : numpy.ndarray
        A figure per point (a distance or a time).
    weight : numpy.ndarray
        What a point counts for: 1 per address, or a cell's population.
    cell_size_m : float
        Cell side (m); cells are aligned to multiples of it.
    min_count : float
        Cells whose total weight is below this are left out.

    Returns
    -------
    pandas.DataFrame
        ``e``, ``n`` (the cell's south-west corner, m), ``count`` (total weight) and
        ``median`` (of ``value`` over the cell's points, weighted by ``weight``: the
        inverted CDF of :mod:`geo.figures`, as every summary).
    """
    cx = np.floor(np.asarray(e) / cell_size_m).astype(np.int64)
    cy = np.floor(np.asarray(n) / cell_size_m).astype(np.int64)
    cells, codes = np.unique(np.stack([cx, cy], axis=1), axis=0, return_inverse=True)
    w = exact_weights(np.asarray(weight, dtype="float64"))
    f = group_figures(
        codes.ravel(), len(cells), np.asarray(value, dtype="float64"), w, quantiles=(0.5,)
    )
    count = f["total"] / WEIGHT_SCALE
    keep = count >= min_count
    return pd.DataFrame(
        {
            "e": cells[keep, 0] * cell_size_m,
            "n": cells[keep, 1] * cell_size_m,
            "count": count[keep],
            "median": f["p50"][keep],
        }
    )


def shares_beyond(
    group: np.ndarray,
    value: np.ndarray,
    weight: np.ndarray,
    thresholds: Sequence[float],
    *,
    names: Sequence[str],
    min_count: float,
) -> pd.DataFrame:
    """Weighted share of ``value`` beyond each threshold, per group and over all.

    Groups (e.g. areas) in ``names`` order, then ``all``; a group whose total weight is below
    ``min_count`` (or zero) is left out (privacy). One column per threshold, shares 0–1.
    """
    group = np.asarray(group)
    value = np.asarray(value, dtype="float64")
    weight = np.asarray(weight, dtype="float64")
    rows = {}
    for name in [*names, ALL]:
        sel = np.ones(group.size, dtype=bool) if name == ALL else group == name
        w = weight[sel]
        total = w.sum()
        if total == 0 or total < min_count:
            continue
        rows[name] = [w[value[sel] > t].sum() / total for t in thresholds]
    return pd.DataFrame.from_dict(
        rows, orient="index", columns=[f"beyond_{t:g}" for t in thresholds]
    )


def format_summary(summary: pd.DataFrame) -> str:
    """Plain-text table of a summary for the terminal (distances in km, shares in %)."""
    t = pd.DataFrame(
        {
            "area": summary["area"],
            "class": summary["settlement_class"],
            "addresses": summary["addresses"].map("{:,}".format),
            "mean km": (summary["mean_distance_m"] / 1000).map("{:.1f}".format),
            "median km": (summary["median_distance_m"] / 1000).map("{:.1f}".format),
            "p90 km": (summary["p90_distance_m"] / 1000).map("{:.1f}".format),
            "max km": (summary["max_distance_m"] / 1000).map("{:.1f}".format),
        }
    )
    if "population_est" in summary:
        t.insert(3, "pop (grid)", summary["population_est"].map("{:,}".format))
    if "area_label" in summary:
        t.insert(1, "label", summary["area_label"].astype(str).str.slice(0, 24))
    for k in settings.thresholds_km:
        t[f"<={k} km"] = (100 * summary[f"share_within_{k}km"]).map("{:.0f}%".format)
    if "median_time_s" in summary:
        t["median min"] = (summary["median_time_s"] / 60).map("{:.0f}".format)
        t["p90 min"] = (summary["p90_time_s"] / 60).map("{:.0f}".format)
        for m in settings.thresholds_min:
            t[f"<={m} min"] = (100 * summary[f"share_within_{m}min"]).map("{:.0f}%".format)
    t = t.replace({"nan": "–", "nan%": "–"})
    return t.to_string(index=False)


def summary_html(rows: int, counts: pd.Series, notes: Sequence[str], summary: pd.DataFrame) -> str:
    """HTML for notebooks: the number of rows, status counts, notes and the summary table."""
    head = ", ".join(f"{k}: {v:,}" for k, v in counts.items())
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    table = summary.to_html(index=False, float_format=lambda v: f"{v:,.2f}")
    return (
        f"<div><b>Assignment</b> of {rows:,} rows ({html.escape(head)})"
        f"{'<ul>' + items + '</ul>' if items else ''}{table}</div>"
    )
