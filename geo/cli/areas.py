"""``geo areas design``: new borders for the areas — balanced, contiguous, around the bases."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from ..errors import UsageError
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    ar = sub.add_parser(
        "areas",
        help="design the areas' borders (balanced workload, contiguous, each around its base)",
    )
    asub = ar.add_subparsers(dest="areas_command", required=True)
    d = asub.add_parser(
        "design",
        help="draw areas with balanced workload around the bases",
        description="Draw the areas' borders: every area holds its base's unit, is one "
        "connected piece and carries a workload within --tolerance of the mean; among such "
        "partitions, the least travel to the own base (people × km, or minutes with a "
        "network) plus --keep-today × people moved from today's area. Solved exactly "
        "(HiGHS) where it can be: the output says whether the optimum is proven or the gap. "
        "Writes the areas (GeoPackage: layers areas, bases, units), a table per area, the "
        "bases as CSV and a map; read them back with --areas OUT --bases OUT_bases.csv.",
    )
    d.add_argument("--bases-file", type=Path, dest="design_bases",
                   help="the bases (points or a table: name, area, coordinates); default "
                   "today's bases")  # fmt: skip
    d.add_argument("--add", type=int, default=0,
                   help="new bases besides today's, placed by geo site's p-median")  # fmt: skip
    d.add_argument("--units", default="regso",
                   help="building blocks: regso (default), grid (the 1 km cells), or a "
                   "polygon file (DeSO, school districts …)")  # fmt: skip
    d.add_argument("--unit-col", help="name column of a units file")
    d.add_argument("--balance", default="population",
                   help="workload to balance: population, children, need, or a column of the "
                   "units (e.g. the team's own caseload)")  # fmt: skip
    d.add_argument("--tolerance", type=float, default=0.10,
                   help="largest deviation of an area's workload from the mean "
                   "(default 0.10)")  # fmt: skip
    d.add_argument("--keep-today", type=float, default=0.0, metavar="W",
                   help="cost per person moved from today's area, in km (minutes with a "
                   "network): families keep their team where it costs little "
                   "(default 0)")  # fmt: skip
    d.add_argument("--time-limit", type=float, default=settings.time_limit_s,
                   help=f"seconds for the exact solver "
                   f"(default {settings.time_limit_s:g})")  # fmt: skip
    d.add_argument("-o", "--output", type=Path,
                   help="areas GeoPackage (default out/<study>_areas.gpkg)")  # fmt: skip
    d.add_argument("--lang", choices=["sv", "en"], default="sv", help="map language")
    options.add_study(d)
    options.add_network(d)
    options.add_common(d)
    d.set_defaults(run=_cmd_design)


def _cmd_design(args: argparse.Namespace) -> int:
    from ..design import design_units
    from ..design.areas import design_areas
    from ..io import tables, vector
    from ..study import read_bases

    if args.design_bases is not None and args.add:
        raise UsageError("bases: give either --bases-file or --add N, not both")
    study = options.study(args)
    network = options.network(args, study, required=True)
    units = design_units(study, args.units, balance=args.balance, unit_col=args.unit_col)
    bases = read_bases(args.design_bases) if args.design_bases is not None else None
    if bases is not None and bases["area"].isna().any():
        bases["area"] = bases["base_name"]
    design = design_areas(
        study, units, bases=bases, add=args.add, tolerance=args.tolerance,
        keep_today=args.keep_today, network=network, max_snap_m=args.max_snap_m,
        time_limit_s=args.time_limit,
    )  # fmt: skip
    out = args.output or Path("out") / f"{study.slug}_areas.gpkg"
    if out.suffix.lower() != ".gpkg":
        raise UsageError(f"output: the areas are written as a GeoPackage (.gpkg); got {out}")
    units_out = design.units[["unit_id", "unit_name", "today", "area", "workload", "people",
                              "cost", "geometry"]]  # fmt: skip
    vector.write_layers({"areas": design.areas, "bases": design.bases, "units": units_out}, out)
    table_path = out.with_name(out.stem + "_areas.csv")
    tables.write_table(design.areas.drop(columns="geometry").round(4), table_path)
    bases_path = out.with_name(out.stem + "_bases.csv")
    from ..crs import from_sweref

    lon, lat = from_sweref(design.bases.geometry.x.to_numpy(), design.bases.geometry.y.to_numpy())
    tables.write_table(
        design.bases.drop(columns="geometry").assign(lat=lat.round(6), lon=lon.round(6)),
        bases_path,
    )
    map_path = out.with_name(out.stem + "_map.html")
    from ..maps import catchment_map, save_map

    designed = study.with_areas(
        design.areas[["area", "geometry"]].copy(),
        read_bases(bases_path),
    )
    save_map(catchment_map(designed, lang=args.lang, tiles=False), map_path)
    for note in design.notes:
        logger.info("note: %s", note)
    if not args.quiet:
        print(f"{len(design.areas)} areas — {design.status_text}")
        shown = design.areas.drop(columns="geometry").round(2)
        print(shown.to_string(index=False))
        print(f"Wrote {out} (layers areas, bases, units), {table_path}, {bases_path}, {map_path}")
    return 0
