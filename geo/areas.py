"""Assign addresses to catchment areas and measure straight-line distance to every base.

The numerical core is :func:`locate_points` (arrays in, arrays out, EPSG:3006);
:func:`assign_addresses` is the adapter that takes a file, an :class:`~geo.io.AddressTable`
or a GeoDataFrame and returns every input row, in input order, with a ``status`` and a
``reason``:

``ok``
    Inside an area; every column is filled.
``outside``
    Valid coordinates in Sweden but in no area; ``nearest_area`` and ``distance_to_area_m``
    say which area is closest and how far away it is.
``invalid_coordinates``
    Missing, non-numeric or non-finite coordinates, coordinates outside Sweden (often a wrong
    ``--crs``) or with x and y swapped, or a geometry that is not a point.
``unmatched_address``
    A text address that matched nothing usable in the address register.
``ambiguous``
    A text address located only roughly (a street without its number, a postcode, a
    locality) whose extent meets several areas: no area and no distances;
    ``candidate_areas`` lists the areas it may lie in.
``needs_review``
    A text address whose street resembles a different register street: the reason asks
    "did you mean …?" and ``suggestions`` lists the register addresses meant.

Every row also gets ``location_precision`` (``address``, ``street``, ``postcode``,
``locality`` for text addresses; ``coordinates`` for rows that came with coordinates),
``candidate_areas`` (``norr|öster``; the one area of an ``ok`` row) and
``distance_approximate`` (an ``ok`` row located at a street, postcode or locality: its
distances are measured from a register point of that extent). A row is ``ok`` only when its
area would be the same wherever, within what was matched, the address really lies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from tqdm import tqdm

from . import settings
from .addresses import (
    AddressTable,
    Extents,
    find_id_column,
    read_addresses,
    table_from_frame,
    table_from_geodataframe,
)
from .columns import categorical, round1
from .crs import SWEREF99TM, guess_crs_from_values, in_sweden_3006, parse_crs, to_sweref
from .distance import distance_matrix_m, nearest
from .errors import GeoValueError
from .io import tables
from .polygons import OUTSIDE
from .report import summarize, summary_html
from .schema import (
    APPROXIMATE_PRECISIONS,
    CANDIDATE_SEPARATOR,
    PRECISION_COORDINATES,
    PRECISIONS,
    STATUS_AMBIGUOUS,
    STATUS_INVALID,
    STATUS_NEEDS_REVIEW,
    STATUS_OK,
    STATUS_OUTSIDE,
    STATUS_UNMATCHED,
    STATUSES,
    TRAVEL_MODES,
)
from .study import Study, load_study
from .travel import add_travel_columns

if TYPE_CHECKING:
    from .network import Network
    from .transit import Transit

__all__ = [
    "STATUS_INVALID",
    "STATUS_OK",
    "STATUS_OUTSIDE",
    "Assignment",
    "assign_addresses",
    "extent_areas",
    "locate_points",
]

logger = logging.getLogger(__name__)

#: Up to this many rows, the result table is built in one step (lookups and their batches).
SMALL_TABLE_ROWS = 10_000


def locate_points(
    e: np.ndarray,
    n: np.ndarray,
    study: Study,
    *,
    chunk_size: int | None = None,
    progress: bool = False,
) -> dict[str, np.ndarray]:
    """Area, RegSO, settlement class and base distances for points in EPSG:3006.

    Parameters
    ----------
    e, n : numpy.ndarray
        Easting and northing in metres (EPSG:3006); non-finite values give ``-1``/``nan``.
    study : Study
        Areas, bases and reference layers.
    chunk_size : int
        Points per chunk.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict of numpy.ndarray
        ``area`` (index into ``study.areas``, ``-1`` outside), ``regso``, ``settlement``
        (indices, ``-1`` where none), ``distance_m`` (N × bases, metres; N × 0 with more
        than :data:`geo.settings.max_base_columns` bases), ``nearest_base`` (index, ``-1``
        without bases) and ``nearest_base_distance_m``, ``own_base`` (index of the base of
        the point's area, ``-1`` outside or where the area has no own base) and
        ``own_base_distance_m``.
    """
    chunk_size = settings.chunk_rows if chunk_size is None else chunk_size
    e = np.asarray(e, dtype="float64")
    n = np.asarray(n, dtype="float64")
    if e.shape != n.shape or e.ndim != 1:
        raise GeoValueError(f"e, n: need two 1-D arrays of equal length; got {e.shape}, {n.shape}")
    if chunk_size < 1:
        raise GeoValueError(f"chunk_size: must be at least 1; received {chunk_size}")
    size = e.size
    be, bn = study.base_xy
    per_base = be.size <= settings.max_base_columns
    near = None if per_base else study.nearest_base_index
    out = {
        "area": np.empty(size, dtype=np.int32),
        "regso": np.full(size, OUTSIDE, dtype=np.int32),
        "settlement": np.full(size, OUTSIDE, dtype=np.int32),
        "distance_m": np.empty((size, be.size if per_base else 0), dtype="float64", order="F"),
        "nearest_base": np.empty(size, dtype=np.int64),
        "nearest_base_distance_m": np.empty(size, dtype="float64"),
        "own_base": np.empty(size, dtype=np.int64),
        "own_base_distance_m": np.empty(size, dtype="float64"),
    }
    aidx, ridx, sidx = study.area_index, study.regso_index, study.settlement_index
    starts = range(0, size, chunk_size)
    for s in tqdm(starts, disable=not progress or size <= chunk_size, unit="chunk", desc="assign"):
        sl = slice(s, min(s + chunk_size, size))
        ce, cn = e[sl], n[sl]
        area = aidx.locate(ce, cn)
        out["area"][sl] = area
        if ridx is not None:
            out["regso"][sl] = ridx.locate(ce, cn)
        if sidx is not None:
            out["settlement"][sl] = sidx.locate(ce, cn)
        if near is None:
            dist = distance_matrix_m(ce, cn, be, bn)
            out["distance_m"][sl] = dist
            out["nearest_base"][sl], out["nearest_base_distance_m"][sl] = nearest(dist)
        else:
            out["nearest_base"][sl], out["nearest_base_distance_m"][sl] = near.query(ce, cn)
        own = study.own_base(area)
        out["own_base"][sl] = own
        out["own_base_distance_m"][sl] = study.own_base_distance_m(ce, cn, own)
    return out


def _precision_columns(
    table: AddressTable,
    status_code: np.ndarray,
    area: np.ndarray,
    group_areas: list[np.ndarray],
    area_names: list[str],
    reason: np.ndarray,
) -> tuple[pd.Categorical, pd.Categorical, np.ndarray]:
    """``location_precision``, ``candidate_areas`` and ``distance_approximate``; the reasons
    of ambiguous and approximate rows are written into ``reason``."""
    size = status_code.size
    ok = status_code == STATUSES.index(STATUS_OK)
    located = ok | (status_code == STATUSES.index(STATUS_OUTSIDE))
    if table.precision is None:
        prec_code = np.where(located, PRECISIONS.index(PRECISION_COORDINATES), -1)
    else:
        lookup = {p: i for i, p in enumerate(PRECISIONS)}
        prec_code = np.fromiter(
            (lookup.get(p, -1) for p in table.precision), dtype=np.int64, count=size
        )
    approximate = ok & np.isin(prec_code, [PRECISIONS.index(p) for p in APPROXIMATE_PRECISIONS])
    cand_code = np.where(ok, area, -1).astype(np.int64)
    cand_names = list(area_names)
    ext = table.extents
    if ext is not None and group_areas:
        rg = ext.row_group
        amb = np.flatnonzero(status_code == STATUSES.index(STATUS_AMBIGUOUS))
        combos: dict[str, int] = {}
        for i in amb.tolist():
            g = int(rg[i])
            listed = [area_names[a] if a >= 0 else "(outside every area)" for a in group_areas[g]]
            text = CANDIDATE_SEPARATOR.join(listed)
            if text not in combos:
                combos[text] = len(cand_names)
                cand_names.append(text)
            cand_code[i] = combos[text]
            what = ext.what[g]
            match = str(table.frame["match_reason"].iat[i]) if "match_reason" in table.frame else ""
            reason[i] = (
                f"address: {match + '; ' if match else ''}{what} lies in {len(listed)} areas "
                f"({', '.join(listed)}): the area is not certain"
            )
        for i in np.flatnonzero(approximate).tolist():
            g = int(rg[i])
            if g >= 0:
                reason[i] = f"approximate location: {ext.what[g]} lies in one area"
    return (
        pd.Categorical.from_codes(prec_code, categories=pd.Index(PRECISIONS, dtype=object)),
        pd.Categorical.from_codes(cand_code, categories=pd.Index(cand_names, dtype=object)),
        approximate,
    )


def extent_areas(extents: Extents, study: Study) -> list[np.ndarray]:
    """The areas each extent's points lie in (sorted indices into ``study.areas``; ``-1``
    for points outside every area), found once per extent and area index."""
    index = study.area_index
    out = []
    for key, pos in extents.groups:
        hit = extents.memo.get(key)
        if hit is None or hit[0] is not index:  # the index object kept: no stale id reuse
            codes = index.locate(extents.e[pos], extents.n[pos])
            hit = (index, np.unique(codes))
            extents.memo[key] = hit
        out.append(hit[1])
    return out


@dataclass
class Assignment:
    """Result of :func:`assign_addresses`.

    Attributes
    ----------
    table : pandas.DataFrame
        Every input row in input order: the input columns, then ``input_row``, ``status``,
        ``reason``, ``e_3006``/``n_3006`` (m), ``area``, ``regsokod``, ``regsonamn``,
        ``settlement_class``, ``settlement_name``, ``own_base``, ``own_base_distance_m``,
        ``nearest_base``, ``nearest_base_distance_m``, ``distance_m_<base_id>`` per base,
        ``nearest_area`` and ``distance_to_area_m`` (for ``outside`` rows).
    study : Study
    notes : list of str
        What was assumed or found while reading (CRS, duplicates, renamed columns).
    """

    table: pd.DataFrame
    study: Study
    notes: list[str] = field(default_factory=list)

    def status_counts(self) -> pd.Series:
        """Number of rows per status (every status listed, zeros included)."""
        counts = self.table["status"].value_counts()
        return counts.reindex(list(STATUSES), fill_value=0).astype(int)

    def summary(self) -> pd.DataFrame:
        """Per-area summary; see :func:`geo.report.summarize`."""
        return summarize(self.table, self.study)

    def to_geodataframe(self) -> gpd.GeoDataFrame:
        """The table with point geometry in EPSG:3006 (empty geometry for invalid rows)."""
        t = self.table
        ok = t["e_3006"].notna().to_numpy()
        geom = np.full(len(t), None, dtype=object)
        geom[ok] = shapely.points(t["e_3006"].to_numpy()[ok], t["n_3006"].to_numpy()[ok])
        return gpd.GeoDataFrame(t, geometry=geom, crs=SWEREF99TM)

    def _repr_html_(self) -> str:
        return summary_html(len(self.table), self.status_counts(), self.notes, self.summary())


def _checked_3006(
    x: np.ndarray, y: np.ndarray, crs: pyproj.CRS, reason: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transform to EPSG:3006 and check each row lies in Sweden. Returns (e, n, reason)."""
    reason = reason.copy()
    finite = np.isfinite(x) & np.isfinite(y)
    e = np.full(x.size, np.nan)
    n = np.full(x.size, np.nan)
    if finite.any():
        e[finite], n[finite] = to_sweref(x[finite], y[finite], crs)
    inside = in_sweden_3006(e, n)
    bad = finite & ~inside
    if bad.any():
        idx = np.flatnonzero(bad)
        se, sn = to_sweref(y[idx], x[idx], crs)
        swapped = in_sweden_3006(se, sn)
        crs_name = crs.to_string()
        reason[idx[swapped]] = (
            f"x and y appear swapped: the point is in Sweden only with the axes exchanged "
            f"(CRS {crs_name}); name the columns with --x-col (easting/longitude) and --y-col"
        )
        rest = idx[~swapped]
        if rest.size:
            hint = guess_crs_from_values(x[rest], y[rest])
            msg = f"not in Sweden when read as {crs_name}"
            msg += f"; the values look like {hint}: check --crs" if hint else "; check --crs"
            reason[rest] = msg
        e[bad] = np.nan
        n[bad] = np.nan
    return e, n, reason


