#!/usr/bin/env python3
"""Benchmark: public-transport routing vs a networkx time-expanded Dijkstra, same feed, same run.

The real AtB feed (``../shared/data/fixtures/gtfs_atb_region_nord_2019.zip``, Trøndelag,
January 2019): every stop of the fixture as an origin × 10 target stops × 120 departures
(07:00–09:00, one a minute, on the first ordinary Tuesday).

* ours: :mod:`geo.transit` — one reverse profile scan per target, then the vectorised
  evaluation for every origin and departure (``core``); and the whole
  :meth:`geo.transit.Transit.costs` (medians, 90th percentiles, transfers, waiting shares,
  statuses; ``full``).
* the peer: networkx's Dijkstra on the time-expanded graph (``tests/transit_reference.py``),
  one search per (origin, departure) reaching all 10 targets. Its 443 160 searches would take
  hours, so a random sample of them is timed and the total extrapolated (the sample size is
  printed); every sampled arrival is compared with ours.

Also times reading the feed's ``stop_times.txt`` (20 copies) with pyarrow and with pandas, the
choice geo made. Prints ``ratio_vs_networkx``, ``identical``, ``memory_mb`` and
``ratio_pyarrow_vs_pandas``.
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
FEED = ROOT.parent / "shared/data/fixtures/gtfs_atb_region_nord_2019.zip"


def _reading() -> float:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pc

    with zipfile.ZipFile(FEED) as z:
        raw = z.read("stop_times.txt") * 20
    t = time.perf_counter()
    df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    t_pd = time.perf_counter() - t
    t = time.perf_counter()
    pc.read_csv(
        io.BytesIO(raw),
        convert_options=pc.ConvertOptions(column_types={c: pa.string() for c in df.columns}),
    )
    t_pa = time.perf_counter() - t
    print(f"read stop_times x20 ({len(df):,} rows): pandas {t_pd:.3f} s, pyarrow {t_pa:.3f} s")
    return t_pd / t_pa


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sample", type=int, default=200, help="reference searches to time")
    args = ap.parse_args()
    from transit_reference import TimeExpanded

    from geo.transit import evaluate, load_transit

    tr = load_transit(FEED)
    tt = tr.timetable
    rng = np.random.default_rng(2019)
    served = tr.served_stops()
    targets = rng.choice(served, 10, replace=False)
    origins = np.arange(tt.n_stops)
    print(f"{tr!r}")
    print(f"origins {origins.size:,} (every stop) x targets 10 x departures {tr.departures_s.size}")

    t = time.perf_counter()
    fp = tr.footpaths()
    pts, stops, secs = tr._near(tt.stop_e, tt.stop_n, served, tr.max_walk_m)
    ours = []
    for k in targets:
        prof = tr.profiles(tt.stop_e[k], tt.stop_n[k], fp)
        ours.append(evaluate(prof, pts, stops, secs, origins.size, tr.departures_s).arr_s)
    t_core = time.perf_counter() - t
    t = time.perf_counter()
    tr.costs(tt.stop_e, tt.stop_n, tt.stop_e[targets], tt.stop_n[targets])
    t_full = time.perf_counter() - t
    mem_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ratio_read = _reading()

    # the peer
    egress = []
    for k in targets:
        _, st, sc = tr._near(tt.stop_e[[k]], tt.stop_n[[k]], served, tr.max_walk_m)
        egress.append(dict(zip(st.tolist(), sc.tolist(), strict=True)))
    t = time.perf_counter()
    ref = TimeExpanded(tt, fp, egress, tr.slack_s)
    t_build = time.perf_counter() - t
    sample_o = rng.choice(origins, args.sample)
    sample_w = rng.integers(0, tr.departures_s.size, args.sample)
    order = np.argsort(pts, kind="stable")
    bounds = np.searchsorted(pts[order], np.arange(origins.size + 1))
    identical = True
    compared = 0
    t = time.perf_counter()
    for o, w in zip(sample_o, sample_w, strict=True):
        sel = order[bounds[o] : bounds[o + 1]]
        got = ref.earliest_arrival(
            list(zip(stops[sel].tolist(), secs[sel].tolist(), strict=True)),
            int(tr.departures_s[w]),
        )
        for j in range(10):
            mine = ours[j][o, w]
            mine = float(mine) if mine < (1 << 62) else np.inf
            identical &= mine == got[j]
            compared += 1
    t_sample = time.perf_counter() - t
    n_queries = origins.size * tr.departures_s.size
    t_ref = t_build + t_sample / args.sample * n_queries
    print(f"ours core (10 profile scans + evaluation): {t_core:.2f} s; full costs: {t_full:.2f} s")
    print(
        f"networkx time-expanded: build {t_build:.2f} s ({ref.g.number_of_nodes():,} nodes, "
        f"{ref.g.number_of_edges():,} edges), {t_sample / args.sample * 1000:.1f} ms per search; "
        f"{n_queries:,} searches extrapolated from {args.sample}: {t_ref / 3600:.1f} h"
    )
    print(f"identical {bool(identical)} ({compared:,} origin-target-departure arrivals compared)")
    print(f"ratio_vs_networkx core {t_ref / t_core:,.0f}")
    print(f"ratio_vs_networkx full {t_ref / t_full:,.0f}")
    print(f"memory_mb {mem_mb:.0f} (peak resident, ours; goal < 500)")
    print(f"ratio_pyarrow_vs_pandas read {ratio_read:.1f}")
    _scan_speed(tr, targets, fp, egress)


def _scan_speed(tr, targets, fp, egress) -> None:
    """The reverse profile scan per base: compiled (numba) against the Python loop, same
    targets, same run; identical profiles checked."""
    from geo.transit.profile import profiles_to_target
    from geo.transit.scan import have_compiler

    tt = tr.timetable
    if not have_compiler():
        print("numba not installed: the compiled scan is not measured")
        return
    profiles_to_target(tt, egress[0], fp, tr.slack_s, engine="compiled")  # compile (cached)
    timing, same = {}, True
    for engine in ("python", "compiled"):
        best, out = float("inf"), []
        for _ in range(3):
            t = time.perf_counter()
            out = [profiles_to_target(tt, e, fp, tr.slack_s, engine=engine) for e in egress]
            best = min(best, time.perf_counter() - t)
        timing[engine] = (best / len(egress), out)
    for a, b in zip(timing["python"][1], timing["compiled"][1], strict=True):
        same &= all(
            np.array_equal(getattr(a, n), getattr(b, n))
            for n in ("start", "dep", "arr", "transfers", "ride_s", "walk_s")
        )
    print(f"scan_ms_per_base python {timing['python'][0] * 1000:.1f}")
    print(f"scan_ms_per_base compiled {timing['compiled'][0] * 1000:.2f}")
    print(f"identical compiled_vs_python {bool(same)} ({len(egress)} targets, every array)")
    print(f"scan_speedup {timing['python'][0] / timing['compiled'][0]:.1f}")


if __name__ == "__main__":
    main()
