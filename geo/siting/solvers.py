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
``cover``
    Location set covering (:func:`set_cover`): the fewest sites that bring every demand
    point within a threshold.

``pmedian`` takes capacities (one for all sites or one per site): every demand point then
goes to exactly one site and no site serves more than its capacity.

``fixed`` sites (existing bases kept) are always open and count towards ``p``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize, sparse

from .. import milp, settings
from ..errors import GeoValueError

__all__ = ["Solution", "max_coverage", "pcenter", "pmedian", "set_cover"]

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
) -> tuple[np.ndarray | None, float, float, bool]:
    """Exact p-median MILP (HiGHS) on candidates ``keep``; ``must`` are forced open.

    Returns (open sites, value, dual bound, proven).
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
    mat = sparse.vstack([rows_assign, link, card])
    lo = np.concatenate([np.ones(n), np.full(nx, -np.inf), [p]])
    hi = np.concatenate([np.ones(n), np.zeros(nx), [p]])
    lb = np.zeros(mk + nx)
    lb[:mk][np.isin(keep, must)] = 1
    integer = np.concatenate([np.ones(mk, dtype=bool), np.zeros(nx, dtype=bool)])
    res = milp.solve(c, mat, lo, hi, lb, np.ones(mk + nx), integer, time_limit_s=time_limit)
    if res.x is None:
        return None, np.inf, res.bound, False
    y = keep[np.flatnonzero(res.x[:mk] > 0.5)]
    return y, res.value, res.bound, res.status == "optimal"


def pmedian(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    *,
    fixed: Sequence[int] = (),
    capacity: float | np.ndarray | None = None,
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
    capacity : float or numpy.ndarray, optional
        Most weight one site may serve (e.g. population or caseload): one number for every
        site, or one per candidate (M,; ``inf`` or NaN = no limit). Every demand row then goes
        to exactly one site (a catchment is one team) and no site's load exceeds its
        capacity; ``assignment`` is that allocation, not always the nearest site.
    time_limit_s : float
        Budget; at the limit the best solution found is returned with its proven gap.

    Returns
    -------
    Solution
    """
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    if capacity is not None:
        return _capacitated(cost, weight, p, fixed, capacity, time_limit_s)
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
        y, val, dual, optimal = _milp_pmedian(wcu, p, keep, must, deadline - time.perf_counter())
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


def _capacities(capacity: float | np.ndarray, m: int) -> np.ndarray:
    """Per-site capacities (M,): a number for all, or one per candidate (``inf`` or NaN =
    no limit for that site)."""
    cap = np.asarray(capacity, dtype="float64")
    if cap.ndim == 0:
        cap = np.full(m, float(cap))
    if cap.shape != (m,):
        raise GeoValueError(f"capacity: need one value or {m} (one per candidate); got {cap.shape}")
    cap = np.where(np.isnan(cap), np.inf, cap)
    if (cap <= 0).any():
        raise GeoValueError(
            f"capacity: every capacity must be positive; received {cap[cap <= 0][0]!r}"
        )
    return cap


def _fits(loads: np.ndarray, cap: np.ndarray) -> bool:
    return bool((loads <= cap * (1 + 1e-12) + 1e-9).all())


def _assign_within(
    c: np.ndarray, w: np.ndarray, sites: np.ndarray, cap: np.ndarray
) -> np.ndarray | None:
    """Single assignment of every row to one of ``sites`` within their capacities: rows by
    regret (what they lose if their nearest site is full) to the cheapest site with room, then
    shifts to cheaper sites with room while any lowers the total. None when the rows do not
    fit this way."""
    sub = c[:, sites]
    order_sites = np.argsort(sub, axis=1, kind="stable")
    best = sub[np.arange(len(c)), order_sites[:, 0]]
    second = sub[np.arange(len(c)), order_sites[:, 1]] if sites.size > 1 else np.full(len(c), _BIG)
    regret = (second - best) * w
    room = cap[sites].astype("float64").copy()
    out = np.empty(len(c), dtype=np.int64)
    for i in np.lexsort((-w, -regret)):
        for k in order_sites[i]:
            if w[i] <= room[k] * (1 + 1e-12) + 1e-9 and sub[i, k] < _BIG:
                out[i] = k
                room[k] -= w[i]
                break
        else:
            return None
    for _ in range(50):  # shifts to a cheaper site with room, best gain first
        here = sub[np.arange(len(c)), out]
        gain = (here[:, None] - sub) * w[:, None]
        gain[(w[:, None] > room[None, :] * (1 + 1e-12) + 1e-9) | (sub >= _BIG)] = 0.0
        moved = False
        for i in np.argsort(-gain.max(axis=1)):
            k = int(np.argmax(gain[i]))
            if gain[i, k] <= 1e-9 * max(abs(here[i] * w[i]), 1.0):
                break
            if w[i] <= room[k] * (1 + 1e-12) + 1e-9:
                room[out[i]] += w[i]
                room[k] -= w[i]
                out[i] = k
                moved = True
        if not moved:
            break
    return sites[out]


