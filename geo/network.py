"""Road and path networks for walking, cycling and driving; network distance and travel time.

A :class:`Network` is a set of straight **segments** between nodes (every OSM node kept, no
simplification), each with a length in metres and a travel time in seconds for each direction
(``inf`` where the mode may not travel that way, e.g. against a one-way street by car). Node
coordinates are in EPSG:3006; lengths are geodesic (WGS 84 ellipsoid), so they are exact
anywhere.

Costs from many addresses to a few bases (or candidate sites) are computed by one Dijkstra run
per base on the *reversed* graph (``scipy.sparse.csgraph``), so each run gives the cost from
every node *to* that base. Addresses and bases are snapped to the nearest point on the nearest
segment (not to the nearest node), and the partial segment is part of the cost.

Speeds (documented defaults, free flow, no junction delays):

* walk: 5 km/h on every way a pedestrian may use;
* bike: 15 km/h on every way a cyclist may use;
* car: the signed ``maxspeed`` (Swedish implicit values ``SE:urban`` 50, ``SE:rural`` 70,
  ``SE:motorway`` 110), else a default per road class (:data:`CAR_SPEED_KMH`).

Where no network is available, :func:`estimate_costs` gives straight line × a detour factor
at an assumed speed (:data:`DETOUR_FACTOR`, :data:`ESTIMATE_SPEED_KMH`); every such figure is
labelled ``estimated``.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from . import settings
from .crs import WGS84, from_sweref, to_sweref
from .errors import DownloadError, GeoValueError, MissingDependencyError
from .schema import (
    MODES,
    NETWORK_ESTIMATED,
    NETWORK_OK,
    NETWORK_TOO_FAR,
    NETWORK_UNREACHABLE,
    STATUS_INVALID,
)

__all__ = [
    "CAR_SPEED_KMH",
    "DETOUR_FACTOR",
    "ESTIMATE_SPEED_KMH",
    "MODES",
    "Costs",
    "Network",
    "Polylines",
    "build_network",
    "estimate_costs",
    "network_costs",
    "way_rules",
]

logger = logging.getLogger(__name__)

#: Travel speed on foot and by bike (km/h).
MODE_SPEED_KMH = {"walk": 5.0, "bike": 15.0}
#: Default car speed by OSM ``highway`` class where no ``maxspeed`` is tagged (km/h); Swedish
#: practice: 50 in built-up areas, 70 on rural roads, 110 on motorways.
CAR_SPEED_KMH = {
    "motorway": 110.0, "motorway_link": 70.0, "trunk": 90.0, "trunk_link": 60.0,
    "primary": 70.0, "primary_link": 50.0, "secondary": 60.0, "secondary_link": 50.0,
    "tertiary": 50.0, "tertiary_link": 40.0, "unclassified": 50.0, "road": 50.0,
    "residential": 40.0, "living_street": 7.0, "service": 20.0, "track": 20.0,
}  # fmt: skip
CAR_DEFAULT_KMH = 50.0
#: Implicit Swedish speed limits used in OSM ``maxspeed`` tags.
IMPLICIT_MAXSPEED = {"se:urban": 50.0, "se:rural": 70.0, "se:motorway": 110.0, "walk": 7.0}
#: Detour factor (network distance / straight line) for the no-network estimate.
DETOUR_FACTOR = {"walk": 1.3, "bike": 1.3, "car": 1.3}
#: Average door-to-door speed for the no-network estimate (km/h).
ESTIMATE_SPEED_KMH = {"walk": 5.0, "bike": 15.0, "car": 45.0}

_GEOD = pyproj.Geod(ellps="WGS84")

_CAR_CLASSES = set(CAR_SPEED_KMH)
_NEVER = {"construction", "proposed", "planned", "abandoned", "raceway", "bus_guideway",
          "platform", "razed", "elevator", "corridor", "escape", "bridleway"}  # fmt: skip
_NO_WALK = {"motorway", "motorway_link", "trunk", "trunk_link"}
_NO_BIKE = _NO_WALK | {"steps", "footway", "pedestrian", "corridor"}
_DENY = {"no", "private", "discouraged"}


def _parse_maxspeed(value: object) -> float:
    """``maxspeed`` tag to km/h; ``nan`` when absent or unreadable."""
    if value is None:
        return float("nan")
    text = str(value).strip().lower()
    if not text or text == "nan":
        return float("nan")
    if text in IMPLICIT_MAXSPEED:
        return IMPLICIT_MAXSPEED[text]
    m = re.match(r"^(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?", text)
    if not m:
        return float("nan")
    v = float(m.group(1))
    return v * 1.609344 if m.group(2) == "mph" else v


def way_rules(tags: dict[str, str], mode: str) -> tuple[float, float]:
    """Speed forward and backward (km/h) for an OSM way's tags; 0 where not allowed.

    Forward is the way's drawing direction. Access tags (``access``, ``foot``, ``bicycle``,
    ``motor_vehicle``, ``motorcar``), one-way rules (``oneway``, ``junction=roundabout``,
    motorways; ``oneway:bicycle=no`` for bikes) and ``maxspeed`` are applied.
    """
    hw = tags.get("highway", "")
    if not hw or hw in _NEVER or tags.get("area") == "yes":
        return 0.0, 0.0
    access = tags.get("access", "")
    if mode == "walk":
        foot = tags.get("foot", "")
        if foot in _DENY or (hw in _NO_WALK and foot not in ("yes", "designated")):
            return 0.0, 0.0
        if access in _DENY and foot not in ("yes", "designated", "permissive"):
            return 0.0, 0.0
        v = MODE_SPEED_KMH["walk"]
        return v, v
    if mode == "bike":
        bike = tags.get("bicycle", "")
        if bike in _DENY or bike == "use_sidepath":
            return 0.0, 0.0
        if hw in _NO_BIKE and bike not in ("yes", "designated", "permissive"):
            return 0.0, 0.0
        if access in _DENY and bike not in ("yes", "designated", "permissive"):
            return 0.0, 0.0
        v = MODE_SPEED_KMH["bike"]
        fwd, bwd = _oneway(tags, hw)
        if tags.get("oneway:bicycle") == "no" or tags.get("cycleway", "").startswith("opposite"):
            fwd, bwd = True, True
        return (v if fwd else 0.0), (v if bwd else 0.0)
    if mode == "car":
        if hw not in _CAR_CLASSES:
            return 0.0, 0.0
        mv = tags.get("motor_vehicle", tags.get("motorcar", ""))
        if mv in _DENY or (access in _DENY and mv not in ("yes", "destination", "permissive")):
            return 0.0, 0.0
        v = _parse_maxspeed(tags.get("maxspeed"))
        if not np.isfinite(v) or v <= 0:
            v = CAR_SPEED_KMH.get(hw, CAR_DEFAULT_KMH)
        fwd, bwd = _oneway(tags, hw)
        return (v if fwd else 0.0), (v if bwd else 0.0)
    raise GeoValueError(f"mode: must be one of {MODES}; received {mode!r}")


def _oneway(tags: dict[str, str], hw: str) -> tuple[bool, bool]:
    ow = tags.get("oneway", "").lower()
    if ow in ("yes", "true", "1"):
        return True, False
    if ow in ("-1", "reverse"):
        return False, True
    if ow in ("no", "false", "0"):
        return True, True
    if tags.get("junction") in ("roundabout", "circular") or hw in ("motorway", "motorway_link"):
        return True, False
    return True, True


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


@dataclass
class Costs:
    """Network costs from points to targets.

    Attributes
    ----------
    distance_m, time_s : numpy.ndarray
        (N, T): shortest network distance (m) and quickest travel time (s); ``nan`` where
        there is no route or the point is too far from the network.
    snap_m : numpy.ndarray
        (N,) distance from each point to the network (m).
    target_snap_m : numpy.ndarray
        (T,) distance from each target to the network (m).
    status, reason : numpy.ndarray
        (N,) ``ok``, ``estimated``, ``too_far_from_network``, ``unreachable``
        (no route to at least one target) or ``invalid_coordinates``; and why.
    """

    distance_m: np.ndarray
    time_s: np.ndarray
    snap_m: np.ndarray
    target_snap_m: np.ndarray
    status: np.ndarray
    reason: np.ndarray


def _reverse_csr(
    net: Network, w_fwd: np.ndarray, w_bwd: np.ndarray, tsnap: Snap, targets: np.ndarray
) -> sparse.csr_matrix:
    """Reversed graph plus one virtual node per target (index n_nodes + k)."""
    nn = net.n_nodes
    rows = []
    cols = []
    vals = []
    f = np.isfinite(w_fwd)
    rows.append(net.seg_v[f])  # original u->v becomes v->u
    cols.append(net.seg_u[f])
    vals.append(w_fwd[f])
    b = np.isfinite(w_bwd)
    rows.append(net.seg_u[b])
    cols.append(net.seg_v[b])
    vals.append(w_bwd[b])
    for k, j in enumerate(targets):
        s = int(tsnap.segment[j])
        t = float(tsnap.t[j])
        if s < 0:
            continue
        if np.isfinite(w_fwd[s]):  # reach the target from u along the segment
            rows.append(np.array([nn + k]))
            cols.append(np.array([net.seg_u[s]]))
            vals.append(np.array([t * w_fwd[s]]))
        if np.isfinite(w_bwd[s]):  # reach it from v against the drawing direction
            rows.append(np.array([nn + k]))
            cols.append(np.array([net.seg_v[s]]))
            vals.append(np.array([(1 - t) * w_bwd[s]]))
    r = np.concatenate(rows).astype(np.int64)
    c = np.concatenate(cols).astype(np.int64)
    x = np.maximum(np.concatenate(vals), 1e-9)  # csgraph drops explicit zeros
    # parallel edges: keep the cheapest (a sparse matrix would sum them)
    order = np.lexsort((x, c, r))
    r, c, x = r[order], c[order], x[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    size = nn + len(targets)
    return sparse.csr_matrix((x[first], (r[first], c[first])), shape=(size, size))


def _costs_one_weight(
    net: Network,
    w_fwd: np.ndarray,
    w_bwd: np.ndarray,
    psnap: Snap,
    tsnap: Snap,
    *,
    batch: int = 8,
) -> np.ndarray:
    """(N, T) cost from every snapped point to every snapped target; inf where no route."""
    n_pts, n_t = psnap.segment.size, tsnap.segment.size
    out = np.full((n_pts, n_t), np.inf)
    nn = net.n_nodes
    ok = psnap.segment >= 0
    s = psnap.segment[ok]
    t = psnap.t[ok]
    exit_v = (1 - t) * w_fwd[s]  # leave forward to v
    exit_u = t * w_bwd[s]  # leave backward to u
    u_nodes, v_nodes = net.seg_u[s], net.seg_v[s]
    csr = _reverse_csr(net, w_fwd, w_bwd, tsnap, np.arange(n_t))
    for k0 in range(0, n_t, batch):
        ks = np.arange(k0, min(k0 + batch, n_t))
        dist = csgraph.dijkstra(csr, directed=True, indices=nn + ks)
        for row, k in enumerate(ks):
            d = dist[row]
            c = np.minimum(exit_v + d[v_nodes], exit_u + d[u_nodes])
            # same segment as the target: travel along it directly when allowed
            ts, tt = tsnap.segment[k], tsnap.t[k]
            same = s == ts
            if same.any():
                ahead = tt >= t[same]
                direct = np.where(ahead, (tt - t[same]) * w_fwd[ts], (t[same] - tt) * w_bwd[ts])
                c[same] = np.minimum(c[same], direct)
            col = np.full(n_pts, np.inf)
            col[ok] = c
            out[:, k] = col
    return out


def network_costs(
    net: Network,
    e: np.ndarray,
    n: np.ndarray,
    target_e: np.ndarray,
    target_n: np.ndarray,
    *,
    max_snap_m: float | None = None,
    target_names: Sequence[str] | None = None,
) -> Costs:
    """Network distance and travel time from every point to every target.

    Parameters
    ----------
    net : Network
    e, n : numpy.ndarray
        Points (addresses) in EPSG:3006, metres.
    target_e, target_n : numpy.ndarray
        Targets (bases, candidate sites) in EPSG:3006.
    max_snap_m : float
        Points farther than this from the network get status ``too_far_from_network`` and no
        numbers (a route from the nearest road would be false). A target farther away gets
        no routes (``unreachable`` for it, with the reason), and a warning is logged.
    target_names : sequence of str, optional
        Used in reasons.

    Returns
    -------
    Costs
        ``distance_m`` is the shortest route's length, ``time_s`` the quickest route's time
        (they coincide for walk and bike); the part of the segment between the snapped
        position and its end node counts. Off-network legs (the snap distance) are not added.
    """
    max_snap_m = settings.max_snap_m if max_snap_m is None else max_snap_m
    if max_snap_m <= 0:
        raise GeoValueError(f"max_snap_m: must be positive; received {max_snap_m}")
    e = np.asarray(e, dtype="float64")
    n = np.asarray(n, dtype="float64")
    te = np.asarray(target_e, dtype="float64")
    tn = np.asarray(target_n, dtype="float64")
    names = (
        list(target_names) if target_names is not None else [f"target {i}" for i in range(te.size)]
    )
    tsnap = net.snap(te, tn)
    far = ~(tsnap.distance_m <= max_snap_m)
    if far.any():  # such a target gets no route: a route from the nearest road would be false
        bad = [f"{names[i]} ({tsnap.distance_m[i]:,.0f} m)" for i in np.flatnonzero(far)]
        logger.warning(
            "targets %s are farther than max_snap_m=%s m from the %s network (%s): no routes to "
            "them; use a network that covers them",
            ", ".join(bad), f"{max_snap_m:,.0f}", net.mode, net.source,
        )  # fmt: skip
        tsnap = Snap(np.where(far, -1, tsnap.segment), tsnap.t, tsnap.distance_m)
    psnap = net.snap(e, n, within_m=max_snap_m)
    length = net.seg_length_m
    len_fwd = np.where(np.isfinite(net.seg_time_fwd_s), length, np.inf)
    len_bwd = np.where(np.isfinite(net.seg_time_bwd_s), length, np.inf)
    dist = _costs_one_weight(net, len_fwd, len_bwd, psnap, tsnap)
    if net.mode == "car":
        time = _costs_one_weight(net, net.seg_time_fwd_s, net.seg_time_bwd_s, psnap, tsnap)
    else:
        time = dist / (MODE_SPEED_KMH[net.mode] / 3.6)
    size = e.size
    status = np.full(size, NETWORK_OK, dtype=object)
    reason = np.full(size, "", dtype=object)
    invalid = ~(np.isfinite(e) & np.isfinite(n))
    too_far = ~invalid & ~(psnap.distance_m <= max_snap_m)
    status[invalid] = STATUS_INVALID
    reason[invalid] = "no valid coordinates"
    status[too_far] = NETWORK_TOO_FAR
    reason[too_far] = [
        f"{d:,.0f} m from the nearest {net.mode} way (limit {max_snap_m:,.0f} m); no route given"
        for d in psnap.distance_m[too_far]
    ]
    dist[invalid | too_far] = np.inf
    time[invalid | too_far] = np.inf
    unreachable = ~invalid & ~too_far & ~np.isfinite(time).all(axis=1)
    if unreachable.any():
        comp = net.component
        size_of = net.component_size
        t_comp = np.where(far, -1, comp[net.seg_u[np.maximum(tsnap.segment, 0)]])
        idx = np.flatnonzero(unreachable)
        p_node = net.seg_u[psnap.segment[idx]]
        msgs = []
        for i, node in zip(idx, p_node, strict=True):
            parts = []
            miss = np.flatnonzero(~np.isfinite(time[i]))
            off = [names[k] for k in miss if far[k]]
            apart = [names[k] for k in miss if not far[k] and t_comp[k] != comp[node]]
            oneway = [names[k] for k in miss if not far[k] and t_comp[k] == comp[node]]
            if off:
                parts.append(f"{', '.join(off)} not on the {net.mode} network (too far from it)")
            if apart:
                parts.append(
                    f"on a network piece of {size_of[node]:,} nodes not connected to "
                    f"{', '.join(apart)}"
                )
            if oneway:
                parts.append(f"no route to {', '.join(oneway)} that respects one-way rules")
            msgs.append("; ".join(parts))
        status[idx] = NETWORK_UNREACHABLE
        reason[idx] = msgs
    dist[~np.isfinite(dist)] = np.nan
    time[~np.isfinite(time)] = np.nan
    return Costs(dist, time, psnap.distance_m, tsnap.distance_m, status, reason)


def estimate_costs(
    e: np.ndarray, n: np.ndarray, target_e: np.ndarray, target_n: np.ndarray, mode: str
) -> Costs:
    """No-network estimate: straight line × :data:`DETOUR_FACTOR` at :data:`ESTIMATE_SPEED_KMH`.

    Every row has status ``estimated`` and a reason stating the assumption.
    """
    if mode not in MODES:
        raise GeoValueError(f"mode: must be one of {MODES}; received {mode!r}")
    from .distance import distance_matrix_m

    straight = distance_matrix_m(e, n, target_e, target_n)
    dist = np.ascontiguousarray(straight * DETOUR_FACTOR[mode])
    time = dist / (ESTIMATE_SPEED_KMH[mode] / 3.6)
    size = np.asarray(e).size
    valid = np.isfinite(dist).all(axis=1)
    status = np.where(valid, NETWORK_ESTIMATED, STATUS_INVALID).astype(object)
    reason = np.where(
        valid,
        f"estimated: no {mode} network; straight line × {DETOUR_FACTOR[mode]} at "
        f"{ESTIMATE_SPEED_KMH[mode]:.0f} km/h",
        "no valid coordinates",
    ).astype(object)
    return Costs(
        dist,
        time,
        np.full(size, np.nan),
        np.full(np.asarray(target_e).size, np.nan),
        status,
        reason,
    )


def node_costs_to_targets(
    net: Network, target_e: np.ndarray, target_n: np.ndarray, *, weight: str = "time"
) -> np.ndarray:
    """(T, V) cost from every node to every target (for catchment polygons)."""
    tsnap = net.snap(target_e, target_n)
    if weight == "time":
        wf, wb = net.seg_time_fwd_s, net.seg_time_bwd_s
    else:
        wf = np.where(np.isfinite(net.seg_time_fwd_s), net.seg_length_m, np.inf)
        wb = np.where(np.isfinite(net.seg_time_bwd_s), net.seg_length_m, np.inf)
    csr = _reverse_csr(net, wf, wb, tsnap, np.arange(np.asarray(target_e).size))
    d = csgraph.dijkstra(
        csr, directed=True, indices=net.n_nodes + np.arange(np.asarray(target_e).size)
    )
    return d[:, : net.n_nodes]


# ----------------------------------------------------------------------------- sources
def cache_dir() -> Path:
    """Where built networks are cached: ``$GEO_CACHE_DIR`` or ``~/.cache/geo/networks``."""
    base = os.environ.get("GEO_CACHE_DIR")
    return Path(base) if base else Path.home() / ".cache" / "geo" / "networks"


def cache_path(mode: str, name: str = "linkoping") -> Path:
    """Cache file of the network for ``mode`` of the study area ``name``."""
    return cache_dir() / f"{name}_{mode}.npz"


def load_network(
    mode: str,
    *,
    network: str | Path | None = None,
    pbf: str | Path | None = None,
    graphml: str | Path | None = None,
    lines: str | Path | None = None,
    layer: str | None = None,
) -> Network:
    """A network for ``mode`` from exactly one source.

    Parameters
    ----------
    mode : {"walk", "bike", "car"}
    network : path, optional
        A network saved by ``geo network build`` (``.npz``).
    pbf, graphml, lines : path, optional
        An OSM ``.osm.pbf`` extract, a GraphML graph (osmnx), or a line layer of roads.
    layer : str, optional
        Layer of ``lines``.
    """
    from . import io

    if mode not in MODES:
        raise GeoValueError(f"mode: must be one of {MODES}; received {mode!r}")
    given = {
        k: v for k, v in dict(network=network, pbf=pbf, graphml=graphml, lines=lines).items() if v
    }
    if len(given) != 1:
        raise GeoValueError(
            "network: give exactly one of --network, --pbf, --graphml, --lines; "
            f"received {sorted(given) or 'none'}"
        )
    if network:
        net = io.read_network(network)
        if net.mode != mode:
            raise GeoValueError(
                f"network: {str(network)!r} is a {net.mode} network but mode {mode!r} was asked for"
            )
        return net
    if pbf:
        return build_network(io.read_osm_pbf(pbf, mode), mode)
    if graphml:
        return build_network(io.read_graphml(graphml, mode), mode)
    return build_network(io.read_road_lines(lines, mode, layer=layer), mode)  # type: ignore[arg-type]


def fetch_osm_network(
    polygon_3006: shapely.Geometry, mode: str, *, buffer_m: float = 5_000.0
) -> Network:
    """Download the ``mode`` network for a polygon (EPSG:3006) plus a buffer from OpenStreetMap.

    Needs internet access and the optional package ``osmnx`` (``pip install geo[online]``).
    Only the area's outline is sent to the Overpass API; never an address.
    """
    import tempfile

    try:
        import osmnx
    except ImportError as exc:
        raise MissingDependencyError(
            "network: fetching from OpenStreetMap needs osmnx (pip install 'geo[online]'); "
            "offline, pass --pbf with a local .osm.pbf extract"
        ) from exc
    from . import io

    area = shapely.buffer(polygon_3006, buffer_m)
    lon_lat = shapely.transform(area, lambda xy: np.column_stack(from_sweref(xy[:, 0], xy[:, 1])))
    osm_type = {"walk": "walk", "bike": "bike", "car": "drive"}[mode]
    try:
        graph = osmnx.graph_from_polygon(
            lon_lat, network_type=osm_type, simplify=False, retain_all=True
        )
    except (OSError, ValueError, RuntimeError, _osmnx_error(osmnx)) as exc:
        # requests' errors are OSErrors: no network, DNS, HTTP, Overpass refusing the query
        raise DownloadError(
            "network: could not download the network from OpenStreetMap "
            f"({type(exc).__name__}: {exc}); offline, pass --pbf with a local .osm.pbf extract"
        ) from exc
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "osm.graphml"
        osmnx.save_graphml(graph, path)
        net = build_network(io.read_graphml(path, mode), mode)
    return replace(net, source=f"OpenStreetMap via osmnx ({mode}, {buffer_m:.0f} m buffer)")


def _osmnx_error(osmnx: object) -> type[Exception]:
    errors = getattr(osmnx, "_errors", None)
    return getattr(errors, "InsufficientResponseError", RuntimeError)
