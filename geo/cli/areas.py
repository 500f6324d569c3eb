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
    ap = asub.add_parser(
        "apply",
        help="a design with units moved (the studio's export): checked, the areas recomputed",
        description="Take a design written by 'geo areas design' and a table of unit_id and "
        "area (the planning studio's 'Exportera områdena' after moving units): every unit "
        "listed once, every area one piece around its base; writes the same files as "
        "'geo areas design' (straight-line distances).",
    )
    ap.add_argument("design", type=Path, help="the GeoPackage of geo areas design")
    ap.add_argument("assignment", type=Path, help="CSV (or Excel) with unit_id and area")
    ap.add_argument("-o", "--output", type=Path, required=True, help="areas GeoPackage")
    ap.add_argument("--lang", choices=["sv", "en"], default="sv", help="map language")
    options.add_study(ap)
    options.add_common(ap)
    ap.set_defaults(run=_cmd_apply)


def _cmd_design(args: argparse.Namespace) -> int:
    from ..design import design_units
    from ..design.areas import design_areas
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
    for note in design.notes:
        logger.info("note: %s", note)
    _write(study, design.areas, design.bases, design.units, out, args,
           f"{len(design.areas)} areas — {design.status_text}")  # fmt: skip
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    from ..design.areas import apply_assignment, read_design
    from ..io import tables

    study = options.study(args)
    units, bases = read_design(args.design)
    areas, frame = apply_assignment(units, bases, tables.read_table(args.assignment))
    _write(study, areas, bases, frame, args.output, args,
           f"{len(areas)} areas from {args.assignment.name} (every area one piece)")  # fmt: skip
    return 0


def _write(study, areas, bases, units, out: Path, args: argparse.Namespace, headline: str) -> None:  # type: ignore[no-untyped-def]
    """The files of a design: GeoPackage (areas, bases, units), table, bases CSV, map."""
    from ..crs import from_sweref
    from ..io import tables, vector
    from ..maps import catchment_map, save_map
    from ..maps.qgis_style import area_colours_in_order, categorized_qml, embed_style
    from ..study import read_bases

    if out.suffix.lower() != ".gpkg":
        raise UsageError(f"output: the areas are written as a GeoPackage (.gpkg); got {out}")
    keep = ["unit_id", "unit_name", "today", "area", "workload", "people", "children", "need",
            "cost", "geometry"]  # fmt: skip
    units_out = units[[c for c in keep if c in units.columns]]
    vector.write_layers({"areas": areas, "bases": bases, "units": units_out}, out)
    colours = area_colours_in_order(areas["area"].astype(str).tolist())
    for layer, frame, kind in (("areas", areas, "polygon"), ("units", units_out, "polygon"),
                               ("bases", bases, "point")):  # fmt: skip
        if "area" in frame.columns:  # QGIS draws them as geo's maps do
            embed_style(out, layer, categorized_qml("area", colours, geometry=kind))
    table_path = out.with_name(out.stem + "_areas.csv")
    tables.write_table(areas.drop(columns="geometry").round(4), table_path)
    bases_path = out.with_name(out.stem + "_bases.csv")
    lon, lat = from_sweref(bases.geometry.x.to_numpy(), bases.geometry.y.to_numpy())
    tables.write_table(
        bases.drop(columns="geometry").assign(lat=lat.round(6), lon=lon.round(6)), bases_path
    )
    map_path = out.with_name(out.stem + "_map.html")
    designed = study.with_areas(areas[["area", "geometry"]].copy(), read_bases(bases_path))
    save_map(catchment_map(designed, lang=args.lang, tiles=False), map_path)
    if not args.quiet:
        print(headline)
        print(areas.drop(columns="geometry").round(2).to_string(index=False))
        print(f"Wrote {out} (layers areas, bases, units), {table_path}, {bases_path}, {map_path}")
