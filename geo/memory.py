"""Giving freed memory back to the operating system after large one-off steps."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache
from typing import Any

__all__ = ["release_free_memory"]

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``; elsewhere a no-op).

    Building a national polygon index allocates and frees hundreds of MB of scratch arrays;
    glibc keeps much of that in its heap, so a process would carry it through a whole run
    (and into every part it processes) without this.
    """
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
