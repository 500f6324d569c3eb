"""Numbers written by people: one reading for files, the service, scenarios and study builds.

A value is read the Swedish way as well as the English: a decimal comma or point, spaces
(also no-break and thin spaces) between digit groups, and the typographic minus sign (U+2212).
``"6 472 123,45"``, ``"585 123"``, ``"−12,5"`` and ``"58.41"`` are numbers; ``"1,234.5"``,
``"12 kr"``, ``"inf"`` and ``"nan"`` are not. The scalar :func:`parse_number` and the
vectorised :func:`parse_numbers` apply the same rule (one translation table, one pattern),
so a coordinate typed into the service reads as the same cell of a file does.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import GeoValueError

__all__ = ["NUMBER_PATTERN", "parse_number", "parse_numbers"]

#: What is dropped or replaced before a text is read: spaces between digit groups, the
#: typographic minus, the decimal comma.
_CLEAN = str.maketrans({" ": None, "\u00a0": None, "\u202f": None, "\u2009": None,
                        "\u2212": "-", ",": "."})  # fmt: skip
#: A number after cleaning: sign, digits with an optional decimal part, optional exponent.
NUMBER_PATTERN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(NUMBER_PATTERN)


def _reason(column: str, raw: str) -> str:
    return f"{column} is missing" if raw == "" else f"{column} is not a number: {raw[:40]!r}"


def parse_number(value: object, what: str) -> float:
    """One value as a finite float, or :class:`~geo.errors.GeoValueError` with the reason
    a file's cell would get (``"lat is not a number: 'abc'"``, ``"e is missing"``)."""
    if isinstance(value, bool):
        raise GeoValueError(_reason(what, str(value)))
    if isinstance(value, (int, float, np.integer, np.floating)):
        out = float(value)
        if not np.isfinite(out):
            raise GeoValueError(_reason(what, str(value)))
        return out
    raw = "" if value is None else str(value).strip()
    text = raw.translate(_CLEAN)
    if not _NUMBER.fullmatch(text):
        raise GeoValueError(_reason(what, raw))
    out = float(text)
    if not np.isfinite(out):  # an exponent too large
        raise GeoValueError(_reason(what, raw))
    return out


def parse_numbers(values: pd.Series, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A column of text or numbers as float64, with a reason per row where it is not one.

    Returns
    -------
    values : numpy.ndarray
        ``nan`` where the cell is missing or not a number.
    reason : numpy.ndarray of str
        ``""``, ``"<column> is missing"`` or ``"<column> is not a number: '…'"``.
    """
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        reason = np.where(np.isfinite(arr), "", f"{column} is missing")
        return arr, reason.astype(object)
    text = values.astype("string").fillna("").str.strip()
    cleaned = text.str.translate(_CLEAN)
    good = cleaned.str.fullmatch(NUMBER_PATTERN).fillna(False).to_numpy(dtype=bool)
    arr = np.full(len(values), np.nan)
    if good.any():
        arr[good] = pd.to_numeric(cleaned[good], errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
    reason = np.full(len(values), "", dtype=object)
    bad = ~np.isfinite(arr)
    if bad.any():
        raw = text.to_numpy(dtype=object)
        idx = np.flatnonzero(bad)
        reason[idx] = [_reason(column, str(raw[i])) for i in idx]
    return arr, reason
