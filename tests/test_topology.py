"""User-supplied areas and bases: overlaps, gaps and other bad layers get clear errors."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.errors import AreaTopologyError, GeoValueError, MissingColumnError
from geo.study import check_topology, load_study, read_areas

E0, N0 = 530_000.0, 6_470_000.0


def _areas(*geoms, names=None):
    names = names or [f"A{i}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"area": names}, geometry=list(geoms), crs=3006)


def test_overlap_names_rows_and_size():
    a = shapely.box(E0, N0, E0 + 100, N0 + 100)
    b = shapely.box(E0 + 90, N0, E0 + 200, N0 + 100)
    with pytest.raises(AreaTopologyError, match=r"rows 1 \(A0\) and 2 \(A1\) overlap by 1,000 m²"):
        check_topology(_areas(a, b))


def test_gap_is_an_error_unless_allowed():
    ring = shapely.box(E0, N0, E0 + 300, N0 + 300).difference(
        shapely.box(E0 + 100, N0 + 100, E0 + 200, N0 + 200)
    )
    right = shapely.box(E0 + 300, N0, E0 + 400, N0 + 300)
    with pytest.raises(AreaTopologyError, match=r"1 gap\(s\).*10,000 m².*--allow-gaps"):
        check_topology(_areas(ring, right))
    assert "gap" in check_topology(_areas(ring, right), allow_gaps=True)[0]


def test_invalid_duplicate_and_non_polygons():
    bow = shapely.Polygon([(E0, N0), (E0 + 10, N0 + 10), (E0 + 10, N0), (E0, N0 + 10)])
    with pytest.raises(AreaTopologyError, match="invalid polygons.*Self-intersection"):
        check_topology(_areas(bow))
    box = shapely.box(E0, N0, E0 + 1, N0 + 1)
    with pytest.raises(AreaTopologyError, match="unique"):
        check_topology(_areas(box, shapely.box(E0 + 5, N0, E0 + 6, N0 + 1), names=["x", "x"]))
    with pytest.raises(AreaTopologyError, match="not polygons"):
        check_topology(_areas(shapely.Point(E0, N0)))


def test_read_user_areas_and_bases(tmp_path):
    a = shapely.box(E0, N0, E0 + 1000, N0 + 1000)
    b = shapely.box(E0 + 1000, N0, E0 + 2000, N0 + 1000)
    p = tmp_path / "areas.gpkg"
    gpd.GeoDataFrame({"namn": ["Väst", "Öst"]}, geometry=[a, b], crs=3006).to_crs(4326).to_file(p)
    areas = read_areas(p)
    assert areas["area"].tolist() == ["Väst", "Öst"] and areas.crs.to_epsg() == 3006
    bases = tmp_path / "bases.csv"
    bases.write_text(f"namn,E,N\nBas väst,{E0 + 10},{N0 + 10}\nBas öst,{E0 + 1500},{N0 + 10}\n")
    st = load_study(areas=p, bases=bases, bases_crs="EPSG:3006")
    assert st.bases["area"].tolist() == ["Väst", "Öst"]
    assert st.base_ids == ["bas_vast", "bas_ost"]
    with pytest.raises(GeoValueError, match="own bases"):
        load_study(areas=p)
    bases.write_text(f"namn,E,N\nBas väst,{E0 + 10},{N0 + 10}\nB2,{E0 + 20},{N0 + 10}\n")
    with pytest.raises(GeoValueError, match=r"exactly one base; no base for \['Öst'\]"):
        load_study(areas=p, bases=bases, bases_crs="EPSG:3006")
    p2 = tmp_path / "noname.gpkg"
    gpd.GeoDataFrame({"kod": [1]}, geometry=[a], crs=3006).to_file(p2)
    with pytest.raises(MissingColumnError, match="--area-col"):
        read_areas(p2)
