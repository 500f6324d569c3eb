"""Travel columns of an assignment: network distance and travel time to every base.

Along a network when one is given, else the labelled no-network estimate (straight line ×
a detour factor at the mode's speed, status ``estimated``). Kept apart from the assignment
itself, which needs no routing.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .columns import categorical, round1
from .distance import nearest
from .network import Network, estimate_costs, network_costs
from .schema import STATUS_INVALID
from .study import Study

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
    network: Network | None,
    max_snap_m: float,
) -> list[str]:
    """Network distance and travel time to every base (or the labelled estimate)."""
    be = study.bases.geometry.x.to_numpy()
    bn = study.bases.geometry.y.to_numpy()
    names = study.bases["base_name"].astype(str).tolist()
    if network is None:
        costs = estimate_costs(e, n, be, bn, mode)
        notes = [f"no {mode} network given: distances and times are ESTIMATED ({costs.reason[0]})"]
        logger.warning(notes[0])
    else:
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
