"""The reverse profile Connection Scan compiled with numba.

The same rules and the same tie-breaks as :func:`geo.transit.profile.scan_python`, on flat
arrays: a stop's profile entries live in a slice of one array sized by the connections that
depart from it (a connection adds at most one entry, to its departure stop), footpaths and
egress walks are CSR arrays. The kernel is compiled on first use (cached on disk where the
package folder is writable); without numba :func:`have_compiler` is false and the Python loop
runs instead.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import numpy as np

from ..compiled import have_compiler
from .feed import Timetable

__all__ = ["compiled_scan", "have_compiler"]

logger = logging.getLogger(__name__)
INF = 1 << 62


@lru_cache(maxsize=1)
def _kernel() -> Any:
    import numba

    @numba.njit(cache=True, nogil=True)
    def scan(dep_a, arr_a, dstop, astop, trip, n_trips, egress, fp_start, fp_to, fp_w, fp_gap,
             board, alight, base, neg, e_arr, e_tr, e_ride, e_walk, count):  # fmt: skip
        t_arr = np.full(n_trips, INF, dtype=np.int64)
        t_tr = np.zeros(n_trips, dtype=np.int64)
        t_dep = np.zeros(n_trips, dtype=np.int64)
        t_ride = np.zeros(n_trips, dtype=np.int64)
        t_walk = np.zeros(n_trips, dtype=np.int64)
        for c in range(dep_a.size - 1, -1, -1):
            d = dep_a[c]
            a = arr_a[c]
            x = astop[c]
            k = trip[c]
            b_arr, b_tr, b_ride, b_walk = INF, 0, 0, 0
            eg = egress[x]
            if eg >= 0 and alight[c]:  # alight here and walk to the target
                b_arr, b_tr, b_ride, b_walk = a + eg, 0, a - d, eg
            ta = t_arr[k]
            if ta < b_arr or (ta == b_arr and t_tr[k] < b_tr):  # stay seated
                b_arr, b_tr, b_ride, b_walk = ta, t_tr[k], t_ride[k] + (t_dep[k] - d), t_walk[k]
            f_end = fp_start[x + 1] if alight[c] else fp_start[x]  # no drop-off: no transfer
            for f in range(fp_start[x], f_end):  # alight, walk, board another
                y = fp_to[f]
                w = fp_w[f]
                n = count[y]
                if n == 0:
                    continue
                key = -(a + fp_gap[f])
                lo, hi = base[y], base[y] + n  # bisect_right on neg (ascending)
                while lo < hi:
                    mid = (lo + hi) // 2
                    if key < neg[mid]:
                        hi = mid
                    else:
                        lo = mid + 1
                if lo == base[y]:
                    continue
                i = lo - 1
                if e_arr[i] < b_arr or (e_arr[i] == b_arr and e_tr[i] + 1 < b_tr):
                    b_arr, b_tr = e_arr[i], e_tr[i] + 1
                    b_ride, b_walk = (a - d) + e_ride[i], w + e_walk[i]
            if b_arr >= INF:
                continue
            t_arr[k], t_tr[k], t_dep[k], t_ride[k], t_walk[k] = b_arr, b_tr, d, b_ride, b_walk
            if not board[c]:  # no pickup here: only those already seated ride on
                continue
            s = dstop[c]
            n = count[s]
            if n > 0:
                last = base[s] + n - 1
                if not (b_arr < e_arr[last] or (b_arr == e_arr[last] and b_tr < e_tr[last])):
                    continue
                if neg[last] == -d:  # same departure, better journey: replace
                    e_arr[last], e_tr[last], e_ride[last], e_walk[last] = (
                        b_arr,
                        b_tr,
                        b_ride,
                        b_walk,
                    )
                    continue
            j = base[s] + n
            neg[j] = -d
            e_arr[j], e_tr[j], e_ride[j], e_walk[j] = b_arr, b_tr, b_ride, b_walk
            count[s] = n + 1

    return scan


def _footpath_arrays(footpaths: list[list[tuple[int, int, int]]]) -> tuple[np.ndarray, ...]:
    sizes = np.fromiter((len(f) for f in footpaths), dtype=np.int64, count=len(footpaths))
    start = np.zeros(len(footpaths) + 1, dtype=np.int64)
    np.cumsum(sizes, out=start[1:])
    flat = [p for f in footpaths for p in f]
    to = np.fromiter((p[0] for p in flat), dtype=np.int64, count=len(flat))
    w = np.fromiter((p[1] for p in flat), dtype=np.int64, count=len(flat))
    gap = np.fromiter((p[2] for p in flat), dtype=np.int64, count=len(flat))
    return start, to, w, gap


def compiled_scan(
    tt: Timetable,
    egress_s: dict[int, int],
    footpaths: list[list[tuple[int, int, int]]],
    slack_s: int,
) -> tuple[np.ndarray, ...]:
    """The profiles' arrays (start, dep, arr, transfers, ride_s, walk_s) of one target, as
    :class:`geo.transit.profile.Profiles` holds them."""
    n_stops = tt.n_stops
    n_trips = int(tt.trip.max()) + 1 if tt.trip.size else 0
    dstop = tt.dep_stop.astype(np.int64)
    cap = np.bincount(dstop, minlength=n_stops).astype(np.int64)
    base = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(cap, out=base[1:])
    m = int(base[-1])
    egress = np.full(n_stops, -1, dtype=np.int64)
    for stop, sec in egress_s.items():
        egress[int(stop)] = int(sec)
    fp_start, fp_to, fp_w, fp_gap = _footpath_arrays(footpaths)
    n_conn = tt.dep_s.size
    board = np.ones(n_conn, dtype=np.bool_) if tt.board is None else tt.board.astype(np.bool_)
    alight = np.ones(n_conn, dtype=np.bool_) if tt.alight is None else tt.alight.astype(np.bool_)
    neg = np.zeros(m, dtype=np.int64)
    e_arr, e_tr = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
    e_ride, e_walk = np.zeros(m, dtype=np.int64), np.zeros(m, dtype=np.int64)
    count = np.zeros(n_stops, dtype=np.int64)
    _kernel()(
        tt.dep_s.astype(np.int64), tt.arr_s.astype(np.int64), dstop,
        tt.arr_stop.astype(np.int64), tt.trip.astype(np.int64), n_trips, egress,
        fp_start, fp_to, fp_w, fp_gap, board, alight, base, neg, e_arr, e_tr, e_ride, e_walk,
        count,
    )  # fmt: skip
    # each stop's entries, reversed into ascending departure order, packed
    start = np.zeros(n_stops + 1, dtype=np.int64)
    np.cumsum(count, out=start[1:])
    total = int(start[-1])
    stop_of = np.repeat(np.arange(n_stops), count)
    rank = np.arange(total) - start[stop_of]  # 0 .. count-1 within the stop, ascending dep
    src = base[stop_of] + (count[stop_of] - 1 - rank)
    return (
        start,
        -neg[src],
        e_arr[src],
        e_tr[src].astype(np.int32),
        e_ride[src],
        e_walk[src],
    )