def _as_table(
    addresses: AddressTable | gpd.GeoDataFrame | pd.DataFrame | str | Path,
    crs: str | int | None,
    x_col: str | None,
    y_col: str | None,
) -> AddressTable:
    if isinstance(addresses, AddressTable):
        return addresses
    if isinstance(addresses, (str, Path)):
        return read_addresses(addresses, crs=crs, x_col=x_col, y_col=y_col)
    if isinstance(addresses, gpd.GeoDataFrame):
        return table_from_geodataframe(addresses, crs=parse_crs(crs) if crs is not None else None)
    if isinstance(addresses, pd.DataFrame):
        return table_from_frame(
            addresses, x_col=x_col, y_col=y_col, crs=parse_crs(crs) if crs is not None else None
        )
    raise GeoValueError(
        f"addresses: expected a file path, AddressTable, GeoDataFrame or DataFrame; "
        f"received {type(addresses).__name__}"
    )


def assign_addresses(
    addresses: AddressTable | gpd.GeoDataFrame | pd.DataFrame | str | Path,
    study: Study | None = None,
    *,
    crs: str | int | None = None,
    x_col: str | None = None,
    y_col: str | None = None,
    id_col: str | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    mode: str = "straight",
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
) -> Assignment:
    """Assign every address to a catchment area and measure distance to every base.

    Parameters
    ----------
    addresses : path, AddressTable, GeoDataFrame or DataFrame
        The addresses. A file is read with :func:`geo.io.read_addresses`.
    study : Study, optional
        Areas and bases; default :func:`geo.study.load_study` (Linköping).
    crs : str or int, optional
        CRS of the coordinates when the input does not declare one.
    x_col, y_col : str, optional
        Coordinate columns for tables.
    id_col : str, optional
        Identifier column checked for duplicates (default: a column named ``id``,
        ``adressid``, ``objectid`` ... if present).
    chunk_size : int
        Rows per processing chunk.
    progress : bool
        Show a progress bar for large inputs.
    mode : {"straight", "walk", "bike", "car", "transit"}
        ``straight`` gives straight-line distances only. A travel mode adds network distance
        and travel time to every base (see :mod:`geo.network`): along ``network`` when given,
        otherwise the labelled no-network estimate (status ``estimated``). ``transit`` adds
        the median and 90th percentile travel time by public transport, transfers and
        waiting share (see :mod:`geo.transit`; ``network`` is then a
        :class:`geo.transit.Transit`).
    network : Network or Transit, optional
        The network (or timetable) for ``mode``.
    max_snap_m : float
        Addresses farther than this from the network get no route.

    Returns
    -------
    Assignment
        Every input row, in input order, with ``status`` and ``reason``.
    """
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    study = study if study is not None else load_study()
    if mode not in TRAVEL_MODES:
        raise GeoValueError(f"mode: must be one of {TRAVEL_MODES}; received {mode!r}")
    if network is not None and network.mode != mode:
        raise GeoValueError(f"network: a {network.mode} network was given for mode {mode!r}")
    table = _as_table(addresses, crs, x_col, y_col)
    result, notes = assign_table(
        table,
        study,
        chunk_size=chunk_size,
        progress=progress,
        mode=mode,
        network=network,
        max_snap_m=max_snap_m,
    )
    idc = id_col or find_id_column(table.frame)
    if id_col is not None and id_col not in table.frame.columns:
        raise GeoValueError(
            f"id_col: column {id_col!r} not found; columns are {list(table.frame.columns)}"
        )
    if idc is not None:
        column = _output_name(idc, result, table.frame)
        dup = result[column].duplicated(keep=False).to_numpy()
        note = flag_duplicates(result, column, dup)
        if note:
            notes.append(note)
            logger.warning(note)
    counts = result["status"].value_counts()
    logger.info(
        "assigned %d rows: %s",
        len(result),
        ", ".join(f"{k} {counts.get(k, 0)}" for k in STATUSES),
    )
    return Assignment(result, study, notes)


