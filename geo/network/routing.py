"""Network distance and travel time from many points to a few targets, and the estimate."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from .. import settings
from ..distance import distance_matrix_m
from ..errors import GeoValueError
from ..schema import (
    MODES,
    NETWORK_ESTIMATED,
    NETWORK_OK,
    NETWORK_TOO_FAR,
    NETWORK_UNREACHABLE,
    STATUS_INVALID,
)
from .graph import Network, Snap
from .rules import DETOUR_FACTOR, ESTIMATE_SPEED_KMH, MODE_SPEED_KMH

logger = logging.getLogger(__name__)


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
