"""Regional and national runs: partitioned datasets on one machine or on a dask cluster.

:func:`assign_dataset` assigns a partitioned (Geo)Parquet dataset of addresses — millions of
rows, thousands of areas — and writes a partitioned GeoParquet dataset plus a per-area
summary. Two engines run **the same per-partition function** (:func:`_process_partition`,
which calls the single-machine core :func:`geo.areas.assign_table`):

``local``
    Partitions one after the other in this process; nothing beyond geopandas is needed.
``dask``
    Partitions read with dask-geopandas and processed in parallel on a dask cluster: a
    local one by default (``n_workers`` processes), or an existing scheduler
    (``scheduler="tcp://host:8786"``) whose workers reach the input and output paths.

The result of every row equals that of :func:`geo.areas.assign_addresses` on the whole input
(``input_row`` counts across partitions, duplicate ids are found across partitions). The
summary is combined from per-partition parts in two passes: counts, sums, maxima and shares
add up exactly; medians and 90th percentiles are found exactly by locating the bin of each
order statistic in a 100 m histogram and reading back only the values in that bin.
"""

from __future__ import annotations

import html
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from tqdm import tqdm

from . import settings
from .addresses import AddressTable, find_id_column, table_from_frame, table_from_geodataframe
from .areas import STATUSES, assign_table, flag_duplicates
from .crs import SWEREF99TM, parse_crs
from .errors import EngineError, GeoValueError, MissingColumnError, MissingDependencyError
from .io import datasets, tables
from .report import distance_summary
from .schema import ALL, STATUS_OK
from .schema import SETTLEMENT_CLASSES as SETTLEMENT_ORDER
from .study import Study, load_study

__all__ = ["ENGINES", "DatasetAssignment", "assign_dataset", "write_national_addresses"]

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: Histogram bin (m) used to find medians and percentiles across partitions.
BIN_M = 100.0
QUANTILES = (0.5, 0.9)


def _stat_columns() -> list[str]:
    """Columns of the partitions' statistics (the thresholds read when called)."""
    within = [f"within_{t}km" for t in settings.thresholds_km]
    return ["kind", "area", "settlement_class", "bin", "count", "sum", "max", *within]


@dataclass(frozen=True)
class _Job:
    """Everything a partition needs; sent once to every worker."""

    study: Study
    crs: pyproj.CRS | None
    x_col: str | None
    y_col: str | None
    id_col: str | None
    duplicate_ids: tuple[Any, ...]
    offsets: tuple[int, ...]
    output: str

    @property
    def distance_col(self) -> str | None:
        basis = self.study.distance_basis
        return None if basis is None else f"{basis}_distance_m"

    @property
    def by_class(self) -> bool:
        return self.study.settlement is not None


@dataclass
class DatasetAssignment:
    """Result of :func:`assign_dataset`.

    Attributes
    ----------
    output : pathlib.Path
        Folder of GeoParquet parts (``part.00000.parquet`` ...), points in EPSG:3006, with the
        columns of :attr:`geo.areas.Assignment.table`.
    summary : pandas.DataFrame
        Per area (and settlement class where the study has them) and for all areas:
        ``addresses``, distance mean/median/p90/max (m) and shares within 2/5/10 km, as
        :func:`geo.report.summarize` gives for one table.
    status_counts : pandas.Series
        Rows per status.
    rows, partitions, workers : int
    engine : str
    seconds : float
        Wall-clock time of the run.
    notes : list of str
    """

    output: Path
    summary: pd.DataFrame
    status_counts: pd.Series
    rows: int
    partitions: int
    workers: int
    engine: str
    seconds: float
    notes: list[str] = field(default_factory=list)

    def read(self, *, columns: list[str] | None = None) -> pd.DataFrame:
        """Read the whole result back into memory (for samples and small runs)."""
        parts = [
            datasets.read_part(p, columns=columns) for p in datasets.dataset_files(self.output)
        ]
        return pd.concat(parts, ignore_index=True)

    def _repr_html_(self) -> str:
        head = ", ".join(f"{k}: {v:,}" for k, v in self.status_counts.items())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        table = self.summary.head(60).to_html(index=False, float_format=lambda v: f"{v:,.2f}")
        more = "" if len(self.summary) <= 60 else f"<p>… {len(self.summary) - 60:,} more rows</p>"
        return (
            f"<div><b>Dataset assignment</b> of {self.rows:,} rows in {self.partitions} "
            f"partitions ({html.escape(self.engine)}, {self.workers} worker(s), "
            f"{self.seconds:,.1f} s): {html.escape(head)}<br>"
            f"written to <code>{html.escape(str(self.output))}</code>"
            f"{'<ul>' + notes + '</ul>' if notes else ''}{table}{more}</div>"
        )


