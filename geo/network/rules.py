"""Who may travel where, and how fast: OSM access, one-way and speed rules per mode."""

from __future__ import annotations

import logging
import re

import numpy as np

from ..errors import GeoValueError
from ..schema import (
    MODES,
)

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
