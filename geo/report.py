"""Summaries of an assignment: per area and settlement class, as a table, text and HTML."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from . import settings
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

__all__ = ["THRESHOLDS_KM", "format_summary", "population_by_area", "summarize"]

#: Distance thresholds (km) for the "share within" columns.
THRESHOLDS_KM = settings.thresholds_km
#: Travel-time thresholds (minutes) for the "share within" columns of a travel mode.
THRESHOLDS_MIN = settings.thresholds_min
SETTLEMENT_ORDER = SETTLEMENT_CLASSES


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
    cells = study.demand[[CELL_ID, CELL_POPULATION_IN_STUDY, "settlement_class", "geometry"]]
    cells = cells.assign(cell_area=cells.geometry.area)
    ov = gpd.overlay(
        cells, study.areas[["area", "geometry"]], how="intersection", keep_geom_type=True
    )
    inside = ov.groupby(CELL_ID).geometry.apply(lambda g: g.area.sum())
    ov["share"] = ov.geometry.area / ov[CELL_ID].map(inside)
    ov["population_est"] = ov[CELL_POPULATION_IN_STUDY] * ov["share"]
    return (
        ov.groupby(["area", "settlement_class"], observed=True)["population_est"]
        .sum()
        .reset_index()
    )


def _stats(d: np.ndarray) -> dict[str, float]:
    row: dict[str, float] = {"addresses": float(d.size)}
    if d.size == 0 or np.isnan(d).all():  # no addresses, or no bases to measure to
        row.update(
            {
                k: np.nan
                for k in (
                    "mean_distance_m",
                    "median_distance_m",
                    "p90_distance_m",
                    "max_distance_m",
                )
            }
        )
        row.update({f"share_within_{t}km": np.nan for t in THRESHOLDS_KM})
        return row
    row["mean_distance_m"] = float(d.mean())
    row["median_distance_m"] = float(np.median(d))
    row["p90_distance_m"] = float(np.percentile(d, 90))
    row["max_distance_m"] = float(d.max())
    for t in THRESHOLDS_KM:
        row[f"share_within_{t}km"] = float((d <= t * 1000).mean())
    return row


def _time_stats(t: np.ndarray) -> dict[str, float]:
    """Travel-time figures; rows without a time (no route) are counted, not averaged."""
    ok = t[np.isfinite(t)]
    row: dict[str, float] = {"with_travel_time": float(ok.size)}
    if ok.size == 0:
        row.update({"median_time_s": np.nan, "p90_time_s": np.nan})
        row.update({f"share_within_{m}min": np.nan for m in THRESHOLDS_MIN})
        return row
    row["median_time_s"] = float(np.median(ok))
    row["p90_time_s"] = float(np.percentile(ok, 90))
    for m in THRESHOLDS_MIN:
        row[f"share_within_{m}min"] = float((ok <= m * 60).mean())
    return row


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
    settle = (
        ok["settlement_class"].astype(str).to_numpy()
        if "settlement_class" in ok
        else np.full(len(ok), "unknown")
    )
    pop = population_by_area(study)
    has_time = "own_base_travel_time_s" in ok
    time = ok["own_base_travel_time_s"].to_numpy(dtype="float64") if has_time else None

    def stats(sel: np.ndarray) -> dict[str, float]:
        row = _stats(dist[sel])
        if time is not None:
            row.update(_time_stats(time[sel]))
        return row

    rows = []
    areas = study.areas["area"].astype(str).tolist()
    classes = [c for c in SETTLEMENT_ORDER if c in set(settle) | set(pop["settlement_class"])]
    for a in areas:
        in_a = area == a
        for c in classes:
            sel = in_a & (settle == c)
            p = pop.loc[(pop["area"] == a) & (pop["settlement_class"] == c), "population_est"].sum()
            rows.append({"area": a, "settlement_class": c, **stats(sel), "population_est": p})
        p = pop.loc[pop["area"] == a, "population_est"].sum()
        rows.append({"area": a, "settlement_class": ALL, **stats(in_a), "population_est": p})
    rows.append(
        {
            "area": ALL,
            "settlement_class": ALL,
            **stats(np.ones(dist.size, dtype=bool)),
            "population_est": pop["population_est"].sum(),
        }
    )
    out = pd.DataFrame(rows)
    out["addresses"] = out["addresses"].astype(int)
    out.insert(2, "distance_to", (basis or "none").replace("_", " "))
    if has_time:
        out["with_travel_time"] = out["with_travel_time"].astype(int)
        status = ok["network_status"].astype(str)
        basis = "estimated" if (status == NETWORK_ESTIMATED).all() else "network"
        out.insert(2, "time_basis", basis)
        out.insert(2, "travel_mode", str(ok["travel_mode"].iloc[0]) if len(ok) else "")
    out["population_est"] = out["population_est"].round(0).astype(int)
    cols = ["area", "settlement_class", "addresses", "population_est"]
    if study.demand is None:  # no population grid for these areas
        out = out.drop(columns="population_est")
        cols.remove("population_est")
    return out[cols + [c for c in out.columns if c not in cols]]


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
    for k in THRESHOLDS_KM:
        t[f"<={k} km"] = (100 * summary[f"share_within_{k}km"]).map("{:.0f}%".format)
    if "median_time_s" in summary:
        t["median min"] = (summary["median_time_s"] / 60).map("{:.0f}".format)
        t["p90 min"] = (summary["p90_time_s"] / 60).map("{:.0f}".format)
        for m in THRESHOLDS_MIN:
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
