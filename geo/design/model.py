"""Drawing the areas: balanced, contiguous, each around its base — exact where it can be.

Every unit goes to one area; each area holds its base's unit, is one connected piece, and
carries a workload within ``tolerance`` of the mean. Among such partitions the one with the
least

    Σ people × cost to the own base  +  keep_today × people moved from today's area

is wanted (cost in km, or minutes with a travel network).

The model is a mixed-integer program solved by HiGHS: ``x[i,k] = 1`` when unit ``i`` is in
area ``k``; contiguity by a flow from each base's unit over the edges between units of the
same area (every other unit of the area consumes one unit of flow, so each is reached from the
base). A greedy region-growing heuristic gives a start; HiGHS proves the optimum or stops at
``time_limit_s`` with the gap it proved, and every output says which. A tolerance that no
partition meets stops with one line naming the tightest tolerance that can be met (found by
the same model, minimising the largest deviation).
"""

from __future__ import annotations

import heapq
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from .. import milp, settings
from ..errors import GeoValueError
from .units import DesignUnits

__all__ = ["Partition", "solve_partition"]

logger = logging.getLogger(__name__)


@dataclass
class Partition:
    """A solved partition of units into areas.

    Attributes
    ----------
    assignment : numpy.ndarray
        Area index of each unit.
    objective : float
        Σ people × cost + keep_today × people moved (km or minutes × people).
    bound : float
        The best proven lower bound of the objective.
    gap : float
        (objective − bound) / objective: 0 for a proven optimum.
    status : str
        ``optimal`` (proven), ``time_limit`` (the best found, with the gap), or
        ``heuristic`` (HiGHS found nothing better than the start in time).
    seconds : float
    tolerance : float
        The balance tolerance met (largest ``abs(workload - mean) / mean`` allowed).
    """

    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    tolerance: float
    notes: list[str] = field(default_factory=list)


def _arcs(units: DesignUnits) -> np.ndarray:
    e = units.edges
    return np.vstack([e, e[:, ::-1]]) if len(e) else np.empty((0, 2), dtype=np.int64)


def is_contiguous(assignment: np.ndarray, roots: list[int], units: DesignUnits) -> bool:
    """Whether every area is one connected piece holding its root."""
    nb = units.neighbours()
    for k, r in enumerate(roots):
        if assignment[r] != k:
            return False
        members = set(np.flatnonzero(assignment == k).tolist())
        if _reached(r, members, nb) != members:
            return False
    return True


def _reached(start: int, members: set[int], nb: list[list[int]]) -> set[int]:
    """The members reached from ``start`` over edges between members."""
    seen, stack = {start}, [start]
    while stack:
        i = stack.pop()
        for j in nb[i]:
            if j in members and j not in seen:
                seen.add(j)
                stack.append(j)
    return seen


def grow(units: DesignUnits, roots: list[int], cost: np.ndarray) -> np.ndarray:
    """A contiguous start: areas grow from their roots, the lightest area taking its
    cheapest neighbouring unit first (a heuristic; it need not meet the tolerance)."""
    n, k_all = len(units), len(roots)
    nb = units.neighbours()
    w = units.workload
    out = np.full(n, -1, dtype=np.int64)
    load = np.zeros(k_all)
    frontier: list[list[tuple[float, int]]] = [[] for _ in range(k_all)]
    for k, r in enumerate(roots):
        out[r] = k
        load[k] += w[r]
    for k, r in enumerate(roots):
        for j in nb[r]:
            heapq.heappush(frontier[k], (float(cost[j, k]), j))
    left = int((out < 0).sum())
    while left:
        order = np.argsort(load)
        moved = False
        for k in order.tolist():
            while frontier[k] and out[frontier[k][0][1]] >= 0:
                heapq.heappop(frontier[k])
            if not frontier[k]:
                continue
            _, j = heapq.heappop(frontier[k])
            out[j] = k
            load[k] += w[j]
            left -= 1
            for m in nb[j]:
                if out[m] < 0:
                    heapq.heappush(frontier[k], (float(cost[m, k]), m))
            moved = True
            break
        if not moved:  # pragma: no cover - the units are joined into one component
            raise GeoValueError("units: some units cannot be reached from any base")
    return out


