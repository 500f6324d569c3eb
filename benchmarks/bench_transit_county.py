#!/usr/bin/env python3
"""Benchmark: public-transport times on a feed the size of a whole county: 100 000 addresses
to 6 bases, time and peak memory.

No county feed of Sweden is available offline, so one is made from the real AtB feed
(Trøndelag, ``../shared/data/fixtures``): every trip is repeated ``--copies`` times (10),
each copy shifted ``60 / copies`` minutes later than the one before, so the day has about ten
times AtB's connections (as many as a Swedish county's buses and trains in a morning) on the
same stops. The addresses are SYNTHETIC points scattered around random served stops (normal,
σ = 500 m); the bases are the six stops with the most departures. geo's transit engine
(``Transit.costs``: the compiled reverse profile scan per base, then every address and every
departure minute) computes the median and 90th percentile over the 07:00–09:00 window, as
``geo assign --mode transit`` does for its rows — called directly, because ``geo assign`` checks
that addresses lie in Sweden and these lie around Trondheim.

Usage::

    python benchmarks/bench_transit_county.py
    python benchmarks/bench_transit_county.py --addresses 20000 --copies 5
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from geo.transit import load_transit
from geo.transit.feed import read_gtfs

FEED = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "fixtures"
    / "gtfs_atb_region_nord_2019.zip"
)


def county_feed(feed, copies: int):  # type: ignore[no-untyped-def]
    """Every trip ``copies`` times, copy k shifted k × 60 / copies minutes."""
    shift = int(3600 / copies)
    n_trips = len(feed.trips)
    stop_times = pd.concat(
        [
            feed.stop_times.assign(
                trip=feed.stop_times["trip"] + k * n_trips,
                arr_s=feed.stop_times["arr_s"] + k * shift,
                dep_s=feed.stop_times["dep_s"] + k * shift,
            )
            for k in range(copies)
        ],
        ignore_index=True,
    )
    trips = pd.concat(
        [feed.trips.assign(trip_id=feed.trips["trip_id"] + f"#{k}") for k in range(copies)],
        ignore_index=True,
    )
    return dataclasses.replace(
        feed, name=f"{feed.name} ×{copies} (shifted)", stop_times=stop_times, trips=trips
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--addresses", type=int, default=100_000)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--bases", type=int, default=6)
    a = ap.parse_args()

    t = time.perf_counter()
    atb = read_gtfs(FEED)
    county = county_feed(atb, a.copies)
    base_tr = load_transit(atb, depart="2019-01-08T07:00")
    tr = load_transit(county, depart="2019-01-08T07:00")
    t_load = time.perf_counter() - t
    tt = tr.timetable
    print(f"AtB: {base_tr.timetable.n_connections:,} connections in the window; county feed "
          f"(every trip ×{a.copies}, shifted): {tt.n_connections:,} connections, "
          f"{tt.n_stops:,} stops; read and prepared in {t_load:.1f} s")  # fmt: skip

    rng = np.random.default_rng(25)
    served = tr.served_stops()
    busiest = np.bincount(tt.dep_stop, minlength=tt.n_stops).argsort()[::-1][: a.bases]
    te, tn = tt.stop_e[busiest], tt.stop_n[busiest]
    around = rng.choice(served, a.addresses)
    e = tt.stop_e[around] + rng.normal(0, 500, a.addresses)
    n = tt.stop_n[around] + rng.normal(0, 500, a.addresses)

    t = time.perf_counter()
    costs = tr.costs(e, n, te, tn)
    t_costs = time.perf_counter() - t
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    status = pd.Series(costs.status.ravel()).value_counts().to_dict()
    print(f"== {a.addresses:,} SYNTHETIC addresses × {a.bases} bases, "
          f"{tr.departures_s.size} departures each")  # fmt: skip
    print(f"seconds_costs {t_costs:.1f} ({a.addresses * a.bases / t_costs:,.0f} "
          f"address-base pairs/s)")  # fmt: skip
    print(f"peak_memory_gb {peak_gb:.2f} (whole process)")
    print("statuses (address-base pairs):", status)
    med = np.nanmedian(costs.time_s[np.isfinite(costs.time_s)]) / 60
    print(f"median travel time where reachable: {med:.0f} min")


if __name__ == "__main__":
    main()
