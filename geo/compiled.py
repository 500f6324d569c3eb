"""Whether compiled kernels (numba) can run here; the one switch every kernel reads."""

from __future__ import annotations

import importlib.util
import sys
from functools import lru_cache

from . import settings

__all__ = ["have_compiler", "use_compiled"]


@lru_cache(maxsize=1)
def have_compiler() -> bool:
    """Whether numba is installed here (found without importing it: the import costs a third
    of a second, paid only when a kernel runs); kernels fall back to their reference code
    otherwise."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
        return False


def use_compiled(size: int) -> bool:
    """Whether a kernel should run for ``size`` items: numba works here, and either the
    kernels are loaded already or the work is large enough to repay loading them (about
    half a second, once per process: more than GEOS or a k-d tree spends on a lookup or a
    municipality's addresses)."""
    if not have_compiler():
        return False
    return "geo.kernels" in sys.modules or size >= settings.compiled_min_items
