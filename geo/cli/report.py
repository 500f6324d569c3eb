"""``geo report``: the decision report for the committee (one printable offline page)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from ..schema import WEIGHTS
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    rp = sub.add_parser(
        "report",
        help="the decision report: today's areas, proposals and scenarios side by side",
        description="Write one offline HTML page, printable to PDF from the browser: today's "
        "areas, geo site's proven proposals, the chosen scenarios (exported from the planning "
        "studio) with maps, charts and before/after tables, data sources and caveats.",
    )
    rp.add_argument(
        "--scenario", action="append", default=[], type=Path,
        help="a scenario exported by the planning studio (JSON) or a CSV of bases (repeat)",
    )  # fmt: skip
    rp.add_argument("-o", "--output", type=Path, default=Path("maps/report.html"))
    rp.add_argument("--weight", choices=list(WEIGHTS), default="population")
    rp.add_argument("--add", type=int, default=2, help="new bases in geo site's proposal")
    rp.add_argument("--lang", choices=["sv", "en"], default="sv")
    options.add_study(rp)
    options.add_network(rp)
    options.add_common(rp)
    rp.set_defaults(run=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from ..maps.decision import decision_report
    from ..maps.studio import save_page
    from ..scenario_file import read_scenario

    study = options.study(args)
    network = options.network(args, study, required=True)
    # the report judges every scenario on the SCB grid: a scenario made on addresses is
    # read for its bases (its study, mode and bases are still checked)
    scenarios = [read_scenario(p, study=study, mode=args.mode, demand="") for p in args.scenario]
    page = decision_report(
        study, scenarios, weight=args.weight, add=args.add, network=network, lang=args.lang
    )
    save_page(page, args.output)
    if not args.quiet:
        print(
            f"Wrote {args.output} ({args.output.stat().st_size / 1e6:.1f} MB, works offline; "
            "print it to PDF from the browser)"
        )
    return 0
