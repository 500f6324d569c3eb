"""Command-line interface: ``geo assign``, ``geo summary``, ``geo audit``, ``geo site``,
``geo whatif``, ``geo map``, ``geo geocode``, ``geo network``, ``geo study``, ``geo serve``
and ``geo demo-addresses``.

One module per subcommand group; each adds its parser (``register``) and runs it. Errors are
printed as one line (``geo: error: ...``) with exit code 2, never a traceback; this is the only
place in the package that configures logging output.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn

from .. import __version__
from ..errors import GeoError
from ..io.postgis import mask_secrets
from . import (
    areas,
    assign,
    demo,
    geocode,
    maps,
    network,
    report,
    results,
    serve,
    siting,
    study,
)

__all__ = ["main"]

logger = logging.getLogger("geo")


class _Parser(argparse.ArgumentParser):
    """argparse with geo's errors: one line ``geo: error: …`` (no usage block), exit code 2,
    any password in it masked (argparse echoes a value it could not take)."""

    def error(self, message: str) -> NoReturn:
        _error(f"{self.prog.removeprefix('geo ')}: {message}" if self.prog != "geo" else message)
        sys.exit(2)


def parser() -> argparse.ArgumentParser:
    """The ``geo`` command's parser, every subcommand registered."""
    p = _Parser(
        prog="geo",
        description="Catchment areas, distances and siting for municipal social services.",
    )
    p.add_argument("--version", action="version", version=f"geo {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (
        assign, results, siting, areas, maps, report, geocode, network, study, serve, demo,
    ):  # fmt: skip
        module.register(sub)
    return p


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings (e.g. GDAL's about a damaged file) as one log line, no source line."""
    logger.warning("warning: %s", " ".join(str(message).split()))


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr, force=True)
    logging.getLogger("geo").setLevel(level)
    warnings.showwarning = _show_warning
    if args.verbose < 2:
        # dask's own INFO lines (scheduler, nanny, worker start/stop) are noise for a user;
        # the environment variable reaches the worker processes too.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        logging.getLogger("distributed").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geo`` command."""
    args = parser().parse_args(argv)
    _configure_logging(args)
    try:
        return int(args.run(args))
    except GeoError as exc:
        _error(str(exc))
        return 2
    except (OSError, MemoryError) as exc:
        _error(f"{type(exc).__name__}: {exc}")
        return 2
    except KeyboardInterrupt:
        print("geo: interrupted; no output was written", file=sys.stderr)
        return 130
    except Exception as exc:
        logger.debug("internal error", exc_info=True)
        _error(
            f"internal error ({type(exc).__name__}: {exc}); no output was written. Please "
            "report it with the command line (not the data); -vv shows the traceback"
        )
        return 2


def _error(message: str) -> None:
    """Print one ``geo: error:`` line (a message's line breaks folded into spaces, any
    password masked)."""
    print("geo: error: " + " ".join(mask_secrets(message).split()), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