# ----------------------------------------------------------------------------- per partition
def _table(frame: pd.DataFrame, job: _Job) -> AddressTable:
    if isinstance(frame, gpd.GeoDataFrame):
        return table_from_geodataframe(frame, crs=job.crs, source="dataset")
    return table_from_frame(frame, x_col=job.x_col, y_col=job.y_col, crs=job.crs)


def _assign_partition(
    frame: pd.DataFrame, job: _Job, number: int
) -> tuple[pd.DataFrame, list[str]]:
    """Assign one partition: the single-machine core plus cross-partition duplicate flags."""
    result, notes = assign_table(_table(frame, job), job.study, first_row=job.offsets[number] + 1)
    if job.id_col is not None and job.duplicate_ids:
        column = job.id_col if job.id_col in result else f"{job.id_col}_input"
        dup = result[column].isin(job.duplicate_ids).to_numpy()
        flag_duplicates(result, column, dup)
    return result, notes


def _group_codes(frame: pd.DataFrame, job: _Job) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Integer group of every row at each summary level, and the (area, class) of each group.

    Levels: area × settlement class (when the study has classes), area, all areas. Returns
    an ``(levels, rows)`` array of group numbers and the list of group keys.
    """
    areas = job.study.areas["area"].astype(str).tolist()
    a_codes = pd.Categorical(frame["area"], categories=areas).codes.astype(np.int64)
    keys: list[tuple[str, str]] = []
    levels = []
    if job.by_class:
        classes = [*SETTLEMENT_ORDER, "unknown"]
        cls = frame["settlement_class"].astype(object).fillna("unknown")
        c_codes = pd.Categorical(cls, categories=classes).codes.astype(np.int64)
        c_codes[c_codes < 0] = len(classes) - 1
        levels.append(a_codes * len(classes) + c_codes)
        keys += [(a, c) for a in areas for c in classes]
    levels.append(len(keys) + a_codes)
    keys += [(a, ALL) for a in areas]
    levels.append(np.full(len(frame), len(keys), dtype=np.int64))
    keys.append((ALL, ALL))
    return np.vstack(levels) if levels else np.empty((0, 0), dtype=np.int64), keys


def _partial_stats(result: pd.DataFrame, job: _Job, notes: list[str]) -> pd.DataFrame:
    """Additive statistics of one partition: status counts, group sums and a histogram.

    The partition's notes ride along as rows of kind ``note``.
    """
    rows: list[pd.DataFrame] = [
        pd.DataFrame({"kind": "note", "area": pd.Series(notes, dtype=object)})
    ]
    status = result["status"].astype(str).value_counts()
    rows.append(
        pd.DataFrame(
            {"kind": "status", "area": status.index.astype(object), "count": status.to_numpy()}
        )
    )
    ok = result[(result["status"] == STATUS_OK).to_numpy()]
    codes, keys = _group_codes(ok, job)
    dist = (
        ok[job.distance_col].to_numpy(dtype="float64")
        if job.distance_col is not None
        else np.full(len(ok), np.nan)
    )
    has = np.isfinite(dist)
    g = codes.ravel()
    d = np.tile(dist, codes.shape[0])
    h = np.tile(has, codes.shape[0])
    size = len(keys)
    count = np.bincount(g, minlength=size)
    used = np.flatnonzero(count)
    part = {
        "count": count,
        "measured": np.bincount(g, weights=h, minlength=size),
        "sum": np.bincount(g[h], weights=d[h], minlength=size),
    }
    mx = np.full(size, -np.inf)
    np.maximum.at(mx, g[h], d[h])
    part["max"] = np.where(np.isfinite(mx), mx, np.nan)
    for t in settings.thresholds_km:
        part[f"within_{t}km"] = np.bincount(g, weights=h & (d <= t * 1000), minlength=size)
    names = np.array(keys, dtype=object).reshape(-1, 2)
    group = pd.DataFrame({k: v[used] for k, v in part.items()})
    group.insert(0, "settlement_class", names[used, 1])
    group.insert(0, "area", names[used, 0])
    group.insert(0, "kind", "group")
    rows.append(group)
    if h.any():
        bins = np.floor(d[h] / BIN_M).astype(np.int64)
        combined, counts = np.unique(g[h] * (1 << 32) + bins, return_counts=True)
        gid = combined >> 32
        rows.append(
            pd.DataFrame(
                {
                    "kind": "hist",
                    "area": names[gid, 0],
                    "settlement_class": names[gid, 1],
                    "bin": combined - (gid << 32),
                    "count": counts,
                }
            )
        )
    out = pd.concat(rows, ignore_index=True)
    for col in _stat_columns() + ["measured"]:
        if col not in out:
            out[col] = np.nan
    return _stat_frame(out)


def _stat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed columns and dtypes of the partial statistics (also the dask ``meta``)."""
    cols = _stat_columns() + ["measured"]
    out = frame[cols].copy()
    for c in ("kind", "area", "settlement_class"):
        out[c] = out[c].astype(object)
    for c in cols[3:]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out


