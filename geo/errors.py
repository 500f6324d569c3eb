"""Exception hierarchy of :mod:`geo`.

Every error raised on purpose by this package derives from :class:`GeoError`, so callers can
catch one class. Errors about a wrong value also derive from :class:`ValueError`, and errors
about a missing column or key from :class:`KeyError`, so generic handlers keep working (the
pattern r5py uses). Messages name the argument, what was received and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "AreaTopologyError",
    "CrsError",
    "DownloadError",
    "EngineError",
    "GeoError",
    "GeoKeyError",
    "GeoValueError",
    "InputFileError",
    "MissingColumnError",
    "MissingDependencyError",
    "ScenarioError",
    "StudyMismatchError",
    "UsageError",
]


class GeoError(Exception):
    """Base class of every error raised by :mod:`geo`."""


class GeoValueError(GeoError, ValueError):
    """An argument or input value is wrong."""


class GeoKeyError(GeoError, KeyError):
    """A requested column, area or base does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class InputFileError(GeoValueError):
    """An input file cannot be read or has no usable content."""


class MissingColumnError(GeoKeyError):
    """A column the computation needs is missing from the input."""


class CrsError(GeoValueError):
    """The coordinate reference system is missing, unknown or inconsistent with the data."""


class AreaTopologyError(GeoValueError):
    """Area polygons overlap, leave gaps, or are otherwise unusable for assignment."""


class StudyMismatchError(GeoValueError):
    """An input that cannot belong to the run's study: made for another municipality, mode,
    demand or version, or lying outside the study area (a base, a feed, a register)."""


class ScenarioError(GeoValueError):
    """A scenario file its schema allows but no reader may take (two bases with one id, ...);
    ``reason`` names the rule (:data:`geo.scenario_file.SCENARIO_PROBLEMS`), the same key the
    studio refuses it with."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UsageError(GeoValueError):
    """Options that do not go together, or an option the chosen input does not take."""


class MissingDependencyError(GeoError, ImportError):
    """An optional package the requested feature needs is not installed (says which)."""


class DownloadError(GeoError, ConnectionError):
    """Data could not be fetched from an online source (no internet, refused, timed out)."""


class EngineError(GeoError, RuntimeError):
    """A compute engine (a dask scheduler or cluster) could not be reached or failed."""
