"""``geo map``: the interactive offline HTML maps."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from ..errors import UsageError
from ..schema import WEIGHTS
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    mp = sub.add_parser(
        "map",
        help="interactive HTML maps (catchments, access, siting) and the planning studio",
        description="Write a self-contained HTML map (works offline; only the background "
        "tiles need the network). Addresses are aggregated and small counts suppressed "
        "unless --show-addresses.",
    )
    mp.add_argument("kind", choices=["catchments", "access", "siting", "studio"])
    mp.add_argument("--addresses", type=options.source, help="a file written by 'geo assign'")
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
                    choices=list(WEIGHTS))  # fmt: skip
    mp.add_argument(
        "--candidates", default="localities,regso",
        help="siting: candidate kinds, comma-separated: localities, regso, grid",
    )  # fmt: skip
    mp.add_argument("--sites", type=options.source, help="siting: your own candidate sites")
    mp.add_argument(
        "--no-proven",
        action="store_true",
        help="studio: do not embed geo site's proven optima and trade-off (faster build)",
    )
    mp.add_argument(
        "--design", type=Path,
        help="studio: an area design from 'geo areas design' (GeoPackage), shown beside "
        "today's areas, its units moved with a click and exported",
    )  # fmt: skip
    options.add_study(mp)
    options.add_network(mp)
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
    elif args.kind == "studio":
        return _studio(args, study, table)
    else:
        from ..siting import site

        res = site(study, add=args.add, objective=args.objective, weight=args.weight,
                   addresses=table, candidates=options.candidate_kinds(args),
                   extra_sites=options.extra_sites(args))  # fmt: skip
        m = maps.siting_map(res, study, lang=args.lang, tiles=tiles)
    out = args.output or Path("maps") / f"{args.kind}.html"
    maps.save_map(m, out)
    if not args.quiet:
        print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB, works offline)")
    return 0


def _studio(args: argparse.Namespace, study, table) -> int:  # type: ignore[no-untyped-def]
    from ..maps.studio import save_page, studio_page
    from ..siting import address_cells

    network = options.network(args, study, required=True)
    design = None
    if args.design is not None:
        from ..design.areas import read_design

        design = read_design(args.design)
    demand = None
    notes: list[str] = []
    if table is not None:
        # "weight" holds the need weight; "population" the count (the population weight)
        demand, left_out = address_cells(
            table, study, cell_size_m=args.cell_size_m, min_count=args.min_count, equity=1.0
        )
        if demand.empty:
            raise UsageError(
                f"--addresses: every cell has fewer than {args.min_count} addresses; "
                "choose larger cells with --cell-size-m"
            )
        if left_out:
            notes.append(f"{left_out} addresses in cells with fewer than {args.min_count} left out")
        if _synthetic(table):
            lab = "SYNTETISKA adresser (demo)" if args.lang == "sv" else "SYNTHETIC addresses"
            notes.append(lab)
    page = studio_page(
        study, weight=args.weight, demand=demand,
        cell_size_m=args.cell_size_m if demand is not None else 1000.0,
        network=network, mode=args.mode, lang=args.lang, proven=not args.no_proven,
        notes=tuple(notes), max_snap_m=args.max_snap_m, tiles=False, design=design,
    )  # fmt: skip
    out = args.output or Path("maps") / "studio.html"
    save_page(page, out)
    if not args.quiet:
        print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB, works offline)")
    return 0


def _synthetic(table) -> bool:  # type: ignore[no-untyped-def]
    """Whether the addresses are geo's synthetic register (the column ``synthetic``)."""
    col = table.get("synthetic")
    return col is not None and bool(col.astype(str).str.lower().eq("true").any())
