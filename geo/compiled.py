"""Whether compiled kernels (numba) can run here; the one switch every kernel reads."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["have_compiler"]


@lru_cache(maxsize=1)
def have_compiler() -> bool:
    """Whether numba is installed and works here (kernels fall back to their reference code
    otherwise)."""
    try:
        import numba  # noqa: F401
    except Exception:  # noqa: BLE001 - any failure means: use the reference code
        return False
    return True
