"""Area design: draw the areas' borders — balanced, contiguous, each around its base.

* :mod:`geo.design.units` — the building blocks (RegSO, the 1 km grid, the user's polygons),
  their workload and who touches whom;
* :mod:`geo.design.model` — the partition: a mixed-integer model (HiGHS) with contiguity,
  a heuristic start, a proven optimum or the gap.
"""

from __future__ import annotations

from .model import Partition, solve_partition
from .units import BALANCES, DesignUnits, adjacency, design_units

__all__ = ["BALANCES", "DesignUnits", "Partition", "adjacency", "design_units", "solve_partition"]
