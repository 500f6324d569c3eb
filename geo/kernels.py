"""Compiled kernels (numba) of the numerical core: imported only where numba works
(:func:`geo.compiled.have_compiler`); each is compiled on first use and cached on disk where
the package folder is writable."""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["locate_boundary", "nearest_target"]

#: The kernel's answer where an orientation is too close to call (see geo.polygons).
UNSURE = -3


@numba.njit(cache=True, inline="always")
def orient(ax, ay, bx, by, cx, cy, bound):  # type: ignore[no-untyped-def]
    """Sign of the turn a -> b -> c; 0 where the float result cannot be trusted (Shewchuk's
    error bound ``bound`` times the magnitudes of the two products)."""
    left = (ax - cx) * (by - cy)
    right = (ay - cy) * (bx - cx)
    det = left - right
    err = bound * (abs(left) + abs(right))
    if det > err:
        return 1
    if -det > err:
        return -1
    return 0


@numba.njit(cache=True, inline="always")
def cross(rx, ry, qx, qy, ax, ay, bx, by, bound):  # type: ignore[no-untyped-def]
    """0: the segments r-q and a-b do not meet; 1: they cross properly; 2: too close to
    call (touching, collinear, through a vertex, or within rounding of it)."""
    if max(ax, bx) < min(rx, qx) or min(ax, bx) > max(rx, qx):
        return 0
    if max(ay, by) < min(ry, qy) or min(ay, by) > max(ry, qy):
        return 0
    s1 = orient(rx, ry, qx, qy, ax, ay, bound)
    s2 = orient(rx, ry, qx, qy, bx, by, bound)
    if s1 != 0 and s1 == s2:
        return 0
    s3 = orient(ax, ay, bx, by, rx, ry, bound)
    s4 = orient(ax, ay, bx, by, qx, qy, bound)
    if s3 != 0 and s3 == s4:
        return 0
    if s1 == 0 or s2 == 0 or s3 == 0 or s4 == 0:
        return 2
    return 1


@numba.njit(cache=True, nogil=True)
def locate_boundary(x, y, rank, cell_pair_start, pair_poly, pair_inside, pair_seg_start,
                    pair_seg, seg, ref_x, ref_y, cell_other, bound):  # type: ignore[no-untyped-def]  # fmt: skip
    """The polygon of each point in a boundary cell (see :class:`geo.polygons.PolygonIndex`):
    the lowest candidate whose crossing parity from the cell's centre says inside, else the
    polygon holding the whole cell; :data:`UNSURE` where a crossing is too close to call."""
    out = np.empty(x.size, dtype=np.int32)
    for i in range(x.size):
        c = rank[i]
        qx = x[i]
        qy = y[i]
        rx = ref_x[c]
        ry = ref_y[c]
        res = cell_other[c]
        for k in range(cell_pair_start[c], cell_pair_start[c + 1]):
            inside = pair_inside[k]
            unsure = False
            for j in range(pair_seg_start[k], pair_seg_start[k + 1]):
                e = pair_seg[j]
                hit = cross(rx, ry, qx, qy, seg[e, 0], seg[e, 1], seg[e, 2], seg[e, 3], bound)
                if hit == 2:
                    unsure = True
                    break
                if hit == 1:
                    inside = not inside
            if unsure:
                res = UNSURE
                break
            if inside:
                res = pair_poly[k]
                break
        out[i] = res
    return out


@numba.njit(cache=True, nogil=True)
def nearest_target(e, n, te, tn, x0, y0, size, nx, ny, cand_start, cand, idx, dist):  # type: ignore[no-untyped-def]  # fmt: skip
    """Nearest target of each point by the candidate lists of its grid cell (all targets off
    the grid); ``-1``/``nan`` for non-finite points. Fills ``idx`` and ``dist``."""
    for i in range(e.size):
        x = e[i]
        y = n[i]
        if not (math.isfinite(x) and math.isfinite(y)):
            idx[i] = -1
            dist[i] = math.nan
            continue
        best = math.inf
        at = -1
        cx = math.floor((x - x0) / size)
        cy = math.floor((y - y0) / size)
        if 0 <= cx < nx and 0 <= cy < ny:
            c = int(cy) * nx + int(cx)
            for k in range(cand_start[c], cand_start[c + 1]):
                j = cand[k]
                d = math.hypot(x - te[j], y - tn[j])
                if d < best:
                    best = d
                    at = j
        else:
            for j in range(te.size):
                d = math.hypot(x - te[j], y - tn[j])
                if d < best:
                    best = d
                    at = j
        idx[i] = at
        dist[i] = best
