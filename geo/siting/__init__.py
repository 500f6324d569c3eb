"""Where to put bases, and what a change does: siting on a study.

One module per job, data flowing one way:

* :mod:`geo.siting.solvers` — location-allocation on a cost matrix (p-median, maximal
  covering, p-center; proven optima with HiGHS): the numerical core, no study;
* :mod:`geo.siting.demand` — weighted demand points (the SCB grid or the user's addresses);
* :mod:`geo.siting.candidates` — candidate sites;
* :mod:`geo.siting.costs` — the cost matrix (straight line, network, timetable);
* :mod:`geo.siting.problem` — :class:`SitingProblem`, built once and solved many ways
  (``geo site``, the sweep, the trade-off);
* :mod:`geo.siting.compare` — a scenario against today's bases (``geo whatif``, the studio's
  figures).

Every figure comes from :mod:`geo.figures`; scenario files from :mod:`geo.scenario_file`.
"""

from __future__ import annotations

from ..schema import CANDIDATE_KINDS, OBJECTIVES, WEIGHTS
from .candidates import candidate_sites, snap_to_sites
from .compare import Comparison, compare, comparison_groups, what_if
from .costs import cost_matrix, travel_time_matrix_s
from .demand import address_cells, demand_from_addresses, demand_points
from .problem import SitingProblem, SitingResult, site, sweep, tradeoff
from .solvers import Solution, max_coverage, pcenter, pmedian, set_cover

__all__ = [
    "CANDIDATE_KINDS",
    "OBJECTIVES",
    "WEIGHTS",
    "Comparison",
    "SitingProblem",
    "SitingResult",
    "Solution",
    "address_cells",
    "candidate_sites",
    "compare",
    "comparison_groups",
    "cost_matrix",
    "demand_from_addresses",
    "demand_points",
    "max_coverage",
    "pcenter",
    "pmedian",
    "set_cover",
    "site",
    "snap_to_sites",
    "sweep",
    "tradeoff",
    "travel_time_matrix_s",
    "what_if",
]
