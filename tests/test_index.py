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


def _both_paths(monkeypatch, idx, x, y):
    """The index's answers with the compiled crossing kernel and with GEOS alone."""
    from geo import settings

    monkeypatch.setattr(settings, "polygon_kernel", "auto")
    monkeypatch.setattr(settings, "compiled_min_items", 0)  # the kernel, however few points
    compiled = idx.locate(x, y)
    assert "geo.kernels" in __import__("sys").modules
    monkeypatch.setattr(settings, "polygon_kernel", "geos")
    reference = idx.locate(x, y)
    monkeypatch.setattr(settings, "polygon_kernel", "auto")
    return compiled, reference


def test_crossing_kernel_equals_geos_on_vertices_edges_and_near_misses(monkeypatch):
    """Points on every vertex, on edge midpoints, 1e-9 m off them and at random: the
    compiled kernel and GEOS give the same polygon, and the kernel hands GEOS the points it
    cannot call (those on an edge) instead of guessing."""
    from geo.compiled import have_compiler

    if not have_compiler():
        pytest.skip("numba is not installed")
    outer = shapely.Polygon(
        [(0, 0), (100, 0), (100, 100), (0, 100)], holes=[[(40, 40), (60, 40), (60, 60), (40, 60)]]
    )
    island = shapely.box(45, 45, 55, 55)
    tri = shapely.Polygon([(100, 0), (200, 0), (100, 100)])
    multi = shapely.MultiPolygon([shapely.box(200, 0, 210.5, 10), shapely.box(220, 0, 230, 10)])
    polys = [outer, island, tri, multi]
    idx = PolygonIndex(polys, cell_size_m=3.0)
    coords = shapely.get_coordinates(shapely.get_rings(shapely.get_parts(polys)))
    mid = (coords[:-1] + coords[1:]) / 2
    rng = np.random.default_rng(7)
    near = np.vstack([coords, mid]) + rng.choice([-1e-9, 0.0, 1e-9], size=(2 * len(coords) - 1, 2))
    rand = rng.uniform(-5, 235, size=(50_000, 2))
    pts = np.vstack([coords, mid, near, rand])
    x, y = pts[:, 0], pts[:, 1]
    asked = []
    geos = idx._locate_boundary_geos

    def spy(px, py, rank):
        asked.append(px.size)
        return geos(px, py, rank)

    monkeypatch.setattr(idx, "_locate_boundary_geos", spy)
    compiled, reference = _both_paths(monkeypatch, idx, x, y)
    assert np.array_equal(compiled, reference)
    want = np.full(x.size, OUTSIDE)
    for k, g in reversed(list(enumerate(polys))):
        want[shapely.intersects_xy(g, x, y)] = k
    assert np.array_equal(compiled, want)
    # the kernel answered most boundary points itself and passed on those on an edge
    on_edges = len(coords) + len(mid)
    assert 0 < asked[0] < x.size - len(rand) and asked[0] >= on_edges // 2


def test_crossing_kernel_equals_geos_on_real_regso(monkeypatch, shared):
    from geo.compiled import have_compiler

    if not have_compiler():
        pytest.skip("numba is not installed")
    regso = gpd.read_file(shared / "linkoping" / "regso_2025.gpkg")
    idx = PolygonIndex(regso.geometry.values)
    coords = shapely.get_coordinates(regso.geometry.values)
    rng = np.random.default_rng(3)
    pick = coords[rng.choice(len(coords), 20_000)]
    jitter = rng.normal(0, [[1e-7], [1.0], [30.0]], size=(3, 20_000))
    x = np.concatenate(
        [pick[:, 0], pick[:, 0] + jitter[0], pick[:, 0] + jitter[1], pick[:, 0] + jitter[2]]
    )
    y = np.concatenate(
        [pick[:, 1], pick[:, 1] - jitter[0], pick[:, 1] - jitter[2], pick[:, 1] + jitter[1]]
    )
    compiled, reference = _both_paths(monkeypatch, idx, x, y)
    assert np.array_equal(compiled, reference)


def test_nearest_target_equals_brute_force_with_ties_and_far_points(monkeypatch):
    from geo import settings
    from geo.compiled import have_compiler
    from geo.distance import NearestTarget

    if not have_compiler():
        pytest.skip("numba is not installed")
    monkeypatch.setattr(settings, "compiled_min_items", 0)

    rng = np.random.default_rng(5)
    te = rng.uniform(300_000, 900_000, 300)
    tn = rng.uniform(6_100_000, 7_600_000, 300)
    te[17], tn[17] = te[4], tn[4]  # two bases at one address: the lower index is nearest
    near = NearestTarget(te, tn)
    x = np.concatenate([rng.uniform(200_000, 1_000_000, 100_000), [te[4], 5e7, -5e7, np.nan]])
    y = np.concatenate([rng.uniform(6_000_000, 7_700_000, 100_000), [tn[4], 0.0, 7e6, 1.0]])
    idx, dist = near.query(x, y)
    d = np.hypot(x[:-1, None] - te, y[:-1, None] - tn)
    assert np.array_equal(idx[:-1], d.argmin(axis=1))  # argmin: the first of equal minima
    assert np.array_equal(dist[:-1], d.min(axis=1))
    assert idx[100_000] == 4 and dist[100_000] == 0.0
    assert idx[-1] == -1 and np.isnan(dist[-1])
    t_idx, t_dist = near._query_tree(x, y)  # the k-d tree, used where numba is missing
    assert np.array_equal(t_dist, dist, equal_nan=True)
