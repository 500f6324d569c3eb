"""``geo geocode``: text addresses matched to an address register, offline."""

from __future__ import annotations

import argparse
import logging

import pandas as pd

from ..io import tables
from ..io.postgis import Database, check_target
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    gc = sub.add_parser(
        "geocode",
        help="match text addresses to an address register (offline)",
        description="Match addresses written as text ('Storgatan 12 B, 582 23 Linköping') to "
        "a register with coordinates. Every row gets a match level (exact, fuzzy, several, "
        "street_level, locality_level, needs_review, unmatched), a location precision "
        "(address, street, postcode, locality), a score, a reason and suggestions; a summary "
        "is written beside the output. A street that only resembles another is needs_review "
        "('did you mean ...?'), never taken for it. Nothing is sent to any online service.",
    )
    gc.add_argument(
        "addresses", type=options.source,
        help="CSV, Excel or a postgresql:// table with a text address column",
    )  # fmt: skip
    gc.add_argument(
        "--register",
        type=options.source,
        required=True,
        help="address register with coordinates (a file or a postgresql:// table)",
    )
    gc.add_argument("--address-col", help="column with the text address")
    gc.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    gc.add_argument("--min-score", type=float, default=85.0, help="fuzzy street score (0-100)")
    gc.add_argument(
        "-o", "--output", type=options.source, required=True,
        help="a file (format by extension) or postgresql://host/db?table=schema.name",
    )  # fmt: skip
    options.add_if_exists(gc)
    options.add_register_columns(gc)
    options.add_raw_csv(gc)
    options.add_common(gc)
    gc.set_defaults(run=_cmd_geocode)


def _cmd_geocode(args: argparse.Namespace) -> int:
    from ..geocoding import address_column, geocode, read_register

    if isinstance(args.output, Database):  # before any work: reachable, writable
        check_target(args.output, if_exists=args.if_exists)
    frame = tables.read_table(args.addresses)
    col = address_column(frame, args.address_col)
    columns = options.register_columns(args)
    register = read_register(args.register, crs=args.register_crs, columns=columns)
    matched = geocode(frame[col].astype(str).tolist(), register, min_score=args.min_score)
    out = pd.concat(
        [frame.reset_index(drop=True), matched.drop(columns=["address"]).reset_index(drop=True)],
        axis=1,
    )
    tables.write_table(
        out, args.output, protect_formulas=not args.raw_csv, if_exists=args.if_exists
    )
    summary, summary_path = options.write_match_summary(
        matched, args.output, if_exists=args.if_exists
    )
    if not args.quiet:
        print(f"Matched {len(matched):,} addresses against {len(register.table):,} register rows:")
        print(summary.to_string(index=False))
        print(f"Wrote {args.output} and {summary_path}")
    return 0
