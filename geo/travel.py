"""Travel columns of an assignment: network distance and travel time to every base.

Along a network when one is given, else the labelled no-network estimate (straight line ×
a detour factor at the mode's speed, status ``estimated``). Kept apart from the assignment
itself, which needs no routing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .columns import categorical, round1
from .distance import nearest
from .network import Network, estimate_costs, network_costs
from .schema import STATUS_INVALID, TRANSIT
from .study import Study

if TYPE_CHECKING:
    from .transit import Transit

__all__ = ["add_travel_columns"]

logger = logging.getLogger(__name__)


def add_travel_columns(
    out_cols: dict[str, Any],
    e: np.ndarray,
    n: np.ndarray,
    valid: np.ndarray,
    own: np.ndarray,
    study: Study,
    mode: str,
    network: Network | Transit | None,
    max_snap_m: float,
) -> list[str]:
    """Network distance and travel time to every base (or the labelled estimate); by public
    transport with ``mode="transit"`` and a :class:`geo.transit.Transit`."""
    be = study.bases.geometry.x.to_numpy()
    bn = study.bases.geometry.y.to_numpy()
    names = study.bases["base_name"].astype(str).tolist()
    if mode == TRANSIT:
        return _add_transit_columns(out_cols, e, n, valid, own, study, network, be, bn, names)
    if network is None:
        costs = estimate_costs(e, n, be, bn, mode)
        notes = [f"no {mode} network given: distances and times are ESTIMATED ({costs.reason[0]})"]
        logger.warning(notes[0])
    else:
        if not isinstance(network, Network):  # pragma: no cover - checked by the caller
            raise TypeError(f"{mode}: expected a Network")
        costs = network_costs(network, e, n, be, bn, max_snap_m=max_snap_m, target_names=names)
        notes = [f"{mode} network: {network!r}"]
    status = costs.status.copy()
    status[~valid] = STATUS_INVALID
    reason = costs.reason.copy()
    reason[~valid] = "no valid coordinates"
    out_cols["travel_mode"] = categorical(np.zeros(e.size, dtype=np.int8), [mode])
    out_cols["network_status"] = pd.Categorical(status)
    out_cols["network_reason"] = reason
    out_cols["snap_distance_m"] = round1(costs.snap_m.copy())
    for j, bid in enumerate(study.base_ids):
        out_cols[f"network_distance_m_{bid}"] = round1(costs.distance_m[:, j].copy())
        out_cols[f"travel_time_s_{bid}"] = np.round(costs.time_s[:, j], 0)
    rows = np.arange(e.size)
    has_own = own >= 0
    own_time = np.full(e.size, np.nan)
    own_dist = np.full(e.size, np.nan)
    own_time[has_own] = costs.time_s[rows[has_own], own[has_own]]
    own_dist[has_own] = costs.distance_m[rows[has_own], own[has_own]]
    quick, quick_time = nearest(costs.time_s)
    out_cols["own_base_network_distance_m"] = round1(own_dist)
    out_cols["own_base_travel_time_s"] = np.round(own_time, 0)
    out_cols["quickest_base"] = categorical(quick.astype(np.int64), names)
    out_cols["quickest_base_travel_time_s"] = np.round(quick_time, 0)
    return notes


def _add_transit_columns(
    out_cols: dict[str, Any],
    e: np.ndarray,
    n: np.ndarray,
    valid: np.ndarray,
    own: np.ndarray,
    study: Study,
    transit: Any,
    be: np.ndarray,
    bn: np.ndarray,
    names: list[str],
) -> list[str]:
    """Public-transport columns: the same time columns as a network mode (so summaries,
    audits, maps and siting read them alike) plus the 90th percentile, transfers and
    waiting share, and the status and reason for the own (else quickest) base."""
    from .errors import GeoValueError

    if transit is None or getattr(transit, "mode", None) != TRANSIT:
        raise GeoValueError("mode transit: give a GTFS feed (--gtfs FEED.zip)")
    costs = transit.costs(e, n, be, bn, target_names=names)
    rows = np.arange(e.size)
    quick, quick_time = nearest(costs.time_s)
    # the status that matters: the own base's, else the quickest base's
    which = np.where(own >= 0, own, np.maximum(quick, 0))
    status = costs.status[rows, which].astype(object)
    reason = costs.reason[rows, which].astype(object)
    status[~valid] = STATUS_INVALID
    reason[~valid] = "no valid coordinates"
    out_cols["travel_mode"] = categorical(np.zeros(e.size, dtype=np.int8), [TRANSIT])
    out_cols["network_status"] = pd.Categorical(status)
    out_cols["network_reason"] = reason
    out_cols["nearest_stop_walk_m"] = round1(
        np.where(np.isfinite(costs.access_m), costs.access_m, np.nan)
    )
    for j, bid in enumerate(study.base_ids):
        out_cols[f"travel_time_s_{bid}"] = np.round(costs.time_s[:, j], 0)
        out_cols[f"travel_time_p90_s_{bid}"] = np.round(costs.time_p90_s[:, j], 0)
        out_cols[f"transfers_{bid}"] = costs.transfers[:, j]
        out_cols[f"waiting_share_{bid}"] = np.round(costs.waiting_share[:, j], 3)
    has_own = own >= 0
    own_time = np.full(e.size, np.nan)
    own_p90 = np.full(e.size, np.nan)
    own_tr = np.full(e.size, np.nan)
    own_wait = np.full(e.size, np.nan)
    for arr, src in ((own_time, costs.time_s), (own_p90, costs.time_p90_s),
                     (own_tr, costs.transfers), (own_wait, costs.waiting_share)):  # fmt: skip
        arr[has_own] = src[rows[has_own], own[has_own]]
    out_cols["own_base_travel_time_s"] = np.round(own_time, 0)
    out_cols["own_base_travel_time_p90_s"] = np.round(own_p90, 0)
    out_cols["own_base_transfers"] = own_tr
    out_cols["own_base_waiting_share"] = np.round(own_wait, 3)
    out_cols["quickest_base"] = categorical(quick.astype(np.int64), names)
    out_cols["quickest_base_travel_time_s"] = np.round(quick_time, 0)
    counts = pd.Series(status[valid]).value_counts().to_dict()
    return [
        f"public transport: {transit!r}; {transit.walk_label}; statuses "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items())
    ]