def _worth_keeping(
    wc: np.ndarray, p: int, fixed: np.ndarray, ub: float, deadline: float, lb: float
) -> np.ndarray:
    """Which (row, site) pairs may belong to a capacitated solution better than ``ub``.

    Dropping the capacities relaxes the problem, so the uncapacitated Lagrangian bound
    (assignment constraints relaxed with multipliers ``lam``) bounds it from below. Forcing row
    ``i`` to site ``j`` lifts that bound by at least ``max(0, wc[i, j] - lam[i])``, plus, when
    ``j`` is not among the sites the relaxation opens, the price of opening ``j`` instead of the
    dearest one it opens. A pair whose bound then exceeds ``ub`` is in no better solution.
    """
    m = wc.shape[1]
    budget = min(deadline, time.perf_counter() + 10.0)
    bound, lam = _lagrangian(wc, p, fixed, ub, wc.min(axis=1), budget)
    if not bound > lb - 1e-9 * abs(lb):
        logger.debug("capacitated: Lagrangian bound %.6g below %.6g", bound, lb)
    r = wc - lam[:, None]
    rho = np.minimum(r, 0.0).sum(axis=0)
    free = np.setdiff1d(np.arange(m), fixed)
    k_free = p - fixed.size
    chosen = free[np.argsort(rho[free], kind="stable")[:k_free]]
    open_now = np.zeros(m, dtype=bool)
    open_now[fixed] = True
    open_now[chosen] = True
    if k_free:
        extra = np.where(open_now, 0.0, rho - rho[chosen].max())
    else:
        extra = np.where(open_now, 0.0, np.inf)
    lift = np.maximum(r, 0.0) + extra[None, :]
    keep = bound + lift <= ub * (1 + 1e-9) + 1e-9
    logger.info(
        "capacitated: %d of %d pairs and %d of %d sites can improve on %.6g (bound %.6g)",
        int(keep.sum()), keep.size, int(keep.any(axis=0).sum()), m, ub, bound,
    )  # fmt: skip
    return keep


