"""The reference router for public transport: Dijkstra (networkx) over a time-expanded graph.

Nodes are, for every connection, its boarding event (in the stop's chain of departures), its
vehicle departure and its arrival; edges board, ride a connection, wait at a stop for its next
departure, stay seated on a trip (vehicle to vehicle: staying seated is not a transfer), transfer (walk to a stop within the
transfer radius, or stay, and board a departure at least ``slack_s`` after arriving), and walk
from the last stop to a target. A query adds the origin: walking to each stop in reach and
boarding its first departure at or after arriving. The earliest arrival at each target is the
length of the shortest path plus the departure time. The same rules as
:mod:`geo.transit.profile`, built the classic way (used by the tests and the benchmark).
"""

from __future__ import annotations

from bisect import bisect_left

import networkx as nx
import numpy as np


class TimeExpanded:
    def __init__(self, tt, footpaths, egress_by_target: list[dict[int, int]], slack_s: int):
        g = nx.DiGraph()
        nc = tt.n_connections
        dep, arr = tt.dep_s.tolist(), tt.arr_s.tolist()
        ds, as_, trip = tt.dep_stop.tolist(), tt.arr_stop.tolist(), tt.trip.tolist()
        # departures per stop, sorted by time: the waiting chains
        self.deps: dict[int, list[tuple[int, int]]] = {}
        board, alight = tt.board.tolist(), tt.alight.tolist()
        for c in range(nc):
            if board[c]:  # a departure passengers may board (pickup_type not 1)
                self.deps.setdefault(ds[c], []).append((dep[c], c))
        for lst in self.deps.values():
            lst.sort()
            for (t0, c0), (t1, c1) in zip(lst, lst[1:], strict=False):
                g.add_edge(("d", c0), ("d", c1), weight=t1 - t0)
        self.dep_times = {s: [t for t, _ in lst] for s, lst in self.deps.items()}
        last_of_trip: dict[int, int] = {}
        for c in range(nc):
            g.add_edge(("d", c), ("v", c), weight=0)
            g.add_edge(("v", c), ("a", c), weight=arr[c] - dep[c])
        by_trip: dict[int, list[int]] = {}
        for c in range(nc):
            by_trip.setdefault(trip[c], []).append(c)
        for cs in by_trip.values():
            cs.sort(key=lambda c: (dep[c], arr[c]))
            for c0, c1 in zip(cs, cs[1:], strict=False):
                g.add_edge(("a", c0), ("v", c1), weight=dep[c1] - arr[c0])
            last_of_trip[cs[-1]] = 1
        for c in range(nc):
            if not alight[c]:  # no drop-off here: no transfer and no walk to a target
                continue
            for y, _w, gap in footpaths[as_[c]]:
                nxt = self._first(y, arr[c] + gap)
                if nxt is not None:
                    g.add_edge(("a", c), ("d", nxt[1]), weight=nxt[0] - arr[c])
        for k, egress in enumerate(egress_by_target):
            for c in range(nc):
                w = egress.get(as_[c])
                if w is not None and alight[c]:
                    g.add_edge(("a", c), ("sink", k), weight=w)
        self.g = g
        self.n_targets = len(egress_by_target)

    def _first(self, stop: int, t: int):
        times = self.dep_times.get(stop)
        if not times:
            return None
        i = bisect_left(times, t)
        return self.deps[stop][i] if i < len(times) else None

    def earliest_arrival(self, access: list[tuple[int, int]], depart_s: int) -> np.ndarray:
        """Arrival (s) at every target from an origin with ``access`` (stop, walk s); inf
        where no journey."""
        g = self.g
        g.add_node("src")
        for s, w in access:
            nxt = self._first(s, depart_s + w)
            if nxt is not None:
                old = g.get_edge_data("src", ("d", nxt[1]))
                weight = nxt[0] - depart_s
                if old is None or old["weight"] > weight:
                    g.add_edge("src", ("d", nxt[1]), weight=weight)
        dist = nx.single_source_dijkstra_path_length(g, "src", weight="weight")
        g.remove_node("src")
        return np.array(
            [depart_s + dist[("sink", k)] if ("sink", k) in dist else np.inf
             for k in range(self.n_targets)]
        )  # fmt: skip
