"""Figures of a cost per person or address: the one implementation every page uses.

A *cost* is what one person (or address, or demand cell) pays to reach a base: metres, or
seconds with a network; ``inf`` (or ``nan``) where no route reaches any base. Every figure
geo shows — the summaries of ``geo assign``, ``geo site``'s before/after, ``geo whatif`` and
``compare``, the decision report, ``/api/summary`` and the planning studio (whose JavaScript
mirrors this module step by step) — is computed here, by these rules:

``total``
    The sum of the weights (people, addresses, or a weighted demand).
``unreachable``
    The weight whose cost is not finite: counted apart, in no mean, percentile or maximum.
``mean``
    The weighted mean cost of the reachable weight.
``p90`` (and any quantile ``q``)
    The *inverted cumulative distribution*: the smallest cost at which the cumulative
    weight of the reachable, sorted by cost, reaches ``q`` × their total weight. With equal
    weights this is the order statistic at position ⌈q·n⌉ (numpy's
    ``method="inverted_cdf"``): a cost somebody really has, never an interpolation. The
    median is the same rule with ``q = 0.5``.
``max``
    The largest reachable cost.
``share_within`` a threshold
    The weight whose cost is at most the threshold, over the **total** weight (the
    unreachable are not within).
``better`` / ``worse``
    The weight whose cost falls / rises by more than a tolerance between two scenarios.

Weights are summed as whole thousandths (:func:`exact_weights`), so every weight sum is exact
in any order of summation: the studio (JavaScript, adding one by one) and numpy get the same
bits. Figures of an empty or all-unreachable group are ``nan``.

To change how a p90 is computed, change :func:`weighted_quantile` (and the studio's
``geo/maps/data/studio_core.js``, which a test holds to it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "FIGURES",
    "change",
    "exact_weights",
    "figures",
    "group_figures",
    "quantile_rank",
    "weighted_mean",
    "weighted_quantile",
]

#: The figures :func:`figures` gives, in order (``share_within`` is one per threshold).
FIGURES = ("total", "unreachable", "mean", "p90", "max")
#: Weights are summed in units of 1/WEIGHT_SCALE (whole numbers: exact sums).
WEIGHT_SCALE = 1000.0


def exact_weights(weights: np.ndarray) -> np.ndarray:
    """Weights as whole thousandths (float64): sums of them are exact in any order.

    Divide a sum by :data:`WEIGHT_SCALE` to get back the weight.
    """
    return np.round(np.asarray(weights, dtype="float64") * WEIGHT_SCALE)


def _reachable(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (weights > 0)


def quantile_rank(n: np.ndarray | int, q: float) -> np.ndarray:
    """0-based rank of the ``q`` quantile among ``n`` equally weighted values sorted
    ascending: ⌈q·n⌉ − 1 (at least 0), the rule of :func:`weighted_quantile` with one weight
    each. Used where values are ranked without weights (a departure window, a national run's
    merged histograms)."""
    k = np.ceil(q * np.asarray(n, dtype="float64")).astype(np.int64) - 1
    return np.maximum(k, 0)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile (0–1) of ``values`` weighted by ``weights``: inverted CDF.

    The smallest value at which the cumulative weight of the finite values, in ascending
    order, reaches ``q`` × their total weight. Non-finite values and zero weights are left
    out; ``nan`` when nothing is left.
    """
    values = np.asarray(values, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    ok = _reachable(values, weights)
    if not ok.any():
        return float("nan")
    v, w = values[ok], weights[ok]
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = np.cumsum(w)
    return float(v[min(int(np.searchsorted(cum, q * cum[-1], side="left")), v.size - 1)])


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """The weighted mean of the finite values (``nan`` when none has weight)."""
    values = np.asarray(values, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    ok = _reachable(values, weights)
    total = float(weights[ok].sum())
    if total <= 0:
        return float("nan")
    # summed one by one, in order (as the studio sums): the same bits in both
    zero = np.zeros(int(ok.sum()), dtype=np.int64)
    return float(np.bincount(zero, values[ok] * weights[ok], minlength=1)[0] / total)


def figures(
    values: np.ndarray,
    weights: np.ndarray,
    *,
    thresholds: Sequence[float] = (),
    quantiles: Sequence[float] = (0.9,),
) -> dict[str, float]:
    """The figures of one group (see the module's rules).

    Parameters
    ----------
    values : numpy.ndarray
        Cost per element (m or s; ``inf``/``nan`` unreachable).
    weights : numpy.ndarray
        Weight per element (people, addresses, …), ≥ 0.
    thresholds : sequence of float
        Costs (same unit as ``values``) for ``share_within``.
    quantiles : sequence of float
        Quantiles to give, as ``p50``, ``p90`` … (``p90`` by default).

    Returns
    -------
    dict
        ``total``, ``unreachable`` (weights), ``mean``, ``p<q>`` per quantile, ``max``, and
        ``share_within_<i>`` for the ``i``-th threshold.
    """
    values = np.asarray(values, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    ok = _reachable(values, weights)
    total = float(weights.sum())
    out: dict[str, float] = {
        "total": total,
        "unreachable": float(weights[~np.isfinite(values)].sum()),
        "mean": weighted_mean(values, weights),
    }
    for q in quantiles:
        out[f"p{round(q * 100):d}"] = weighted_quantile(values, weights, q)
    out["max"] = float(values[ok].max()) if ok.any() else float("nan")
    for i, t in enumerate(thresholds):
        inside = float(weights[values <= t].sum())
        out[f"share_within_{i}"] = inside / total if total > 0 else float("nan")
    return out


def change(
    before: np.ndarray, after: np.ndarray, weights: np.ndarray, *, tolerance: float
) -> tuple[float, float]:
    """The weight better off and worse off: cost falls / rises by more than ``tolerance``.

    A cost that becomes reachable is better, one that becomes unreachable worse; both
    unreachable is no change.
    """
    before = np.asarray(before, dtype="float64")
    after = np.asarray(after, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    with np.errstate(invalid="ignore"):
        d = after - before  # inf - inf = nan: no change
    return float(weights[d < -tolerance].sum()), float(weights[d > tolerance].sum())


def group_figures(
    codes: np.ndarray,
    n_groups: int,
    values: np.ndarray,
    weights: np.ndarray,
    *,
    thresholds: Sequence[float] = (),
    quantiles: Sequence[float] = (0.9,),
) -> dict[str, np.ndarray]:
    """:func:`figures` for many groups at once (one sort), e.g. areas × settlement classes.

    Parameters
    ----------
    codes : numpy.ndarray
        Group of each element, ``0 … n_groups - 1`` (``-1``: in no group).
    n_groups : int
    values, weights, thresholds, quantiles
        As :func:`figures`.

    Returns
    -------
    dict of numpy.ndarray
        The keys of :func:`figures`, each an array of ``n_groups`` values, plus ``count``
        (elements) and ``reachable`` (weight with a finite cost).
    """
    codes = np.asarray(codes, dtype=np.int64)
    values = np.asarray(values, dtype="float64")
    weights = np.asarray(weights, dtype="float64")
    keep = codes >= 0
    codes, values, weights = codes[keep], values[keep], weights[keep]
    ok = _reachable(values, weights)
    finite = np.isfinite(values)
    out: dict[str, np.ndarray] = {
        "count": np.bincount(codes, minlength=n_groups).astype(np.int64),
        "total": np.bincount(codes, weights, minlength=n_groups),
        "unreachable": np.bincount(codes[~finite], weights[~finite], minlength=n_groups),
    }
    reach = np.bincount(codes[ok], weights[ok], minlength=n_groups)
    out["reachable"] = reach
    wsum = np.bincount(codes[ok], values[ok] * weights[ok], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["mean"] = np.where(reach > 0, wsum / np.where(reach > 0, reach, 1.0), np.nan)
    order = np.lexsort((values[ok], codes[ok]))
    gc, gv, gw = codes[ok][order], values[ok][order], weights[ok][order]
    starts = np.searchsorted(gc, np.arange(n_groups), side="left")
    ends = np.searchsorted(gc, np.arange(n_groups), side="right")
    for q in quantiles:
        col = np.full(n_groups, np.nan)
        for g in np.flatnonzero(ends > starts).tolist():
            v, w = gv[starts[g] : ends[g]], gw[starts[g] : ends[g]]
            cum = np.cumsum(w)
            k = min(int(np.searchsorted(cum, q * cum[-1], side="left")), v.size - 1)
            col[g] = v[k]
        out[f"p{round(q * 100):d}"] = col
    mx = np.full(n_groups, np.nan)
    has = ends > starts
    mx[has] = gv[ends[has] - 1]
    out["max"] = mx
    for i, t in enumerate(thresholds):
        inside = values <= t
        within = np.bincount(codes[inside], weights[inside], minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"share_within_{i}"] = np.where(
                out["total"] > 0, within / np.where(out["total"] > 0, out["total"], 1.0), np.nan
            )
    return out