def _capacitated(
    cost: np.ndarray,
    weight: np.ndarray | None,
    p: int,
    fixed: Sequence[int],
    capacity: float | np.ndarray,
    time_limit_s: float,
) -> Solution:
    """Capacitated p-median with single assignment: every demand row to exactly one open
    site, no site's load above its capacity.

    The uncapacitated optimum is a lower bound: where its nearest-site loads fit, it is the
    answer, proven. Otherwise HiGHS solves the MILP (y open, x row-to-site binary) from a warm
    start — the uncapacitated sites (or today's fixed ones) with the rows shifted into the
    capacities — so an answer at the time limit is feasible, never worse than that start, and
    says its gap.
    """
    t0 = time.perf_counter()
    deadline = t0 + time_limit_s
    c, w, f = _check(cost, weight, p, fixed)
    m = c.shape[1]
    cap = _capacities(capacity, m)
    total = float(w.sum())
    free = np.setdiff1d(np.arange(m), f)
    best_room = float(cap[f].sum() + np.sort(cap[free])[::-1][: p - f.size].sum())
    if best_room < total - 1e-9:
        raise GeoValueError(
            f"capacity: {p} sites hold at most {best_room:,.0f} but the demand is {total:,.0f}; "
            f"raise the capacity (to at least {total / p:,.0f} each) or add sites"
        )
    reachable_cap = np.where(c < _BIG, cap[None, :], 0.0).max(axis=1)
    too_big = np.flatnonzero(w > reachable_cap * (1 + 1e-12) + 1e-9)
    if too_big.size:
        i = int(too_big[0])
        raise GeoValueError(
            f"capacity: demand row {i} alone weighs {w[i]:,.0f}, more than any site that can "
            f"serve it holds ({reachable_cap[i]:,.0f}); every row goes to one base, so raise "
            "the capacity or split the row"
        )
    uncap = pmedian(cost, weight, p, fixed=fixed, time_limit_s=max(time_limit_s / 4, 1.0))
    lb = uncap.bound
    loads = np.bincount(uncap.assignment, weights=w, minlength=m)
    if _fits(loads, cap):
        return replace(
            uncap,
            seconds=time.perf_counter() - t0,
            method=uncap.method + "; every load within its capacity at this optimum, which "
            "bounds the capacitated one from below: optimal with capacities too",
        )
    # warm starts: the uncapacitated sites, then today's (fixed) sites plus the greedy rest
    starts = []
    for label, sites in (
        ("the uncapacitated optimum", uncap.selected),
        ("today's sites and greedy additions", _greedy(w[:, None] * c, p, f)),
    ):
        a = _assign_within(c, w, np.asarray(sites, dtype=np.int64), cap)
        if a is not None:
            value = float((w * c[np.arange(len(c)), a]).sum())
            starts.append((value, label, np.asarray(sites, dtype=np.int64), a))
    starts.sort(key=lambda s: s[0])
    usable = c < _BIG
    if starts:  # pairs and sites that cannot be part of anything better than the start
        usable &= _worth_keeping(w[:, None] * c, p, f, starts[0][0], deadline, lb)
        usable[np.arange(len(c)), starts[0][3]] = True
    use = w > 0
    rows = np.flatnonzero(use)
    ii, jj = np.nonzero(usable[rows])
    ii = rows[ii]
    npair = ii.size
    # variables: y (m, binary), x (npair, binary)
    obj = np.concatenate([np.zeros(m), w[ii] * c[ii, jj]])
    pair = np.arange(npair)
    assign = sparse.csr_matrix(
        (np.ones(npair), (np.searchsorted(rows, ii), m + pair)), shape=(rows.size, m + npair)
    )
    link = sparse.csr_matrix(
        (np.r_[np.ones(npair), -np.ones(npair)], (np.r_[pair, pair], np.r_[m + pair, jj])),
        shape=(npair, m + npair),
    )
    capped = np.flatnonzero(np.isfinite(cap))
    cap_row = np.full(m, -1)
    cap_row[capped] = np.arange(capped.size)
    has = cap_row[jj] >= 0
    load = sparse.csr_matrix(
        (
            np.r_[w[ii][has] / cap[jj[has]], -np.ones(capped.size)],
            (np.r_[cap_row[jj][has], np.arange(capped.size)], np.r_[m + pair[has], capped]),
        ),
        shape=(capped.size, m + npair),
    )
    card = sparse.csr_matrix(
        (np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), (1, m + npair)
    )
    mat = sparse.vstack([assign, link, load, card])
    lo = np.r_[np.ones(rows.size), np.full(npair, -np.inf), np.full(capped.size, -np.inf), p]
    hi = np.r_[np.ones(rows.size), np.zeros(npair), np.zeros(capped.size), p]
    col_lo = np.zeros(m + npair)
    col_lo[f] = 1.0
    start = None
    if starts:
        _, _, s_sites, s_assign = starts[0]
        start = np.zeros(m + npair)
        start[s_sites] = 1.0
        key = ii * m + jj
        start[m + np.searchsorted(key, rows * m + s_assign[rows])] = 1.0
    scale = 1000.0 / max(float(obj.max()), 1e-12)  # well-scaled for HiGHS's tolerances
    res = milp.solve(
        obj * scale, mat, lo, hi, col_lo, np.ones(m + npair), np.ones(m + npair, dtype=bool),
        start=start, time_limit_s=max(deadline - time.perf_counter(), 1.0),
        mip_rel_gap=settings.mip_rel_gap,
    )  # fmt: skip
    if res.x is None:
        if res.status == "infeasible":
            raise GeoValueError(
                f"capacity: no way to serve every row from {p} sites within the capacities "
                "(proven); raise the capacity or add sites"
            )
        raise GeoValueError(
            f"capacity: no feasible solution found within {time_limit_s:.0f} s; give more time "
            "(--time-limit) or fewer candidates"
        )
    y = np.flatnonzero(res.x[:m] > 0.5)
    chosen = res.x[m:] > 0.5
    assignment = _assign(c, y)  # zero-weight rows: their nearest open site
    assignment[ii[chosen]] = jj[chosen]
    value = float((w * c[np.arange(len(c)), assignment]).sum())
    bound = max(lb, res.bound / scale) if res.status != "optimal" else value
    bound = min(bound, value)
    gap = _rel_gap(value, bound)
    how = f"warm start: {starts[0][1]} within the capacities" if starts else "no warm start"
    return Solution(
        "pmedian", _order(y, f), assignment, value, bound, gap,
        "optimal" if gap <= settings.mip_rel_gap else "time_limit", time.perf_counter() - t0,
        f"HiGHS MILP, single assignment within capacities ({how}); bound from the "
        "uncapacitated optimum and HiGHS",
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


# ----------------------------------------------------------------------------- set cover
def set_cover(
    cost: np.ndarray,
    *,
    threshold: float,
    fixed: Sequence[int] = (),
    time_limit_s: float | None = None,
) -> Solution:
    """Fewest sites such that every demand row lies within ``threshold`` of an open one
    (location set covering, LSCP).

    Parameters
    ----------
    cost : numpy.ndarray
        (N, M) cost (m or s); ``inf`` = cannot serve.
    threshold : float
        Largest cost that counts as covered (same unit).
    fixed : sequence of int
        Sites that are open whatever the cover needs (existing bases).
    time_limit_s : float, optional

    Returns
    -------
    Solution
        ``objective`` ``cover``; ``value`` the number of open sites, ``bound`` the proven
        fewest; ``assignment`` each row's nearest open site.

    Raises
    ------
    GeoValueError
        When some row has no site within the threshold (no cover exists).
    """
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    t0 = time.perf_counter()
    m = np.asarray(cost).shape[1] if np.ndim(cost) == 2 else 0
    c, _, f = _check(cost, None, max(m, 1), fixed)
    if not threshold > 0:
        raise GeoValueError(f"threshold: must be positive; received {threshold!r}")
    cover = c <= threshold
    lost = np.flatnonzero(~cover.any(axis=1))
    if lost.size:
        raise GeoValueError(
            f"threshold: {lost.size} demand rows have no site within {threshold:,.0f} "
            f"(row {int(lost[0])} first); raise the threshold or add sites"
        )
    done = cover[:, f].any(axis=1) if f.size else np.zeros(c.shape[0], dtype=bool)
    rest = cover[~done]
    lb = np.zeros(m)
    lb[f] = 1
    start = np.zeros(m)
    start[_greedy_set_cover(rest, f)] = 1.0
    res = milp.solve(
        np.ones(m), sparse.csr_matrix(rest.astype(np.float64)),
        np.ones(rest.shape[0]), np.full(rest.shape[0], np.inf), lb, np.ones(m),
        np.ones(m, dtype=bool), start=start, time_limit_s=time_limit_s,
    )  # fmt: skip
    x = start if res.x is None else res.x
    sel = np.flatnonzero(x > 0.5)
    value = float(sel.size)
    bound = value if res.status == "optimal" else max(float(np.ceil(res.bound - 1e-9)), 1.0)
    gap = _rel_gap(value, min(bound, value))
    return Solution(
        "cover", _order(sel, f), _assign(c, sel), value, min(bound, value), gap,
        "optimal" if gap == 0 else "time_limit", time.perf_counter() - t0,
        "HiGHS MILP (location set covering) from a greedy cover",
    )  # fmt: skip


def _greedy_set_cover(cover: np.ndarray, fixed: np.ndarray) -> list[int]:
    """Fixed sites, then the site covering most uncovered rows until all are covered."""
    opened = [int(j) for j in fixed]
    done = np.zeros(cover.shape[0], dtype=bool)
    while not done.all():
        gain = (cover & ~done[:, None]).sum(axis=0)
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
