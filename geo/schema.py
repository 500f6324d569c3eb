"""Statuses, classes and names that several modules share, in one place.

Row statuses of an assignment, network statuses, settlement classes, travel modes, siting
weights, objectives and candidate kinds. Modules import them from here instead of writing the
strings again.
"""

from __future__ import annotations

__all__ = [
    "ADDRESS_DOUBT_STATUSES",
    "ALL",
    "APPROXIMATE_PRECISIONS",
    "CANDIDATE_SEPARATOR",
    "CANDIDATE_KINDS",
    "MODES",
    "NETWORK_STATUSES",
    "OBJECTIVES",
    "PRECISIONS",
    "SETTLEMENT_CLASSES",
    "STATUSES",
    "STATUS_AMBIGUOUS",
    "STATUS_INVALID",
    "STATUS_NEEDS_REVIEW",
    "STATUS_OK",
    "STATUS_OUTSIDE",
    "SUGGESTION_SEPARATOR",
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
#: A text address that matched nothing usable in the address register.
STATUS_UNMATCHED = "unmatched_address"
#: A text address located only roughly (a street without the number, a postcode or a
#: locality), where that extent meets several areas: no area, ``candidate_areas`` listed.
STATUS_AMBIGUOUS = "ambiguous"
#: A text address whose street matched a *different* register street that may not be a typo
#: ("Storgatan" for Torggatan): no area until a person confirms the suggestion.
STATUS_NEEDS_REVIEW = "needs_review"
#: Every status, in the order tables and counts list them.
STATUSES = (
    STATUS_OK,
    STATUS_OUTSIDE,
    STATUS_INVALID,
    STATUS_UNMATCHED,
    STATUS_AMBIGUOUS,
    STATUS_NEEDS_REVIEW,
)
#: Statuses of rows whose text address did not give one area (the geocoder's doubt).
ADDRESS_DOUBT_STATUSES = (STATUS_UNMATCHED, STATUS_AMBIGUOUS, STATUS_NEEDS_REVIEW)

# ----------------------------------------------------------------------------- precision
#: How precisely a row's location is known (``location_precision``): the register's point
#: of the address; the extent of a street, a postcode or a locality; or coordinates given.
PRECISION_ADDRESS = "address"
PRECISION_STREET = "street"
PRECISION_POSTCODE = "postcode"
PRECISION_LOCALITY = "locality"
PRECISION_COORDINATES = "coordinates"
PRECISIONS = (
    PRECISION_ADDRESS,
    PRECISION_STREET,
    PRECISION_POSTCODE,
    PRECISION_LOCALITY,
    PRECISION_COORDINATES,
)
#: Precisions at which distances are approximate (measured from a point of the extent).
APPROXIMATE_PRECISIONS = (PRECISION_STREET, PRECISION_POSTCODE, PRECISION_LOCALITY)
#: Separator of ``candidate_areas`` ("norr|öster").
CANDIDATE_SEPARATOR = "|"
#: Separator of ``suggestions`` (register addresses; they hold commas).
SUGGESTION_SEPARATOR = " | "

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
# Column names of a study's layers, as :mod:`geo.study.build` writes them and every other
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
#: Where a RegSO's statistics come from: SCB's DeSO, or estimated (see geo.study.sources).
REGSO_STATISTICS = "statistics"
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
