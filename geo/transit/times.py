"""Travel time by public transport from every address (or cell) to every base.

Like r5py, over a departure window (default 07:00–09:00, one departure a minute): the median
and 90th percentile travel time, the number of transfers and the share of the time spent
waiting, of the journey at the median. Walking to the first stop, between stops and from the
last stop is the straight line × :data:`geo.settings.detour_factor` at
:data:`geo.settings.transit_walk_speed_kmh` — a labelled estimate — or along a walk network
when one is given.

Statuses per address and base (:data:`geo.schema.TRANSIT_STATUSES`): ``ok``; ``walk_only``
(walking all the way is at least as quick, up to
:data:`geo.settings.transit_max_walk_only_m`); ``no_service`` (no stop with service within
``max_walk_m`` of the address, or of the base); ``unreachable`` (stops in reach, but no trip
gets there for at least half the departures of the window).
"""

from __future__ import annotations

import datetime as _dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy.spatial import cKDTree

from .. import settings
from ..errors import GeoValueError
from ..figures import quantile_rank
from ..schema import (
    TRANSIT_NO_SERVICE,
    TRANSIT_OK,
    TRANSIT_UNREACHABLE,
    TRANSIT_WALK_ONLY,
)
from .feed import Feed, Timetable, read_gtfs
from .profile import INF, Journeys, Profiles, evaluate, profiles_to_target

if TYPE_CHECKING:
    from ..network import Network

logger = logging.getLogger(__name__)

__all__ = ["Transit", "TransitCosts", "load_transit", "parse_departure"]


def parse_departure(text: str | None, feed: Feed) -> _dt.datetime:
    """``2019-01-08T07:00``, ``2019-01-08`` (at the default time) or ``None`` (the feed's first
    Tuesday with service, at the default time)."""
    hhmm = settings.transit_depart_time
    if text is None or not str(text).strip():
        day = feed.first_service_day()
        return _dt.datetime.combine(day, _dt.time.fromisoformat(hhmm))
    text = str(text).strip()
    try:
        if "T" in text or " " in text:
            return _dt.datetime.fromisoformat(text)
        return _dt.datetime.combine(_dt.date.fromisoformat(text), _dt.time.fromisoformat(hhmm))
    except ValueError:
        raise GeoValueError(
            f"--depart: expected a date and time such as 2019-01-08T07:00; received {text!r}"
        ) from None


@dataclass
class TransitCosts:
    """Public-transport costs from points to targets, each of shape (N, T) unless noted.

    Attributes
    ----------
    time_s, time_p90_s : numpy.ndarray
        Median and 90th percentile travel time over the departure window (s; ``nan`` for
        ``no_service`` and ``unreachable``).
    transfers : numpy.ndarray
        Transfers of the journey at the median (0 on foot; ``nan`` without a journey).
    waiting_share : numpy.ndarray
        Share of that journey's time spent waiting at stops (0–1).
    walk_s, ride_s : numpy.ndarray
        Walking and in-vehicle seconds of that journey.
    status, reason : numpy.ndarray
        Per point and target (object arrays).
    access_m : numpy.ndarray
        (N,) estimated walk to the nearest stop with service (m; ``inf`` if none).
    distance_m : numpy.ndarray
        ``nan`` (no network distance by public transport); kept so that code written for
        :class:`geo.network.Costs` reads both.
    """

    time_s: np.ndarray
    time_p90_s: np.ndarray
    transfers: np.ndarray
    waiting_share: np.ndarray
    walk_s: np.ndarray
    ride_s: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    access_m: np.ndarray
    distance_m: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))


def _rank(values: np.ndarray, q: float) -> np.ndarray:
    """Index (along the last axis) of the ``q`` quantile by the inverted CDF (nearest rank)."""
    k = int(quantile_rank(values.shape[-1], q))
    return np.argsort(values, axis=-1, kind="stable")[..., k]


#: Targets whose profiles a :class:`Transit` keeps.
PROFILE_MEMO = 64


