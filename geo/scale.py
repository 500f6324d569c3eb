"""Regional and national runs: partitioned datasets on one machine or on a dask cluster.

:func:`assign_dataset` assigns a partitioned (Geo)Parquet dataset of addresses — millions of
rows, thousands of areas — and writes a partitioned GeoParquet dataset plus a per-area
summary. Two engines run **the same per-part function** (:func:`_process_file`,
which calls the single-machine core :func:`geo.areas.assign_table`):

``local``
    Partitions in this process, two at a time on two threads by default (``n_workers``;
    Parquet I/O and the compiled kernels run outside Python's lock); nothing beyond
    geopandas is needed.
``dask``
    One task per part on a dask cluster: a local one by default (``n_workers`` processes),
    or an existing scheduler (``scheduler="tcp://host:8786"``) whose workers reach the input
    and output paths.

Points are read without a geometry object per row: GeoArrow ``point`` columns (GeoParquet
1.1) straight from the Arrow buffers, WKB points decoded from their bytes. The output parts
carry points as GeoArrow, or as WKB where the input is WKB.

The result of every row equals that of :func:`geo.areas.assign_addresses` on the whole input
(``input_row`` counts across partitions, duplicate ids are found across partitions). The
summary is combined from per-partition parts in two passes: counts, sums, maxima and shares
add up exactly; medians and 90th percentiles are found exactly by locating the bin of each
order statistic in a 100 m histogram and reading back only the values in that bin.
"""

from __future__ import annotations

import html
import logging
import os
import pickle
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from tqdm import tqdm

from . import settings
from .addresses import (
    AddressTable,
    find_id_column,
    table_from_frame,
    table_from_geodataframe,
    table_from_points,
)
from .areas import STATUSES, assign_table, flag_duplicates
from .crs import SWEREF99TM, parse_crs
from .errors import EngineError, GeoValueError, MissingColumnError, MissingDependencyError
from .figures import quantile_rank
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
    return ["kind", "area", "settlement_class", "count", "sum", "max", *within]


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
    #: Geometry encoding of the parts written: ``"point"`` (GeoArrow) or ``"WKB"``.
    encoding: str = "point"

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
    step_seconds : dict
        Seconds of work per step, summed over the parts (several run at once, so the sum
        can exceed ``seconds``): ``read``, ``assign``, ``write``, ``summary`` (each part's
        statistics), and in this process ``duplicates`` (ids across parts) and
        ``quantiles`` (the second pass for medians and percentiles).
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
    step_seconds: dict[str, float] = field(default_factory=dict)

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
def _table(frame: pd.DataFrame | datasets.PointsPart, job: _Job) -> AddressTable:
    if isinstance(frame, datasets.PointsPart):
        return table_from_points(
            frame.frame,
            frame.x,
            frame.y,
            frame.type_id,
            frame.type_names,
            declared_crs=frame.crs,
            crs=job.crs,
            source="dataset",
        )
    if isinstance(frame, gpd.GeoDataFrame):
        return table_from_geodataframe(frame, crs=job.crs, source="dataset")
    return table_from_frame(frame, x_col=job.x_col, y_col=job.y_col, crs=job.crs)


def _read(path: Path) -> pd.DataFrame | datasets.PointsPart:
    """One input part: points as coordinate arrays where the encoding allows."""
    part = datasets.read_points_part(path)
    return part if part is not None else datasets.read_part(path)


def _assign_partition(
    frame: pd.DataFrame | datasets.PointsPart, job: _Job, number: int
) -> tuple[pd.DataFrame, list[str]]:
    """Assign one partition: the single-machine core plus cross-partition duplicate flags."""
    result, notes = assign_table(_table(frame, job), job.study, first_row=job.offsets[number] + 1)
    if job.id_col is not None and job.duplicate_ids:
        column = job.id_col if job.id_col in result else f"{job.id_col}_input"
        dup = result[column].isin(job.duplicate_ids).to_numpy()
        flag_duplicates(result, column, dup)
    return result, notes


def _group_keys(job: _Job) -> list[tuple[str, str]]:
    """The (area, class) of every group number :func:`_group_codes` gives."""
    return _group_codes(pd.DataFrame({"area": [], "settlement_class": []}), job, np.zeros(0, int))[
        1
    ]


