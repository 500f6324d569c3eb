"""The answer to "which team serves this point or address?": one row of ``geo assign``, named.

:func:`lookup_answer` turns one row of :func:`geo.areas.assign_table` into the document the
service (``GET /api/lookup``) returns and a program or notebook can use as it is: status and
reason, how precisely the place is known, the area, its own base and the distance to it, the
distance to every base, RegSO and settlement class — and, for a text address that is not
certain, the candidate areas and the register's suggestions (never an area).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from .crs import from_sweref
from .schema import CANDIDATE_SEPARATOR, SUGGESTION_SEPARATOR
from .study import Study

__all__ = ["LookupAnswers", "json_value"]


def json_value(value: Any) -> Any:
    """A cell as JSON: numpy scalars as Python numbers, ``nan``/``inf``/``NA`` as ``None``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    if isinstance(value, np.generic):
        return json_value(value.item())
    if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    return value


class LookupAnswers:
    """Answers for one study: the study's base names, ids and statuses looked up once."""

    def __init__(self, study: Study) -> None:
        self.study = study

    @cached_property
    def bases(self) -> dict[str, tuple[str, str | None]]:
        """Base name -> (id, location status)."""
        b = self.study.bases
        status = (
            b["location_status"].astype(str).tolist() if "location_status" in b else [None] * len(b)
        )
        return {
            str(name): (str(bid), st)
            for name, bid, st in zip(b["base_name"], b["base_id"], status, strict=True)
        }

    @cached_property
    def base_ids(self) -> list[str]:
        return self.study.bases["base_id"].astype(str).tolist()

    def answer(self, row: dict[str, Any]) -> dict[str, Any]:
        """The answer for one row of an assignment (a dict of its columns)."""
        assigned = {str(k): json_value(v) for k, v in row.items() if k != "input_row"}
        own = assigned.get("own_base")
        own_base = self.bases.get(own) if isinstance(own, str) else None
        candidates = assigned.get("candidate_areas")
        suggestions = assigned.get("suggestions")
        out: dict[str, Any] = {
            "status": assigned["status"],
            "reason": assigned["reason"],
            "location_precision": assigned.get("location_precision"),
            "distance_approximate": bool(assigned.get("distance_approximate")),
            "candidate_areas": candidates.split(CANDIDATE_SEPARATOR) if candidates else [],
            "place": assigned.get("match_place") or None,
            "suggestions": suggestions.split(SUGGESTION_SEPARATOR) if suggestions else [],
            "area": assigned.get("area"),
            "base": None
            if own_base is None
            else {
                "id": own_base[0],
                "name": own,
                "distance_m": assigned.get("own_base_distance_m"),
                "location_status": own_base[1],
            },
            "nearest_base": {
                "name": assigned.get("nearest_base"),
                "distance_m": assigned.get("nearest_base_distance_m"),
            },
            "distances_m": {bid: assigned.get(f"distance_m_{bid}") for bid in self.base_ids},
            "regso": {"code": assigned.get("regsokod"), "name": assigned.get("regsonamn")},
            "point": _point(assigned),
            "settlement": {
                "class": assigned.get("settlement_class"),
                "name": assigned.get("settlement_name"),
            },
            "assign": assigned,
        }
        if "own_base_travel_time_s" in assigned:
            out["travel"] = {
                "mode": assigned.get("travel_mode"),
                "status": assigned.get("network_status"),
                "reason": assigned.get("network_reason"),
                "own_base_travel_time_s": assigned.get("own_base_travel_time_s"),
                "quickest_base": assigned.get("quickest_base"),
                "travel_times_s": {
                    bid: assigned.get(f"travel_time_s_{bid}") for bid in self.base_ids
                },
            }
            if "own_base_travel_time_p90_s" in assigned:  # public transport: over the window
                out["travel"]["own_base_travel_time_p90_s"] = assigned.get(
                    "own_base_travel_time_p90_s"
                )
                out["travel"]["travel_times_p90_s"] = {
                    bid: assigned.get(f"travel_time_p90_s_{bid}") for bid in self.base_ids
                }
        return out


def _point(assigned: dict[str, Any]) -> dict[str, float] | None:
    """The point answered for (WGS 84), for the asker's map."""
    e, n = assigned.get("e_3006"), assigned.get("n_3006")
    if e is None or n is None:
        return None
    lon, lat = from_sweref(np.array([e]), np.array([n]))
    return {"lat": round(float(lat[0]), 6), "lon": round(float(lon[0]), 6)}
