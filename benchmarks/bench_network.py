#!/usr/bin/env python3
"""Benchmark: many-to-many network distances, ours vs networkx, same graph, same run.

The largest network available offline is the real central-Linköping car network
(``../shared/data/linkoping/roads_central_2017.gpkg``, 12 112 nodes). Sources: every node
(all nodes of addresses); targets: 50 random nodes. networkx runs
``single_source_dijkstra_path_length`` once per target on the reversed graph, as osmnx users
do. Prints the time and memory to build each graph, the time of the many-to-many run,
whether the distances are identical, and ``ratio_vs_networkx``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

from geo.network import build_network, network_costs, node_costs_to_targets
from geo.network import readers as network_io

ROOT = Path(__file__).resolve().parents[1]


def _traced(fn):
    tracemalloc.start()
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, dt, peak / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument(
        "--roads", type=Path, default=ROOT.parent / "shared/data/linkoping/roads_central_2017.gpkg"
    )
    p.add_argument("--targets", type=int, default=50)
    p.add_argument("--mode", default="car", choices=["walk", "bike", "car"])
    args = p.parse_args()

    net, t_build, mem_build = _traced(
        lambda: build_network(
            network_io.read_road_lines(args.roads, args.mode, layer="roads"), args.mode
        )
    )
    print(f"network: {net!r}")
    print(f"build ours (read GeoPackage + build): {t_build:.2f} s, peak {mem_build:.0f} MB traced")

    def nx_graph() -> nx.DiGraph:
        g = nx.DiGraph()
        for u, v, length, tf, tb in zip(
            net.seg_u.tolist(), net.seg_v.tolist(), net.seg_length_m.tolist(),
            net.seg_time_fwd_s.tolist(), net.seg_time_bwd_s.tolist(), strict=True,
        ):  # fmt: skip
            if tf != float("inf"):
                g.add_edge(u, v, length=length, travel_time=tf)
            if tb != float("inf"):
                g.add_edge(v, u, length=length, travel_time=tb)
        return g.reverse(copy=True)

    rev, t_nx_build, mem_nx = _traced(nx_graph)
    print(
        f"build networkx DiGraph from the same segments: {t_nx_build:.2f} s, peak {mem_nx:.0f} MB traced"
    )

    rng = np.random.default_rng(42)
    targets = rng.choice(net.n_nodes, args.targets, replace=False)
    src_e, src_n = net.node_e, net.node_n
    tgt_e, tgt_n = net.node_e[targets], net.node_n[targets]

    # ours, routing core: cost from every node to every target, as networkx computes it
    weights = ["length", "travel_time"] if args.mode == "car" else ["length"]
    best_core = float("inf")
    core: dict[str, np.ndarray] = {}
    for _ in range(3):
        t = time.perf_counter()
        core = {
            w: node_costs_to_targets(
                net, tgt_e, tgt_n, weight="time" if w == "travel_time" else "length"
            ).T
            for w in weights
        }
        best_core = min(best_core, time.perf_counter() - t)
    # ours, end to end: the nodes as address points, snapped to segments, distance and time
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        network_costs(net, src_e, src_n, tgt_e, tgt_n)
        best = min(best, time.perf_counter() - t)

    # networkx: the same work, shortest distance and (car) quickest time to every target
    t = time.perf_counter()
    refs = {w: np.full((net.n_nodes, targets.size), np.nan) for w in weights}
    for w in weights:
        for k, tg in enumerate(targets.tolist()):
            d = nx.single_source_dijkstra_path_length(rev, tg, weight=w)
            idx = np.fromiter(d.keys(), dtype=np.int64, count=len(d))
            refs[w][idx, k] = np.fromiter(d.values(), dtype=np.float64, count=len(d))
    t_nx = time.perf_counter() - t

    same_reach = True
    max_diff = 0.0
    for w, ref in refs.items():
        ours = core[w]
        both = np.isfinite(ours) & np.isfinite(ref)
        same_reach &= bool(np.array_equal(np.isfinite(ours), np.isfinite(ref)))
        max_diff = max(max_diff, float(np.abs(ours[both] - ref[both]).max()))
    pairs = net.n_nodes * targets.size
    print(f"\n== {net.n_nodes:,} sources (every node) x {targets.size} targets = {pairs:,} pairs")
    what = (
        "distance and travel time" if args.mode == "car" else "distance (time = distance / speed)"
    )
    print(f"work: {what} for every pair")
    print(
        f"ours, routing (scipy csgraph on the reversed graph): {best_core:.3f} s  ({pairs / best_core:,.0f} pairs/s)"
    )
    print(
        f"networkx single_source_dijkstra_path_length per target and weight: {t_nx:.3f} s  ({pairs / t_nx:,.0f} pairs/s)"
    )
    print(f"identical reachability {same_reach}; max |difference| {max_diff:.2e} (m or s)")
    print(f"ratio_vs_networkx {t_nx / best_core:.1f}")
    print(f"ours, end to end (points snapped to segments + routing + gather): {best:.3f} s")
    print(f"ratio_end_to_end_vs_networkx_routing_only {t_nx / best:.1f}")


if __name__ == "__main__":
    main()
