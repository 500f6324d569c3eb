"""``geo summary`` and ``geo audit``: figures from a file written by ``geo assign``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from .. import settings
from ..io import tables
from ..io.postgis import Database
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    au = sub.add_parser(
        "audit",
        help="addresses and RegSO whose own base is not their quickest base",
        description="Catchment audit of a file written by 'geo assign': addresses whose own "
        "area's base is not their quickest base (by travel time; by straight line without "
        "--mode), with the minutes they would save, and the same per RegSO.",
    )
    au.add_argument("assigned", type=options.source, help="output of 'geo assign'")
    au.add_argument("-o", "--output", type=Path, help="audit CSV (per RegSO beside it)")
    au.add_argument(
        "--min-saving", type=float, default=settings.min_saving,
        help="list savings of at least this many seconds (metres without times); "
        f"default {settings.min_saving:g}",
    )  # fmt: skip
    options.add_input_columns(au)
    options.add_study(au)
    options.add_common(au)
    au.set_defaults(run=_cmd_audit)
    s = sub.add_parser(
        "summary",
        help="per-area summary of an assignment result",
        description="Summarise a file written by 'geo assign' per area and settlement class.",
    )
    s.add_argument("assigned", type=options.source, help="output of 'geo assign'")
    s.add_argument("-o", "--output", type=Path, help="write the summary as CSV")
    options.add_study(s)
    options.add_input_columns(s)
    options.add_common(s)
    s.set_defaults(run=_cmd_summary)


def _cmd_audit(args: argparse.Namespace) -> int:
    table = options.assigned(args.assigned, args)
    path = args.output or options.sibling(args.assigned, "audit")
    write_audit(table, path, args, quiet=args.quiet)
    return 0


def _cmd_summary(args: argparse.Namespace) -> int:
    from ..report import format_summary, summarize

    study = options.study(args)
    table = options.assigned(args.assigned, args, study)
    summary = summarize(table, study)
    print(format_summary(summary))
    if args.output:
        tables.write_table(summary.round(4), args.output)
        print(f"Wrote {args.output}")
    return 0


def write_audit(
    table: pd.DataFrame, path: Path | Database, args: argparse.Namespace, *, quiet: bool
) -> None:
    from ..audit import audit_by_regso, catchment_audit

    min_saving = getattr(args, "min_saving", settings.min_saving)
    detail = catchment_audit(table, min_saving=min_saving)
    by_regso = audit_by_regso(table, min_saving=min_saving)
    if_exists = getattr(args, "if_exists", "fail")
    tables.write_table(detail, path, if_exists=if_exists)
    regso_path = options.sibling(path, "regso")
    tables.write_table(by_regso, regso_path, if_exists=if_exists)
    if not quiet:
        basis = "travel time" if "own_base_travel_time_s" in table else "straight-line distance"
        print(
            f"Catchment audit ({basis}): {len(detail):,} addresses would reach another base "
            f"quicker than their own; per RegSO:"
        )
        print(by_regso.head(15).to_string(index=False))
        print(f"Wrote {path} and {regso_path}")
