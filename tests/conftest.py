from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.study import Study, load_study

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("GEO_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only real data folder (../shared/data); required in CI."""
    if not (SHARED / "linkoping" / "regso_2025.gpkg").exists():
        if os.environ.get("CI"):
            pytest.fail(
                f"shared data not found at {SHARED}; CI must have ../shared beside the clone"
            )
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def study() -> Study:
    return load_study()


@pytest.fixture()
def square_study() -> Study:
    """Two 1 km squares side by side (A west, B east) with a base at each centre.

    A = [0, 1000] x [0, 1000] and B = [1000, 2000] x [0, 1000], shifted to Linköping's
    SWEREF 99 TM coordinates (E 530 000, N 6 470 000) so CRS checks pass.
    """
    e0, n0 = 530_000.0, 6_470_000.0
    a = shapely.box(e0, n0, e0 + 1000, n0 + 1000)
    b = shapely.box(e0 + 1000, n0, e0 + 2000, n0 + 1000)
    areas = gpd.GeoDataFrame({"area": ["A", "B"]}, geometry=[a, b], crs=3006)
    bases = gpd.GeoDataFrame(
        {"base_id": ["a", "b"], "base_name": ["Base A", "Base B"], "area": ["A", "B"]},
        geometry=[shapely.Point(e0 + 500, n0 + 500), shapely.Point(e0 + 1500, n0 + 500)],
        crs=3006,
    )
    return Study(areas=areas, bases=bases, name="two squares")
