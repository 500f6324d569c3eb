"""Deprecated: the file functions now live in :mod:`geo.files`, :mod:`geo.tables`,
:mod:`geo.addresses`, :mod:`geo.vector` and :mod:`geo.datasets`.

``geo.io.NAME`` still works and says where ``NAME`` lives now (a :class:`DeprecationWarning`).
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

#: Name -> the module that holds it now.
_MOVED = {
    "AddressTable": "geo.addresses",
    "EAST_NAMES": "geo.addresses",
    "EXCEL_MAX_ROWS": "geo.tables",
    "FORMULA_PREFIXES": "geo.tables",
    "ID_NAMES": "geo.addresses",
    "LAT_NAMES": "geo.addresses",
    "LON_NAMES": "geo.addresses",
    "NORTH_NAMES": "geo.addresses",
    "PART_NAME": "geo.datasets",
    "TABLE_EXTENSIONS": "geo.tables",
    "VECTOR_EXTENSIONS": "geo.vector",
    "X_NAMES": "geo.addresses",
    "Y_NAMES": "geo.addresses",
    "atomic_path": "geo.files",
    "check_dataset_output": "geo.datasets",
    "check_file": "geo.files",
    "column_key": "geo.tables",
    "data_dir": "geo.files",
    "dataset_files": "geo.datasets",
    "find_column": "geo.tables",
    "find_id_column": "geo.addresses",
    "finish_dataset": "geo.datasets",
    "logger": "geo.files",
    "neutralise_formulas": "geo.tables",
    "new_dataset_dir": "geo.datasets",
    "parquet_info": "geo.datasets",
    "read_addresses": "geo.addresses",
    "read_frame": "geo.tables",
    "read_part": "geo.datasets",
    "read_population_grid": "geo.tables",
    "read_table": "geo.tables",
    "read_vector": "geo.vector",
    "slug": "geo.files",
    "table_from_frame": "geo.addresses",
    "table_from_geodataframe": "geo.addresses",
    "typed_numbers": "geo.tables",
    "write_part": "geo.datasets",
    "write_points_part": "geo.datasets",
    "write_table": "geo.tables",
    "write_vector": "geo.vector",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module 'geo.io' has no attribute {name!r}")
    warnings.warn(
        f"geo.io.{name} is deprecated; use {module}.{name}", DeprecationWarning, stacklevel=2
    )
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(_MOVED)
