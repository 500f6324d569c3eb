"""Synthetic address registers for demos, tests and benchmarks.

Real addresses of social-service clients are sensitive and not available offline, so demos draw
**synthetic** addresses from the SCB 1 km population grid: each cell receives addresses in
proportion to its population inside the municipality, placed uniformly at random inside the
part of the cell that lies in the municipality — or, for a cell that holds part of Linköping
city or a locality (its class in the demand layer), inside that part. Every row carries
``synthetic = True`` and a ``source`` saying how it was made.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ._index import OUTSIDE
from .crs import from_sweref
from .errors import GeoValueError
from .study import Study, load_study

__all__ = ["INHABITANTS_PER_ADDRESS", "synthetic_addresses"]

#: About one address (dwelling) per 2.2 inhabitants, the average Swedish household size.
INHABITANTS_PER_ADDRESS = 2.2
SOURCE = "synthetic: drawn from SCB 1 km population grid 2024 inside the municipality"


def synthetic_xy(
    n: int | None = None, *, seed: int = 580, study: Study | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic address points (EPSG:3006 easting, northing), population-weighted.

    Parameters
    ----------
    n : int, optional
        Number of points; default one per 2.2 inhabitants of the grid (≈ 76 000 for Linköping).
    seed : int
        Random seed; the same seed gives the same points.
    study : Study, optional
        Provides the demand grid and the municipality (RegSO) polygons.
    """
    study = study if study is not None else load_study()
    if study.demand is None or study.regso is None or study.regso_index is None:
        raise GeoValueError("study: synthetic addresses need the demand grid and RegSO layers")
    cells = study.demand
    weight = cells["pop_in_kommun_est"].to_numpy(dtype="float64")
    if n is None:
        n = int(round(weight.sum() / INHABITANTS_PER_ADDRESS))
    if n < 0:
        raise GeoValueError(f"n: the number of addresses must be 0 or more; received {n}")
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, weight / weight.sum())
    cell_of = np.repeat(np.arange(len(cells)), counts)
    # Where people live inside a cell is not published. A cell classed city or locality in the
    # demand layer holds part of a tätort, and its people live mostly there: draw its points
    # inside that settlement polygon. Other cells: anywhere in the municipality.
    region = shapely.intersection(
        cells.geometry.values, shapely.union_all(study.regso.geometry.values)
    )
    target = np.full(len(cells), OUTSIDE, dtype=np.int32)
    sidx = study.settlement_index
    if sidx is not None and study.settlement is not None and "settlement_name" in cells:
        polys = study.settlement
        key = polys["settlement_class"].astype(str) + "|" + polys["settlement_name"].fillna("")
        lookup = {k: i for i, k in enumerate(key) if not k.startswith("countryside")}
        ckey = cells["settlement_class"].astype(str) + "|" + cells["settlement_name"].fillna("")
        target = np.array([lookup.get(k, OUTSIDE) for k in ckey], dtype=np.int32)
        urban = target != OUTSIDE
        region[urban] = shapely.intersection(region[urban], polys.geometry.values[target[urban]])
        empty = shapely.is_empty(region)
        target[empty] = OUTSIDE  # no overlap after all: fall back to the whole cell
        region[empty] = shapely.intersection(
            cells.geometry.values[empty], shapely.union_all(study.regso.geometry.values)
        )
    # Sample in the bounding box of each cell's region and reject points outside the region,
    # so cells that barely touch the border still fill quickly.
    box = shapely.bounds(region)
    x0, y0 = box[:, 0], box[:, 1]
    w, h = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    e = np.empty(n)
    nn = np.empty(n)
    todo = np.arange(n)
    index = study.regso_index
    for _ in range(1000):
        if todo.size == 0:
            break
        c = cell_of[todo]
        e[todo] = x0[c] + rng.random(todo.size) * w[c]
        nn[todo] = y0[c] + rng.random(todo.size) * h[c]
        miss = index.locate(e[todo], nn[todo]) == OUTSIDE
        urban = target[c] != OUTSIDE
        if sidx is not None and urban.any():
            got = sidx.locate(e[todo[urban]], nn[todo[urban]])
            miss[urban] |= got != target[c[urban]]
        # a point must also lie in its own cell (regions are clipped to it)
        todo = todo[miss]
    else:  # pragma: no cover - every region has area by construction
        raise GeoValueError("synthetic: could not place points inside the municipality")
    return e, nn


def synthetic_addresses(
    n: int | None = None, *, seed: int = 580, study: Study | None = None
) -> pd.DataFrame:
    """A synthetic address register (WGS 84 lon/lat), every row flagged ``synthetic``.

    Returns
    -------
    pandas.DataFrame
        Columns ``address_id`` (``SYN0000001`` ...), ``lon``, ``lat`` (EPSG:4326, 7 decimals,
        about 1 cm), ``synthetic`` (always True) and ``source``.
    """
    e, nn = synthetic_xy(n, seed=seed, study=study)
    lon, lat = from_sweref(e, nn)
    size = e.size
    return pd.DataFrame(
        {
            "address_id": [f"SYN{i:07d}" for i in range(1, size + 1)],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "synthetic": np.ones(size, dtype=bool),
            "source": SOURCE,
        }
    )
