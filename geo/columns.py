"""Output columns built from arrays: categories from polygon indices, rounding in place."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["categorical", "round1"]


def round1(values: np.ndarray) -> np.ndarray:
    """Round to 0.1 m in place (the array is ours) and return it."""
    return np.round(values, 1, out=values)


def categorical(codes: np.ndarray, categories: list[str]) -> pd.Categorical:
    """Categorical from polygon indices (``-1`` -> missing); repeated names share a category."""
    first = {c: i for i, c in enumerate(dict.fromkeys(categories))}
    uniq = list(first)
    if len(uniq) != len(categories):  # e.g. several settlement polygons share a class
        remap = np.array([first[c] for c in categories] + [-1])
        codes = remap[codes]
    # the codes index the categories by construction (polygon indices, -1 for none)
    return pd.Categorical.from_codes(codes, categories=pd.Index(uniq, dtype=object), validate=False)
