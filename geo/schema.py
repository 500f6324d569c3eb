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
    "TRANSIT",
    "TRANSIT_STATUSES",
    "TRAVEL_MODES",
    "WEIGHTS",
    "GROUPS",
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
#: Public transport over a GTFS timetable (``--mode transit --gtfs FEED``).
TRANSIT = "transit"
#: Everything ``--mode`` takes: straight-line distance only, a network mode, or transit.
TRAVEL_MODES = ("straight", *MODES, TRANSIT)
#: Public-transport statuses per address and base: a journey; walking is at least as quick;
#: no stop with service within the walking distance (of the address or of the base); no trip
#: gets there for half the departures of the window.
TRANSIT_OK = "ok"
TRANSIT_WALK_ONLY = "walk_only"
TRANSIT_NO_SERVICE = "no_service"
TRANSIT_UNREACHABLE = "unreachable"
TRANSIT_STATUSES = (TRANSIT_OK, TRANSIT_WALK_ONLY, TRANSIT_NO_SERVICE, TRANSIT_UNREACHABLE)

# ----------------------------------------------------------------------------- classes
#: Settlement classes: the main town, a smaller locality, the countryside.
SETTLEMENT_CLASSES = ("city", "locality", "countryside")
#: The label of a summary row over every area (or class).
ALL = "all"
#: Row groups of a scenario comparison: every cell, per catchment area (today's areas), per
#: settlement class and per locality.
GROUPS = ("all", "area", "class", "locality")

# ----------------------------------------------------------------------------- siting
#: Demand weights: people; children 0–17; people with low economic standard; people in
#: single-parent households; ``need``: people × (1 + the RegSO's low-economic-standard share
#: relative to the highest), so the most vulnerable districts count up to twice.
WEIGHTS = ("population", "children", "low_income", "single_parents", "need")
OBJECTIVES = ("pmedian", "coverage", "center")
CANDIDATE_KINDS = ("localities", "regso", "grid")

# ----------------------------------------------------------------------------- study layers
# Column names of a study's layers, as :mod:`geo.studybuild` writes them and every other
# module reads them. A study of any municipality has the same columns.

#: RegSO layer (``regso.gpkg``): SCB code and name.
REGSO_CODE = "regsokod"
REGSO_NAME = "regsonamn"
#: The catchment area a RegSO belongs to in the study's default partition.
REGSO_AREA = "catchment"
#: Population (SCB, 31 Dec of the year), the year before, and children 0–17 (estimated from
#: SCB's 5-year age bands).
REGSO_POPULATION = "pop_2023"
REGSO_POPULATION_BEFORE = "pop_2022"
REGSO_CHILDREN = "children_0_17_est_2022"
#: Share with low economic standard (%), and single-parent households (share, 0–1).
REGSO_LOW_INCOME_PCT = "low_economic_standard_pct_2022"
REGSO_SINGLE_PARENTS = "single_parent_household_share_2022"
#: Population-weighted centre (EPSG:3006) and its distance to the own base (m).
REGSO_CENTRE_E = "popw_e"
REGSO_CENTRE_N = "popw_n"
REGSO_CENTRE_TO_BASE_M = "centre_to_base_m"
#: Land area (km²) of an area, RegSO or settlement polygon.
AREA_KM2 = "area_km2"
#: Demand grid (``demand_grid_1km.gpkg``): SCB cell id, population 2024 and its estimated part
#: inside the municipality.
CELL_ID = "rutid_scb"
CELL_POPULATION = "pop_2024"
CELL_POPULATION_IN_STUDY = "pop_in_kommun_est"
#: Localities (``localities.gpkg``): population of the tätort (SCB 2020).
LOCALITY_POPULATION = "pop_2020"