def _process_partition(
    frame: pd.DataFrame, job: _Job, partition_info: dict[str, Any] | None = None
) -> pd.DataFrame:
    """The per-partition work of every engine: assign, write the part, return statistics.

    ``partition_info`` is filled in by dask (and by the local engine) with the partition
    number; without it (dask's metadata probe on an empty frame) nothing is written.
    """
    number = 0 if partition_info is None else int(partition_info["number"])
    result, notes = _assign_partition(frame, job, number)
    if partition_info is not None:  # points in EPSG:3006 from the (rounded) output coordinates
        datasets.write_points_part(
            result,
            result["e_3006"].to_numpy(),
            result["n_3006"].to_numpy(),
            job.output,
            number,
            crs=pyproj.CRS(SWEREF99TM),
        )
    return _partial_stats(result, job, notes)


def _quantile_values(frame: pd.DataFrame, needed: pd.DataFrame, job: _Job) -> pd.DataFrame:
    """Distances of one output partition that fall in the bins holding wanted order stats."""
    empty = pd.DataFrame(
        {
            "area": pd.Series(dtype=object),
            "settlement_class": pd.Series(dtype=object),
            "bin": pd.Series(dtype="int64"),
            "value": pd.Series(dtype="float64"),
        }
    )
    if job.distance_col is None or needed.empty:
        return empty
    ok = frame[(frame["status"] == STATUS_OK).to_numpy()]
    dist = ok[job.distance_col].to_numpy(dtype="float64")
    codes, keys = _group_codes(ok, job)
    lookup = {k: i for i, k in enumerate(keys)}
    want = np.array(
        [
            lookup[(a, c)] * (1 << 32) + b
            for a, c, b in zip(
                needed["area"], needed["settlement_class"], needed["bin"], strict=True
            )
            if (a, c) in lookup
        ],
        dtype=np.int64,
    )
    has = np.isfinite(dist)
    bins = np.floor(dist[has] / BIN_M).astype(np.int64)
    names = np.array(keys, dtype=object).reshape(-1, 2)
    found = [empty]
    for level in codes:
        key = level[has] * (1 << 32) + bins
        hit = np.isin(key, want)
        gid = level[has][hit]
        found.append(
            pd.DataFrame(
                {
                    "area": names[gid, 0],
                    "settlement_class": names[gid, 1],
                    "bin": bins[hit],
                    "value": dist[has][hit],
                }
            )
        )
    return pd.concat(found, ignore_index=True).astype(empty.dtypes.to_dict())


