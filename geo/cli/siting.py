"""``geo site`` and ``geo whatif``: where to put new bases, and what a change does."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from .. import settings
from ..errors import UsageError
from ..io import tables, vector
from ..schema import WEIGHTS
from . import options

if TYPE_CHECKING:
    import pandas as pd

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    st = sub.add_parser(
        "site",
        help="where to put new bases (location-allocation)",
        description="Choose new bases (keeping the existing ones unless --free-existing) from "
        "candidate sites (localities outside the city, RegSO population centres, grid cells, "
        "your own list) to minimise total distance (pmedian), maximise coverage within a "
        "threshold (coverage) or minimise the worst distance (center).",
    )
    st.add_argument("--add", type=int, default=2, help="new bases to place (default 2)")
    st.add_argument("--objective", choices=["pmedian", "coverage", "center"], default="pmedian")
    st.add_argument(
        "--threshold-km", type=float, default=settings.coverage_threshold_km,
        help="coverage threshold (km)",
    )  # fmt: skip
    st.add_argument(
        "--threshold-min", type=float, default=settings.coverage_threshold_min,
        help="with a network (minutes)",
    )  # fmt: skip
    st.add_argument(
        "--weight", default="population",
        choices=list(WEIGHTS),
    )  # fmt: skip
    st.add_argument("--equity", type=float, default=0.0, help="extra weight for vulnerable RegSO")
    st.add_argument("--free-existing", action="store_true", help="existing bases may move")
    st.add_argument(
        "--candidates", default="localities,regso",
        help="comma-separated kinds: localities, regso, grid (default localities,regso)",
    )  # fmt: skip
    st.add_argument(
        "--sites", type=options.source, help="your own candidate sites (points, name column)"
    )
    st.add_argument(
        "--addresses", type=options.source,
        help="demand from your addresses: a file written by 'geo assign' (default: the grid)",
    )  # fmt: skip
    st.add_argument(
        "--capacity", type=float,
        help="most weight (people, children, ...) one base may serve; every cell goes to one "
        "base within it (a 'capacity' column in --bases or --sites gives a base its own)",
    )  # fmt: skip
    st.add_argument(
        "--time-limit", type=float, default=settings.time_limit_s,
        help=f"seconds (default {settings.time_limit_s:g})",
    )  # fmt: skip
    st.add_argument("--sweep", help="also solve for a range of bases, e.g. 4-8")
    st.add_argument("--tradeoff", action="store_true", help="compare the three objectives")
    st.add_argument("-o", "--output", type=Path, default=Path("out/siting"), help="folder")
    options.add_input_columns(st)
    options.add_study(st)
    options.add_network(st)
    options.add_common(st)
    st.set_defaults(run=_cmd_site)
    wi = sub.add_parser(
        "whatif",
        help="effect of closing, moving or adding bases",
        description="How the distance (or travel time) to the nearest base changes for the "
        "population, per settlement class, when bases close, move or are added.",
    )
    wi.add_argument(
        "--scenario", type=Path,
        help="a scenario exported by the planning studio (JSON) or a CSV of open bases; "
        "the figures are the studio's, to the last digit shown",
    )  # fmt: skip
    wi.add_argument("--weight", choices=list(WEIGHTS), help="demand weight (default population)")
    wi.add_argument("--close", action="append", default=[], help="base id to close (repeat)")
    wi.add_argument("--move", action="append", default=[], help="BASE_ID=LAT,LON (repeat)")
    wi.add_argument("--add", action="append", default=[], help="NAME=LAT,LON (repeat)")
    wi.add_argument("--threshold-km", type=float, help="the headline share within this many km")
    wi.add_argument(
        "--threshold-min", type=float,
        help="with a network: the headline share within this many minutes",
    )  # fmt: skip
    wi.add_argument(
        "--addresses", type=options.source,
        help="demand from your addresses (a file written by geo assign) counted per cell, as "
        "in a studio built with --addresses (weights population or need)",
    )  # fmt: skip
    wi.add_argument(
        "--cell-size-m", type=float, default=settings.access_cell_size_m,
        help=f"with --addresses: the cell size (default {settings.access_cell_size_m:g} m)",
    )  # fmt: skip
    wi.add_argument("-o", "--output", type=Path, help="write the table as CSV")
    options.add_input_columns(wi)
    options.add_study(wi)
    options.add_network(wi)
    options.add_common(wi)
    wi.set_defaults(run=_cmd_whatif)


def _cmd_site(args: argparse.Namespace) -> int:
    from ..siting import site, sweep, tradeoff

    study = options.study(args)
    network = options.network(args, study, required=True)
    extra = options.extra_sites(args)
    kinds = options.candidate_kinds(args)
    addresses = None
    if args.addresses is not None:
        addresses = options.assigned(args.addresses, args, study)
    kw = dict(
        threshold_km=args.threshold_km, threshold_min=args.threshold_min, weight=args.weight,
        equity=args.equity, keep_existing=not args.free_existing, candidates=kinds,
        extra_sites=extra, network=network, max_snap_m=args.max_snap_m,
        time_limit_s=args.time_limit, addresses=addresses,
    )  # fmt: skip
    res = site(study, add=args.add, objective=args.objective, capacity=args.capacity, **kw)
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    vector.write_vector(res.proposals, out / "proposals.gpkg")
    tables.write_table(res.proposals, out / "proposals.csv")
    tables.write_table(res.partition, out / "partition.csv")
    tables.write_table(res.before_after.round(4), out / "before_after.csv")
    s = res.solution
    unit = "km" if res.unit == "m" else "min"
    scale = 1000 if res.unit == "m" else 60
    if not args.quiet:
        for note in res.notes:
            print(f"note: {note}")
        print(
            f"{s.objective}: {len(s.selected)} bases, {s.status} (gap {s.gap:.3%}), "
            f"{s.seconds:.1f} s — {s.method}"
        )
        cols = ["rank", "site", "kind", "new", "regsonamn", "population_served"]
        if args.weight != "population":
            cols.append("weight_served")
        if res.capacity is not None:
            cols.append("capacity")
        shown = res.proposals[[*cols, "lat", "lon"]].copy()
        for c in ("population_served", "weight_served"):
            if c in shown:
                shown[c] = shown[c].round(0).astype(int)
        print(shown.to_string(index=False))
        ba = res.before_after[res.before_after["area"] == "all"].copy()
        for c in ("mean", "p90", "max"):
            for w in ("before", "after"):
                ba[f"{c}_{w}"] = (ba[f"{c}_{w}"] / scale).round(1)
        ba["weighted"] = ba["weighted"].round(0).astype(int)
        within = ", within the capacities" if res.capacity is not None else ""
        print(
            f"Before/after ({unit}, weighted by {args.weight}; nearest base today vs each "
            f"cell's base in the proposal{within}):"
        )
        print(ba.drop(columns=["area", "weight"]).to_string(index=False))
    if args.sweep:
        lo, _, hi = args.sweep.partition("-")
        try:
            rng = range(int(lo), int(hi or lo) + 1)
        except ValueError as exc:
            raise UsageError(
                f"--sweep: expected a range such as 4-8; received {args.sweep!r}"
            ) from exc
        sw = sweep(study, rng, **kw)
        tables.write_table(sw.round(4), out / "sweep.csv")
        if not args.quiet:
            print("Sweep (p-median):")
            print(sw.round(3).to_string(index=False))
    if args.tradeoff:
        tr = tradeoff(study, add=args.add, **kw)
        tables.write_table(tr.round(4), out / "tradeoff.csv")
        if not args.quiet:
            print("Trade-off between objectives:")
            print(tr.round(3).to_string(index=False))
    if not args.quiet:
        print(f"Wrote {out}/proposals.gpkg, proposals.csv, partition.csv, before_after.csv")
    return 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    from ..scenario_file import demand_label, read_scenario
    from ..siting import what_if

    study = options.study(args)
    network = options.network(args, study, required=True)
    move = dict(options.latlon(m, "--move") for m in args.move)
    add = dict(options.latlon(a, "--add") for a in args.add)
    scenario = (
        read_scenario(
            args.scenario,
            study=study,
            mode=args.mode,
            demand=demand_label(args.cell_size_m if args.addresses is not None else None),
        )  # fmt: skip
        if args.scenario is not None
        else None
    )
    demand = None
    if args.addresses is not None:
        from ..siting import address_cells

        weight = args.weight or (scenario.weight if scenario is not None else "population")
        if weight not in ("population", "need"):
            raise UsageError(
                f"--addresses: the weight must be population or need; received {weight!r}"
            )
        table = options.assigned(args.addresses, args, study)
        demand, _ = address_cells(
            table, study, cell_size_m=args.cell_size_m, equity=1.0 if weight == "need" else 0.0
        )
    table = what_if(
        study, close=tuple(args.close), move=move, add=add, scenario=scenario,
        weight=args.weight, threshold_km=args.threshold_km, threshold_min=args.threshold_min,
        network=network, max_snap_m=args.max_snap_m, demand=demand,
    )  # fmt: skip
    if args.output:
        tables.write_table(table, args.output)
    if not args.quiet:
        print(shown_figures(table).to_string(index=False))
    return 0


def shown_figures(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison as the studio shows it: km or minutes with one decimal, shares in
    whole per cent, people as whole numbers (rounded as :func:`geo.report.round_shown`)."""
    from ..report import round_shown

    scale = 1000.0 if (table["unit"] == "m").all() else 60.0
    unit = "km" if scale == 1000.0 else "min"
    out = table[["group", "name"]].copy()

    def shown(values: pd.Series, decimals: int) -> list[str]:
        return [str(round_shown(v, decimals)) if v == v else "" for v in values]

    for c in ("weighted", "better", "worse"):
        out[c] = shown(table[c], 0)
    for c in table.columns:
        if c.startswith(("mean_", "p90_", "max_")):
            out[f"{c}_{unit}"] = shown(table[c] / scale, 1)
        elif c.startswith("share_within"):
            out[f"{c}_pct"] = shown(table[c] * 100, 0)
    return out
