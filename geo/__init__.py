"""geo: catchment-area analysis for municipal social services in Sweden.

Compute in EPSG:3006 (SWEREF 99 TM), display in EPSG:4326.

The functions most used from a notebook are available at the top level (imported on first
use, so ``import geo`` stays fast)::

    import geo
    study = geo.load_study()                       # Linköping: areas, bases, RegSO, grid
    result = geo.assign_addresses(addresses, study)
    result                                         # counts, notes and the summary table
    geo.catchment_map(study, assignment=result.table)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .version import __version__

#: Top-level name -> module that defines it.
_EXPORTS = {
    "load_study": "geo.study",
    "Study": "geo.study",
    "assign_addresses": "geo.areas",
    "Assignment": "geo.areas",
    "assign_dataset": "geo.scale",
    "summarize": "geo.report",
    "synthetic_addresses": "geo.synthetic",
    "site": "geo.siting",
    "sweep": "geo.siting",
    "tradeoff": "geo.siting",
    "what_if": "geo.siting",
    "load_network": "geo.network",
    "catchment_map": "geo.maps",
    "access_map": "geo.maps",
    "siting_map": "geo.maps",
    "save_map": "geo.maps",
    "geocode": "geo.geocoding",
    "GeoError": "geo.errors",
}

__all__ = [
    "Assignment",
    "GeoError",
    "Study",
    "__version__",
    "access_map",
    "assign_addresses",
    "assign_dataset",
    "catchment_map",
    "geocode",
    "load_network",
    "load_study",
    "save_map",
    "site",
    "siting_map",
    "summarize",
    "sweep",
    "synthetic_addresses",
    "tradeoff",
    "what_if",
]

if TYPE_CHECKING:
    from .areas import Assignment, assign_addresses
    from .errors import GeoError
    from .geocoding import geocode
    from .maps import access_map, catchment_map, save_map, siting_map
    from .network import load_network
    from .report import summarize
    from .scale import assign_dataset
    from .siting import site, sweep, tradeoff, what_if
    from .study import Study, load_study
    from .synthetic import synthetic_addresses


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
