"""The package's version (imports nothing of geo)."""

__version__ = "0.1.0"