# ----------------------------------------------------------------------------- combining
def _needed_bins(hist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where each group's median and p90 order statistics lie in the merged histogram.

    The quantile is :func:`geo.figures.weighted_quantile`'s inverted CDF with one weight per
    address: the order statistic at 0-based rank ⌈q·n⌉ − 1. Returns the (area, class, bin)
    triples to read back and, per group and quantile, that statistic's bin and in-bin rank
    (``bin0``/``rank0``).
    """
    keys = ["area", "settlement_class"]
    hist = hist.sort_values([*keys, "bin"]).reset_index(drop=True)
    gid = hist.groupby(keys, sort=False).ngroup().to_numpy()
    counts = hist["count"].to_numpy(dtype=np.int64)
    cum = np.cumsum(counts)
    first = np.flatnonzero(np.r_[True, gid[1:] != gid[:-1]]) if gid.size else gid
    base = cum[first] - counts[first]  # values before each group
    n = np.bincount(gid, weights=counts).astype(np.int64) if gid.size else gid
    bins = hist["bin"].to_numpy(dtype=np.int64)
    frames = []
    for q in QUANTILES:
        k = np.maximum(np.ceil(q * n.astype("float64")).astype(np.int64) - 1, 0)
        part = hist.loc[first, keys].reset_index(drop=True).assign(q=q)
        rank = base + k
        row = np.searchsorted(cum, rank, side="right")
        part["bin0"] = bins[row]
        part["rank0"] = rank - (cum[row] - counts[row])
        frames.append(part)
    want = pd.concat(frames, ignore_index=True)
    needed = want[[*keys, "bin0"]].rename(columns={"bin0": "bin"}).drop_duplicates()
    return needed.astype({"area": object, "settlement_class": object, "bin": "int64"}), want


def _block_key(frame: pd.DataFrame, bin_col: str) -> pd.Series:
    return (
        frame["area"].astype(str)
        + "\x1f"
        + frame["settlement_class"].astype(str)
        + "\x1f"
        + frame[bin_col].astype(str)
    )


def _quantiles(values: pd.DataFrame, want: pd.DataFrame) -> pd.DataFrame:
    """Median and p90 per group from the read-back values, exactly as
    :func:`geo.figures.weighted_quantile` gives them for the whole table."""
    keys = ["area", "settlement_class"]
    cols = ["median_distance_m", "p90_distance_m"]
    if want.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=keys))
    v = values.sort_values([*keys, "bin", "value"]).reset_index(drop=True)
    start = pd.Series(np.arange(len(v)), index=_block_key(v, "bin"))
    start = start[~start.index.duplicated()]
    val = v["value"].to_numpy()
    picked = val[start.loc[_block_key(want, "bin0")].to_numpy() + want["rank0"].to_numpy()]
    out = want[[*keys, "q"]].assign(value=picked)
    table = out.pivot_table(index=keys, columns="q", values="value", aggfunc="first")
    return table.rename(columns={0.5: cols[0], 0.9: cols[1]})


def _summary(stats: pd.DataFrame, quantiles: pd.DataFrame, job: _Job) -> pd.DataFrame:
    """The per-area summary from the partitions' additive statistics (see
    :func:`geo.report.distance_summary`, which the single-table summary uses too)."""
    keys = ["area", "settlement_class"]
    groups = (
        stats[stats["kind"] == "group"]
        .groupby(keys, sort=False)
        .agg(
            addresses=("count", "sum"),
            measured=("measured", "sum"),
            total=("sum", "sum"),
            max_distance_m=("max", "max"),
            **{f"within_{t}km": (f"within_{t}km", "sum") for t in settings.thresholds_km},
        )
    )
    return distance_summary(groups, quantiles, job.study)


def _status_counts(stats: pd.DataFrame) -> pd.Series:
    s = stats[stats["kind"] == "status"].groupby("area")["count"].sum()
    return s.reindex(list(STATUSES), fill_value=0).astype(int)


# ----------------------------------------------------------------------------- engines
def _prepare(
    files: list[Path], id_col: str | None
) -> tuple[list[int], bool, list[str], str | None]:
    """Rows per file, GeoParquet or not, the columns and the id column (from metadata)."""
    info = [datasets.parquet_info(f) for f in files]
    kinds = {geo for _, geo, _ in info}
    if len(kinds) > 1:
        raise GeoValueError(
            "addresses: the dataset mixes GeoParquet and plain Parquet files; use one kind"
        )
    columns = info[0][2]
    for f, (_, _, cols) in zip(files, info, strict=True):
        if cols != columns:
            raise GeoValueError(
                f"addresses: {f.name} has columns {cols}, the first part {columns}; "
                "every part needs the same columns"
            )
    idc = id_col or find_id_column(pd.DataFrame(columns=columns))
    if id_col is not None and id_col not in columns:
        raise MissingColumnError(f"id_col: column {id_col!r} not found; columns are {columns}")
    return [rows for rows, _, _ in info], info[0][1], columns, idc


def _duplicates_local(files: list[Path], idc: str) -> tuple[Any, ...]:
    ids = pd.concat([pd.read_parquet(f, columns=[idc])[idc] for f in files], ignore_index=True)
    return tuple(ids[ids.duplicated(keep=False)].unique().tolist())


def _run_local(
    files: list[Path], job: _Job, progress: bool
) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], pd.DataFrame]]:
    stats = []
    for number, f in enumerate(tqdm(files, disable=not progress, unit="part", desc="assign")):
        stats.append(_process_partition(datasets.read_part(f), job, {"number": number}))
    out_files = sorted(Path(job.output).glob("part.*.parquet"))

    def second_pass(needed: pd.DataFrame) -> pd.DataFrame:
        cols = _pass2_columns(job)
        found = [_quantile_values(pd.read_parquet(f, columns=cols), needed, job) for f in out_files]
        return pd.concat(found, ignore_index=True)

    return pd.concat(stats, ignore_index=True), second_pass


def _pass2_columns(job: _Job) -> list[str]:
    cols = ["status", "area"]
    if job.by_class:
        cols.append("settlement_class")
    if job.distance_col is not None:
        cols.append(job.distance_col)
    return cols


def _client(scheduler: str | None, n_workers: int | None, memory_limit: str) -> Any:
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise MissingDependencyError(
            "engine: the dask engine needs dask, distributed and dask-geopandas; "
            "install them with: pip install 'geo[dask]'"
        ) from err
    if scheduler:
        try:
            return Client(scheduler, timeout=f"{settings.dask_connect_timeout_s:g}s")
        except OSError as err:
            raise EngineError(
                f"scheduler: cannot reach the dask scheduler at {scheduler!r} ({err}); start one "
                "with 'dask scheduler' and workers with 'dask worker ADDRESS'"
            ) from err
    import os

    workers = n_workers or min(os.cpu_count() or 1, 4)
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        scheduler_kwargs={"dashboard": False},
    )
    return Client(cluster)


def _run_dask(
    files: list[Path], job: _Job, geoparquet: bool, client: Any, progress: bool
) -> tuple[pd.DataFrame, Callable[[pd.DataFrame], pd.DataFrame]]:
    import dask.dataframe as dd

    try:
        import dask_geopandas
    except ImportError as err:
        raise MissingDependencyError(
            "engine: the dask engine needs dask-geopandas; install it with: pip install 'geo[dask]'"
        ) from err
    paths = [str(f) for f in files]
    reader = dask_geopandas.read_parquet if geoparquet else dd.read_parquet
    ddf = reader(paths, split_row_groups=False)
    if ddf.npartitions != len(files):  # one partition per file keeps input_row offsets simple
        raise EngineError(
            f"addresses: dask read {ddf.npartitions} partitions from {len(files)} files"
        )
    # Sent once to every worker (areas, bases and their prebuilt indexes), not in the graph.
    job_d = client.scatter(job, broadcast=True, hash=False)
    meta = _stat_frame(pd.DataFrame(columns=_stat_columns() + ["measured"]))
    parts = ddf.map_partitions(_process_partition, job_d, meta=meta, align_dataframes=False)
    futures = client.compute(parts.to_delayed())
    if progress:
        from distributed import as_completed

        for _ in tqdm(as_completed(futures), total=len(futures), unit="part", desc="assign"):
            pass
    stats = pd.concat(client.gather(futures), ignore_index=True)

    def second_pass(needed: pd.DataFrame) -> pd.DataFrame:
        cols = _pass2_columns(job)
        out = dd.read_parquet(sorted(str(p) for p in Path(job.output).glob("part.*.parquet")),
                              columns=cols)  # fmt: skip
        empty = _quantile_values(out._meta, needed.iloc[:0], job)
        needed_d = client.scatter(needed, broadcast=True, hash=False)
        found = out.map_partitions(_quantile_values, needed_d, job_d, meta=empty)
        try:
            return client.compute(found).result()
        finally:
            client.cancel([needed_d, job_d])

    return stats, second_pass


def assign_dataset(
    source: str | Path,
    output: str | Path,
    study: Study | None = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    client: Any = None,
    n_workers: int | None = None,
    memory_limit: str | None = None,
    crs: str | int | None = None,
    x_col: str | None = None,
    y_col: str | None = None,
    id_col: str | None = None,
    progress: bool = False,
) -> DatasetAssignment:
    """Assign a partitioned address dataset, writing a partitioned GeoParquet result.

    Parameters
    ----------
    source : path
        A folder of Parquet parts, a glob (``addresses/*.parquet``) or one Parquet file:
        GeoParquet with point geometry, or plain Parquet with coordinate columns.
    output : path
        Folder to write (replaced when it holds only parts of an earlier run). The parts are
        written to a hidden folder beside it and moved in place at the end.
    study : Study, optional
        Areas and bases; default :func:`geo.study.load_study` (Linköping).
    engine : {"local", "dask"}
        ``local``: partitions in turn in this process. ``dask``: in parallel on a dask
        cluster (needs ``pip install 'geo[dask]'``).
    scheduler : str, optional
        Address of an existing dask scheduler (``tcp://host:8786``); default a local cluster.
    client : distributed.Client, optional
        An existing client (e.g. in a notebook); overrides ``scheduler``.
    n_workers : int, optional
        Workers of the local cluster (default: the cores, at most 4), one thread each.
    memory_limit : str
        Memory limit per local worker (default ``"4GB"``).
    crs : str or int, optional
        CRS of coordinate columns, or of geometry that declares none.
    x_col, y_col : str, optional
        Coordinate columns of plain Parquet.
    id_col : str, optional
        Identifier column checked for duplicates across all partitions.
    progress : bool
        Show a progress bar over the partitions.

    Returns
    -------
    DatasetAssignment
    """
    started = time.perf_counter()
    if engine not in ENGINES:
        raise GeoValueError(f"engine: must be one of {ENGINES}; received {engine!r}")
    study = study if study is not None else load_study()
    files = datasets.dataset_files(source)
    datasets.check_dataset_output(output, files)
    rows, geoparquet, _, idc = _prepare(files, id_col)
    offsets = tuple(int(v) for v in np.concatenate([[0], np.cumsum(rows)[:-1]]))
    tmp = datasets.new_dataset_dir(output)
    owned_client = None
    try:
        # Build the indexes once here, so workers receive them instead of rebuilding.
        _ = study.area_index, study.regso_index, study.settlement_index
        _ = study.own_base_of_area
        job = _Job(
            study=study,
            crs=parse_crs(crs) if crs is not None else None,
            x_col=x_col,
            y_col=y_col,
            id_col=idc,
            duplicate_ids=(),
            offsets=offsets,
            output=str(tmp),
        )
        if engine == "local":
            dup = _duplicates_local(files, idc) if idc else ()
            job = _replace_dups(job, dup)
            stats, second_pass = _run_local(files, job, progress)
            workers = 1
        else:
            if client is None:
                client = owned_client = _client(
                    scheduler, n_workers, memory_limit or settings.dask_worker_memory
                )
            workers = len(client.scheduler_info().get("workers", {})) or 1
            dup = _duplicates_dask(files, idc, geoparquet, client) if idc else ()
            job = _replace_dups(job, dup)
            stats, second_pass = _run_dask(files, job, geoparquet, client, progress)
        notes = list(dict.fromkeys(stats.loc[stats["kind"] == "note", "area"].astype(str)))
        if dup:
            notes.append(
                f"duplicate ids: {len(dup):,} ids occur more than once in column {idc!r}; "
                "every row is kept and flagged in 'reason'"
            )
        hist = (
            stats[stats["kind"] == "hist"]
            .groupby(["area", "settlement_class", "bin"], as_index=False)["count"]
            .sum()
        )
        hist["bin"] = hist["bin"].astype(np.int64)
        needed, want = _needed_bins(pd.DataFrame(hist))
        values = second_pass(needed)
        summary = _summary(stats, _quantiles(values, want), job)
        counts = _status_counts(stats)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if owned_client is not None:
            cluster = owned_client.cluster
            owned_client.close()
            if cluster is not None:
                cluster.close()
    out = datasets.finish_dataset(tmp, output)
    seconds = time.perf_counter() - started
    total = int(sum(rows))
    logger.info(
        "assigned %d rows in %d partitions (%s engine, %d worker(s)) in %.1f s: %s",
        total,
        len(files),
        engine,
        workers,
        seconds,
        ", ".join(f"{k} {v}" for k, v in counts.items()),
    )
    return DatasetAssignment(
        output=out,
        summary=summary,
        status_counts=counts,
        rows=total,
        partitions=len(files),
        workers=workers,
        engine=engine,
        seconds=seconds,
        notes=notes,
    )


def _replace_dups(job: _Job, dup: tuple[Any, ...]) -> _Job:
    from dataclasses import replace

    return replace(job, duplicate_ids=dup)


def _duplicates_dask(files: list[Path], idc: str, geoparquet: bool, client: Any) -> tuple:
    import dask.dataframe as dd

    ids = dd.read_parquet([str(f) for f in files], columns=[idc])[idc]
    counts = ids.value_counts(split_out=1)  # a tree reduction, no shuffle
    return tuple(client.compute(counts[counts > 1]).result().index.tolist())


def write_national_addresses(
    grid: str | Path,
    output: str | Path,
    n: int,
    *,
    seed: int = 752,
    partition_rows: int = 1_000_000,
    areas: gpd.GeoDataFrame | None = None,
    progress: bool = False,
) -> Path:
    """Write SYNTHETIC national addresses as a partitioned GeoParquet dataset.

    Drawn from an SCB 1 km population grid (e.g. ``popgrid_1km_2024.csv`` for all Sweden)
    with :func:`geo.synthetic.national_addresses`; with ``areas`` every point falls inside
    one of the polygons where its cell allows. Returns the folder.
    """
    from .polygons import PolygonIndex
    from .synthetic import national_addresses

    table = tables.read_population_grid(grid)
    index = PolygonIndex(areas.geometry.values) if areas is not None else None
    tmp = datasets.new_dataset_dir(output)
    try:
        parts = national_addresses(table, n, seed=seed, partition_rows=partition_rows, areas=index)
        total = -(-n // partition_rows) if n else 0
        for number, part in enumerate(tqdm(parts, total=total, disable=not progress, unit="part")):
            datasets.write_part(part, tmp, number, geoarrow=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return datasets.finish_dataset(tmp, output)
