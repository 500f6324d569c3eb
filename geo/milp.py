"""One way to HiGHS: a mixed-integer model solved with a warm start, a time limit and its gap.

Every model geo builds (capacitated location, later the others) is handed to :func:`solve`
as arrays: the objective, a sparse constraint matrix with row bounds, column bounds and which
columns are integer. A known feasible point (a heuristic's answer) is passed as ``start``:
HiGHS then never returns anything worse, so a solve stopped by its time limit still answers
with the best point found and the proven bound (``bound``) beside it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = ["MilpResult", "quiet_stdout", "solve"]


@dataclass(frozen=True)
class MilpResult:
    """What HiGHS found.

    Attributes
    ----------
    x : numpy.ndarray or None
        The best point found (None when none was found within the time).
    value : float
        Its objective value (``inf`` without a point).
    bound : float
        The proven dual bound (a lower bound when minimising; ``-inf`` when none).
    status : str
        ``optimal``, ``infeasible``, ``time_limit`` or HiGHS's own word for anything else.
    """

    x: np.ndarray | None
    value: float
    bound: float
    status: str


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Standard output (the file descriptor: C code's too) to the null device for a moment:
    HiGHS prints its banner on standard output when it starts."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real file (a notebook): nothing to do
        yield
        return
    saved = os.dup(fd)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(null)
        os.close(saved)


def solve(
    cost: np.ndarray,
    matrix: sparse.spmatrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray,
    *,
    start: np.ndarray | None = None,
    time_limit_s: float,
    mip_rel_gap: float = 1e-9,
) -> MilpResult:
    """Minimise ``cost @ x`` subject to ``row_lower <= matrix @ x <= row_upper``, the column
    bounds and integrality (``integer[j]`` true).

    Parameters
    ----------
    cost : numpy.ndarray
        (V,) objective coefficients.
    matrix : scipy.sparse matrix
        (R, V) constraint matrix.
    row_lower, row_upper : numpy.ndarray
        (R,) row bounds (``±inf`` for none).
    col_lower, col_upper : numpy.ndarray
        (V,) column bounds.
    integer : numpy.ndarray
        (V,) booleans: which columns are integer.
    start : numpy.ndarray, optional
        A feasible point to start from (HiGHS keeps it if it finds nothing better).
    time_limit_s : float
        Seconds (at least one).
    mip_rel_gap : float
        Relative gap at which the solve stops as optimal.
    """
    import highspy

    mat = sparse.csc_matrix(matrix)
    nvar = int(cost.size)
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_ = nvar
    lp.num_row_ = int(mat.shape[0])
    lp.col_cost_ = np.asarray(cost, dtype="float64")
    lp.col_lower_ = np.asarray(col_lower, dtype="float64")
    lp.col_upper_ = np.asarray(col_upper, dtype="float64")
    lp.row_lower_ = np.where(np.isfinite(row_lower), row_lower, -inf).astype("float64")
    lp.row_upper_ = np.where(np.isfinite(row_upper), row_upper, inf).astype("float64")
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr
    lp.a_matrix_.index_ = mat.indices
    lp.a_matrix_.value_ = mat.data.astype("float64")
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
        for i in np.asarray(integer, dtype=bool)
    ]
    with quiet_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 1.0))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 1)
    h.passModel(lp)
    if start is not None:
        s = highspy.HighsSolution()
        s.col_value = np.asarray(start, dtype="float64").tolist()
        s.value_valid = True
        h.setSolution(s)
    if h.run() == highspy.HighsStatus.kError:
        # another HiGHS user in this process (PuLP, say) started HiGHS's global thread
        # scheduler with another thread count: start it afresh and run again
        highspy.Highs.resetGlobalScheduler(True)
        h.run()
    word = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    status = {"Optimal": "optimal", "Infeasible": "infeasible", "Time limit reached": "time_limit"}
    bound = float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else -np.inf
    values = np.asarray(h.getSolution().col_value)
    if values.size != nvar or info.primal_solution_status < 2:
        return MilpResult(None, np.inf, bound, status.get(word, word))
    return MilpResult(values, float(cost @ values), bound, status.get(word, word))
