"""The exact polygon index: hand-made geometries with known answers, and sjoin on real RegSO."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.polygons import OUTSIDE, PolygonIndex

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow


def _squares():
    a = shapely.box(0, 0, 10, 10)
    b = shapely.box(10, 0, 20, 10)
    return [a, b]


@pytest.mark.parametrize("cell", [0.7, 1.0, 3.0, 50.0])
def test_known_answers_two_squares(cell):
    idx = PolygonIndex(_squares(), cell_size_m=cell)
    x = np.array([5, 15, 10, 0, 20, 25, -0.001, 9.999999, 10.000001, 5, np.nan])
    y = np.array([5, 5, 5, 5, 5, 5, 5, 5, 5, 10, 1])
    got = idx.locate(x, y)
    # interior A, interior B, shared edge -> lowest index (A), outer edges -> covering polygon,
    # outside, just outside, just inside A, just inside B, top edge of A, NaN
    assert got.tolist() == [0, 1, 0, 0, 1, OUTSIDE, OUTSIDE, 0, 1, 0, OUTSIDE]


def test_hole_and_island():
    outer = shapely.Polygon(
        [(0, 0), (100, 0), (100, 100), (0, 100)], holes=[[(40, 40), (60, 40), (60, 60), (40, 60)]]
    )
    island = shapely.box(45, 45, 55, 55)  # inside the hole, not touching it
    idx = PolygonIndex([outer, island], cell_size_m=2.0)
    x = np.array([10, 42, 50, 47, 40, 45, 200])
    y = np.array([10, 50, 50, 50, 50, 50, 200])
    # ring, inside hole (no polygon), island, island, on hole edge -> outer, on island edge
    assert idx.locate(x, y).tolist() == [0, OUTSIDE, 1, 1, 0, 1, OUTSIDE]


def test_multipolygon_and_diagonal_edges():
    tri = shapely.Polygon([(0, 0), (1000, 0), (0, 1000)])
    tri2 = shapely.Polygon([(1000, 0), (1000, 1000), (0, 1000)])
    multi = shapely.MultiPolygon([shapely.box(2000, 0, 2010, 10), shapely.box(3000, 0, 3010, 10)])
    idx = PolygonIndex([tri, tri2, multi], cell_size_m=7.0)
    rng = np.random.default_rng(1)
    x = rng.uniform(-10, 3020, 200_000)
    y = rng.uniform(-10, 1010, 200_000)
    got = idx.locate(x, y)
    pts = shapely.points(x, y)
    want = np.full(x.size, OUTSIDE)
    for k, g in reversed(list(enumerate([tri, tri2, multi]))):
        want[shapely.intersects(g, pts)] = k
    assert np.array_equal(got, want)
    # points exactly on the diagonal belong to both triangles -> index 0
    t = np.arange(1.0, 1000.0, 7.0)  # exactly representable, exactly on the diagonal
    assert (idx.locate(t, 1000 - t) == 0).all()


def test_rejects_non_polygons():
    with pytest.raises(ValueError, match="Polygon or MultiPolygon"):
        PolygonIndex([shapely.Point(0, 0)])
    with pytest.raises(ValueError, match="empty"):
        PolygonIndex([])


def test_nearest_gives_distance():
    idx = PolygonIndex(_squares())
    i, d = idx.nearest(np.array([25.0, -3.0, np.nan]), np.array([5.0, 5.0, 1.0]))
    assert i.tolist() == [1, 0, OUTSIDE]
    assert d[:2] == pytest.approx([5.0, 3.0])
    assert np.isnan(d[2])


@pytest.mark.slow
def test_equals_sjoin_on_a_million_points_near_real_boundaries(shared):
    """>= 1 M points on the 32 real RegSO, 400 000 of them within 1 cm of a boundary."""
    regso = gpd.read_file(shared / "linkoping" / "regso_2025.gpkg")
    idx = PolygonIndex(regso.geometry.values)
    rng = np.random.default_rng(2024)
    x0, y0, x1, y1 = regso.total_bounds
    n_uniform = 700_000
    xu = rng.uniform(x0 - 500, x1 + 500, n_uniform)
    yu = rng.uniform(y0 - 500, y1 + 500, n_uniform)
    # points within 1 cm of boundaries: random points along the rings, jittered by <= 1 cm
    rings = shapely.get_rings(shapely.get_parts(regso.geometry.values))
    verts, ring_of = shapely.get_coordinates(rings, return_index=True)
    same = ring_of[1:] == ring_of[:-1]
    a, b = verts[:-1][same], verts[1:][same]
    seg_len = np.hypot(*(b - a).T)
    pick = rng.choice(seg_len.size, 400_000, p=seg_len / seg_len.sum())
    t = rng.random(400_000)[:, None]
    on = a[pick] + t * (b[pick] - a[pick])
    xb = on[:, 0] + rng.uniform(-0.01, 0.01, 400_000)
    yb = on[:, 1] + rng.uniform(-0.01, 0.01, 400_000)
    # and every vertex exactly (on the boundary by construction)
    x = np.concatenate([xu, xb, verts[:, 0]])
    y = np.concatenate([yu, yb, verts[:, 1]])
    assert x.size >= 1_000_000
    got = idx.locate(x, y)

    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=regso.crs)
    within = gpd.sjoin(pts, regso[["geometry"]], predicate="within", how="inner")
    want = np.full(x.size, OUTSIDE)
    want[within.index.to_numpy()] = within["index_right"].to_numpy()
    assert not within.index.duplicated().any()  # RegSO do not overlap
    # points within no polygon but touching one are on a boundary (reference: GEOS directly)
    rest = np.setdiff1d(np.arange(x.size), within.index.to_numpy())
    lowest = np.full(x.size, OUTSIDE)
    for k in reversed(range(len(regso))):
        g = regso.geometry.iloc[k]
        shapely.prepare(g)
        lowest[rest[shapely.intersects_xy(g, x[rest], y[rest])]] = k
    on_boundary = lowest != OUTSIDE
    # every point not on a boundary: identical to sjoin(within)
    assert np.array_equal(got[~on_boundary], want[~on_boundary])
    # points on a boundary: the lowest index of the polygons they touch (deterministic)
    b = np.flatnonzero(on_boundary)
    assert b.size >= verts.shape[0] // 2  # the vertices at least
    assert np.array_equal(got[b], lowest[b])
    # the near-boundary points really are near: most fall inside some RegSO, on both sides
    near = got[n_uniform : n_uniform + 400_000]
    assert (near == OUTSIDE).mean() < 0.2
    assert np.unique(near).size == len(regso) + 1
