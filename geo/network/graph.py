"""The network: segments between nodes with a length and a travel time each way."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from ..crs import WGS84, from_sweref, to_sweref
from ..errors import GeoValueError
from ..schema import (
    MODES,
)

logger = logging.getLogger(__name__)


_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass
class Polylines:
    """Ways as polylines, the input to :func:`build_network`.

    Attributes
    ----------
    coords : numpy.ndarray
        (k, 2) vertex coordinates of all ways, one after another, in ``crs``.
    way : numpy.ndarray
        (k,) index of the way each vertex belongs to (non-decreasing).
    speed_fwd_kmh, speed_bwd_kmh : numpy.ndarray
        Per way; 0 where the mode may not travel in that direction.
    road_class : numpy.ndarray
        Per way (e.g. the OSM ``highway`` value; ``""`` when unknown).
    crs : str
    """

    coords: np.ndarray
    way: np.ndarray
    speed_fwd_kmh: np.ndarray
    speed_bwd_kmh: np.ndarray
    road_class: np.ndarray
    crs: str = WGS84
    source: str = ""


@dataclass(frozen=True)
class Network:
    """A routable network for one mode, in EPSG:3006.

    Attributes
    ----------
    mode : str
        ``walk``, ``bike`` or ``car``.
    node_e, node_n : numpy.ndarray
        Node coordinates (m, EPSG:3006).
    seg_u, seg_v : numpy.ndarray
        Segment end nodes (int32).
    seg_length_m : numpy.ndarray
        Geodesic segment length (m).
    seg_time_fwd_s, seg_time_bwd_s : numpy.ndarray
        Travel time u→v and v→u (s); ``inf`` where not allowed.
    seg_class : numpy.ndarray
        Road class per segment.
    source : str
        Where the network came from.
    """

    mode: str
    node_e: np.ndarray
    node_n: np.ndarray
    seg_u: np.ndarray
    seg_v: np.ndarray
    seg_length_m: np.ndarray
    seg_time_fwd_s: np.ndarray
    seg_time_bwd_s: np.ndarray
    seg_class: np.ndarray
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def n_nodes(self) -> int:
        return int(self.node_e.size)

    @property
    def n_segments(self) -> int:
        return int(self.seg_u.size)

    def __repr__(self) -> str:
        km = self.seg_length_m.sum() / 1000
        return (
            f"Network(mode={self.mode!r}, nodes={self.n_nodes:,}, segments={self.n_segments:,}, "
            f"length={km:,.1f} km, source={self.source!r})"
        )

    @cached_property
    def _tree(self) -> shapely.STRtree:
        lines = shapely.linestrings(
            np.stack(
                [
                    np.column_stack([self.node_e[self.seg_u], self.node_n[self.seg_u]]),
                    np.column_stack([self.node_e[self.seg_v], self.node_n[self.seg_v]]),
                ],
                axis=1,
            )
        )
        return shapely.STRtree(lines)

    @cached_property
    def component(self) -> np.ndarray:
        """Weakly connected component label per node (largest component first is not implied)."""
        adj = sparse.coo_matrix(
            (np.ones(self.n_segments), (self.seg_u, self.seg_v)), shape=(self.n_nodes,) * 2
        )
        _, labels = csgraph.connected_components(adj, directed=False)
        return labels

    @cached_property
    def component_size(self) -> np.ndarray:
        """Number of nodes in each node's component."""
        return np.bincount(self.component)[self.component]

    def snap(self, e: np.ndarray, n: np.ndarray, *, within_m: float | None = None) -> Snap:
        """Nearest point on the nearest segment for points in EPSG:3006.

        ``within_m`` speeds the search up when only near matches matter; points with no
        segment that close are still snapped (by a second, unbounded search) so their
        distance can be reported.
        """
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        seg = np.full(e.size, -1, dtype=np.int64)
        t = np.full(e.size, np.nan)
        dist = np.full(e.size, np.nan)
        ok = np.isfinite(e) & np.isfinite(n)
        if ok.any() and self.n_segments:
            pts = shapely.points(e[ok], n[ok])
            (pi, si), d = self._tree.query_nearest(
                pts, return_distance=True, all_matches=False, max_distance=within_m
            )
            if within_m is not None and pi.size < pts.size:
                rest = np.setdiff1d(np.arange(pts.size), pi)
                (rp, rs), rd = self._tree.query_nearest(
                    pts[rest], return_distance=True, all_matches=False
                )
                pi = np.concatenate([pi, rest[rp]])
                si = np.concatenate([si, rs])
                d = np.concatenate([d, rd])
            idx = np.flatnonzero(ok)[pi]
            seg[idx] = si
            dist[idx] = d
            ax, ay = self.node_e[self.seg_u[si]], self.node_n[self.seg_u[si]]
            bx, by = self.node_e[self.seg_v[si]], self.node_n[self.seg_v[si]]
            dx, dy = bx - ax, by - ay
            len2 = dx * dx + dy * dy
            with np.errstate(invalid="ignore", divide="ignore"):
                tt = ((e[idx] - ax) * dx + (n[idx] - ay) * dy) / len2
            t[idx] = np.clip(np.where(len2 > 0, tt, 0.0), 0.0, 1.0)
        return Snap(seg, t, dist)


