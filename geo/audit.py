"""Catchment audit: who is served by a base that is not their quickest, and by how much.

The first thing a planner checks when drawing borders: addresses (and RegSO) whose own area's
base is not the base they reach quickest, with the minutes they would save, and the
network-based catchments (every place to its quickest base) to set beside the official areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import settings
from .errors import MissingColumnError
from .schema import STATUS_OK

__all__ = ["audit_by_regso", "catchment_audit"]


def _basis(table: pd.DataFrame) -> tuple[str, str, str, str]:
    """Columns (own value, quickest/nearest value, quickest/nearest base, unit) to audit on."""
    if "own_base_travel_time_s" in table:
        return "own_base_travel_time_s", "quickest_base_travel_time_s", "quickest_base", "s"
    need = {"own_base_distance_m", "nearest_base_distance_m", "nearest_base"}
    if not need <= set(table.columns):
        raise MissingColumnError(
            f"table: the audit needs columns {sorted(need)} (or travel-time columns); give the "
            "output of 'geo assign'"
        )
    return "own_base_distance_m", "nearest_base_distance_m", "nearest_base", "m"


def catchment_audit(table: pd.DataFrame, *, min_saving: float | None = None) -> pd.DataFrame:
    """Addresses whose own base is not their quickest (or, without times, nearest) base.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`geo.areas.assign_addresses` (``Assignment.table``).
    min_saving : float
        Only list addresses that would save at least this much: seconds with travel times
        (default 60 s = 1 minute), metres with straight-line distances.

    Returns
    -------
    pandas.DataFrame
        One row per such address, largest saving first: ``input_row``, ``area``,
        ``regsokod``, ``regsonamn``, ``settlement_class``, ``own_base``, ``own``,
        ``better_base``, ``better``, ``saving`` and ``saving_minutes`` (or ``saving_m``), and
        ``basis`` (``travel_time_s`` or ``straight_distance_m``).
    """
    min_saving = settings.min_saving if min_saving is None else min_saving
    own_col, best_col, best_base_col, unit = _basis(table)
    ok = table[table["status"].astype(str) == STATUS_OK]
    own = ok[own_col].to_numpy(dtype="float64")
    best = ok[best_col].to_numpy(dtype="float64")
    saving = own - best
    keep = (
        np.isfinite(saving)
        & (saving >= min_saving)
        & (ok[best_base_col].astype(str).to_numpy() != ok["own_base"].astype(str).to_numpy())
    )
    cols = [
        c for c in ("input_row", "area", "regsokod", "regsonamn", "settlement_class") if c in ok
    ]
    out = ok.loc[keep, cols].copy()
    out["own_base"] = ok.loc[keep, "own_base"].astype(str)
    out["own"] = own[keep]
    out["better_base"] = ok.loc[keep, best_base_col].astype(str)
    out["better"] = best[keep]
    out["saving"] = saving[keep]
    if unit == "s":
        out["saving_minutes"] = (saving[keep] / 60).round(1)
        out["basis"] = "travel_time_s"
    else:
        out["saving_m"] = saving[keep].round(0)
        out["basis"] = "straight_distance_m"
    return out.sort_values("saving", ascending=False).reset_index(drop=True)


def audit_by_regso(table: pd.DataFrame, *, min_saving: float | None = None) -> pd.DataFrame:
    """The audit per RegSO: how many addresses would be quicker at another base.

    Returns
    -------
    pandas.DataFrame
        ``regsokod``, ``regsonamn``, ``area``, ``addresses``, ``better_elsewhere``,
        ``share_better_elsewhere``, ``median_saving`` (s or m, see ``basis``), the most common
        ``better_base`` and ``basis``; RegSO with the largest share first.
    """
    min_saving = settings.min_saving if min_saving is None else min_saving
    if "regsokod" not in table:
        raise MissingColumnError("table: the audit by RegSO needs the column 'regsokod'")
    detail = catchment_audit(table, min_saving=min_saving)
    ok = table[table["status"].astype(str) == STATUS_OK]
    total = ok.groupby(["regsokod", "regsonamn", "area"], observed=True).size().rename("addresses")
    if detail.empty:
        out = total.reset_index()
        out["better_elsewhere"] = 0
        out["share_better_elsewhere"] = 0.0
        out["median_saving"] = np.nan
        out["better_base"] = ""
    else:
        g = detail.groupby(["regsokod", "regsonamn", "area"], observed=True)
        agg = pd.DataFrame(
            {
                "better_elsewhere": g.size(),
                "median_saving": g["saving"].median(),
                "better_base": g["better_base"].agg(lambda s: s.value_counts().index[0]),
            }
        )
        out = total.to_frame().join(agg, how="left").reset_index()
        out["better_elsewhere"] = out["better_elsewhere"].fillna(0).astype(int)
        out["share_better_elsewhere"] = (out["better_elsewhere"] / out["addresses"]).round(4)
        out["better_base"] = out["better_base"].fillna("")
    out["basis"] = "travel_time_s" if "own_base_travel_time_s" in table else "straight_distance_m"
    out = out[out["addresses"] > 0]
    return out.sort_values(
        ["share_better_elsewhere", "addresses"], ascending=[False, False]
    ).reset_index(drop=True)


def __getattr__(name: str) -> object:
    """``geo.audit.network_catchments`` moved to :mod:`geo.network` (deprecated alias)."""
    if name == "network_catchments":
        import warnings

        from .network import network_catchments

        warnings.warn(
            "geo.audit.network_catchments is deprecated; use geo.network.network_catchments",
            DeprecationWarning,
            stacklevel=2,
        )
        return network_catchments
    raise AttributeError(f"module 'geo.audit' has no attribute {name!r}")