@dataclass(frozen=True)
class Transit:
    """A timetable and the rules for travelling on it (the ``--mode transit`` "network").

    Build with :func:`load_transit`. ``mode`` is ``"transit"``.
    """

    timetable: Timetable
    departures_s: np.ndarray
    max_walk_m: float
    max_transfer_walk_m: float
    slack_s: int
    walk_speed_mps: float
    detour: float
    max_walk_only_m: float
    walk_network: Network | None = None
    mode: str = "transit"

    def __repr__(self) -> str:
        w = self.departures_s
        return (
            f"Transit({self.timetable!r}, departures {w.size} from {int(w[0]) // 3600:02d}:"
            f"{int(w[0]) % 3600 // 60:02d}, walk ≤ {self.max_walk_m:g} m, transfers ≤ "
            f"{self.max_transfer_walk_m:g} m, slack {self.slack_s} s)"
        )

    @property
    def window_text(self) -> str:
        w = self.departures_s
        a, b = int(w[0]), int(w[-1]) + 60
        return (
            f"{self.timetable.day.isoformat()} {a // 3600:02d}:{a % 3600 // 60:02d}–"
            f"{b // 3600:02d}:{b % 3600 // 60:02d}"
        )

    @property
    def walk_label(self) -> str:
        if self.walk_network is not None:
            return "walking along the walk network (estimated where it has no route)"
        return (
            f"walking ESTIMATED: straight line × {self.detour:g} at "
            f"{self.walk_speed_mps * 3.6:.0f} km/h"
        )

    # --------------------------------------------------------------------------- walking
    def _walk(self, e: np.ndarray, n: np.ndarray, te: np.ndarray, tn: np.ndarray) -> np.ndarray:
        """Walking metres between paired points: along the walk network when there is one
        (the estimate where it has no route), else the estimate."""
        straight = np.sqrt((e - te) ** 2 + (n - tn) ** 2)
        estimate = straight * self.detour
        if self.walk_network is None or e.size == 0:
            return estimate
        from ..network import network_costs

        out = estimate.copy()
        points, p_idx = np.unique(np.c_[e, n], axis=0, return_inverse=True)
        targets, t_idx = np.unique(np.c_[te, tn], axis=0, return_inverse=True)
        p_idx, t_idx = p_idx.ravel(), t_idx.ravel()
        step = 256  # targets per routing call: bounds the (points, targets) matrix
        for lo in range(0, len(targets), step):
            sel = (t_idx >= lo) & (t_idx < lo + step)
            if not sel.any():
                continue
            used = np.unique(p_idx[sel])
            c = network_costs(
                self.walk_network, points[used, 0], points[used, 1],
                targets[lo : lo + step, 0], targets[lo : lo + step, 1],
            )  # fmt: skip
            row = np.searchsorted(used, p_idx[sel])
            d = c.distance_m[row, t_idx[sel] - lo]
            out[sel] = np.where(np.isfinite(d), d, estimate[sel])
        return out

    def _near(
        self, e: np.ndarray, n: np.ndarray, served: np.ndarray, radius_m: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pairs (point, served stop, walking seconds) within ``radius_m`` walking."""
        tt = self.timetable
        se, sn = tt.stop_e[served], tt.stop_n[served]
        tree = cKDTree(np.c_[se, sn])
        hits = tree.query_ball_point(np.c_[e, n], r=radius_m / self.detour)
        pts = np.repeat(np.arange(e.size), [len(h) for h in hits])
        stops = np.fromiter((s for h in hits for s in h), dtype=np.int64, count=pts.size)
        walk_m = self._walk(e[pts], n[pts], se[stops], sn[stops])
        keep = walk_m <= radius_m
        secs = np.ceil(walk_m[keep] / self.walk_speed_mps).astype(np.int64)
        return pts[keep], served[stops[keep]], secs

    def served_stops(self) -> np.ndarray:
        """The stops some connection of the day departs from or arrives at."""
        memo = self.__dict__.setdefault("_memo", {})
        if "served" not in memo:
            tt = self.timetable
            memo["served"] = np.unique(np.r_[tt.dep_stop, tt.arr_stop]).astype(np.int64)
        return memo["served"]

    def footpaths(self) -> list[list[tuple[int, int, int]]]:
        """For every stop, the transfers that start there: ``(stop, walk_s, gap_s)`` — the stop
        itself (0 s) and the served stops within the transfer radius, ``gap_s`` the seconds
        from arriving to the earliest boarding there (the walk plus the slack), with the
        feed's ``transfers.txt`` applied: type 1 (timed, the vehicle waits) boards after the
        walk alone, type 2 after its ``min_transfer_time`` (a pair beyond the radius is
        added), type 3 takes the transfer away (computed once per timetable)."""
        memo = self.__dict__.setdefault("_memo", {})
        if "footpaths" not in memo:
            memo["footpaths"] = self._footpaths()
        return memo["footpaths"]

    def _footpaths(self) -> list[list[tuple[int, int, int]]]:
        tt = self.timetable
        served = self.served_stops()
        walks: list[dict[int, int]] = [{s: 0} for s in range(tt.n_stops)]
        if self.max_transfer_walk_m > 0 and served.size:
            src, dst, secs = self._near(
                tt.stop_e[served], tt.stop_n[served], served, self.max_transfer_walk_m
            )
            for a, b, w in zip(served[src].tolist(), dst.tolist(), secs.tolist(), strict=True):
                if a != b:
                    walks[a][b] = w
        gaps = [{b: w + self.slack_s for b, w in d.items()} for d in walks]
        rules = tt.transfers
        if rules is not None and len(rules):
            for a, b, kind, min_s in rules[
                ["from_stop", "to_stop", "transfer_type", "min_transfer_s"]
            ].itertuples(index=False):
                a, b = int(a), int(b)
                if kind == 3:
                    walks[a].pop(b, None)
                    gaps[a].pop(b, None)
                elif kind == 2:
                    walks[a].setdefault(b, int(min_s))
                    gaps[a][b] = int(min_s)
                elif kind == 1:
                    walks[a].setdefault(b, 0)
                    gaps[a][b] = walks[a][b]
        return [sorted((b, walks[a][b], gaps[a][b]) for b in walks[a]) for a in range(tt.n_stops)]

    def profiles(self, target_e: float, target_n: float, footpaths=None) -> Profiles:  # type: ignore[no-untyped-def]
        """Every stop's profile to one target (see :mod:`geo.transit.profile`); the profiles
        of the last :data:`PROFILE_MEMO` targets are kept (a service asks for the same bases
        again and again)."""
        if footpaths is not None and footpaths is not self.footpaths():
            return self._profiles(target_e, target_n, footpaths)
        memo = self.__dict__.setdefault("_memo", {}).setdefault("profiles", {})
        key = (float(target_e), float(target_n))
        if key not in memo:
            if len(memo) >= PROFILE_MEMO:
                memo.pop(next(iter(memo)))
            memo[key] = self._profiles(target_e, target_n, self.footpaths())
        return memo[key]

    def _profiles(self, target_e: float, target_n: float, footpaths) -> Profiles:  # type: ignore[no-untyped-def]
        served = self.served_stops()
        _, stops, secs = self._near(
            np.array([target_e]), np.array([target_n]), served, self.max_walk_m
        )
        egress = dict(zip(stops.tolist(), secs.tolist(), strict=True))
        return profiles_to_target(
            self.timetable, egress, footpaths if footpaths is not None else self.footpaths(),
            self.slack_s,
        )  # fmt: skip

    def journeys(self, e: np.ndarray, n: np.ndarray, target_e: float, target_n: float) -> Journeys:
        """The best transit journey from each point for each departure (no walking-only)."""
        pts, stops, secs = self._near(e, n, self.served_stops(), self.max_walk_m)
        prof = self.profiles(target_e, target_n)
        return evaluate(prof, pts, stops, secs, e.size, self.departures_s)

    # --------------------------------------------------------------------------- costs
    def costs(
        self,
        e: np.ndarray,
        n: np.ndarray,
        target_e: np.ndarray,
        target_n: np.ndarray,
        *,
        target_names: list[str] | None = None,
    ) -> TransitCosts:
        """Median and 90th percentile travel time, transfers and waiting share from every
        point to every target over the departure window, with a status and reason each.

        Parameters
        ----------
        e, n : numpy.ndarray
            Points (EPSG:3006, m); non-finite points get ``nan`` and status ``no_service``.
        target_e, target_n : numpy.ndarray
            Targets (bases), EPSG:3006.
        """
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        te = np.asarray(target_e, dtype="float64")
        tn = np.asarray(target_n, dtype="float64")
        names = target_names or [f"target {j + 1}" for j in range(te.size)]
        size, nt, w = e.size, te.size, self.departures_s.size
        shape = (size, nt)
        out = TransitCosts(
            time_s=np.full(shape, np.nan),
            time_p90_s=np.full(shape, np.nan),
            transfers=np.full(shape, np.nan),
            waiting_share=np.full(shape, np.nan),
            walk_s=np.full(shape, np.nan),
            ride_s=np.full(shape, np.nan),
            status=np.full(shape, TRANSIT_NO_SERVICE, dtype=object),
            reason=np.full(shape, "", dtype=object),
            access_m=np.full(size, np.inf),
            distance_m=np.full(shape, np.nan),
        )
        valid = np.isfinite(e) & np.isfinite(n)
        vi = np.flatnonzero(valid)
        served = self.served_stops()
        pts, stops, secs = self._near(e[vi], n[vi], served, self.max_walk_m)
        if served.size:
            d_near, _ = cKDTree(
                np.c_[self.timetable.stop_e[served], self.timetable.stop_n[served]]
            ).query(np.c_[e[vi], n[vi]])
            out.access_m[vi] = d_near * self.detour
        has_access = np.zeros(vi.size, dtype=bool)
        has_access[pts] = True
        paths = self.footpaths()
        day = self.timetable.day.isoformat()
        for j in range(nt):
            _, egress_stops, _ = self._near(te[j : j + 1], tn[j : j + 1], served, self.max_walk_m)
            prof = self.profiles(te[j], tn[j], paths)
            jr = evaluate(prof, pts, stops, secs, vi.size, self.departures_s)
            ride_t = np.where(jr.arr_s < INF, jr.arr_s - self.departures_s[None, :], np.inf)
            walk_m = self._walk(e[vi], n[vi], np.full(vi.size, te[j]), np.full(vi.size, tn[j]))
            walk_t = np.where(
                walk_m <= self.max_walk_only_m, np.ceil(walk_m / self.walk_speed_mps), np.inf
            )
            on_foot = walk_t[:, None] <= ride_t
            total = np.where(on_foot, walk_t[:, None], ride_t)
            k50 = _rank(total, 0.5)
            k90 = _rank(total, 0.9)
            rows = np.arange(vi.size)
            med = total[rows, k50]
            p90 = total[rows, k90]
            foot50 = on_foot[rows, k50]
            tr = np.where(foot50, 0, jr.transfers[rows, k50]).astype(float)
            walk = np.where(foot50, walk_t, jr.walk_s[rows, k50]).astype(float)
            ride = np.where(foot50, 0, jr.ride_s[rows, k50]).astype(float)
            wait = np.where(foot50 | ~np.isfinite(med), 0.0, np.nan_to_num(med) - walk - ride)
            finite = np.isfinite(med)
            egress_here = egress_stops.size > 0
            status = np.where(
                finite,
                np.where(foot50, TRANSIT_WALK_ONLY, TRANSIT_OK),
                np.where(has_access & egress_here, TRANSIT_UNREACHABLE, TRANSIT_NO_SERVICE),
            ).astype(object)
            reason = np.empty(vi.size, dtype=object)
            reason[status == TRANSIT_OK] = (
                f"median of {w} departures {self.window_text} to {names[j]}; {self.walk_label}"
            )
            reason[status == TRANSIT_WALK_ONLY] = (
                f"walking to {names[j]} is at least as quick as public transport"
            )
            reason[status == TRANSIT_UNREACHABLE] = (
                f"no trip reaches {names[j]} for half the departures {self.window_text}"
            )
            no_stop = (status == TRANSIT_NO_SERVICE) & ~has_access
            reason[no_stop] = [
                f"no stop with service on {day} within {self.max_walk_m:g} m"
                + (f" (nearest: {d:,.0f} m)" if np.isfinite(d) else "")
                for d in out.access_m[vi][no_stop]
            ]
            reason[(status == TRANSIT_NO_SERVICE) & has_access] = (
                f"no stop with service on {day} within {self.max_walk_m:g} m of {names[j]}"
            )
            keep = finite
            out.time_s[vi, j] = np.where(keep, med, np.nan)
            out.time_p90_s[vi, j] = np.where(keep & np.isfinite(p90), p90, np.nan)
            out.transfers[vi, j] = np.where(keep, tr, np.nan)
            out.walk_s[vi, j] = np.where(keep, walk, np.nan)
            out.ride_s[vi, j] = np.where(keep, ride, np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                out.waiting_share[vi, j] = np.where(keep & (med > 0), wait / med, np.nan)
            out.status[vi, j] = status
            out.reason[vi, j] = reason
        out.reason[~valid] = "no valid coordinates"
        return out


def load_transit(
    gtfs: str | Path | Feed,
    *,
    depart: str | _dt.datetime | None = None,
    window_min: int | None = None,
    max_walk_m: float | None = None,
    max_transfer_walk_m: float | None = None,
    transfer_slack_s: int | None = None,
    walk_network: Network | None = None,
) -> Transit:
    """Read a GTFS feed and prepare the departure window.

    Parameters
    ----------
    gtfs : path or Feed
        A GTFS zip file or folder (or a feed already read).
    depart : str or datetime, optional
        Start of the window, e.g. ``2019-01-08T07:00`` (default: the feed's first Tuesday
        with service at :data:`geo.settings.transit_depart_time`).
    window_min : int, optional
        Length of the window in minutes (one departure a minute; default 120).
    max_walk_m, max_transfer_walk_m : float, optional
        Farthest walk to/from a stop, and between stops on a transfer (m).
    transfer_slack_s : int, optional
    walk_network : Network, optional
        A walk network for walking (else the labelled estimate).
    """
    feed = gtfs if isinstance(gtfs, Feed) else read_gtfs(gtfs)
    start = depart if isinstance(depart, _dt.datetime) else parse_departure(depart, feed)
    window = settings.transit_window_min if window_min is None else int(window_min)
    if window < 1:
        raise GeoValueError(f"--window-min: must be 1 or more; received {window}")
    max_walk = settings.transit_max_walk_m if max_walk_m is None else float(max_walk_m)
    max_tr = (
        settings.transit_max_transfer_walk_m
        if max_transfer_walk_m is None
        else float(max_transfer_walk_m)
    )
    if max_walk <= 0 or max_tr < 0:
        raise GeoValueError("--max-walk-m must be more than 0 and --max-transfer-walk-m 0 or more")
    slack = settings.transit_transfer_slack_s if transfer_slack_s is None else int(transfer_slack_s)
    start_s = start.hour * 3600 + start.minute * 60 + start.second
    end_s = start_s + window * 60
    tt = feed.timetable(start.date(), start_s, end_s)
    if walk_network is not None and walk_network.mode != "walk":
        raise GeoValueError(
            f"transit: the walking network must be a walk network, not {walk_network.mode}"
        )
    return Transit(
        timetable=tt,
        departures_s=np.arange(start_s, end_s, 60, dtype=np.int64),
        max_walk_m=max_walk,
        max_transfer_walk_m=max_tr,
        slack_s=slack,
        walk_speed_mps=settings.transit_walk_speed_kmh / 3.6,
        detour=settings.detour_factor,
        max_walk_only_m=settings.transit_max_walk_only_m,
        walk_network=walk_network,
    )