def rebalance(
    assignment: np.ndarray,
    roots: list[int],
    units: DesignUnits,
    cost: np.ndarray,
    tolerance: float,
    *,
    max_moves: int = 20_000,
) -> np.ndarray:
    """Move units across borders, from the heaviest areas to lighter neighbours, keeping
    every area one piece, until every area is within ``tolerance`` (or no move helps).

    Each move takes, among the units of the heaviest area on its border with a lighter
    area, one whose leaving keeps the area connected, preferring the least extra cost.
    """
    a = assignment.copy()
    n, k_all = len(units), len(roots)
    w = units.workload
    mean = w.sum() / k_all
    nb = units.neighbours()
    is_root = np.zeros(n, dtype=bool)
    is_root[roots] = True
    load = np.bincount(a, weights=w, minlength=k_all)

    def connected_without(k: int, out: int) -> bool:
        left = set(np.flatnonzero(a == k).tolist()) - {out}
        return len(_reached(roots[k], left, nb)) == len(left)

    # local search on the sum of squared deviations: a border unit moves from a heavier to a
    # lighter neighbouring area when that lowers the sum, so load flows along chains of areas
    for _ in range(max_moves):
        if (np.abs(load - mean) / mean).max() <= tolerance:
            break
        cands: list[tuple[float, float, int, int]] = []  # (-gain, extra cost, unit, new area)
        for i in range(n):
            src = int(a[i])
            if is_root[i] or w[i] <= 0:
                continue
            for t in {int(a[j]) for j in nb[i] if a[j] != src}:
                before = (load[src] - mean) ** 2 + (load[t] - mean) ** 2
                after = (load[src] - w[i] - mean) ** 2 + (load[t] + w[i] - mean) ** 2
                if after < before - 1e-9:
                    extra = float(cost[i, t] - cost[i, src]) * float(units.people[i])
                    cands.append((after - before, extra, i, t))
        moved = False
        for _, _, i, t in sorted(cands):
            src = int(a[i])
            if connected_without(src, i):
                a[i] = t
                load[src] -= w[i]
                load[t] += w[i]
                moved = True
                break
        if not moved:
            break
    return a


def _deviation(assignment: np.ndarray, w: np.ndarray, k_all: int) -> float:
    load = np.bincount(assignment, weights=w, minlength=k_all)
    mean = w.sum() / k_all
    return float(np.abs(load - mean).max() / mean)