def _group_codes(
    frame: pd.DataFrame, job: _Job, rows: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Integer group of each of ``rows`` (positions in ``frame``) at each summary level, and
    the (area, class) of each group.

    Levels: area × settlement class (when the study has classes), area, all areas. Returns
    an ``(levels, rows)`` array of group numbers and the list of group keys.
    """
    areas = job.study.areas["area"].astype(str).tolist()
    a_codes = _codes(frame["area"], areas)[rows]
    keys: list[tuple[str, str]] = []
    levels = []
    if job.by_class:
        classes = [*SETTLEMENT_ORDER, "unknown"]
        c_codes = _codes(frame["settlement_class"], classes)[rows]
        c_codes[c_codes < 0] = len(classes) - 1
        levels.append(a_codes * len(classes) + c_codes)
        keys += [(a, c) for a in areas for c in classes]
    levels.append(len(keys) + a_codes)
    keys += [(a, ALL) for a in areas]
    levels.append(np.full(rows.size, len(keys), dtype=np.int64))
    keys.append((ALL, ALL))
    return np.vstack(levels), keys


def _codes(column: pd.Series, categories: list[str]) -> np.ndarray:
    """Position of each value in ``categories`` (-1 where missing or not listed); a
    categorical column with those very categories is read without comparing text."""
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == categories:
        return column.cat.codes.to_numpy().astype(np.int64)
    return pd.Categorical(column, categories=categories).codes.astype(np.int64)


def _ok_rows(frame: pd.DataFrame) -> np.ndarray:
    """Positions of the rows with status ``ok``."""
    return np.flatnonzero((frame["status"] == STATUS_OK).to_numpy())


def _partial_stats(
    result: pd.DataFrame, job: _Job, notes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Additive statistics of one partition: status counts and group sums, and the
    histogram of distances per group (``group``, ``bin``, ``count``).

    The partition's notes ride along as rows of kind ``note``.
    """
    rows: list[pd.DataFrame] = [
        pd.DataFrame({"kind": "note", "area": pd.Series(notes, dtype=object)})
    ]
    status = result["status"].value_counts()
    status = status[status.to_numpy() > 0]
    rows.append(
        pd.DataFrame(
            {
                "kind": "status",
                "area": status.index.astype(str).astype(object),
                "count": status.to_numpy(),
            }
        )
    )
    ok = _ok_rows(result)
    codes, keys = _group_codes(result, job, ok)
    dist = (
        result[job.distance_col].to_numpy(dtype="float64")[ok]
        if job.distance_col is not None
        else np.full(ok.size, np.nan)
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
    bins = np.floor(d[h] / BIN_M).astype(np.int64)
    combined, counts = np.unique(g[h] * (1 << 32) + bins, return_counts=True)
    gid = combined >> 32
    hist = pd.DataFrame(  # groups by number (the keys of _group_codes): small, no text
        {
            "group": gid.astype(np.int32),
            "bin": (combined - (gid << 32)).astype(np.int32),
            "count": counts.astype(np.int32),
        }
    )
    out = pd.concat(rows, ignore_index=True)
    for col in _stat_columns() + ["measured"]:
        if col not in out:
            out[col] = np.nan
    return _stat_frame(out), hist


def _stat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Fixed columns and dtypes of the partial statistics (also the dask ``meta``)."""
    cols = _stat_columns() + ["measured"]
    out = frame[cols].copy()
    for c in ("kind", "area", "settlement_class"):
        out[c] = out[c].astype(object)
    for c in cols[3:]:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype("float64")
    return out


def _job_of(job: _Job | str) -> _Job:
    """The job itself, or the job pickled at this path (loaded once per process)."""
    return job if isinstance(job, _Job) else _load_job(job)


@lru_cache(maxsize=1)  # a worker keeps the job of the run at hand only
def _load_job(path: str) -> _Job:
    with open(path, "rb") as f:
        job = pickle.load(f)  # written by assign_dataset in its own fresh output folder
    if not isinstance(job, _Job):
        raise EngineError(f"engine: {path!r} does not hold a dataset job")
    return job


def _process_file(path: str, number: int, job: _Job | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-part work of every engine: read input part ``number``, assign it, write its
    output part and return its statistics (with the seconds each step took, kind
    ``seconds``) and its histogram (:func:`_partial_stats`). ``job`` is the job or the path
    of its pickle (dask workers)."""
    job = _job_of(job)
    t0 = time.perf_counter()
    part = _read(Path(path))
    t1 = time.perf_counter()
    result, notes = _assign_partition(part, job, number)
    del part
    t2 = time.perf_counter()
    datasets.write_points_part(  # points in EPSG:3006 from the (rounded) output coordinates
        result,
        result["e_3006"].to_numpy(),
        result["n_3006"].to_numpy(),
        job.output,
        number,
        crs=pyproj.CRS(SWEREF99TM),
        encoding=job.encoding,
    )
    t3 = time.perf_counter()
    stats, hist = _partial_stats(result, job, notes)
    t4 = time.perf_counter()
    steps = {"read": t1 - t0, "assign": t2 - t1, "write": t3 - t2, "summary": t4 - t3}
    seconds = pd.DataFrame({"kind": "seconds", "area": list(steps), "sum": list(steps.values())})
    return _stat_frame(pd.concat([stats, seconds], ignore_index=True)), hist


def _quantile_values(path: str, needed: pd.DataFrame, job: _Job | str) -> pd.DataFrame:
    """Distances of one output part that fall in the (group, bin) blocks holding wanted
    order statistics (groups numbered as :func:`_group_codes` numbers them)."""
    job = _job_of(job)
    empty = pd.DataFrame(
        {
            "group": pd.Series(dtype="int64"),
            "bin": pd.Series(dtype="int64"),
            "value": pd.Series(dtype="float64"),
        }
    )
    if job.distance_col is None or needed.empty:
        return empty
    frame = pd.read_parquet(path, columns=_pass2_columns(job))
    ok = _ok_rows(frame)
    dist = frame[job.distance_col].to_numpy(dtype="float64")[ok]
    codes, _ = _group_codes(frame, job, ok)
    want = np.unique(
        needed["group"].to_numpy(dtype=np.int64) * (1 << 32)
        + needed["bin"].to_numpy(dtype=np.int64)
    )
    has = np.isfinite(dist)
    bins = np.floor(dist[has] / BIN_M).astype(np.int64)
    found = [empty]
    for level in codes:
        key = level[has] * (1 << 32) + bins
        at = np.minimum(np.searchsorted(want, key), want.size - 1)
        hit = want[at] == key  # membership in the sorted wanted keys
        found.append(
            pd.DataFrame({"group": level[has][hit], "bin": bins[hit], "value": dist[has][hit]})
        )
    return pd.concat(found, ignore_index=True).astype(empty.dtypes.to_dict())


def _file_ids(path: str, idc: str) -> tuple[pd.Series, pd.Series]:
    """The distinct ids of one part, and those that occur more than once in it."""
    ids = pd.read_parquet(path, columns=[idc])[idc]
    return ids.drop_duplicates(), ids[ids.duplicated()].drop_duplicates()


def _duplicate_ids(parts: list[tuple[pd.Series, pd.Series]]) -> tuple[Any, ...]:
    """Ids that occur more than once across parts (from :func:`_file_ids` of every part)."""
    if not parts:
        return ()
    distinct = pd.concat([u for u, _ in parts], ignore_index=True)
    repeated = pd.concat(
        [distinct[distinct.duplicated()], *(d for _, d in parts)], ignore_index=True
    )
    return tuple(repeated.drop_duplicates().tolist())


# ----------------------------------------------------------------------------- combining
def _merged_hist(rows: pd.DataFrame) -> pd.DataFrame:
    """The parts' histograms (concatenated) added up: ``group``, ``bin``, ``count``, sorted."""
    key = rows["group"].to_numpy(dtype=np.int64) * (1 << 32) + rows["bin"].to_numpy(dtype=np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    count = np.bincount(inverse, weights=rows["count"].to_numpy(), minlength=uniq.size)
    return pd.DataFrame(
        {"group": uniq >> 32, "bin": uniq & ((1 << 32) - 1), "count": count.astype(np.int64)}
    )


def _needed_bins(hist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where each group's median and p90 order statistics lie in the merged histogram.

    The quantile is :func:`geo.figures.weighted_quantile`'s inverted CDF with one weight per
    address: the order statistic at 0-based rank ⌈q·n⌉ − 1. ``hist`` is
    :func:`_merged_hist`'s (sorted by group and bin). Returns the (group, bin) pairs to read
    back and, per group and quantile, that statistic's bin and in-bin rank
    (``bin0``/``rank0``).
    """
    group = hist["group"].to_numpy(dtype=np.int64)
    counts = hist["count"].to_numpy(dtype=np.int64)
    bins = hist["bin"].to_numpy(dtype=np.int64)
    cum = np.cumsum(counts)
    first = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if group.size else group
    base = cum[first] - counts[first]  # values before each group
    n = np.add.reduceat(counts, first) if group.size else group
    frames = []
    for q in QUANTILES:
        k = quantile_rank(n, q)
        rank = base + k
        row = np.searchsorted(cum, rank, side="right")
        frames.append(
            pd.DataFrame(
                {
                    "group": group[first],
                    "q": q,
                    "bin0": bins[row],
                    "rank0": rank - (cum[row] - counts[row]),
                }
            )
        )
    want = pd.concat(frames, ignore_index=True)
    needed = want[["group", "bin0"]].rename(columns={"bin0": "bin"}).drop_duplicates()
    return needed.astype("int64").reset_index(drop=True), want


def _quantiles(
    values: pd.DataFrame, want: pd.DataFrame, keys: list[tuple[str, str]]
) -> pd.DataFrame:
    """Median and p90 per (area, class) from the read-back values, exactly as
    :func:`geo.figures.weighted_quantile` gives them for the whole table."""
    index = ["area", "settlement_class"]
    cols = ["median_distance_m", "p90_distance_m"]
    if want.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=index))
    # values sorted in (group, bin) blocks; each wanted statistic is read at its block's
    # start plus its rank in the block
    block = values["group"].to_numpy(dtype=np.int64) * (1 << 32) + values["bin"].to_numpy(
        dtype=np.int64
    )
    val = values["value"].to_numpy(dtype="float64")
    order = np.lexsort((val, block))
    group = want["group"].to_numpy(dtype=np.int64)
    wanted = group * (1 << 32) + want["bin0"].to_numpy(dtype=np.int64)
    start = np.searchsorted(block[order], wanted, side="left")
    picked = val[order][start + want["rank0"].to_numpy(dtype=np.int64)]
    names = np.array(keys, dtype=object).reshape(-1, 2)
    out = pd.DataFrame(
        {"area": names[group, 0], "settlement_class": names[group, 1], "q": want["q"].to_numpy(),
         "value": picked}
    )  # fmt: skip
    table = out.pivot_table(index=index, columns="q", values="value", aggfunc="first")
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


def _run_local(
    files: list[Path], job: _Job, progress: bool, threads: int
) -> tuple[tuple[pd.DataFrame, pd.DataFrame], Callable[[pd.DataFrame], pd.DataFrame]]:
    # Parts on ``threads`` threads of this process: Parquet reading and writing and the
    # compiled kernels (points near borders, nearest bases) run outside Python's lock, so two
    # parts overlap; GEOS calls on the shared index take turns (PolygonIndex's lock); results
    # are taken in part order.
    numbers = range(len(files))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="geo-part") as pool:
        done = pool.map(_process_file, [str(f) for f in files], numbers, [job] * len(files))
        parts = list(tqdm(done, total=len(files), disable=not progress, unit="part", desc="assign"))
    out_files = [str(Path(job.output) / datasets.PART_NAME.format(i)) for i in numbers]

    def second_pass(needed: pd.DataFrame) -> pd.DataFrame:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="geo-part") as again:
            found = list(again.map(lambda f: _quantile_values(f, needed, job), out_files))
        return pd.concat(found, ignore_index=True)

    return _joined(parts), second_pass


def _joined(parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The parts' statistics and histograms, each concatenated."""
    return (
        pd.concat([st for st, _ in parts], ignore_index=True),
        pd.concat([h for _, h in parts], ignore_index=True),
    )


def _duplicates_local(files: list[Path], idc: str, threads: int) -> tuple[Any, ...]:
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="geo-part") as pool:
        return _duplicate_ids(list(pool.map(lambda f: _file_ids(str(f), idc), files)))


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
            "engine: the dask engine needs dask and distributed; "
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
    workers = n_workers or min(os.cpu_count() or 1, 4)
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        scheduler_kwargs={"dashboard": False},
    )
    return Client(cluster)


#: The job of a dask run, pickled once into the run's own (hidden, fresh) output folder.
JOB_FILE = ".job.pickle"


def _run_dask(
    files: list[Path], job: _Job, client: Any, progress: bool
) -> tuple[tuple[pd.DataFrame, pd.DataFrame], Callable[[pd.DataFrame], pd.DataFrame]]:
    # The areas, bases and their prebuilt indexes (~200 MB for all RegSO) reach the workers
    # through the output folder, which every worker reaches anyway: each loads the pickle
    # once, several times faster than sending it through the scheduler's connections.
    job_path = Path(job.output) / JOB_FILE
    with open(job_path, "wb") as f:
        pickle.dump(job, f, protocol=pickle.HIGHEST_PROTOCOL)
    job_ref = str(job_path)
    # One task per part: each worker reads its part (points straight from the Arrow
    # buffers), assigns it and writes its output part; only the statistics come back.
    futures = client.map(
        _process_file, [str(f) for f in files], range(len(files)), job=job_ref, pure=False
    )
    if progress:
        from distributed import as_completed

        for _ in tqdm(as_completed(futures), total=len(futures), unit="part", desc="assign"):
            pass
    stats = _joined(client.gather(futures))
    out_files = [str(Path(job.output) / datasets.PART_NAME.format(i)) for i in range(len(files))]

    def second_pass(needed: pd.DataFrame) -> pd.DataFrame:
        needed_d = client.scatter(needed, broadcast=True, hash=False)
        try:
            found = client.map(
                _quantile_values, out_files, needed=needed_d, job=job_ref, pure=False
            )
            return pd.concat(client.gather(found), ignore_index=True)
        finally:
            client.cancel([needed_d])
            job_path.unlink(missing_ok=True)

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
        ``local``: threads, each working on one part (default
        :data:`geo.settings.local_threads`). ``dask``: workers of the local cluster (default:
        the cores, at most 4), one thread each.
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
    rows, _, _, idc = _prepare(files, id_col)
    # Points out as GeoArrow (GeoParquet 1.1), or as WKB where the input is WKB.
    encoding = "WKB" if datasets.geometry_encoding(files[0]) == "WKB" else "point"
    offsets = tuple(int(v) for v in np.concatenate([[0], np.cumsum(rows)[:-1]]))
    tmp = datasets.new_dataset_dir(output)
    owned_client = None
    try:
        # Build the indexes once here, so workers receive them instead of rebuilding.
        _ = study.area_index, study.regso_index, study.settlement_index
        _ = study.own_base_of_area
        if len(study.bases) > settings.max_base_columns:
            _ = study.nearest_base_index
        job = _Job(
            study=study,
            crs=parse_crs(crs) if crs is not None else None,
            x_col=x_col,
            y_col=y_col,
            id_col=idc,
            duplicate_ids=(),
            offsets=offsets,
            output=str(tmp),
            encoding=encoding,
        )
        if engine == "local":
            t = time.perf_counter()
            workers = n_workers or settings.local_threads
            dup = _duplicates_local(files, idc, max(1, workers)) if idc else ()
            dup_s = time.perf_counter() - t
            job = _replace_dups(job, dup)
            (stats, hist), second_pass = _run_local(files, job, progress, max(1, workers))
        else:
            if client is None:
                client = owned_client = _client(
                    scheduler, n_workers, memory_limit or settings.dask_worker_memory
                )
            workers = len(client.scheduler_info().get("workers", {})) or 1
            t = time.perf_counter()
            dup = _duplicates_dask(files, idc, client) if idc else ()
            dup_s = time.perf_counter() - t
            job = _replace_dups(job, dup)
            (stats, hist), second_pass = _run_dask(files, job, client, progress)
        notes = list(dict.fromkeys(stats.loc[stats["kind"] == "note", "area"].astype(str)))
        if dup:
            notes.append(
                f"duplicate ids: {len(dup):,} ids occur more than once in column {idc!r}; "
                "every row is kept and flagged in 'reason'"
            )
        t = time.perf_counter()
        needed, want = _needed_bins(_merged_hist(hist))
        values = second_pass(needed)
        summary = _summary(stats, _quantiles(values, want, _group_keys(job)), job)
        counts = _status_counts(stats)
        timed = stats[stats["kind"] == "seconds"].groupby("area", sort=False)["sum"].sum()
        steps = {str(k): float(v) for k, v in timed.items()}
        steps |= {"duplicates": dup_s, "quantiles": time.perf_counter() - t}
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if owned_client is not None:
            cluster = owned_client.cluster
            owned_client.close()
            if cluster is not None:
                cluster.close()
    (tmp / JOB_FILE).unlink(missing_ok=True)
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
        step_seconds=steps,
    )


def _replace_dups(job: _Job, dup: tuple[Any, ...]) -> _Job:
    from dataclasses import replace

    return replace(job, duplicate_ids=dup)


def _duplicates_dask(files: list[Path], idc: str, client: Any) -> tuple[Any, ...]:
    parts = client.map(_file_ids, [str(f) for f in files], idc=idc, pure=False)
    return _duplicate_ids(client.gather(parts))


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
