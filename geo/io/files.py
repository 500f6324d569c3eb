"""Files: where the embedded study lives, checks on input paths, atomic writes, names."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputFileError

__all__ = ["atomic_path", "check_file", "data_dir", "slug"]

logger = logging.getLogger(__name__)


def slug(text: str) -> str:
    """ASCII identifier for a name: ``"öster"`` -> ``"oster"``, ``"Norr 2"`` -> ``"norr_2"``."""
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "_", norm.lower()).strip("_")
    return out or "x"


def data_dir() -> Path:
    """Folder holding the embedded study data (``data/boundaries``).

    Looks at ``$GEO_DATA_DIR``, then the copy installed inside the package, then the source
    checkout's ``data/boundaries``.
    """
    env = os.environ.get("GEO_DATA_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parents[1]  # the package, geo/
    candidates += [here / "_data" / "boundaries", here.parent / "data" / "boundaries"]
    for c in candidates:
        if (c / "regso.gpkg").exists():
            return c
    raise InputFileError(
        "embedded data: data/boundaries/regso.gpkg was not found in "
        + ", ".join(str(c) for c in candidates)
        + "; reinstall the package or run scripts/build_boundaries.py"
    )


def check_file(path: Path, argument: str) -> None:
    """Raise :class:`InputFileError` unless ``path`` is an existing, non-empty file."""
    if not path.exists():
        raise InputFileError(f"{argument}: file {str(path)!r} does not exist")
    if path.is_dir():
        raise InputFileError(f"{argument}: {str(path)!r} is a folder; give a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{argument}: file {str(path)!r} is empty (0 bytes)")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # drivers such as GPKG want to create the file themselves
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()