def solve_partition(
    units: DesignUnits,
    roots: list[int],
    cost: np.ndarray,
    *,
    tolerance: float = 0.10,
    keep_today: float = 0.0,
    today: np.ndarray | None = None,
    time_limit_s: float | None = None,
) -> Partition:
    """The best partition of ``units`` into ``len(roots)`` areas (see the module).

    Parameters
    ----------
    units : DesignUnits
    roots : list of int
        The unit of each area's base.
    cost : numpy.ndarray
        (units × areas) cost from each unit's centre to each area's base (km or minutes;
        ``inf`` unreachable).
    tolerance : float
        Largest ``abs(workload - mean) / mean`` of an area.
    keep_today : float
        Cost per person moved from today's area (km or minutes per person).
    today : numpy.ndarray, optional
        Today's area index of each unit (``-1`` where none): the areas ``k`` that keep units.
    time_limit_s : float, optional
        Default :data:`geo.settings.time_limit_s`.
    """
    time_limit_s = settings.time_limit_s if time_limit_s is None else time_limit_s
    n, k_all = len(units), len(roots)
    if len(set(roots)) != k_all:
        raise GeoValueError("bases: two bases lie in the same unit; one base per unit")
    if tolerance < 0:
        raise GeoValueError(f"tolerance: must be 0 or more; received {tolerance}")
    w = units.workload
    people = units.people
    finite = np.isfinite(cost)
    big = float(cost[finite].max()) * 10 if finite.any() else 1e6
    c = np.where(finite, cost, big)
    moved = np.zeros((n, k_all))
    if today is not None and keep_today:
        moved = (np.asarray(today)[:, None] != np.arange(k_all)[None, :]) & (
            np.asarray(today)[:, None] >= 0
        )
    unit_cost = people[:, None] * c + keep_today * people[:, None] * moved
    t0 = time.perf_counter()
    start = rebalance(grow(units, roots, cost), roots, units, c, tolerance)
    sol = _mip(units, roots, unit_cost, w, tolerance, start, time_limit_s, minimise_deviation=False)
    if not isinstance(sol, tuple):
        tight = _mip(units, roots, unit_cost, w, tolerance, start, time_limit_s,
                     minimise_deviation=True)  # fmt: skip
        best, bound, proven = (
            tight if isinstance(tight, tuple) else (_deviation(start, w, k_all), 0.0, False)
        )
        proposal = f"--tolerance {np.ceil(best * 1000) / 1000:.3f}"
        if sol == "infeasible":
            what = (
                f"the tightest that can be met is {best:.3f}"
                if proven
                else f"a partition within {best:.3f} exists (none is proven tighter than "
                f"{max(bound, 0.0):.3f})"
            )
            raise GeoValueError(
                f"tolerance: no contiguous partition around these bases keeps every area "
                f"within {tolerance:.3f} of the mean workload; {what}: pass {proposal}"
            )
        raise GeoValueError(
            f"tolerance: no partition within {tolerance:.3f} of the mean workload was found in "
            f"{time_limit_s:g} s (none is proven impossible); the closest found is within "
            f"{best:.3f}: raise --time-limit, or pass {proposal}"
        )
    assignment, objective, bound, status = sol
    gap = (
        0.0 if status == "optimal" or objective <= 0 else max(0.0, (objective - bound) / objective)
    )
    return Partition(
        assignment, objective, bound, gap, status, time.perf_counter() - t0,
        _deviation(assignment, w, k_all),
    )  # fmt: skip


