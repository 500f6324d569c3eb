"""``geo serve``: the catchment service (HTTP, JSON, OpenAPI at /docs)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from ..io.postgis import Database
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    sv = sub.add_parser(
        "serve",
        help="run the catchment service for the reception desk and other systems",
        description="Answer 'which area team serves this address, and how far is its base?' "
        "over HTTP: /api/lookup?lat=&lon= (or e=&n=, or address= with --register), "
        "/api/areas, /api/bases, /api/summary; the API is described at /docs. Binds to "
        "127.0.0.1 unless --host says otherwise; another address needs --token-file. No "
        "address or coordinate is ever logged.",
    )
    sv.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sv.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    sv.add_argument(
        "--workers", type=int, default=1,
        help="worker processes (default 1; 2 on a two-core machine doubles the lookups/s)",
    )  # fmt: skip
    sv.add_argument(
        "--register", type=options.source, help="address register for lookups by address"
    )
    sv.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    sv.add_argument(
        "--network", type=Path,
        help="network built by 'geo network build' (.npz): travel times in its mode (with "
        "--gtfs: the walk network to and from stops)",
    )  # fmt: skip
    sv.add_argument(
        "--gtfs", type=Path,
        help="GTFS feed: lookups answer with public-transport times (median and p90 over the "
        "departure window) to every base, computed from profiles made at start-up",
    )  # fmt: skip
    sv.add_argument("--depart", help="with --gtfs: start of the departure window")
    sv.add_argument(
        "--window-min", type=int, default=settings.transit_window_min,
        help=f"with --gtfs: departure window, minutes (default {settings.transit_window_min})",
    )  # fmt: skip
    sv.add_argument(
        "--token-file", type=Path,
        help="file holding a bearer token that every request must carry",
    )  # fmt: skip
    sv.add_argument(
        "--max-upload-mb", type=float, default=settings.serve_max_upload_bytes / 1e6,
        help="POST /api/assign: largest upload (MB)",
    )  # fmt: skip
    sv.add_argument(
        "--max-rows", type=int, default=settings.serve_max_rows,
        help="POST /api/assign: most rows per upload",
    )  # fmt: skip
    sv.add_argument(
        "--max-columns", type=int, default=settings.max_columns,
        help="POST /api/assign: most columns per upload (checked on the header line)",
    )  # fmt: skip
    options.add_register_columns(sv)
    options.add_study(sv)
    options.add_common(sv)
    sv.set_defaults(run=_cmd_serve)


def _config(args: argparse.Namespace) -> dict[str, object]:
    """The service's configuration from the parsed ``geo serve`` arguments (JSON-able)."""

    def plain(value: object) -> object:  # JSON for the workers; a table keeps its password
        return value.secret_url() if isinstance(value, Database) else value

    return {
        "study": {k: plain(v) for k, v in options.study_arguments(args).items()},
        "register": plain(str(args.register) if isinstance(args.register, Path) else args.register),
        "register_crs": args.register_crs,
        "register_columns": options.register_columns(args),
        "network": str(args.network) if args.network is not None else None,
        "gtfs": str(args.gtfs) if args.gtfs is not None else None,
        "depart": args.depart,
        "window_min": args.window_min,
        "token_file": str(args.token_file) if args.token_file is not None else None,
        "max_upload_bytes": int(args.max_upload_mb * 1e6),
        "max_rows": args.max_rows,
        "max_columns": args.max_columns,
        "allow_far_inputs": bool(args.allow_far_inputs),
    }


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..service import serve
    from ..service.factory import app_from_config, read_token

    config = _config(args)
    token = read_token(args.token_file) if args.token_file is not None else None
    app = app_from_config(config)  # also checks every input before a worker starts
    serve(app, host=args.host, port=args.port, token=token, workers=args.workers, config=config)
    return 0
