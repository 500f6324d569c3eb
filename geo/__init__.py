"""geo: catchment-area analysis for municipal social services in Sweden.

Compute in EPSG:3006 (SWEREF 99 TM), display in EPSG:4326.
"""

from __future__ import annotations

__version__ = "0.1.0"