def _output_name(column: str, result: pd.DataFrame, frame: pd.DataFrame) -> str:
    """Name of input ``column`` in the result (renamed with ``_input`` on a clash)."""
    renamed = f"{column}_input"
    return renamed if renamed in result.columns and renamed not in frame.columns else column


def flag_duplicates(result: pd.DataFrame, column: str, dup: np.ndarray) -> str:
    """Append "duplicate id ..." to ``reason`` where ``dup``; return a note ('' if none)."""
    if not dup.any():
        return ""
    rows = result["input_row"].to_numpy()[dup]
    dup_reason = "duplicate id " + result[column][dup].astype(str).str.slice(0, 40)
    reason = result["reason"].to_numpy(dtype=object).copy()
    cur = reason[dup]
    reason[dup] = np.where(cur == "", dup_reason, cur + "; " + dup_reason)
    result["reason"] = reason
    return (
        f"duplicate ids: {int(dup.sum())} rows share an id in column {column!r} "
        f"(rows {rows[:10].tolist()}{' ...' if rows.size > 10 else ''}); every row is kept "
        "and flagged in 'reason'"
    )


def assign_table(
    table: AddressTable,
    study: Study,
    *,
    chunk_size: int | None = None,
    progress: bool = False,
    mode: str = "straight",
    network: Network | Transit | None = None,
    max_snap_m: float | None = None,
    first_row: int = 1,
) -> tuple[pd.DataFrame, list[str]]:
    """The per-table work shared by every engine: check, locate, measure, build columns.

    ``first_row`` is the ``input_row`` of the table's first row (a partition's offset).
    Returns the result frame and the notes; duplicate ids are flagged by the caller, which
    knows the whole input.
    """
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    notes = list(table.notes)
    e, n, reason = _checked_3006(table.x, table.y, table.crs, table.reason)
    size = e.size
    names = study.names
    area_names = names["area"]
    ambiguous = np.zeros(size, dtype=bool)
    group_areas: list[np.ndarray] = []
    if table.extents is not None:
        group_areas = extent_areas(table.extents, study)
        rg = table.extents.row_group
        several = np.array([a.size > 1 for a in group_areas] + [False])
        ambiguous = several[rg]  # rg == -1 reads the trailing False
        e[ambiguous] = np.nan  # no area, no distances: the place is not known well enough
        n[ambiguous] = np.nan
    res = locate_points(e, n, study, chunk_size=chunk_size, progress=progress)

    valid = np.isfinite(e)
    area = res["area"]
    # status codes index STATUSES: 0 ok, 1 outside, 2 invalid_coordinates, 3 unmatched,
    # 4 ambiguous, 5 needs_review
    status_code = np.where(~valid, 2, np.where(area >= 0, 0, 1)).astype(np.int8)
    if table.unmatched is not None:
        status_code[np.asarray(table.unmatched, dtype=bool)] = STATUSES.index(STATUS_UNMATCHED)
    if table.review is not None:
        status_code[np.asarray(table.review, dtype=bool)] = STATUSES.index(STATUS_NEEDS_REVIEW)
    status_code[ambiguous] = STATUSES.index(STATUS_AMBIGUOUS)
    reason = reason.astype(object)
    reason[valid & (area >= 0)] = ""
    outside = np.flatnonzero(status_code == 1)
    near_area = np.full(size, OUTSIDE, dtype=np.int32)
    near_d = np.full(size, np.nan)
    if outside.size:
        near_area[outside], near_d[outside] = study.area_index.nearest(e[outside], n[outside])
        reason[outside] = [
            f"outside every area; nearest is {area_names[a]} at {d:,.0f} m"
            for a, d in zip(near_area[outside], near_d[outside], strict=True)
        ]
    missing = (status_code == 2) & (reason == "")
    reason[missing] = "coordinates are not finite"
    precision, candidates, approximate = _precision_columns(
        table, status_code, area, group_areas, area_names, reason
    )

    frame = table.frame.reset_index(drop=True)
    base_names = names["base"]
    out_cols: dict[str, Any] = {
        "input_row": np.arange(first_row, first_row + size, dtype=np.int64),
        "status": categorical(status_code, list(STATUSES)),
        "reason": reason,
        "location_precision": precision,
        "e_3006": np.round(e, 2, out=e),
        "n_3006": np.round(n, 2, out=n),
        "area": categorical(area, area_names),
        "candidate_areas": candidates,
        "distance_approximate": approximate,
    }
    if "area_label" in study.areas:
        out_cols["area_label"] = categorical(area, names["area_label"])
    if study.regso is not None:
        out_cols["regsokod"] = categorical(res["regso"], names["regsokod"])
        out_cols["regsonamn"] = categorical(res["regso"], names["regsonamn"])
    if study.settlement is not None:
        out_cols["settlement_class"] = categorical(res["settlement"], names["settlement_class"])
        out_cols["settlement_name"] = categorical(res["settlement"], names["settlement_name"])
    own = np.where(valid, res["own_base"], -1)
    out_cols["own_base"] = categorical(own, base_names)
    out_cols["own_base_distance_m"] = round1(res.pop("own_base_distance_m"))
    nb = np.where(valid, res["nearest_base"], -1)
    out_cols["nearest_base"] = categorical(nb, base_names)
    out_cols["nearest_base_distance_m"] = round1(res.pop("nearest_base_distance_m"))
    for j in range(res["distance_m"].shape[1]):
        out_cols[f"distance_m_{study.base_ids[j]}"] = round1(res["distance_m"][:, j])
    out_cols["nearest_area"] = categorical(near_area, area_names)
    out_cols["distance_to_area_m"] = round1(near_d)
    del res
    if len(base_names) > settings.max_base_columns:
        notes.append(
            f"{len(base_names)} bases: distances are given to the nearest and the own base only "
            f"(a column per base up to {settings.max_base_columns} bases)"
        )
    if mode != "straight":
        notes.extend(
            add_travel_columns(out_cols, e, n, valid, own, study, mode, network, max_snap_m)
        )

    clash = [c for c in frame.columns if c in out_cols]
    if clash:
        frame = frame.rename(columns={c: f"{c}_input" for c in clash})
        notes.append(
            f"input columns {clash} renamed with suffix '_input' (names used by the output)"
        )
    if size <= SMALL_TABLE_ROWS:
        # a few rows (a lookup, a batch of lookups): one frame from the input's columns and
        # ours is far quicker than a column insert per output column
        if not frame.columns.is_unique:
            added = pd.DataFrame(out_cols, index=frame.index)
            return pd.concat([frame, added], axis=1), notes
        mine = {c: frame[c].array for c in frame.columns}
        return pd.DataFrame({**mine, **out_cols}, index=frame.index), notes
    # Insert column by column: no consolidation copy of the whole table (10 M rows: GBs).
    result = frame.copy(deep=False)
    for name, values in out_cols.items():
        result[name] = values
    return result, notes


