"""Defaults of :mod:`geo`, in one place (the way osmnx keeps its settings).

Every function that has one of these as a default takes ``None`` for "the setting", read when
the function is called, so a notebook can change a default for a whole session::

    import geo.settings
    geo.settings.max_snap_m = 250.0
    geo.settings.min_count = 10

The command line shows the same values as its defaults.
"""

from __future__ import annotations

import os

#: Addresses and bases farther than this from a usable way get no route (metres).
max_snap_m: float = 500.0
#: Seconds the exact siting solvers may take before returning the best solution found.
time_limit_s: float = 60.0
#: Relative gap at which a siting MILP counts as solved (``optimal``); a larger proven gap at
#: the time limit is reported as ``time_limit`` with that gap.
mip_rel_gap: float = 1e-6
#: Aggregates of fewer addresses than this are suppressed on maps (privacy).
min_count: int = 5
#: Cell size of the access map with addresses (metres, EPSG:3006).
access_cell_size_m: float = 500.0
#: Cell size of network-based catchments (metres, EPSG:3006).
catchment_cell_size_m: float = 250.0
#: The audit lists savings of at least this many seconds (metres without travel times).
min_saving: float = 60.0
#: Distance thresholds (km) of the "share within" figures.
thresholds_km: tuple[float, ...] = (2, 5, 10)
#: Travel-time thresholds (minutes) of the "share within" figures.
thresholds_min: tuple[float, ...] = (15, 30, 45)
#: A scenario counts a person better or worse off past this change (metres; seconds).
change_tolerance_m: float = 100.0
change_tolerance_s: float = 60.0
#: Coverage threshold of ``geo site`` (km; minutes with a network).
coverage_threshold_km: float = 5.0
coverage_threshold_min: float = 30.0
#: Rows processed per chunk by the assignment (bounds peak memory).
chunk_rows: int = 1_000_000
#: Up to this many bases, every address gets a distance column per base.
max_base_columns: int = 25
#: Memory limit per worker of a local dask cluster.
dask_worker_memory: str = "4GB"
#: Threads of the ``local`` dataset engine, each on one part (parts of 1 M rows: ~1 GB each).
local_threads: int = min(os.cpu_count() or 1, 2)
#: Seconds to wait for an existing dask scheduler before giving up.
dask_connect_timeout_s: float = 20.0
#: Addresses per part of a national synthetic dataset.
partition_rows: int = 1_000_000
#: Straight line times this factor, at the mode's speed, estimates a trip with no network.
detour_factor: float = 1.3
#: Public transport (``--mode transit``): walking speed (km/h), the farthest walk to or from a
#: stop (m), between stops on a transfer (m), the seconds between arriving at a stop and
#: boarding there on a transfer, the departure window (minutes, one departure a minute) and
#: its start, and the longest walk that still counts as a trip on foot (m).
transit_walk_speed_kmh: float = 5.0
transit_max_walk_m: float = 1000.0
transit_max_transfer_walk_m: float = 400.0
transit_transfer_slack_s: int = 60
transit_window_min: int = 120
transit_depart_time: str = "07:00"
transit_max_walk_only_m: float = 3000.0
#: The Connection Scan: ``auto`` (compiled with numba when it is installed), ``compiled`` or
#: ``python`` (the reference loop); ``$GEO_TRANSIT_SCAN`` sets it for a run.
transit_scan: str = os.environ.get("GEO_TRANSIT_SCAN", "auto")
#: Points near area borders: ``auto`` (the compiled crossing kernel where numba works, GEOS
#: for what it cannot call) or ``geos`` (GEOS for every such point); ``$GEO_POLYGON_KERNEL``.
polygon_kernel: str = os.environ.get("GEO_POLYGON_KERNEL", "auto")
#: Items (points near borders, points to a nearest base) from which a process loads the
#: compiled kernels (~0.5 s once); smaller work in a process without them uses GEOS/k-d trees.
compiled_min_items: int = 200_000
#: ``geo serve``: the largest upload to POST /api/assign (bytes) and the most rows in it.
serve_max_upload_bytes: int = 200_000_000
serve_max_rows: int = 2_000_000
#: The most columns an input table may have (CLI and service; checked on the header, before
#: the file is parsed): an address file has tens; 20 000 columns would only cost time.
max_columns: int = 2_000
#: The most an .xlsx upload may expand to when unpacked (bytes; a zip bomb is refused before
#: it is parsed).
max_unpacked_bytes: int = 2_000_000_000