def _mip(
    units: DesignUnits,
    roots: list[int],
    unit_cost: np.ndarray,
    w: np.ndarray,
    tolerance: float,
    start: np.ndarray,
    time_limit_s: float,
    *,
    minimise_deviation: bool,
):  # type: ignore[no-untyped-def]
    """Build and solve the model with HiGHS.

    Variables: x[i,k] (binary, n·K), f[a,k] (flow on arc a, continuous, A·K) and, when
    ``minimise_deviation``, the largest relative deviation d. Returns ``"infeasible"`` when
    no partition meets the tolerance (proven), ``"no_solution"`` when none was found in time;
    else (assignment, objective, bound, status), or with ``minimise_deviation`` (best d,
    bound on d, proven).
    """
    n, k_all = len(units), len(roots)
    arcs = _arcs(units)
    a_all = len(arcs)
    nx, nf = n * k_all, a_all * k_all
    nvar = nx + nf + (1 if minimise_deviation else 0)
    big_m = float(n - k_all + 1)
    mean = float(w.sum()) / k_all

    def xi(i: int, k: int) -> int:
        return i * k_all + k

    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    r = 0

    def add(c: np.ndarray, v: np.ndarray, lower: float, upper: float) -> None:
        nonlocal r
        rows.append(np.full(len(c), r))
        cols.append(np.asarray(c, dtype=np.int64))
        vals.append(np.asarray(v, dtype="float64"))
        lo.append(lower)
        hi.append(upper)
        r += 1

    inf = np.inf
    for i in range(n):  # each unit in one area
        add(np.array([xi(i, k) for k in range(k_all)]), np.ones(k_all), 1.0, 1.0)
    d = nx + nf
    for k in range(k_all):  # balance
        c = np.array([xi(i, k) for i in range(n)])
        if minimise_deviation:
            add(np.append(c, d), np.append(w, -mean), -inf, mean)
            add(np.append(c, d), np.append(w, mean), mean, inf)
        else:
            add(c, w, (1 - tolerance) * mean, (1 + tolerance) * mean)
    into: list[list[int]] = [[] for _ in range(n)]
    out_of: list[list[int]] = [[] for _ in range(n)]
    for a, (i, j) in enumerate(arcs.tolist()):
        out_of[i].append(a)
        into[j].append(a)
    for k, root in enumerate(roots):
        base = nx + k * a_all
        for i in range(n):  # flow: every non-root unit of area k consumes one unit
            if i == root:
                continue
            fin = [base + a for a in into[i]]
            fout = [base + a for a in out_of[i]]
            add(np.array([*fin, *fout, xi(i, k)]),
                np.array([1.0] * len(fin) + [-1.0] * len(fout) + [-1.0]), 0.0, 0.0)  # fmt: skip
        for a, (i, j) in enumerate(arcs.tolist()):  # flow only between units of area k
            add(np.array([base + a, xi(i, k)]), np.array([1.0, -big_m]), -inf, 0.0)
            add(np.array([base + a, xi(j, k)]), np.array([1.0, -big_m]), -inf, 0.0)
    mat = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nvar)
    )
    lower = np.zeros(nvar)
    upper = np.concatenate([np.ones(nx), np.full(nf, big_m), [inf] if minimise_deviation else []])
    for k, root in enumerate(roots):  # each base's unit is its area's
        for kk in range(k_all):
            lower[xi(root, kk)] = upper[xi(root, kk)] = 1.0 if kk == k else 0.0
    cost = np.zeros(nvar)
    if minimise_deviation:
        cost[d] = 1.0
    else:
        cost[:nx] = unit_cost.reshape(-1)
    integer = np.zeros(nvar, dtype=bool)
    integer[:nx] = True
    guess = None
    if start is not None:  # the greedy start, with a flow that makes it contiguous
        guess = _start_vector(start, roots, units, arcs, nvar, nx, minimise_deviation, w, mean)
    res = milp.solve(
        cost, mat, np.array(lo), np.array(hi), lower, upper, integer,
        start=guess, time_limit_s=time_limit_s, mip_rel_gap=1e-4,
    )  # fmt: skip
    if res.status == "infeasible":
        return "infeasible"
    if res.x is None:
        return "no_solution"
    values = res.x
    x = values[:nx].reshape(n, k_all)
    assignment = x.argmax(axis=1)
    proven = res.status == "optimal"
    if minimise_deviation:
        best = _deviation(assignment, w, k_all)
        return best, res.bound, proven
    objective = float((unit_cost[np.arange(n), assignment]).sum())
    bound = res.bound
    return assignment, objective, min(bound, objective), "optimal" if proven else "time_limit"


def _start_vector(
    start: np.ndarray,
    roots: list[int],
    units: DesignUnits,
    arcs: np.ndarray,
    nvar: int,
    nx: int,
    minimise_deviation: bool,
    w: np.ndarray,
    mean: float,
) -> np.ndarray | None:
    """The column values of a contiguous assignment: x, and a flow along a BFS tree."""
    n, k_all = len(units), len(roots)
    if not is_contiguous(start, roots, units):
        return None
    vec = np.zeros(nvar)
    vec[np.arange(n) * k_all + start] = 1.0
    arc_of = {(int(i), int(j)): a for a, (i, j) in enumerate(arcs.tolist())}
    nb = units.neighbours()
    for k, root in enumerate(roots):
        members = set(np.flatnonzero(start == k).tolist())
        parent = {root: -1}
        order = [root]
        for i in order:
            for j in nb[i]:
                if j in members and j not in parent:
                    parent[j] = i
                    order.append(j)
        sub = {i: 1 for i in order}
        for i in reversed(order[1:]):  # the flow into i feeds i and its subtree
            sub[parent[i]] += sub[i]
            vec[nx + k * len(arcs) + arc_of[(parent[i], i)]] = sub[i]
    if minimise_deviation:
        vec[-1] = _deviation(start, w, k_all)
    return vec