#: Columns every file written by ``geo assign`` has.
ASSIGNED_COLUMNS = ("status", "e_3006", "n_3006", "area", "own_base_distance_m")


def _numeric_assigned(name: str) -> bool:
    prefixes = ("distance_m_", "travel_time_s_", "network_distance_m_")
    return (
        name in ("e_3006", "n_3006", "input_row")
        or name.endswith(("_m", "_s"))
        or name.startswith(prefixes)
    )


def read_assigned(
    path: str | Path,
    study: Study,
    *,
    x_col: str | None = None,
    y_col: str | None = None,
    crs: str | int | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """The table of a file written by ``geo assign``; any other address file is assigned now.

    A planner passes the address file they have: when it lacks the columns ``geo assign``
    writes, it is read as addresses (``x_col``/``y_col``/``crs``/``sheet`` as for
    :func:`geo.addresses.read_addresses`) and assigned to the study's areas, and a note in
    the log says so.
    """
    frame = tables.read_table(path, sheet=sheet)
    if all(c in frame.columns for c in ASSIGNED_COLUMNS):
        out = frame.copy()
        for col in out.columns:
            if _numeric_assigned(str(col)):
                out[col] = pd.to_numeric(out[col], errors="coerce")
        out["status"] = out["status"].astype(str)
        return out
    table = read_addresses(path, x_col=x_col, y_col=y_col, crs=crs, sheet=sheet)
    result = assign_addresses(table, study)
    counts = result.status_counts()
    logger.info(
        "note: %s has not been through 'geo assign'; its %s rows were assigned now (%s)",
        path,
        f"{len(result.table):,}",
        ", ".join(f"{k} {v:,}" for k, v in counts.items() if v),
    )
    for note in result.notes:
        logger.info("note: %s", note)
    return result.table
