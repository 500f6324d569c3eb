"""Where to put bases: location-allocation on a cost matrix (the numerical core).

Every solver takes, in this order (as spopt's ``from_cost_matrix`` does), a cost matrix
``cost`` (N demand points × M candidate sites; metres or seconds, straight-line or network —
the same code path), the demand ``weight`` (N,; ``None`` for equal weights) and the number of
sites ``p``; everything else is keyword-only. It returns
a :class:`Solution` with the chosen sites, the assignment, the objective value, a proven bound
and the relative gap. A solve that hits its time budget returns the best solution found so far
with its proven gap — never an exception and never nothing.

Objectives
----------
``pmedian``
    Minimise total weighted cost. Heuristic (greedy + fast interchange) for an upper bound,
    Lagrangian relaxation of the assignment constraints for a lower bound, reduced-cost tests
    that fix most candidates open or closed, and — only if a gap remains — an exact MILP on the
    reduced problem with HiGHS (``scipy.optimize.milp``).
``coverage``
    Maximal covering: maximise the weight within ``threshold`` of an open site (MILP, HiGHS).
``center``
    p-center: minimise the largest cost from any demand point to its nearest open site
    (binary search over the distinct costs, each step a set-cover MILP).

``fixed`` sites (existing bases kept) are always open and count towards ``p``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, sparse

from .. import settings
from ..errors import GeoValueError

__all__ = ["Solution", "max_coverage", "pcenter", "pmedian"]

logger = logging.getLogger(__name__)

_BIG = 1e15  # stands in for an impossible (infinite) cost


@dataclass
class Solution:
    """Result of a location-allocation solve.

    Attributes
    ----------
    objective : str
        ``pmedian``, ``coverage`` or ``center``.
    selected : numpy.ndarray
        Indices of the open candidate sites (fixed sites first, then in order of choice).
    assignment : numpy.ndarray
        For each demand point the index of the open site serving it (nearest by cost).
    value : float
        Objective value: total weighted cost (pmedian), covered weight (coverage) or the
        largest cost (center).
    bound : float
        Proven bound on the optimum: a lower bound for pmedian/center, an upper bound for
        coverage.
    gap : float
        Relative gap between ``value`` and ``bound`` (0 = proven optimal).
    status : str
        ``optimal`` or ``time_limit`` (best found within the budget, with its gap).
    seconds : float
    method : str
        How optimality (or the bound) was obtained.
    """

    objective: str
    selected: np.ndarray
    assignment: np.ndarray
    value: float
    bound: float
    gap: float
    status: str
    seconds: float
    method: str


def _check(
    cost: np.ndarray, weight: np.ndarray | None, p: int, fixed: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    c = np.asarray(cost, dtype="float64")
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        raise GeoValueError(
            f"cost: need a non-empty (demand × candidates) matrix; got shape {c.shape}"
        )
    n, m = c.shape
    w = np.ones(n) if weight is None else np.asarray(weight, dtype="float64")
    if w.shape != (n,):
        raise GeoValueError(f"weight: need {n} values (one per demand row); got shape {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any():
        raise GeoValueError("weight: every demand weight must be a finite number >= 0")
    if np.isnan(c).any():
        raise GeoValueError("cost: contains NaN; use inf for pairs that cannot be served")
    f = np.asarray(list(fixed), dtype=np.int64)
    if f.size and (f.min() < 0 or f.max() >= m or np.unique(f).size != f.size):
        raise GeoValueError(
            f"fixed: indices must be distinct and in 0..{m - 1}; received {f.tolist()}"
        )
    if int(p) != p or p < 1:
        raise GeoValueError(f"p: the number of sites must be a whole number >= 1; received {p!r}")
    if p > m:
        raise GeoValueError(f"p: {p} sites asked for but only {m} candidates given")
    if p < f.size:
        raise GeoValueError(
            f"p: {p} sites asked for but {f.size} are fixed open; p must be >= {f.size}"
        )
    return np.where(np.isfinite(c), c, _BIG), w, f


def _assign(c: np.ndarray, selected: np.ndarray) -> np.ndarray:
    return selected[np.argmin(c[:, selected], axis=1)]


def _rel_gap(value: float, bound: float) -> float:
    if value == bound:
        return 0.0
    return abs(value - bound) / max(abs(value), 1e-12)


# ----------------------------------------------------------------------------- p-median
def _greedy(
    wc: np.ndarray, p: int, fixed: np.ndarray | list[int], *, worst: bool = False
) -> list[int]:
    """Add sites one by one, each time the one that most lowers the total (or, with
    ``worst``, the largest) cost of serving every row from its nearest open site."""
    opened = [int(j) for j in fixed]
    cur = wc[:, opened].min(axis=1) if opened else np.full(wc.shape[0], np.inf)
    while len(opened) < p:
        served = np.minimum(cur[:, None], wc)
        tot = served.max(axis=0) if worst else served.sum(axis=0)
        tot[opened] = np.inf
        j = int(np.argmin(tot))
        opened.append(j)
        cur = np.minimum(cur, wc[:, j])
    return opened


def _interchange(
    wc: np.ndarray, opened: list[int], fixed: np.ndarray, deadline: float
) -> list[int]:
    """Fast interchange (Teitz–Bart with closest/second-closest bookkeeping)."""
    opened = list(opened)
    rows = np.arange(wc.shape[0])
    while time.perf_counter() < deadline:
        sub = wc[:, opened]
        order = np.argsort(sub, axis=1)
        b1 = sub[rows, order[:, 0]]
        b2 = sub[rows, order[:, 1]] if len(opened) > 1 else np.full(wc.shape[0], np.inf)
        total = b1.sum()
        best_delta, best_swap = -1e-9 * max(total, 1.0), None
        for k, j_out in enumerate(opened):
            if j_out in fixed:
                continue
            excl = np.where(order[:, 0] == k, b2, b1)
            tot = np.minimum(excl[:, None], wc).sum(axis=0)
            tot[opened] = np.inf
            j_in = int(np.argmin(tot))
            delta = tot[j_in] - total
            if delta < best_delta:
                best_delta, best_swap = delta, (k, j_in)
        if best_swap is None:
            break
        opened[best_swap[0]] = best_swap[1]
    return opened


def _lagrangian(
    wc: np.ndarray, p: int, fixed: np.ndarray, ub: float, lam: np.ndarray, deadline: float
) -> tuple[float, np.ndarray]:
    """Subgradient optimisation of the Lagrangian dual. Returns (best bound, its multipliers).

    Iterates in float32 with preallocated buffers (speed); the returned bound is recomputed in
    float64 for the best multipliers, so it is a valid lower bound whatever the rounding.
    """
    m = wc.shape[1]
    free = np.setdiff1d(np.arange(m), fixed)
    k_free = p - fixed.size
    w32 = wc.astype(np.float32)
    buf = np.empty_like(w32)
    lam = lam.astype(np.float64)
    best_lb, best_lam = -np.inf, lam.copy()
    theta, stall = 2.0, 0
    for _ in range(10_000):
        np.subtract(w32, lam.astype(np.float32)[:, None], out=buf)
        np.minimum(buf, 0.0, out=buf)
        rho = buf.sum(axis=0, dtype=np.float64)
        pick = free[np.argpartition(rho[free], k_free - 1)[:k_free]] if k_free else free[:0]
        y = np.concatenate([fixed, pick]).astype(np.int64)
        lb = float(lam.sum() + rho[y].sum())
        if lb > best_lb + 1e-12 * max(abs(lb), 1.0):
            best_lb, best_lam, stall = lb, lam.copy(), 0
        else:
            stall += 1
            if stall >= 100:  # patient halving: far tighter bounds on grid instances
                theta, stall = theta / 2, 0
        if _rel_gap(ub, best_lb) < 1e-9 or theta < 1e-5 or time.perf_counter() > deadline:
            break
        g = 1.0 - (buf[:, y] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break  # the relaxed solution is feasible: lb is optimal
        lam = lam + theta * (ub - lb) / norm * g
    return _lagrangian_value(wc, p, fixed, best_lam), best_lam


def _lagrangian_value(wc: np.ndarray, p: int, fixed: np.ndarray, lam: np.ndarray) -> float:
    """Exact (float64) Lagrangian bound for multipliers ``lam``."""
    free = np.setdiff1d(np.arange(wc.shape[1]), fixed)
    k_free = p - fixed.size
    rho = np.minimum(wc - lam[:, None], 0.0).sum(axis=0)
    pick = free[np.argpartition(rho[free], k_free - 1)[:k_free]] if k_free else free[:0]
    return float(lam.sum() + rho[fixed].sum() + rho[pick].sum())


def _milp_pmedian(
    wc: np.ndarray,
    p: int,
    keep: np.ndarray,
    must: np.ndarray,
    time_limit: float,
    *,
    demand: np.ndarray | None = None,
    capacity: float | None = None,
) -> tuple[np.ndarray | None, float, float, bool, np.ndarray | None]:
    """Exact p-median MILP (HiGHS) on candidates ``keep``; ``must`` are forced open.

    With ``capacity``, each open site serves at most ``capacity`` of ``demand`` (demand may
    be split between sites). Returns (open sites, value, dual bound, proven, x matrix).
    """
    n, mk = wc.shape[0], keep.size
    nx = n * mk
    c = np.concatenate([np.zeros(mk), wc[:, keep].ravel()])
    rows_assign = sparse.hstack(
        [sparse.csr_matrix((n, mk)), sparse.kron(sparse.eye(n), np.ones((1, mk)), format="csr")]
    )
    # x_ij - y_j <= 0
    link = sparse.hstack([-sparse.kron(np.ones((n, 1)), sparse.eye(mk)), sparse.eye(nx)])
    card = sparse.hstack([sparse.csr_matrix(np.ones((1, mk))), sparse.csr_matrix((1, nx))])
    cons = [
        optimize.LinearConstraint(rows_assign, 1, 1),
        optimize.LinearConstraint(link, -np.inf, 0),
        optimize.LinearConstraint(card, p, p),
    ]
    if capacity is not None and demand is not None:
        # sum_i d_i x_ij - cap y_j <= 0
        load = sparse.hstack(
            [-capacity * sparse.eye(mk), sparse.kron(demand[None, :], sparse.eye(mk), format="csr")]
        )
        cons.append(optimize.LinearConstraint(load, -np.inf, 0))
    lb = np.zeros(mk + nx)
    lb[:mk][np.isin(keep, must)] = 1
    integrality = np.concatenate([np.ones(mk), np.zeros(nx)])
    res = optimize.milp(
        c,
        constraints=cons,
        integrality=integrality,
        bounds=optimize.Bounds(lb, np.ones(mk + nx)),
        options={"time_limit": max(time_limit, 1.0), "mip_rel_gap": 1e-9, "disp": False},
    )
    dual = getattr(res, "mip_dual_bound", None)
    dual_v = float(dual) if dual is not None and np.isfinite(dual) else -np.inf
    if res.x is None:
        return None, np.inf, dual_v, False, None
    y = keep[np.flatnonzero(res.x[:mk] > 0.5)]
    x = res.x[mk:].reshape(n, mk)
    return y, float(res.fun), dual_v, res.status == 0, x


def pmedian(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    *,
    fixed: Sequence[int] = (),
    capacity: float | None = None,
    time_limit_s: float | None = None,
) -> Solution:
    """Minimise total weighted cost with ``p`` open sites (p-median), exactly where possible.

    Parameters
    ----------
    cost : numpy.ndarray
        (N, M) cost from each demand point to each candidate (m or s); ``inf`` = cannot serve.
    weight : numpy.ndarray or None
        (N,) demand weights (people, children, need-weighted people); ``None`` = 1 each.
    p : int
        Number of open sites, fixed ones included.
    fixed : sequence of int
        Candidates that stay open (existing bases).
    capacity : float, optional
        Most weight one site may serve (e.g. population or caseload). Demand may then be
        split between sites; ``assignment`` gives each point's main site. Solved as one MILP
        (slower: keep the candidate list short).
    time_limit_s : float
        Budget; at the limit the best solution found is returned with its proven gap.

    Returns
    -------
    Solution
    """
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    if capacity is not None:
        return _capacitated(cost, weight, p, fixed, float(capacity), time_limit_s)
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    c, w, f = _check(cost, weight, p, fixed)
    wc = w[:, None] * c
    use = w > 0
    wcu = wc[use] if use.any() else wc
    opened = _interchange(wcu, _greedy(wcu, p, f), f, deadline)
    sel = np.asarray(opened, dtype=np.int64)
    ub = float(wcu[:, sel].min(axis=1).sum())
    method = "greedy + interchange"
    lam0 = wcu[:, sel].min(axis=1)
    lb, lam = _lagrangian(wcu, p, f, ub, lam0, deadline)
    method += " + Lagrangian bound"
    if _rel_gap(ub, lb) > 1e-9 and time.perf_counter() < deadline:
        # reduced-cost fixing: a candidate whose forced opening (closing) lifts the Lagrangian
        # bound above the incumbent cannot be open (closed) in any better solution
        m = wcu.shape[1]
        rho = np.minimum(wcu - lam[:, None], 0.0).sum(axis=0)
        free = np.setdiff1d(np.arange(m), f)
        k_free = p - f.size
        order = free[np.argsort(rho[free], kind="stable")]
        chosen, rest = order[:k_free], order[k_free:]
        base = lam.sum() + rho[f].sum() + rho[chosen].sum()
        worst_in = rho[chosen].max() if chosen.size else 0.0
        best_out = rho[rest].min() if rest.size else np.inf
        can_open = rest[base - worst_in + rho[rest] <= ub * (1 + 1e-12)]
        must = np.concatenate([f, chosen[base - rho[chosen] + best_out > ub * (1 + 1e-12)]])
        keep = np.unique(np.concatenate([f, chosen, can_open]))
        logger.info(
            "p-median: MILP on %d of %d candidates (gap %.2e)", keep.size, m, _rel_gap(ub, lb)
        )
        y, val, dual, optimal, _ = _milp_pmedian(wcu, p, keep, must, deadline - time.perf_counter())
        method += f" + HiGHS MILP on {keep.size} of {m} candidates after reduced-cost fixing"
        if y is not None and val < ub:
            sel, ub = y, float(wcu[:, y].min(axis=1).sum())
        if optimal:
            lb = max(lb, min(ub, val))
        elif np.isfinite(dual):
            lb = max(lb, dual)
    gap = _rel_gap(ub, lb)
    return Solution(
        objective="pmedian",
        selected=_order(sel, f),
        assignment=_assign(c, sel),
        value=float(wc[:, sel].min(axis=1).sum()),
        bound=float(lb),
        gap=gap,
        status="optimal" if gap <= 1e-7 else "time_limit",
        seconds=time.perf_counter() - t0,
        method=method,
    )


def _capacitated(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    fixed: Sequence[int],
    capacity: float,
    time_limit_s: float,
) -> Solution:
    t0 = time.perf_counter()
    c, w, f = _check(cost, weight, p, fixed)
    total = float(w.sum())
    if not capacity > 0:
        raise GeoValueError(f"capacity: must be positive; received {capacity!r}")
    if p * capacity < total - 1e-9:
        raise GeoValueError(
            f"capacity: {p} sites × {capacity:,.0f} = {p * capacity:,.0f} is below the total "
            f"demand {total:,.0f}; raise the capacity to at least {total / p:,.0f} or add sites"
        )
    uncap = pmedian(cost, weight, p, fixed=fixed, time_limit_s=time_limit_s / 3)
    keep = np.arange(c.shape[1])
    wc = w[:, None] * c
    y, val, dual, optimal, x = _milp_pmedian(
        wc, p, keep, f, time_limit_s - (time.perf_counter() - t0), demand=w, capacity=capacity
    )
    if y is None or x is None:
        raise GeoValueError(
            f"capacity: no feasible solution found within {time_limit_s:.0f} s; give more time "
            "or fewer candidates"
        )
    lb = max(uncap.bound, dual) if not optimal else val
    main = keep[np.argmax(x, axis=1)]
    gap = _rel_gap(val, lb)
    return Solution(
        "pmedian", _order(y, f), main, val, lb, gap,
        "optimal" if optimal or gap <= 1e-7 else "time_limit", time.perf_counter() - t0,
        f"HiGHS MILP, capacity {capacity:,.0f} per site",
    )  # fmt: skip


def _order(selected: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    sel = [int(j) for j in fixed] + [int(j) for j in selected if j not in set(fixed.tolist())]
    return np.asarray(sel, dtype=np.int64)


# ----------------------------------------------------------------------------- coverage
def max_coverage(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    *,
    threshold: float,
    fixed: Sequence[int] = (),
    time_limit_s: float | None = None,
) -> Solution:
    """Maximise the demand weight within ``threshold`` of an open site (maximal covering).

    Raises :class:`GeoValueError` when no demand point has any candidate within the threshold.
    """
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    t0 = time.perf_counter()
    c, w, f = _check(cost, weight, p, fixed)
    if not threshold > 0:
        raise GeoValueError(f"threshold: must be positive; received {threshold!r}")
    cover = c <= threshold
    coverable = cover.any(axis=1) & (w > 0)
    if not coverable.any():
        raise GeoValueError(
            f"threshold: no demand point has a candidate within {threshold:,.0f} (the closest "
            f"pair is {c.min():,.0f}); raise the threshold"
        )
    a = sparse.csr_matrix(cover[coverable].astype(np.float64))
    nz, m = a.shape
    # variables: y (m, binary), z (nz, continuous 0..1); maximise sum w z
    obj = np.concatenate([np.zeros(m), -w[coverable]])
    cons = [
        optimize.LinearConstraint(sparse.hstack([-a, sparse.eye(nz)]), -np.inf, 0),
        optimize.LinearConstraint(
            sparse.hstack([sparse.csr_matrix(np.ones((1, m))), sparse.csr_matrix((1, nz))]), p, p
        ),
    ]
    lb = np.zeros(m + nz)
    lb[f] = 1
    res = optimize.milp(
        obj,
        constraints=cons,
        integrality=np.concatenate([np.ones(m), np.zeros(nz)]),
        bounds=optimize.Bounds(lb, np.ones(m + nz)),
        options={"time_limit": max(time_limit_s, 1.0), "mip_rel_gap": 1e-9, "disp": False},
    )
    if res.x is None:  # no incumbent within the budget: fall back to a greedy solution
        sel = np.asarray(_greedy_cover(cover[coverable], w[coverable], p, f), dtype=np.int64)
        bound = float(w[coverable].sum())
    else:
        sel = np.flatnonzero(res.x[:m] > 0.5)
        dual = getattr(res, "mip_dual_bound", None)
        bound = float(-dual) if dual is not None and np.isfinite(dual) else float(-res.fun)
    covered = float(w[cover[:, sel].any(axis=1)].sum())
    bound = max(bound, covered)
    gap = _rel_gap(covered, bound) if bound > 0 else 0.0
    return Solution(
        "coverage", _order(sel, f), _assign(c, sel), covered, bound, gap,
        "optimal" if gap <= 1e-7 else "time_limit", time.perf_counter() - t0,
        "HiGHS MILP (maximal covering)",
    )  # fmt: skip


def _greedy_cover(cover: np.ndarray, w: np.ndarray, p: int, fixed: np.ndarray) -> list[int]:
    opened = [int(j) for j in fixed]
    done = np.zeros(cover.shape[0], dtype=bool)
    if opened:
        done |= np.asarray(cover[:, opened]).any(axis=1)
    while len(opened) < p:
        gain = np.asarray((cover & ~done[:, None]).T @ w, dtype=np.float64)
        gain[opened] = -1.0
        j = int(np.argmax(gain))
        opened.append(j)
        done |= cover[:, j]
    return opened


# ----------------------------------------------------------------------------- p-center
def _set_cover_size(cover: np.ndarray, fixed: np.ndarray, p: int, time_limit: float) -> int | None:
    """Fewest sites covering every row (fixed ones open); None if none within the budget."""
    done = cover[:, fixed].any(axis=1) if fixed.size else np.zeros(cover.shape[0], dtype=bool)
    rest = cover[~done]
    if rest.shape[0] == 0:
        return int(fixed.size)
    if not rest.any(axis=1).all():
        return None
    m = cover.shape[1]
    lb = np.zeros(m)
    lb[fixed] = 1
    res = optimize.milp(
        np.ones(m),
        constraints=[
            optimize.LinearConstraint(sparse.csr_matrix(rest.astype(np.float64)), 1, np.inf)
        ],
        integrality=np.ones(m),
        bounds=optimize.Bounds(lb, np.ones(m)),
        options={"time_limit": max(time_limit, 1.0), "disp": False},
    )
    if res.x is None:
        return None
    if res.status != 0:  # not proven: only a yes when the incumbent already fits
        return int(round(res.fun)) if res.fun <= p else None
    return int(round(res.fun))


def pcenter(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    *,
    fixed: Sequence[int] = (),
    time_limit_s: float | None = None,
) -> Solution:
    """Minimise the largest cost from any demand point (weight > 0) to its nearest open site."""
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    c, w, f = _check(cost, weight, p, fixed)
    rows = c[w > 0] if (w > 0).any() else c
    # bounds: every row needs its nearest candidate; a greedy solution gives an upper bound
    lo = float(rows.min(axis=1).max())
    sel = np.asarray(_greedy(rows, p, f, worst=True), dtype=np.int64)
    hi = float(rows[:, sel].min(axis=1).max())
    values = np.unique(rows[(rows >= lo) & (rows <= hi)])
    best_sel, best = sel, hi
    left, right = 0, values.size - 1  # answer is values[k] for the smallest feasible k
    timed_out = False
    while left < right:
        if time.perf_counter() > deadline:
            timed_out = True
            break
        mid = (left + right) // 2
        r = values[mid]
        size = _set_cover_size(rows <= r, f, p, deadline - time.perf_counter())
        if size is not None and size <= p:
            right = mid
        else:
            left = mid + 1
    r_opt = values[right] if values.size else hi
    if r_opt < best:
        cov = rows <= r_opt
        m = c.shape[1]
        lbv = np.zeros(m)
        lbv[f] = 1
        done = cov[:, f].any(axis=1) if f.size else np.zeros(rows.shape[0], dtype=bool)
        res = optimize.milp(
            np.ones(m),
            constraints=[
                optimize.LinearConstraint(
                    sparse.csr_matrix(cov[~done].astype(np.float64)), 1, np.inf
                )
            ]
            if (~done).any()
            else [],
            integrality=np.ones(m),
            bounds=optimize.Bounds(lbv, np.ones(m)),
            options={"time_limit": max(deadline - time.perf_counter(), 1.0), "disp": False},
        )
        if res.x is not None:
            cand = np.flatnonzero(res.x > 0.5)
            if cand.size <= p:
                extra = _greedy(rows, p, cand, worst=True) if cand.size < p else list(cand)
                best_sel = np.asarray(extra, dtype=np.int64)
                best = float(rows[:, best_sel].min(axis=1).max())
    bound = float(values[left]) if timed_out and values.size else best
    bound = min(bound, best)
    gap = _rel_gap(best, bound)
    return Solution(
        "center", _order(best_sel, f), _assign(c, best_sel), best, bound, gap,
        "optimal" if gap <= 1e-7 and not timed_out else "time_limit", time.perf_counter() - t0,
        "binary search over distinct costs with HiGHS set-cover MILPs",
    )  # fmt: skip
