"""Earliest arrival over a timetable: the reverse profile Connection Scan Algorithm.

For one target, one scan over the day's connections in decreasing departure order gives, for
every stop, its *profile*: the Pareto set of (departure, earliest arrival at the target)
pairs, with the number of transfers, the in-vehicle and the walking seconds of each journey
(Dibbelt, Pajor, Strasser, Wagner: *Connection Scan Algorithm*, 2018, §4). Evaluating the
profiles for every origin and every departure minute of a window is then a vectorised binary
search (:func:`evaluate`): one scan per base serves all addresses and all 120 departures.

The rules, the same as the time-expanded reference in the tests:

* from the origin, walk to a stop and board any connection departing at or after arrival
  where the feed lets passengers on (``pickup_type`` not 1);
* stay seated on a trip, or alight (where ``drop_off_type`` is not 1) and transfer: walk to a
  stop within the transfer radius (0 m for the same stop) and board a connection departing at
  least ``slack_s`` after arriving there — or as ``transfers.txt`` says for that pair of
  stops (timed: after the walk alone; a minimum transfer time; no transfer);
* alight at a stop within walking distance of the target (where drop-off is allowed) and
  walk there.

Among journeys arriving at the same time, the one with fewer transfers is kept.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from .feed import Timetable

__all__ = ["Journeys", "Profiles", "evaluate", "profiles_to_target", "scan_python"]

INF = 1 << 62


@dataclass(frozen=True)
class Profiles:
    """Every stop's profile to one target, flattened: stop ``s`` owns entries
    ``start[s]:start[s + 1]``, sorted by departure (ascending).

    ``dep`` (s) is when the journey leaves the stop on a vehicle, ``arr`` (s) when it reaches
    the target, ``transfers`` its transfers, ``ride_s`` its in-vehicle and ``walk_s`` its
    walking seconds after boarding (transfer walks and the walk to the target).
    """

    start: np.ndarray
    dep: np.ndarray
    arr: np.ndarray
    transfers: np.ndarray
    ride_s: np.ndarray
    walk_s: np.ndarray

    @property
    def size(self) -> int:
        return int(self.dep.size)


def profiles_to_target(
    tt: Timetable,
    egress_s: dict[int, int],
    footpaths: list[list[tuple[int, int, int]]],
    slack_s: int,
    *,
    engine: str | None = None,
) -> Profiles:
    """Scan the timetable once backwards for one target.

    The scan runs compiled (numba) when numba is installed, else as the Python loop of
    :func:`scan_python`; both give identical profiles (tested). ``engine`` (``"compiled"`` or
    ``"python"``; default: :data:`geo.settings.transit_scan`) chooses.

    Parameters
    ----------
    tt : Timetable
    egress_s : dict
        Stop index -> walking seconds from the stop to the target (stops in reach only).
    footpaths : list of list of (int, int, int)
        For each stop, the stops a transfer may walk to, the seconds the walk takes and the
        seconds from arriving to the earliest boarding there (the stop itself included,
        walk 0): :meth:`geo.transit.Transit.footpaths`, the feed's transfer rules applied.
    slack_s : int
        Seconds between arriving at a stop and boarding there on a transfer (already in
        each footpath's gap; kept for the signature).
    engine : {"compiled", "python"}, optional
    """
    from .. import settings
    from .scan import compiled_scan, have_compiler

    chosen = engine or settings.transit_scan
    if chosen not in ("auto", "compiled", "python"):
        raise ValueError(f"engine: 'compiled' or 'python'; received {chosen!r}")
    if chosen == "compiled" or (chosen == "auto" and have_compiler()):
        return Profiles(*compiled_scan(tt, egress_s, footpaths, slack_s))
    return scan_python(tt, egress_s, footpaths, slack_s)


def scan_python(
    tt: Timetable,
    egress_s: dict[int, int],
    footpaths: list[list[tuple[int, int, int]]],
    slack_s: int,
) -> Profiles:
    """The reverse profile scan as a Python loop: the reference the compiled scan equals."""
    n_stops = tt.n_stops
    n_trips = int(tt.trip.max()) + 1 if tt.trip.size else 0
    dep_a = tt.dep_s.tolist()
    arr_a = tt.arr_s.tolist()
    dstop = tt.dep_stop.tolist()
    astop = tt.arr_stop.tolist()
    trip_a = tt.trip.tolist()
    board = np.ones(len(dep_a), dtype=bool) if tt.board is None else tt.board
    alight = np.ones(len(dep_a), dtype=bool) if tt.alight is None else tt.alight
    board, alight = board.tolist(), alight.tolist()
    # per stop, entries in decreasing departure order: negated departures for bisect
    p_neg: list[list[int]] = [[] for _ in range(n_stops)]
    p_val: list[list[tuple[int, int, int, int]]] = [[] for _ in range(n_stops)]
    # per trip: the best journey from being seated at its next connection's departure
    t_arr = [INF] * n_trips
    t_tr = [0] * n_trips
    t_dep = [0] * n_trips
    t_ride = [0] * n_trips
    t_walk = [0] * n_trips
    for c in range(len(dep_a) - 1, -1, -1):
        d = dep_a[c]
        a = arr_a[c]
        x = astop[c]
        k = trip_a[c]
        b_arr, b_tr, b_ride, b_walk = INF, 0, 0, 0
        eg = egress_s.get(x)
        if eg is not None:  # alight here and walk to the target
            b_arr, b_tr, b_ride, b_walk = a + eg, 0, a - d, eg
        if not alight[c]:  # no drop-off here: no egress, no transfer
            b_arr = INF
        ta = t_arr[k]
        if ta < b_arr or (ta == b_arr and t_tr[k] < b_tr):  # stay seated
            b_arr, b_tr, b_ride, b_walk = ta, t_tr[k], t_ride[k] + (t_dep[k] - d), t_walk[k]
        for y, w, gap in footpaths[x] if alight[c] else ():  # alight, walk, board another
            neg = p_neg[y]
            if not neg:
                continue
            i = bisect_right(neg, -(a + gap))
            if i == 0:
                continue
            e_arr, e_tr, e_ride, e_walk = p_val[y][i - 1]
            if e_arr < b_arr or (e_arr == b_arr and e_tr + 1 < b_tr):
                b_arr, b_tr, b_ride, b_walk = e_arr, e_tr + 1, (a - d) + e_ride, w + e_walk
        if b_arr >= INF:
            continue
        t_arr[k], t_tr[k], t_dep[k], t_ride[k], t_walk[k] = b_arr, b_tr, d, b_ride, b_walk
        if not board[c]:  # no pickup here: only those already seated ride on
            continue
        s = dstop[c]
        vals = p_val[s]
        if vals:
            l_arr, l_tr = vals[-1][0], vals[-1][1]
            if not (b_arr < l_arr or (b_arr == l_arr and b_tr < l_tr)):
                continue
            if p_neg[s][-1] == -d:  # same departure, better journey: replace
                vals[-1] = (b_arr, b_tr, b_ride, b_walk)
                continue
        p_neg[s].append(-d)
        vals.append((b_arr, b_tr, b_ride, b_walk))
    counts = np.fromiter((len(v) for v in p_val), dtype=np.int64, count=n_stops)
    start = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    total = int(start[-1])
    dep = np.empty(total, dtype=np.int64)
    vals_arr = np.empty((total, 4), dtype=np.int64)
    for s in range(n_stops):
        if counts[s]:
            lo, hi = start[s], start[s + 1]
            dep[lo:hi] = [-v for v in reversed(p_neg[s])]
            vals_arr[lo:hi] = p_val[s][::-1]
    return Profiles(
        start,
        dep,
        vals_arr[:, 0].copy(),
        vals_arr[:, 1].astype(np.int32),
        vals_arr[:, 2].copy(),
        vals_arr[:, 3].copy(),
    )


@dataclass(frozen=True)
class Journeys:
    """The best transit journey of each (origin, departure): arrays of shape (N, W).

    ``arr_s`` is ``INF`` where no journey reaches the target; ``transfers``, ``ride_s`` and
    ``walk_s`` (access walk included) describe the journey.
    """

    arr_s: np.ndarray
    transfers: np.ndarray
    ride_s: np.ndarray
    walk_s: np.ndarray


def evaluate(
    prof: Profiles,
    origin: np.ndarray,
    stop: np.ndarray,
    access_s: np.ndarray,
    n_origins: int,
    departures_s: np.ndarray,
    *,
    chunk_pairs: int = 8192,
) -> Journeys:
    """Earliest arrival from every origin for every departure time, vectorised.

    Parameters
    ----------
    prof : Profiles
    origin, stop, access_s : numpy.ndarray
        Access pairs: origin index, stop index, walking seconds from the origin to the stop.
    n_origins : int
    departures_s : numpy.ndarray
        (W,) departure times (s after midnight).
    chunk_pairs : int
        Access pairs evaluated at once (bounds memory: about 80 bytes × pairs × W).

    Returns
    -------
    Journeys
        Arrays of shape (n_origins, W).
    """
    origin = np.asarray(origin, dtype=np.int64)
    stop = np.asarray(stop, dtype=np.int64)
    access_s = np.asarray(access_s, dtype=np.int64)
    departures_s = np.asarray(departures_s, dtype=np.int64)
    if origin.size <= chunk_pairs:
        return _evaluate_all(prof, origin, stop, access_s, n_origins, departures_s)
    w = departures_s.size
    out = Journeys(
        np.full((n_origins, w), INF, dtype=np.int64),
        np.zeros((n_origins, w), dtype=np.int32),
        np.zeros((n_origins, w), dtype=np.int64),
        np.zeros((n_origins, w), dtype=np.int64),
    )
    order = np.argsort(origin, kind="stable")
    o_sorted = origin[order]
    lo = 0
    while lo < order.size:
        hi = min(lo + chunk_pairs, order.size)
        # never split one origin's pairs between chunks
        hi = int(np.searchsorted(o_sorted, o_sorted[hi - 1], side="right"))
        sel = order[lo:hi]
        owners = np.unique(origin[sel])
        local = np.searchsorted(owners, origin[sel])
        part = _evaluate_all(prof, local, stop[sel], access_s[sel], owners.size, departures_s)
        out.arr_s[owners] = part.arr_s
        out.transfers[owners] = part.transfers
        out.ride_s[owners] = part.ride_s
        out.walk_s[owners] = part.walk_s
        lo = hi
    return out


def _evaluate_all(
    prof: Profiles,
    origin: np.ndarray,
    stop: np.ndarray,
    access_s: np.ndarray,
    n_origins: int,
    departures_s: np.ndarray,
) -> Journeys:
    """:func:`evaluate` on one chunk of access pairs (int64 arrays)."""
    w = departures_s.size
    arr = np.full((n_origins, w), INF, dtype=np.int64)
    transfers = np.zeros((n_origins, w), dtype=np.int32)
    ride = np.zeros((n_origins, w), dtype=np.int64)
    walk = np.zeros((n_origins, w), dtype=np.int64)
    if origin.size == 0 or prof.size == 0:
        return Journeys(arr, transfers, ride, walk)
    offset = 1 << 24  # times are within a few days of midnight: keys stay ordered by stop
    stop_of_entry = np.repeat(np.arange(prof.start.size - 1), np.diff(prof.start))
    key = stop_of_entry * (1 << 26) + (prof.dep + offset)
    # (pairs, W): the time each pair stands at its stop, and the first entry departing then
    t = departures_s[None, :] + access_s[:, None]
    q = stop[:, None] * (1 << 26) + (t + offset)
    idx = np.searchsorted(key, q, side="left")
    ok = idx < key.size
    idx_c = np.minimum(idx, key.size - 1)
    ok &= stop_of_entry[idx_c] == stop[:, None]
    # best pair per origin: lowest (arrival, transfers)
    score = np.where(ok, prof.arr[idx_c] * 64 + np.minimum(prof.transfers[idx_c], 63), INF)
    order = np.argsort(origin, kind="stable")
    o_sorted = origin[order]
    bounds = np.flatnonzero(np.r_[True, o_sorted[1:] != o_sorted[:-1]])
    owners = o_sorted[bounds]
    sc = score[order]
    best = np.minimum.reduceat(sc, bounds, axis=0)
    # which pair achieved it (first of equals)
    hit = sc == np.repeat(best, np.diff(np.r_[bounds, sc.shape[0]]), axis=0)
    hit_pos = np.where(hit, np.arange(sc.shape[0])[:, None], sc.shape[0])
    first = np.minimum.reduceat(hit_pos, bounds, axis=0)
    found = best < INF
    pair = order[np.minimum(first, sc.shape[0] - 1)]
    col = np.broadcast_to(np.arange(w), pair.shape)
    entry = idx_c[pair, col]
    arr[owners] = np.where(found, prof.arr[entry], INF)
    transfers[owners] = np.where(found, prof.transfers[entry], 0)
    ride[owners] = np.where(found, prof.ride_s[entry], 0)
    walk[owners] = np.where(found, prof.walk_s[entry] + access_s[pair], 0)
    return Journeys(arr, transfers, ride, walk)