@dataclass(frozen=True)
class Snap:
    """Where points meet the network: segment index, position along it (0–1), distance (m)."""

    segment: np.ndarray
    t: np.ndarray
    distance_m: np.ndarray


def build_network(lines: Polylines, mode: str, *, node_tolerance_m: float = 0.01) -> Network:
    """Build a :class:`Network` from polylines.

    Ways are connected where they share a vertex (coordinates equal to within
    ``node_tolerance_m`` in EPSG:3006). Segments drivable in neither direction are dropped;
    duplicate segments (e.g. the two directed edges of a two-way street in a GraphML graph) are
    merged, keeping the quickest time per direction.
    """
    if mode not in MODES:
        raise GeoValueError(f"mode: must be one of {MODES}; received {mode!r}")
    coords = np.asarray(lines.coords, dtype="float64")
    way = np.asarray(lines.way, dtype=np.int64)
    if coords.shape[0] < 2:
        raise GeoValueError(f"network: no ways usable for mode {mode!r} in {lines.source!r}")
    if lines.crs == WGS84:
        lon, lat = coords[:, 0], coords[:, 1]
        e, n = to_sweref(lon, lat, WGS84)
    else:
        e, n = to_sweref(coords[:, 0], coords[:, 1], lines.crs)
        lon, lat = from_sweref(e, n)
    same = way[1:] == way[:-1]
    a = np.flatnonzero(same)
    b = a + 1
    w = way[a]
    fwd_kmh = np.asarray(lines.speed_fwd_kmh, dtype="float64")[w]
    bwd_kmh = np.asarray(lines.speed_bwd_kmh, dtype="float64")[w]
    usable = (fwd_kmh > 0) | (bwd_kmh > 0)
    a, b, w, fwd_kmh, bwd_kmh = a[usable], b[usable], w[usable], fwd_kmh[usable], bwd_kmh[usable]
    # nodes: vertices with equal coordinates (to the tolerance) are one node
    key = np.round(np.column_stack([e, n]) / node_tolerance_m).astype(np.int64)
    used = np.unique(np.concatenate([a, b]))
    uniq, inv = np.unique(key[used], axis=0, return_inverse=True)
    node_of = np.full(e.size, -1, dtype=np.int64)
    node_of[used] = inv.ravel()
    first = np.full(uniq.shape[0], -1, dtype=np.int64)
    first[inv.ravel()[::-1]] = used[::-1]
    node_e, node_n = e[first], n[first]
    u, v = node_of[a], node_of[b]
    _, _, length = _GEOD.inv(lon[a], lat[a], lon[b], lat[b])
    length = np.asarray(length, dtype="float64")
    keep = u != v  # zero-length loops
    u, v, length, fwd_kmh, bwd_kmh, w = (x[keep] for x in (u, v, length, fwd_kmh, bwd_kmh, w))
    with np.errstate(divide="ignore"):
        t_fwd = np.where(fwd_kmh > 0, length / (fwd_kmh / 3.6), np.inf)
        t_bwd = np.where(bwd_kmh > 0, length / (bwd_kmh / 3.6), np.inf)
    # merge duplicates: orient every segment low->high node id
    flip = u > v
    u2, v2 = np.where(flip, v, u), np.where(flip, u, v)
    tf, tb = np.where(flip, t_bwd, t_fwd), np.where(flip, t_fwd, t_bwd)
    lkey = np.round(length, 2)
    order = np.lexsort((lkey, v2, u2))
    u2, v2, tf, tb, length, lkey, w = (x[order] for x in (u2, v2, tf, tb, length, lkey, w))
    start = np.ones(u2.size, dtype=bool)
    start[1:] = (u2[1:] != u2[:-1]) | (v2[1:] != v2[:-1]) | (lkey[1:] != lkey[:-1])
    grp = np.cumsum(start) - 1
    ngrp = int(grp[-1]) + 1 if grp.size else 0
    tf_m = np.full(ngrp, np.inf)
    tb_m = np.full(ngrp, np.inf)
    np.minimum.at(tf_m, grp, tf)
    np.minimum.at(tb_m, grp, tb)
    cls = np.asarray(lines.road_class, dtype=object)[w[start]]
    net = Network(
        mode=mode,
        node_e=node_e,
        node_n=node_n,
        seg_u=u2[start].astype(np.int32),
        seg_v=v2[start].astype(np.int32),
        seg_length_m=length[start],
        seg_time_fwd_s=tf_m,
        seg_time_bwd_s=tb_m,
        seg_class=cls.astype(str),
        source=lines.source,
    )
    logger.info("built %r", net)
    return net
