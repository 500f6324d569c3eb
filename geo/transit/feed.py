"""GTFS feeds: read what real feeds contain, and the timetable of one service day.

Read with pyarrow's CSV reader (3.5× faster than ``pandas.read_csv`` on the fixture's
``stop_times.txt``, measured in ``benchmarks/bench_transit.py``), every column as text.
Handles a feed as a zip file or a folder; UTF-8 with or without a byte-order mark, and files
in Latin-1/Windows-1252 (Nordic feeds with ``ø`` in stop names); ``calendar.txt`` and/or
``calendar_dates.txt``; times past 24:00 (trips after midnight); ``frequencies.txt``
(headway-based trips expanded into departures); missing optional files; stops with no service
on the chosen day (kept, they simply have no connection).
"""

from __future__ import annotations

import datetime as _dt
import io
import logging
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..crs import to_sweref
from ..errors import GeoValueError, InputFileError

logger = logging.getLogger(__name__)

__all__ = ["Feed", "Timetable", "parse_times_s", "read_gtfs"]

DAY_S = 86_400
_NO_TRANSFERS = pd.DataFrame(
    {"from_stop": pd.Series(dtype="int64"), "to_stop": pd.Series(dtype="int64"),
     "transfer_type": pd.Series(dtype="int64"), "min_transfer_s": pd.Series(dtype="int64")}
)  # fmt: skip
_REQUIRED = ("stops.txt", "stop_times.txt", "trips.txt")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _decode(raw: bytes, name: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        logger.info("gtfs: %s is not UTF-8; read as Windows-1252/Latin-1", name)
        return raw.decode("cp1252", errors="replace")


def _table(raw: bytes, name: str) -> pd.DataFrame:
    """One GTFS file as text columns (pyarrow's reader; names stripped)."""
    import pyarrow as pa
    import pyarrow.csv as pc

    text = _decode(raw, name).encode("utf-8")
    if not text.strip():
        return pd.DataFrame()
    header = text.split(b"\n", 1)[0].decode("utf-8").strip().split(",")
    names = [h.strip().strip('"') for h in header]
    try:
        table = pc.read_csv(
            io.BytesIO(text),
            read_options=pc.ReadOptions(column_names=names, skip_rows=1),
            convert_options=pc.ConvertOptions(
                column_types={c: pa.string() for c in names}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, ValueError) as exc:
        raise InputFileError(f"gtfs: {name} could not be read as CSV ({exc})") from None
    return table.to_pandas()


def parse_times_s(values: pd.Series | np.ndarray, what: str = "time") -> np.ndarray:
    """``H:MM:SS`` or ``HH:MM:SS`` (hours may pass 24) as seconds after midnight; ``-1``
    where empty."""
    s = pd.Series(values, dtype="string").str.strip()
    empty = s.isna() | (s == "")
    parts = s.where(~empty, "0:0:0").str.split(":", expand=True)
    if parts.shape[1] != 3:
        raise GeoValueError(f"gtfs: {what} must be H:MM:SS; e.g. {s[~empty].iloc[0]!r}")
    try:
        h, m, sec = (parts[k].astype("int64").to_numpy() for k in range(3))
    except (ValueError, TypeError):
        bad = s[~empty & ~s.str.fullmatch(r"\d{1,3}:\d{2}:\d{2}").fillna(False)]
        raise GeoValueError(f"gtfs: {what} must be H:MM:SS; received {bad.iloc[0]!r}") from None
    out = h * 3600 + m * 60 + sec
    out[empty.to_numpy()] = -1
    return out


@dataclass
class Feed:
    """A GTFS feed as read: stops (EPSG:3006), stop times, trips and services.

    Attributes
    ----------
    name : str
    stops : pandas.DataFrame
        ``stop_id``, ``stop_name``, ``e``, ``n`` (EPSG:3006), boarding stops only
        (``location_type`` 0 or empty).
    stop_times : pandas.DataFrame
        ``trip``, ``stop`` (index into ``stops``), ``seq``, ``arr_s``, ``dep_s``.
    trips : pandas.DataFrame
        ``trip_id``, ``service_id``, ``route_id``.
    calendar, calendar_dates, frequencies : pandas.DataFrame
        As in the feed (empty when the file is missing).
    transfers : pandas.DataFrame
        The stop-to-stop rules of ``transfers.txt``: ``from_stop``, ``to_stop`` (indices
        into ``stops``), ``transfer_type`` (0 recommended, 1 timed, 2 minimum time,
        3 not possible) and ``min_transfer_s`` (-1 where none is given).
    """

    name: str
    stops: pd.DataFrame
    stop_times: pd.DataFrame
    trips: pd.DataFrame
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame
    frequencies: pd.DataFrame
    transfers: pd.DataFrame = field(default_factory=lambda: _NO_TRANSFERS.copy())

    def date_range(self) -> tuple[_dt.date, _dt.date]:
        """First and last day with any service in the feed's calendars."""
        days: list[str] = []
        if not self.calendar.empty:
            days += [self.calendar["start_date"].min(), self.calendar["end_date"].max()]
        if not self.calendar_dates.empty:
            added = self.calendar_dates[self.calendar_dates["exception_type"] == "1"]
            if not added.empty:
                days += [added["date"].min(), added["date"].max()]
        if not days:
            raise GeoValueError(
                f"gtfs: {self.name} has neither calendar.txt nor calendar_dates.txt"
            )
        parsed = [_dt.datetime.strptime(d, "%Y%m%d").date() for d in days]
        return min(parsed), max(parsed)

    def services_on(self, day: _dt.date) -> set[str]:
        """Service ids running on ``day`` (calendar, then calendar_dates' exceptions)."""
        key = day.strftime("%Y%m%d")
        active: set[str] = set()
        if not self.calendar.empty:
            c = self.calendar
            on = (
                (c["start_date"] <= key)
                & (c["end_date"] >= key)
                & (c[_WEEKDAYS[day.weekday()]] == "1")
            )
            active |= set(c.loc[on, "service_id"])
        if not self.calendar_dates.empty:
            d = self.calendar_dates[self.calendar_dates["date"] == key]
            active |= set(d.loc[d["exception_type"] == "1", "service_id"])
            active -= set(d.loc[d["exception_type"] == "2", "service_id"])
        return active

    def timetable(self, day: _dt.date, start_s: int, end_s: int) -> Timetable:
        """The connections that can be used by a trip departing in [start_s, end_s) on
        ``day`` (seconds after midnight): the day's trips, and the previous day's trips that
        run past midnight (their times shifted by a day). Connections departing before
        ``start_s`` are left out.

        Raises
        ------
        GeoValueError
            When nothing departs between the window's start and an hour after its end,
            naming the feed's date range.
        """
        parts = []
        for shift, d in ((0, day), (-DAY_S, day - _dt.timedelta(days=1))):
            services = self.services_on(d)
            if not services:
                continue
            trip_ok = self.trips["service_id"].isin(services).to_numpy()
            st = self.stop_times[trip_ok[self.stop_times["trip"].to_numpy()]]
            st = st.assign(arr_s=st["arr_s"] + shift, dep_s=st["dep_s"] + shift)
            if shift:
                st = st[st.groupby("trip")["arr_s"].transform("max") >= start_s]
            parts.append(st.assign(instance=st["trip"] * 2 + (1 if shift else 0)))
        st = pd.concat(parts) if parts else self.stop_times.iloc[:0].assign(instance=0)
        st = st.sort_values(["instance", "seq"], kind="stable")
        inst = st["instance"].to_numpy()
        same = inst[1:] == inst[:-1]
        dep_stop = st["stop"].to_numpy()[:-1][same]
        arr_stop = st["stop"].to_numpy()[1:][same]
        board = st["board"].to_numpy(dtype=bool)[:-1][same]
        alight = st["alight"].to_numpy(dtype=bool)[1:][same]
        dep = st["dep_s"].to_numpy()[:-1][same]
        arr = st["arr_s"].to_numpy()[1:][same]
        seq = st["seq"].to_numpy()[:-1][same]
        trip = inst[:-1][same]
        keep = dep >= start_s
        first, last = self.date_range()
        if not (keep & (dep < end_s + 3600)).any():  # nothing to board within the hour
            raise GeoValueError(
                f"gtfs: {self.name} has no service on {day.isoformat()} between "
                f"{_clock(start_s)} and {_clock(end_s)}; the feed covers {first.isoformat()} – "
                f"{last.isoformat()}; choose --depart within it"
            )
        order = np.lexsort((seq[keep], arr[keep], dep[keep]))
        _, trip_idx = np.unique(trip[keep][order], return_inverse=True)
        return Timetable(
            stop_ids=self.stops["stop_id"].to_numpy(),
            stop_names=self.stops["stop_name"].to_numpy(),
            stop_e=self.stops["e"].to_numpy(),
            stop_n=self.stops["n"].to_numpy(),
            dep_stop=dep_stop[keep][order].astype(np.int32),
            arr_stop=arr_stop[keep][order].astype(np.int32),
            dep_s=dep[keep][order].astype(np.int64),
            arr_s=arr[keep][order].astype(np.int64),
            trip=trip_idx.astype(np.int32),
            board=board[keep][order],
            alight=alight[keep][order],
            transfers=self.transfers,
            day=day,
            start_s=start_s,
            end_s=end_s,
            feed=self.name,
            feed_range=(first, last),
        )

    def first_service_day(self, weekday: int = 1) -> _dt.date:
        """The first ``weekday`` (0 = Monday; default Tuesday) of the feed with a normal
        day's service (at least half the trips of its busiest day): holidays are skipped."""
        first, last = self.date_range()
        per_service = self.trips["service_id"].value_counts()
        days = [first + _dt.timedelta(days=k) for k in range((last - first).days + 1)]
        trips = {
            d: int(per_service.reindex(list(self.services_on(d))).fillna(0).sum()) for d in days
        }
        busiest = max(trips.values(), default=0)
        if busiest == 0:
            raise GeoValueError(f"gtfs: {self.name} has no day with service")
        normal = [d for d in days if trips[d] >= busiest / 2]
        chosen = [d for d in normal if d.weekday() == weekday] or normal
        return chosen[0]


def _clock(s: int) -> str:
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}"


@dataclass(frozen=True)
class Timetable:
    """The connections of one service day, sorted by departure (then arrival, sequence).

    A connection is one vehicle going from one stop to the next: ``dep_stop`` at ``dep_s``
    to ``arr_stop`` at ``arr_s`` (seconds after midnight of ``day``; the previous day's
    trips past midnight are shifted, so they can be negative), on trip instance ``trip``.
    ``board`` is false where passengers may not get on at ``dep_stop`` (the feed's
    ``pickup_type`` 1) and ``alight`` false where they may not get off at ``arr_stop``
    (``drop_off_type`` 1); a seated passenger rides through either way. ``transfers`` holds
    the feed's stop-to-stop transfer rules (:class:`Feed`). Stops are in EPSG:3006.
    """

    stop_ids: np.ndarray
    stop_names: np.ndarray
    stop_e: np.ndarray
    stop_n: np.ndarray
    dep_stop: np.ndarray
    arr_stop: np.ndarray
    dep_s: np.ndarray
    arr_s: np.ndarray
    trip: np.ndarray
    day: _dt.date
    start_s: int
    end_s: int
    feed: str
    feed_range: tuple[_dt.date, _dt.date]
    board: np.ndarray | None = None
    alight: np.ndarray | None = None
    transfers: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        n = self.dep_s.size
        if self.board is None:
            object.__setattr__(self, "board", np.ones(n, dtype=bool))
        if self.alight is None:
            object.__setattr__(self, "alight", np.ones(n, dtype=bool))
        if self.transfers is None:
            object.__setattr__(self, "transfers", _NO_TRANSFERS.copy())

    @property
    def n_stops(self) -> int:
        return int(self.stop_ids.size)

    @property
    def n_connections(self) -> int:
        return int(self.dep_s.size)

    def __repr__(self) -> str:
        return (
            f"Timetable({self.feed}, {self.day.isoformat()} {_clock(self.start_s)}–"
            f"{_clock(self.end_s)}, stops={self.n_stops:,}, connections={self.n_connections:,}, "
            f"trips={int(self.trip.max()) + 1 if self.trip.size else 0:,})"
        )


def _expand_frequencies(st: pd.DataFrame, freq: pd.DataFrame, trip_index: dict) -> pd.DataFrame:
    """Stop times of headway-based trips: one trip instance per departure."""
    if freq.empty:
        return st
    rows = []
    next_trip = int(st["trip"].max()) + 1 if len(st) else 0
    new_trips: list[int] = []
    templates = []
    start = parse_times_s(freq["start_time"], "frequencies.start_time")
    end = parse_times_s(freq["end_time"], "frequencies.end_time")
    try:
        headway = freq["headway_secs"].astype("int64").to_numpy()
    except ValueError:
        raise GeoValueError("gtfs: frequencies.headway_secs must be whole seconds") from None
    freq_trips = set()
    for k, tid in enumerate(freq["trip_id"]):
        t = trip_index.get(tid)
        if t is None or headway[k] <= 0:
            continue
        freq_trips.add(t)
        tpl = st[st["trip"] == t].sort_values("seq")
        if tpl.empty:
            continue
        offset = tpl["dep_s"].to_numpy() - tpl["dep_s"].iloc[0]
        aoff = tpl["arr_s"].to_numpy() - tpl["dep_s"].iloc[0]
        for dep in range(int(start[k]), int(end[k]), int(headway[k])):
            rows.append(
                pd.DataFrame(
                    {
                        "trip": next_trip, "stop": tpl["stop"].to_numpy(),
                        "seq": tpl["seq"].to_numpy(), "arr_s": dep + aoff, "dep_s": dep + offset,
                        "board": tpl["board"].to_numpy(), "alight": tpl["alight"].to_numpy(),
                    }
                )
            )  # fmt: skip
            new_trips.append(next_trip)
            templates.append(t)
            next_trip += 1
    keep = st[~st["trip"].isin(freq_trips)]
    out = pd.concat([keep, *rows], ignore_index=True) if rows else keep
    out.attrs["templates"] = (new_trips, templates)
    return out


def read_gtfs(path: str | Path) -> Feed:
    """Read a GTFS feed (zip file or folder).

    Raises
    ------
    InputFileError
        A missing path, a zip file that is not one, a required file missing.
    GeoValueError
        Malformed times, a stop time naming an unknown stop or trip.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"gtfs: {str(path)!r} does not exist")
    files: dict[str, bytes] = {}
    if path.is_dir():
        for f in path.glob("*.txt"):
            files[f.name] = f.read_bytes()
    else:
        try:
            with zipfile.ZipFile(path) as z:
                for info in z.infolist():
                    base = info.filename.rsplit("/", 1)[-1]
                    if base.endswith(".txt"):
                        files[base] = z.read(info)
        except zipfile.BadZipFile:
            raise InputFileError(f"gtfs: {path.name} is not a zip file (nor a folder)") from None
    missing = [f for f in _REQUIRED if f not in files]
    if missing:
        raise InputFileError(f"gtfs: {path.name} lacks {', '.join(missing)}")
    if "calendar.txt" not in files and "calendar_dates.txt" not in files:
        raise InputFileError(f"gtfs: {path.name} has neither calendar.txt nor calendar_dates.txt")

    def table(name: str) -> pd.DataFrame:
        return _table(files[name], name) if name in files else pd.DataFrame()

    stops = table("stops.txt")
    for col in ("stop_id", "stop_lat", "stop_lon"):
        if col not in stops:
            raise InputFileError(f"gtfs: stops.txt has no column {col!r}")
    if "location_type" in stops:
        stops = stops[stops["location_type"].isin(["", "0"])]
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").to_numpy()
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce").to_numpy()
    ok = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if (~ok).any():
        logger.warning("gtfs: %d stops without valid coordinates left out", int((~ok).sum()))
    stops = stops[ok].reset_index(drop=True)
    e, n = to_sweref(lon[ok], lat[ok], "EPSG:4326")
    stops = pd.DataFrame(
        {
            "stop_id": stops["stop_id"].to_numpy(),
            "stop_name": stops.get("stop_name", stops["stop_id"]).to_numpy(),
            "e": e,
            "n": n,
        }
    )
    trips = table("trips.txt")
    for col in ("trip_id", "service_id"):
        if col not in trips:
            raise InputFileError(f"gtfs: trips.txt has no column {col!r}")
    trips = trips.drop_duplicates("trip_id").reset_index(drop=True)
    trip_index = {t: i for i, t in enumerate(trips["trip_id"])}
    raw = table("stop_times.txt")
    for col in ("trip_id", "stop_id", "arrival_time", "departure_time", "stop_sequence"):
        if col not in raw:
            raise InputFileError(f"gtfs: stop_times.txt has no column {col!r}")
    stop_index = pd.Series(np.arange(len(stops)), index=stops["stop_id"])
    stop = raw["stop_id"].map(stop_index)
    trip = raw["trip_id"].map(pd.Series(trip_index))
    known = stop.notna() & trip.notna()
    if (~known).any():
        logger.warning(
            "gtfs: %d stop times name an unknown stop or trip; left out", int((~known).sum())
        )
    raw = raw[known.to_numpy()]
    arr = parse_times_s(raw["arrival_time"], "stop_times.arrival_time")
    dep = parse_times_s(raw["departure_time"], "stop_times.departure_time")
    arr = np.where(arr < 0, dep, arr)
    dep = np.where(dep < 0, arr, dep)
    try:
        seq = raw["stop_sequence"].astype("int64").to_numpy()
    except ValueError:
        raise GeoValueError("gtfs: stop_times.stop_sequence must be whole numbers") from None

    def allowed(col: str) -> np.ndarray:
        """False where the feed says 1 (no pickup / no drop-off); 0, 2 (phone the agency),
        3 (ask the driver) and empty count as allowed."""
        if col not in raw:
            return np.ones(len(raw), dtype=bool)
        return (raw[col].astype(str).str.strip() != "1").to_numpy()

    st = pd.DataFrame(
        {
            "trip": trip[known].astype("int64").to_numpy(),
            "stop": stop[known].astype("int64").to_numpy(),
            "seq": seq,
            "arr_s": arr,
            "dep_s": dep,
            "board": allowed("pickup_type"),
            "alight": allowed("drop_off_type"),
        }
    )
    # stop times with no time (timepoint=0 without interpolation) are left out
    st = st[(st["arr_s"] >= 0) & (st["dep_s"] >= 0)]
    st = _expand_frequencies(st, table("frequencies.txt"), trip_index)
    new_trips, templates = st.attrs.get("templates", ([], []))
    if new_trips:
        extra = trips.iloc[templates].copy()
        extra["trip_id"] = [f"{t}@{i}" for i, t in enumerate(extra["trip_id"])]
        trips = pd.concat([trips, extra], ignore_index=True)
        # frequency instances were numbered after the last trip; renumber onto trips rows
        mapping = dict(zip(new_trips, range(len(trips) - len(new_trips), len(trips)), strict=True))
        st["trip"] = st["trip"].map(lambda t: mapping.get(t, t))
    calendar = table("calendar.txt")
    calendar_dates = table("calendar_dates.txt")
    for frame, cols in ((calendar, ("service_id", "start_date", "end_date")),
                        (calendar_dates, ("service_id", "date", "exception_type"))):  # fmt: skip
        if not frame.empty:
            for c in cols:
                if c not in frame:
                    raise InputFileError(f"gtfs: a calendar file has no column {c!r}")
            for c in frame.columns:
                frame[c] = frame[c].str.strip()
    transfers = _transfers(table("transfers.txt"), stop_index)
    return Feed(
        name=path.name,
        stops=stops,
        stop_times=st.reset_index(drop=True),
        trips=trips[["trip_id", "service_id"] + (["route_id"] if "route_id" in trips else [])],
        calendar=calendar,
        calendar_dates=calendar_dates,
        frequencies=table("frequencies.txt"),
        transfers=transfers,
    )


def _transfers(raw: pd.DataFrame, stop_index: pd.Series) -> pd.DataFrame:
    """The stop-to-stop rules of ``transfers.txt`` (see :class:`Feed`).

    Rules that name routes or trips (``from_route_id``, ``to_trip_id``, ...) hold for some
    vehicles only; geo's scan keeps one best journey per stop and departure, not per vehicle,
    so it cannot honour them exactly: they are left out with a warning. In-seat transfers
    (types 4 and 5) are left out too: staying seated is a trip of its own in geo's timetable
    only when the feed gives the trips as one (``block_id`` is not read).
    """
    if raw.empty or "from_stop_id" not in raw or "to_stop_id" not in raw:
        return _NO_TRANSFERS.copy()
    blank = pd.Series([""] * len(raw), index=raw.index)
    kind = pd.to_numeric(
        raw.get("transfer_type", blank).str.strip().replace("", "0"), errors="coerce"
    )
    specific = np.zeros(len(raw), dtype=bool)
    for col in ("from_route_id", "to_route_id", "from_trip_id", "to_trip_id"):
        if col in raw:
            specific |= (raw[col].astype(str).str.strip() != "").to_numpy()
    if specific.any():
        logger.warning(
            "gtfs: %d route- or trip-specific rules of transfers.txt are not honoured "
            "(geo applies stop-to-stop rules only)", int(specific.sum()),
        )  # fmt: skip
    frm = raw["from_stop_id"].map(stop_index)
    to = raw["to_stop_id"].map(stop_index)
    ok = (~specific) & frm.notna().to_numpy() & to.notna().to_numpy() & kind.isin([0, 1, 2, 3])
    ok = np.asarray(ok, dtype=bool)
    mt = pd.to_numeric(raw.get("min_transfer_time", blank).str.strip(), errors="coerce")
    bad = ok & (kind == 2).to_numpy() & ~(mt >= 0).to_numpy()
    if bad.any():
        logger.warning(
            "gtfs: %d transfers of type 2 without min_transfer_time left out", int(bad.sum())
        )
        ok &= ~bad
    return pd.DataFrame(
        {
            "from_stop": frm[ok].astype("int64").to_numpy(),
            "to_stop": to[ok].astype("int64").to_numpy(),
            "transfer_type": kind[ok].astype("int64").to_numpy(),
            "min_transfer_s": mt[ok].fillna(-1).astype("int64").to_numpy(),
        }
    )
