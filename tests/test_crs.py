from __future__ import annotations

import numpy as np
import pytest

from geo.crs import from_sweref, guess_crs_from_values, in_sweden_3006, parse_crs, to_sweref
from geo.errors import CrsError, GeoError

# Skäggetorp centrum, WGS 84
LON, LAT = 15.5837, 58.4275


@pytest.mark.parametrize(
    "text,epsg",
    [("EPSG:3006", 3006), (3006, 3006), ("3006", 3006), ("SWEREF99 TM", 3006), ("sweref99tm", 3006),
     ("RT90", 3021), ("rt90 2.5 gon V", 3021), ("WGS84", 4326), ("SWEREF 99 16 30", 3010)],
)  # fmt: skip
def test_parse_crs_aliases(text, epsg):
    assert parse_crs(text).to_epsg() == epsg


def test_parse_crs_error_names_argument():
    with pytest.raises(CrsError, match="crs: 'EPSG:99999'") as info:
        parse_crs("EPSG:99999")
    assert isinstance(info.value, ValueError) and isinstance(info.value, GeoError)


def test_round_trip_and_axis_order():
    e, n = to_sweref(np.array([LON]), np.array([LAT]), "EPSG:4326")
    # SWEREF 99 TM easting near 534 000 m, northing near 6 476 000 m: x first (always_xy)
    assert 533_000 < e[0] < 535_000 and 6_475_000 < n[0] < 6_478_000
    lon, lat = from_sweref(e, n)
    assert lon[0] == pytest.approx(LON, abs=1e-9) and lat[0] == pytest.approx(LAT, abs=1e-9)


@pytest.mark.parametrize("epsg", [3021, 3010, 3006])
def test_projected_systems_agree_within_a_metre(epsg):
    e, n = to_sweref(np.array([LON]), np.array([LAT]), 4326)
    x, y = from_sweref(e, n, epsg)
    e2, n2 = to_sweref(x, y, epsg)
    assert e2[0] == pytest.approx(e[0], abs=0.01) and n2[0] == pytest.approx(n[0], abs=0.01)
    if epsg == 3021:  # RT90 differs from SWEREF 99 TM by over a hundred kilometres in easting
        assert abs(x[0] - e[0]) > 100_000


def test_in_sweden():
    e = np.array([534_000, 100_000, np.nan, 534_000])
    n = np.array([6_476_000, 6_476_000, 6_476_000, 5_000_000])
    assert in_sweden_3006(e, n).tolist() == [True, False, False, False]


def test_guess():
    assert "4326" in guess_crs_from_values(np.array([15.6]), np.array([58.4]))
    assert "swapped" in guess_crs_from_values(np.array([58.4]), np.array([15.6]))
    assert "3006" in guess_crs_from_values(np.array([534_000.0]), np.array([6_476_000.0]))
    assert "RT90" in guess_crs_from_values(np.array([1_489_000.0]), np.array([6_476_000.0]))
    assert guess_crs_from_values(np.array([np.nan]), np.array([1.0])) is None
