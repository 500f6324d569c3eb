"""Statuses, classes and names that several modules share, in one place.

Row statuses of an assignment, network statuses, settlement classes, travel modes, siting
weights, objectives and candidate kinds. Modules import them from here instead of writing the
strings again.
"""

from __future__ import annotations

__all__ = [
    "ALL",
    "CANDIDATE_KINDS",
    "MODES",
    "NETWORK_STATUSES",
    "OBJECTIVES",
    "SETTLEMENT_CLASSES",
    "STATUSES",
    "STATUS_INVALID",
    "STATUS_OK",
    "STATUS_OUTSIDE",
    "STATUS_UNMATCHED",
    "TRAVEL_MODES",
    "WEIGHTS",
]

# ----------------------------------------------------------------------------- row statuses
#: Inside an area; every column is filled.
STATUS_OK = "ok"
#: Valid coordinates in Sweden, but in no area.
STATUS_OUTSIDE = "outside"
#: Missing, unreadable, non-finite, outside Sweden, swapped, or not a point.
STATUS_INVALID = "invalid_coordinates"
#: A text address that matched no row of the address register (or several equally).
STATUS_UNMATCHED = "unmatched_address"
#: Every status, in the order tables and counts list them.
STATUSES = (STATUS_OK, STATUS_OUTSIDE, STATUS_INVALID, STATUS_UNMATCHED)

# ----------------------------------------------------------------------------- networks
NETWORK_OK = "ok"
NETWORK_ESTIMATED = "estimated"
NETWORK_TOO_FAR = "too_far_from_network"
NETWORK_UNREACHABLE = "unreachable"
NETWORK_STATUSES = (NETWORK_OK, NETWORK_ESTIMATED, NETWORK_TOO_FAR, NETWORK_UNREACHABLE)
#: Travel modes over a network.
MODES = ("walk", "bike", "car")
#: Everything ``--mode`` takes: straight-line distance only, or a network mode.
TRAVEL_MODES = ("straight", *MODES)

# ----------------------------------------------------------------------------- classes
#: Settlement classes: the main town, a smaller locality, the countryside.
SETTLEMENT_CLASSES = ("city", "locality", "countryside")
#: The label of a summary row over every area (or class).
ALL = "all"

# ----------------------------------------------------------------------------- siting
WEIGHTS = ("population", "children", "low_income", "single_parents")
OBJECTIVES = ("pmedian", "coverage", "center")
CANDIDATE_KINDS = ("localities", "regso", "grid")
