"""``geo map``: the interactive offline HTML maps."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    mp = sub.add_parser(
        "map",
        help="interactive HTML maps (catchments, access, siting)",
        description="Write a self-contained HTML map (works offline; only the background "
        "tiles need the network). Addresses are aggregated and small counts suppressed "
        "unless --show-addresses.",
    )
    mp.add_argument("kind", choices=["catchments", "access", "siting"])
    mp.add_argument("--addresses", type=Path, help="a file written by 'geo assign'")
    mp.add_argument("-o", "--output", type=Path, help="HTML file (default maps/<kind>.html)")
    mp.add_argument("--lang", choices=["sv", "en"], default="sv")
    mp.add_argument("--no-tiles", action="store_true", help="no background map tiles")
    mp.add_argument(
        "--min-count", type=int, default=settings.min_count,
        help=f"suppress aggregates of fewer addresses (default {settings.min_count})",
    )  # fmt: skip
    mp.add_argument(
        "--cell-size-m", type=float, default=settings.access_cell_size_m,
        help=f"access map cells (default {settings.access_cell_size_m:g} m)",
    )  # fmt: skip
    mp.add_argument("--show-addresses", action="store_true", help="embed individual addresses")
    mp.add_argument("--add", type=int, default=2, help="siting: new bases (default 2)")
    mp.add_argument("--objective", choices=["pmedian", "coverage", "center"], default="pmedian")
    mp.add_argument("--weight", default="population",
                    choices=["population", "children", "low_income", "single_parents"])  # fmt: skip
    mp.add_argument(
        "--candidates", default="localities,regso",
        help="siting: candidate kinds, comma-separated: localities, regso, grid",
    )  # fmt: skip
    mp.add_argument("--sites", type=Path, help="siting: your own candidate sites")
    options.add_study(mp)
    options.add_input_columns(mp)
    options.add_common(mp)
    mp.set_defaults(run=_cmd_map)


def _cmd_map(args: argparse.Namespace) -> int:
    from .. import maps

    study = options.study(args)
    table = options.assigned(args.addresses, args, study) if args.addresses is not None else None
    tiles = not args.no_tiles
    if args.kind == "catchments":
        m = maps.catchment_map(study, assignment=table, lang=args.lang, tiles=tiles,
                               min_count=args.min_count)  # fmt: skip
    elif args.kind == "access":
        m = maps.access_map(
            study, table, lang=args.lang, tiles=tiles, cell_size_m=args.cell_size_m,
            min_count=args.min_count, show_addresses=args.show_addresses,
        )  # fmt: skip
    else:
        from ..scenario import site

        res = site(study, add=args.add, objective=args.objective, weight=args.weight,
                   addresses=table, candidates=options.candidate_kinds(args),
                   extra_sites=options.extra_sites(args))  # fmt: skip
        m = maps.siting_map(res, study, lang=args.lang, tiles=tiles)
    out = args.output or Path("maps") / f"{args.kind}.html"
    maps.save_map(m, out)
    if not args.quiet:
        print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB, works offline)")
    return 0
