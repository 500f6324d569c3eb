"""Files: where the embedded study lives, checks on input paths, atomic writes, names."""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from ..errors import InputFileError

__all__ = ["atomic_path", "check_file", "data_dir", "outputs_together", "slug"]

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
    """Yield a temporary path beside ``path``; rename it over ``path`` on success (inside
    :func:`outputs_together`: when every output of the run is written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    os.unlink(tmp)  # drivers such as GPKG want to create the file themselves
    tmp_path = Path(tmp)
    staged = _STAGED.get()
    try:
        yield tmp_path
        if staged is not None:
            staged.append((tmp_path, path))
            return
        os.replace(tmp_path, path)
    finally:
        if staged is None and tmp_path.exists():
            tmp_path.unlink()


_STAGED: contextvars.ContextVar[list[tuple[Path, Path]] | None] = contextvars.ContextVar(
    "geo_staged_outputs", default=None
)


@contextlib.contextmanager
def outputs_together() -> Iterator[None]:
    """One run's output files appear together or not at all: every file written inside is
    kept under a temporary name until all are written, then all are renamed into place at
    once (a failure or a kill before that leaves every old output as it was)."""
    staged: list[tuple[Path, Path]] = []
    token = _STAGED.set(staged)
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _STAGED.reset(token)
    for tmp, path in staged:
        os.replace(tmp, path)
