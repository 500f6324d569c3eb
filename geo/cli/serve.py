"""``geo serve``: the catchment service (HTTP, JSON, OpenAPI at /docs)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

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
    sv.add_argument("--register", type=Path, help="address register for lookups by address")
    sv.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    sv.add_argument("--network", type=Path, help="network built by 'geo network build' (.npz)")
    sv.add_argument(
        "--token-file", type=Path,
        help="file holding a bearer token that every request must carry",
    )  # fmt: skip
    options.add_register_columns(sv)
    options.add_study(sv)
    options.add_common(sv)
    sv.set_defaults(run=_cmd_serve, argv=None)


def build_app(args: argparse.Namespace):
    """The service for the parsed ``geo serve`` arguments (also what each worker builds)."""
    from ..service import create_app
    from ..service.run import read_token

    token = read_token(args.token_file) if args.token_file is not None else None
    study = options.study(args)
    register = None
    if args.register is not None:
        from ..geocode import read_register

        register = read_register(
            args.register, crs=args.register_crs, columns=options.register_columns(args)
        )
    network = None
    if args.network is not None:
        from ..network import read_network

        network = read_network(args.network)
    return create_app(study, register=register, network=network, token=token)


def _cmd_serve(args: argparse.Namespace) -> int:
    from ..service import serve
    from ..service.run import read_token

    token = read_token(args.token_file) if args.token_file is not None else None
    app = build_app(args)  # also checks every input before a worker starts
    serve(app, host=args.host, port=args.port, token=token, workers=args.workers,
          argv=sys.argv[1:] if args.argv is None else args.argv)  # fmt: skip
    return 0
