"""Location-allocation core: optimum equals brute force; clear errors; time budget honoured."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from geo.errors import GeoValueError
from geo.siting import max_coverage, pcenter, pmedian


def _instance(seed):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(6, 30)), int(rng.integers(3, 10))
    p = int(rng.integers(1, min(m, 4) + 1))
    pts = rng.uniform(0, 100, (n, 2))
    cand = rng.uniform(0, 100, (m, 2))
    cost = np.hypot(pts[:, None, 0] - cand[None, :, 0], pts[:, None, 1] - cand[None, :, 1])
    w = rng.integers(0, 10, n).astype(float)
    return cost, w, p


@pytest.mark.parametrize("seed", range(25))
def test_optimum_equals_brute_force(seed):
    cost, w, p = _instance(seed)
    m = cost.shape[1]
    fixed = [0] if seed % 3 == 0 else []
    combos = [s for s in itertools.combinations(range(m), p) if all(f in s for f in fixed)]
    best = min((w * cost[:, list(s)].min(axis=1)).sum() for s in combos)
    sol = pmedian(cost, w, p, fixed=fixed)
    assert sol.status == "optimal" and sol.gap == pytest.approx(0, abs=1e-7)
    assert sol.value == pytest.approx(best, rel=1e-9, abs=1e-9)
    assert sol.bound <= sol.value + 1e-6
    assert list(sol.selected[: len(fixed)]) == fixed and len(set(sol.selected)) == p
    # every demand point goes to its nearest open site
    assert np.array_equal(
        cost[np.arange(len(w)), sol.assignment], cost[:, sol.selected].min(axis=1)
    )

    thr = 30.0
    if (w[(cost <= thr).any(axis=1)] > 0).any():
        best_cov = max(w[(cost[:, list(s)] <= thr).any(axis=1)].sum() for s in combos)
        cov = max_coverage(cost, w, p, threshold=thr, fixed=fixed)
        assert cov.value == pytest.approx(best_cov) and cov.status == "optimal"
    if (w > 0).any():
        best_c = min(cost[w > 0][:, list(s)].min(axis=1).max() for s in combos)
        cen = pcenter(cost, w, p, fixed=fixed)
        assert cen.value == pytest.approx(best_c) and cen.status == "optimal"


def test_known_answer_two_clusters():
    # demand at 0, 1, 10, 11 (weights 1), candidates at 0.5 and 10.5 and 5
    d = np.array([0.0, 1.0, 10.0, 11.0])
    c = np.abs(d[:, None] - np.array([0.5, 10.5, 5.0])[None, :])
    s = pmedian(c, None, 2)
    assert sorted(s.selected.tolist()) == [0, 1] and s.value == pytest.approx(2.0)
    s1 = pmedian(c, None, 1)
    assert s1.selected.tolist() == [2] and s1.value == pytest.approx(5 + 4 + 5 + 6)
    assert pcenter(c, None, 1).value == pytest.approx(6.0)
    cov = max_coverage(c, np.array([1.0, 1.0, 1.0, 5.0]), 1, threshold=0.6)
    assert cov.selected.tolist() == [1] and cov.value == 6.0


def test_ill_posed_requests_are_clear_errors():
    c = np.ones((3, 2))
    with pytest.raises(GeoValueError, match="3 sites asked for but only 2 candidates"):
        pmedian(c, None, 3)
    with pytest.raises(GeoValueError, match="2 are fixed open; p must be >= 2"):
        pmedian(c, None, 1, fixed=[0, 1])
    with pytest.raises(GeoValueError, match="no demand point has a candidate within 0"):
        max_coverage(c * 1000, None, 1, threshold=0.5)
    with pytest.raises(GeoValueError, match="weight: need 3 values"):
        pmedian(c, np.ones(2), 1)
    with pytest.raises(GeoValueError, match="NaN"):
        pmedian(np.full((2, 2), np.nan), None, 1)
    with pytest.raises(GeoValueError, match="fixed"):
        pmedian(c, None, 1, fixed=[5])


def test_unservable_pairs_are_avoided():
    c = np.array([[1.0, np.inf], [np.inf, 1.0], [2.0, 2.0]])
    s = pmedian(c, None, 2)
    assert s.value == pytest.approx(1 + 1 + 2)
    s = pmedian(c, None, 1)
    assert np.isfinite(s.bound)


@pytest.mark.slow
def test_time_budget_returns_best_so_far_with_gap(study):
    d = study.demand
    e = d.geometry.centroid.x.to_numpy()
    n = d.geometry.centroid.y.to_numpy()
    w = d["pop_in_kommun_est"].to_numpy()
    cand = np.arange(0, len(e), 4)
    cost = np.hypot(e[:, None] - e[cand][None, :], n[:, None] - n[cand][None, :])
    sol = pmedian(cost, w, 6, time_limit_s=0.05)
    # whatever the machine's speed: a full solution, a valid bound and an honest status
    assert sol.status in ("time_limit", "optimal") and len(sol.selected) == 6
    assert sol.gap >= 0 and sol.bound <= sol.value + 1e-6
    assert (sol.status == "optimal") == (sol.gap <= 1e-7)
    full = pmedian(cost, w, 6, time_limit_s=120)
    assert full.status == "optimal" and full.value <= sol.value + 1e-6


def _brute_capacitated(cost, w, p, cap, fixed=()):
    """Every site set and every single assignment within the capacities: the optimum."""
    n, m = cost.shape
    best = np.inf
    for s in itertools.combinations(range(m), p):
        if not all(f in s for f in fixed):
            continue
        for a in itertools.product(s, repeat=n):
            a = np.array(a)
            loads = np.bincount(a, weights=w, minlength=m)
            if (loads <= cap + 1e-9).all():
                best = min(best, float((w * cost[np.arange(n), a]).sum()))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_capacitated_optimum_equals_brute_force(seed):
    rng = np.random.default_rng(100 + seed)
    n, m, p = 7, 4, 2
    pts, cand = rng.uniform(0, 100, (n, 2)), rng.uniform(0, 100, (m, 2))
    cost = np.hypot(pts[:, None, 0] - cand[None, :, 0], pts[:, None, 1] - cand[None, :, 1])
    w = rng.integers(1, 10, n).astype(float)
    # one capacity per site, some tight, one site without a limit in half the cases
    cap = rng.uniform(0.5, 0.8, m) * w.sum()
    if seed % 2:
        cap[rng.integers(m)] = np.inf
    fixed = [0] if seed % 3 == 0 else []
    best = _brute_capacitated(cost, w, p, cap, fixed)
    sol = pmedian(cost, w, p, capacity=cap, fixed=fixed)
    assert sol.status == "optimal"
    assert sol.value == pytest.approx(best, rel=1e-9)
    loads = np.bincount(sol.assignment, weights=w, minlength=m)
    assert (loads <= cap + 1e-9).all()  # every row at one site, every load within capacity
    assert set(sol.assignment.tolist()) <= set(sol.selected.tolist())


def test_capacitated_refuses_what_cannot_fit():
    cost = np.array([[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(GeoValueError, match="hold at most"):
        pmedian(cost, np.array([5.0, 5.0]), 1, capacity=6.0)
    # a row heavier than every site's capacity: single assignment cannot serve it
    with pytest.raises(GeoValueError, match="alone weighs 9"):
        pmedian(cost, np.array([9.0, 1.0]), 2, capacity=np.array([8.0, 8.0]))
    with pytest.raises(GeoValueError, match="positive"):
        pmedian(cost, None, 1, capacity=np.array([0.0, 3.0]))
