"""Numerical core of point-in-polygon assignment: an exact grid-accelerated polygon index.

The index answers "which polygon contains this point?" for millions of points per second and
gives exactly the answer of an exact point-in-polygon test (``shapely``/GEOS), because it only
answers from the grid where the answer cannot differ:

1. A regular grid of square cells covers the polygons' bounding box.
2. Every cell that any polygon boundary (exterior or hole ring) passes through or comes within
   ``_PAD_M`` of is marked *boundary*. Segments are split into pieces no longer than a cell, and
   each piece marks the cells its padded bounding box touches: a superset of the cells the
   segment crosses, so the marking is conservative.
3. The remaining cells form 4-connected components (``scipy.ndimage.label``). Two edge-sharing
   cells that no boundary touches lie in the same face of the polygon arrangement, so one exact
   test of one cell centre per component labels the whole component.
4. A point in a labelled cell takes the label. A point in a boundary cell is decided among
   the polygons whose boundary marked that cell (its *candidates*, lowest index first) by
   counting the proper crossings of the segment from the cell's centre to the point with
   that polygon's edges near the cell: the parity flips the centre's inside/outside (tested
   exactly once, at build). The compiled kernel (numba) uses Shewchuk's error bound on every
   orientation, so a crossing it counts is certain; where any orientation is too close to
   call (a point on or within ~10^-9 m of an edge, a segment through a vertex) the point is
   tested with GEOS (``shapely.intersects_xy`` against prepared polygons) instead, as are all
   boundary points where numba is missing or the work is too small to repay loading the
   kernel (:func:`geo.compiled.use_compiled`). Because the marking is conservative, a marked
   cell may lie wholly inside a polygon whose boundary does not touch it; a point that none
   of the cell's candidates covers takes that polygon, found for the cell's centre at build.

Points on a boundary (shared edge, outer edge, hole edge) are assigned to the covering polygon
with the lowest index: one deterministic area. Points covered by no polygon get ``-1``.

All coordinates are in one projected CRS (EPSG:3006 in this package), in metres.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np
import shapely
from scipy import ndimage
from shapely.geometry.base import BaseGeometry

from . import settings
from .compiled import use_compiled
from .errors import GeoValueError
from .memory import release_free_memory

__all__ = ["OUTSIDE", "PolygonIndex"]

OUTSIDE = -1
#: Boundary cells carry ``_BOUNDARY - k`` in the grid, ``k`` their rank among boundary cells.
_BOUNDARY = -2
#: Shewchuk's ``ccwerrboundA``: an orientation whose magnitude exceeds this times the sum of
#: the magnitudes of its two products has a certain sign.
_ORIENT_BOUND = (3.0 + 16.0 * 2.0**-53) * 2.0**-53
#: Distance (m) within which a boundary marks a cell. Float64 rounding of coordinates of the
#: order of 10^7 m is about 10^-9 m, so 1 mm is a very safe margin.
_PAD_M = 1e-3


class PolygonIndex:
    """Exact, grid-accelerated index answering which polygon contains each point.

    Parameters
    ----------
    polygons : sequence of shapely Polygon or MultiPolygon
        In a projected CRS with metre units (EPSG:3006). Must be valid and must not overlap
        (check with :func:`geo.areas.check_topology` first); gaps are allowed.
    cell_size_m : float, optional
        Grid cell size in metres. By default chosen so that the grid has at most
        ``max_cells`` cells (about 28 m for Linköping).
    max_cells : int, optional
        Upper bound on the number of grid cells when ``cell_size_m`` is not given; by default
        4 million, rising with the number of polygons to 16 million (all 3 363 RegSO of
        Sweden: 257 m cells, 64 MB).

    Notes
    -----
    Build time is dominated by labelling the grid (about a second for Linköping); memory is one
    ``int32`` per cell.
    """

    def __init__(
        self,
        polygons: Sequence[BaseGeometry],
        *,
        cell_size_m: float | None = None,
        max_cells: int | None = None,
    ) -> None:
        geoms = np.asarray(list(polygons), dtype=object)
        if geoms.size == 0:
            raise GeoValueError("polygons: received an empty sequence; give at least one polygon")
        types = set(shapely.get_type_id(geoms).tolist())
        if not types <= {3, 6}:  # Polygon, MultiPolygon
            raise GeoValueError(
                "polygons: every geometry must be a Polygon or MultiPolygon; "
                f"received geometry type ids {sorted(types)}"
            )
        self.geometries = geoms
        self.n_polygons = int(geoms.size)
        for g in geoms:
            shapely.prepare(g)
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        if max_cells is None:
            max_cells = min(16_000_000, max(4_000_000, 4_000 * self.n_polygons))
        if cell_size_m is None:
            area = max((x1 - x0) * (y1 - y0), 1.0)
            cell_size_m = max(1.0, math.sqrt(area / max_cells))
            # Round up to a "nice" value so the grid is easy to reason about.
            cell_size_m = float(math.ceil(cell_size_m))
        if not cell_size_m > 0:
            raise GeoValueError(f"cell_size_m: must be positive; received {cell_size_m!r}")
        self.cell_size_m = float(cell_size_m)
        self.x0 = float(x0) - self.cell_size_m
        self.y0 = float(y0) - self.cell_size_m
        self.nx = int(math.ceil((x1 - self.x0) / self.cell_size_m)) + 2
        self.ny = int(math.ceil((y1 - self.y0) / self.cell_size_m)) + 2
        self._bounds = shapely.bounds(geoms)
        self._tree = shapely.STRtree(geoms)
        # GEOS builds a prepared geometry's indexes on first use: one thread at a time.
        self._geos_lock = threading.Lock()
        self._build()
        release_free_memory()  # the build's scratch arrays

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_geos_lock", None)
        return state

    def __setstate__(self, state: dict) -> None:
        # Prepared geometries do not survive pickling (e.g. when sent to dask workers).
        self.__dict__.update(state)
        self._geos_lock = threading.Lock()
        for g in self.geometries:
            shapely.prepare(g)

    # ------------------------------------------------------------------ build
    def _segments(self) -> tuple[np.ndarray, np.ndarray]:
        """Return boundary segments as an (m, 4) array x0, y0, x1, y1 and their polygon ids."""
        parts, part_owner = shapely.get_parts(self.geometries, return_index=True)
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        ring_owner = part_owner[ring_part]
        coords, idx = shapely.get_coordinates(rings, return_index=True)
        same = idx[1:] == idx[:-1]
        seg = np.column_stack([coords[:-1][same], coords[1:][same]])
        owner = ring_owner[idx[:-1][same]]
        return seg, owner

    def _build(self) -> None:
        s = self.cell_size_m
        seg, owner = self._segments()
        # Split segments into pieces no longer than one cell.
        length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
        pieces = np.maximum(1, np.ceil(length / s)).astype(np.int64)
        rep = np.repeat(np.arange(len(seg)), pieces)
        start = np.repeat(np.cumsum(pieces) - pieces, pieces)
        k = np.arange(rep.size) - start
        n = pieces[rep]
        t0 = k / n
        t1 = (k + 1) / n
        sx, sy, ex, ey = seg[rep, 0], seg[rep, 1], seg[rep, 2], seg[rep, 3]
        ax = sx + (ex - sx) * t0
        ay = sy + (ey - sy) * t0
        bx = sx + (ex - sx) * t1
        by = sy + (ey - sy) * t1
        # Exact endpoints for the first and last pieces (no interpolation error there).
        first = k == 0
        last = k == n - 1
        ax[first], ay[first] = sx[first], sy[first]
        bx[last], by[last] = ex[last], ey[last]
        ix0 = np.floor((np.minimum(ax, bx) - _PAD_M - self.x0) / s).astype(np.int64)
        ix1 = np.floor((np.maximum(ax, bx) + _PAD_M - self.x0) / s).astype(np.int64)
        iy0 = np.floor((np.minimum(ay, by) - _PAD_M - self.y0) / s).astype(np.int64)
        iy1 = np.floor((np.maximum(ay, by) + _PAD_M - self.y0) / s).astype(np.int64)
        # Interpolated piece ends carry a rounding error far below _PAD_M, and a piece is at
        # most one cell long, so its padded box spans at most 3 cells per axis.
        cells = []
        segs = []
        for dx in range(3):
            for dy in range(3):
                cx = ix0 + dx
                cy = iy0 + dy
                ok = (cx <= ix1) & (cy <= iy1)
                cells.append(cy[ok] * self.nx + cx[ok])
                segs.append(rep[ok])
        cell_seg = _sorted_unique(np.concatenate(cells) * len(seg) + np.concatenate(segs))
        cell_ids = cell_seg // len(seg)
        seg_ids = cell_seg % len(seg)
        cell_owner = owner[seg_ids]
        pairs = _sorted_unique(cell_ids * self.n_polygons + cell_owner)
        self._bcell = pairs // self.n_polygons  # sorted boundary cell ids (with repeats)
        self._bpoly = (pairs % self.n_polygons).astype(np.int32)

        labels = np.zeros(self.ny * self.nx, dtype=np.int32)
        boundary = np.zeros(self.ny * self.nx, dtype=bool)
        boundary[self._bcell] = True
        comp, n_comp = ndimage.label(~boundary.reshape(self.ny, self.nx))
        comp = comp.ravel()
        # One representative cell per component; its centre decides the whole component.
        uniq, first_cell = np.unique(comp, return_index=True)
        keep = uniq > 0
        uniq, first_cell = uniq[keep], first_cell[keep]
        cx = self.x0 + (first_cell % self.nx + 0.5) * s
        cy = self.y0 + (first_cell // self.nx + 0.5) * s
        comp_label = np.full(n_comp + 1, OUTSIDE, dtype=np.int32)
        comp_label[uniq] = self._exact(cx, cy, candidates=None)
        labels = comp_label[comp]
        ucell = np.flatnonzero(boundary)
        labels[ucell] = _BOUNDARY - np.arange(ucell.size, dtype=np.int32)
        self._labels = labels
        self.n_boundary_cells = int(ucell.size)
        self._build_crossings(seg, owner, cell_ids, seg_ids, ucell)

    def _build_crossings(
        self,
        seg: np.ndarray,
        owner: np.ndarray,
        cell_ids: np.ndarray,
        seg_ids: np.ndarray,
        ucell: np.ndarray,
    ) -> None:
        """What the crossing kernel reads: per boundary cell its centre and candidate
        polygons (lowest first), per (cell, polygon) whether the centre is inside and the
        polygon's edges near the cell, and the polygon holding the cell where no candidate
        does."""
        s = self.cell_size_m
        n_poly = self.n_polygons
        ref_x = self.x0 + (ucell % self.nx + 0.5) * s
        ref_y = self.y0 + (ucell // self.nx + 0.5) * s
        # (cell, polygon) pairs in order: the rank of each pair's cell among boundary cells
        pair_ord = np.searchsorted(ucell, self._bcell)
        self._cell_pair_start = np.searchsorted(
            pair_ord, np.arange(ucell.size + 1), side="left"
        ).astype(np.int64)
        # edges of each pair, grouped by pair (pairs are sorted by cell, then polygon)
        pair_of_seg = np.searchsorted(
            self._bcell * n_poly + self._bpoly, cell_ids * n_poly + owner[seg_ids]
        )
        order = np.argsort(pair_of_seg, kind="stable")
        self._pair_seg = seg_ids[order].astype(np.int32)
        self._pair_seg_start = np.searchsorted(
            pair_of_seg[order], np.arange(self._bcell.size + 1), side="left"
        ).astype(np.int64)
        self._seg = np.ascontiguousarray(seg, dtype="float64")
        # Whether each pair's cell centre lies in the pair's polygon (exact, GEOS).
        inside = np.zeros(self._bcell.size, dtype=np.bool_)
        by_poly = np.argsort(self._bpoly, kind="stable")
        cuts = np.flatnonzero(np.diff(self._bpoly[by_poly])) + 1
        for grp in np.split(by_poly, cuts):
            if grp.size:
                poly = self.geometries[int(self._bpoly[grp[0]])]
                inside[grp] = shapely.intersects_xy(
                    poly, ref_x[pair_ord[grp]], ref_y[pair_ord[grp]]
                )
        self._pair_inside = inside
        # The lowest non-candidate polygon holding each boundary cell's centre: its boundary
        # does not reach the cell, so it holds the whole cell.
        other = np.full(ucell.size, OUTSIDE, dtype=np.int32)
        pi, qi = self._tree.query(shapely.points(ref_x, ref_y))  # bounding boxes
        if pi.size:
            cand = np.isin(pi * n_poly + qi, pair_ord * n_poly + self._bpoly)
            other = self._exact(ref_x, ref_y, candidates=(pi[~cand], qi[~cand]))
        self._cell_other = other
        self._ref_x, self._ref_y = ref_x, ref_y

    # ----------------------------------------------------------------- lookup
    def _exact(
        self, x: np.ndarray, y: np.ndarray, *, candidates: tuple[np.ndarray, np.ndarray] | None
    ) -> np.ndarray:
        """Exact GEOS test: lowest-index polygon covering each point, or OUTSIDE.

        ``candidates`` is ``(point_index, polygon_index)`` pairs to test; ``None`` tests every
        polygon whose bounding box contains the point.
        """
        if x.size == 0:
            return np.full(0, OUTSIDE, dtype=np.int32)
        with self._geos_lock:
            return self._exact_locked(x, y, candidates)

    def _exact_locked(
        self, x: np.ndarray, y: np.ndarray, candidates: tuple[np.ndarray, np.ndarray] | None
    ) -> np.ndarray:
        if candidates is None:  # every polygon whose bounding box holds the point
            candidates = self._tree.query(shapely.points(x, y))
        pi, qi = candidates
        order = np.argsort(qi, kind="stable")
        pi, qi = pi[order], qi[order]
        cuts = np.flatnonzero(np.diff(qi)) + 1
        hit_p: list[np.ndarray] = []
        hit_q: list[np.ndarray] = []
        for grp_p, grp_q in zip(np.split(pi, cuts), np.split(qi, cuts), strict=True):
            if grp_p.size == 0:
                continue
            poly = self.geometries[int(grp_q[0])]
            hit = shapely.intersects_xy(poly, x[grp_p], y[grp_p])
            hit_p.append(grp_p[hit])
            hit_q.append(grp_q[hit])
        if not hit_p:
            return np.full(x.size, OUTSIDE, dtype=np.int32)
        return _lowest_per_point(x.size, np.concatenate(hit_p), np.concatenate(hit_q))

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Index of the polygon containing each point.

        Parameters
        ----------
        x, y : numpy.ndarray
            Easting and northing in the polygons' CRS (metres). Non-finite values give ``-1``.

        Returns
        -------
        numpy.ndarray of int32
            Polygon index per point; ``-1`` where no polygon covers the point. A point on the
            boundary of several polygons gets the lowest of their indices.
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        s = self.cell_size_m
        with np.errstate(invalid="ignore"):
            fx = np.floor((x - self.x0) / s)
            fy = np.floor((y - self.y0) / s)
            inside = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        out = np.full(x.size, OUTSIDE, dtype=np.int32)
        if not inside.any():
            return out
        idx = np.flatnonzero(inside)
        cell = fy[idx].astype(np.int64) * self.nx + fx[idx].astype(np.int64)
        lab = self._labels[cell]
        out[idx] = lab
        bsel = lab <= _BOUNDARY
        if bsel.any():
            bidx = idx[bsel]
            out[bidx] = self._locate_boundary(x[bidx], y[bidx], _BOUNDARY - lab[bsel])
        return out

    def _locate_boundary(self, x: np.ndarray, y: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """Points in boundary cells (``rank``: the cell's rank among boundary cells)."""
        if settings.polygon_kernel != "geos" and use_compiled(x.size):
            from .kernels import UNSURE, locate_boundary

            out = locate_boundary(
                x, y, rank.astype(np.int64), self._cell_pair_start, self._bpoly,
                self._pair_inside, self._pair_seg_start, self._pair_seg, self._seg,
                self._ref_x, self._ref_y, self._cell_other, _ORIENT_BOUND,
            )  # fmt: skip
            unsure = np.flatnonzero(out == UNSURE)
            if unsure.size:
                out[unsure] = self._locate_boundary_geos(x[unsure], y[unsure], rank[unsure])
            return out
        return self._locate_boundary_geos(x, y, rank)

    def _locate_boundary_geos(self, x: np.ndarray, y: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """The reference path: every candidate tested with GEOS."""
        lo = self._cell_pair_start[rank]
        hi = self._cell_pair_start[rank + 1]
        counts = hi - lo
        pidx = np.repeat(np.arange(rank.size), counts)
        offs = np.arange(pidx.size) - np.repeat(np.cumsum(counts) - counts, counts)
        qidx = self._bpoly[np.repeat(lo, counts) + offs]
        out = self._exact(x, y, candidates=(pidx, qidx))
        # The marking is conservative: a cell can be marked by a boundary that passes only
        # near it, while the cell lies wholly inside a third polygon that is not among its
        # candidates. Points no candidate covers are therefore tested against every polygon.
        miss = np.flatnonzero(out == OUTSIDE)
        if miss.size:
            out[miss] = self._exact(x[miss], y[miss], candidates=None)
        return out

    def nearest(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest polygon and the distance to it (metres) for each point.

        Returns ``(index, distance_m)``; non-finite points get ``-1`` and ``nan``.
        """
        x = np.asarray(x, dtype="float64")
        y = np.asarray(y, dtype="float64")
        idx = np.full(x.size, OUTSIDE, dtype=np.int32)
        dist = np.full(x.size, np.nan)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any():
            pts = shapely.points(x[ok], y[ok])
            (pi, qi), d = self._tree.query_nearest(pts, return_distance=True, all_matches=True)
            # all_matches may return ties: keep the lowest polygon index per point.
            order = np.lexsort((qi, pi))
            pi, qi, d = pi[order], qi[order], d[order]
            first = np.ones(pi.size, dtype=bool)
            first[1:] = pi[1:] != pi[:-1]
            sub_idx = np.full(int(ok.sum()), OUTSIDE, dtype=np.int32)
            sub_d = np.full(int(ok.sum()), np.nan)
            sub_idx[pi[first]] = qi[first]
            sub_d[pi[first]] = d[first]
            idx[ok] = sub_idx
            dist[ok] = sub_d
        return idx, dist


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, ascending (a sort: quicker than :func:`numpy.unique` here)."""
    out = np.sort(values)
    keep = np.ones(out.size, dtype=bool)
    keep[1:] = out[1:] != out[:-1]
    return out[keep]


def _lowest_per_point(n: int, points: np.ndarray, polys: np.ndarray) -> np.ndarray:
    """For ``n`` points and (point, polygon) hit pairs, the lowest polygon per point."""
    out = np.full(n, OUTSIDE, dtype=np.int32)
    if points.size:
        order = np.lexsort((polys, points))
        p, q = points[order], polys[order]
        first = np.ones(p.size, dtype=bool)
        first[1:] = p[1:] != p[:-1]
        out[p[first]] = q[first]
    return out
