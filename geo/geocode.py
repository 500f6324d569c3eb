"""Deprecated module path: the geocoder lives in :mod:`geo.geocoding`.

``geo.geocode`` is the function (:func:`geo.geocoding.geocode`); a module of the same name
would replace it on the package once imported, so the module moved. Importing from here still
works for one release and warns; the module itself can be called like the function, so a
notebook's ``geo.geocode(...)`` works whatever was imported first.
"""

from __future__ import annotations

import sys
import types
import warnings
from typing import Any

from . import geocoding as _geocoding

warnings.warn(
    "the module geo.geocode is deprecated: import from geo.geocoding (geo.geocode is the function)",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_geocoding, name)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _geocoding.geocode(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
