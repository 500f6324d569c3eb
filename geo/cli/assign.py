"""``geo assign``: addresses to catchment areas, with distances and travel times; files and
partitioned datasets.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from .. import settings
from ..addresses import AddressTable, read_addresses
from ..crs import WGS84, parse_crs
from ..errors import UsageError
from ..io import tables
from ..io.files import outputs_together
from ..io.postgis import Database, check_target, write_databases
from ..schema import STATUS_AMBIGUOUS, STATUS_NEEDS_REVIEW, STATUS_OK
from . import options
from .results import write_audit

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    a = sub.add_parser(
        "assign",
        help="assign addresses to catchment areas and measure distance to every base",
        description="Assign every address to a catchment area, RegSO and settlement class and "
        "measure the straight-line distance to every base. Without ADDRESSES, runs on a "
        "synthetic address register drawn from the SCB population grid.",
    )
    a.add_argument(
        "addresses", nargs="?", type=options.source,
        help="CSV, .xlsx, .gpkg, .geojson, .parquet, or postgresql://host/db?table=schema.name "
        "(or ?query=SELECT …)",
    )  # fmt: skip
    a.add_argument(
        "-o", "--output", type=options.source, default=None,
        help=f"result file; format by extension: .csv .gpkg .parquet .xlsx .geojson, or a "
        f"PostgreSQL table postgresql://host/db?table=schema.name (the summary goes to "
        f"<table>_summary) (default {options.DEFAULT_OUTPUT}; out/<study>_assignment.csv with "
        f"--study)",
    )  # fmt: skip
    options.add_if_exists(a)
    a.add_argument(
        "--summary-csv", type=options.source, help="per-area summary CSV (default: beside -o)"
    )
    a.add_argument("--x-col", help="easting/longitude column")
    a.add_argument("--y-col", help="northing/latitude column")
    a.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:3006, EPSG:3021, wgs84")
    a.add_argument("--sheet", help="Excel sheet name")
    a.add_argument("--id-col", help="identifier column checked for duplicates")
    a.add_argument(
        "--register", type=options.source,
        help="address register (a file or a postgresql:// table): ADDRESSES then holds text "
        "addresses, matched first (offline)",
    )  # fmt: skip
    a.add_argument("--address-col", help="text address column (with --register)")
    a.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    options.add_register_columns(a)
    options.add_raw_csv(a)
    a.add_argument("--demo-count", type=int, help="synthetic addresses when no file is given")
    a.add_argument("--seed", type=int, default=580, help="seed of the synthetic register")
    a.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    a.add_argument(
        "--audit", action="store_true",
        help="also write the catchment audit (addresses quicker at another base) beside -o",
    )  # fmt: skip
    e = a.add_argument_group(
        "large inputs: partitioned (Geo)Parquet datasets",
        "A folder or glob of Parquet parts is assigned part by part and written as a folder of "
        "GeoParquet parts plus a summary CSV; --engine dask runs the parts in parallel.",
    )
    e.add_argument(
        "--engine", choices=["local", "dask"], default="local",
        help="local: this process (default); dask: a dask cluster (pip install 'geo[dask]')",
    )  # fmt: skip
    e.add_argument("--scheduler", help="address of an existing dask scheduler, tcp://host:8786")
    e.add_argument(
        "--workers", type=int,
        help="threads of the local engine (default 2) or processes of the local dask cluster "
        "(default: the cores, at most 4)",
    )  # fmt: skip
    e.add_argument(
        "--worker-memory",
        default=settings.dask_worker_memory,
        help=f"memory limit per local dask worker (default {settings.dask_worker_memory})",
    )
    options.add_study(a)
    options.add_network(a)
    options.add_common(a)
    a.set_defaults(run=_cmd_assign)


def _cmd_assign(args: argparse.Namespace) -> int:
    from ..areas import assign_addresses
    from ..report import POPULATION_EST_BASIS, format_summary
    from ..synthetic import synthetic_addresses

    if _is_dataset(args.addresses, args.engine):
        return _cmd_assign_dataset(args)
    if args.scheduler or args.workers:
        raise UsageError(
            "engine: --scheduler and --workers are for partitioned datasets (a folder or a glob "
            "of Parquet parts, or --engine dask)"
        )
    if isinstance(args.output, Database):  # before any work: reachable, writable
        check_target(args.output, if_exists=args.if_exists)
    study = options.study(args)
    progress = not args.no_progress and not args.quiet
    network = options.network(args, study, required=False)
    if args.addresses is None:
        if args.areas is not None:
            logger.info("note: the synthetic register covers Linköping; your areas may differ")
        demo = synthetic_addresses(args.demo_count, seed=args.seed, study=study)
        logger.info(
            "No address file given: using %s SYNTHETIC addresses drawn from the SCB 1 km "
            "population grid (seed %d). Pass a file to assign real addresses.",
            f"{len(demo):,}",
            args.seed,
        )
        table = AddressTable(
            demo,
            demo["lon"].to_numpy(),
            demo["lat"].to_numpy(),
            parse_crs(WGS84),
            np.full(len(demo), "", dtype=object),
            ("lon", "lat"),
            "synthetic",
        )
        result = assign_addresses(
            table, study, progress=progress, mode=args.mode, network=network,
            max_snap_m=args.max_snap_m,
        )  # fmt: skip
    else:
        table = (
            options.geocoded_table(args, args.output or options.default_output(study), study)
            if args.register is not None
            else read_addresses(
                args.addresses, x_col=args.x_col, y_col=args.y_col, crs=args.crs, sheet=args.sheet
            )
        )
        result = assign_addresses(
            table,
            study,
            id_col=args.id_col,
            progress=progress,
            mode=args.mode,
            network=network,
            max_snap_m=args.max_snap_m,
        )
    for note in result.notes:
        logger.info("note: %s", note)
    output = args.output or options.default_output(study)
    out = result.table
    if isinstance(output, Database) or output.suffix.lower() in (
        ".gpkg", ".geojson", ".geoparquet", ".parquet", ".fgb",
    ):  # fmt: skip
        out = result.to_geodataframe()
    summary = result.summary()
    summary_path = args.summary_csv or options.summary_path(output)
    # one run's outputs appear together or not at all: one transaction for tables, files
    # renamed into place when both are written
    if isinstance(output, Database) and isinstance(summary_path, Database):
        write_databases([(out, output), (summary.round(4), summary_path)], if_exists=args.if_exists)
    else:
        with outputs_together():
            tables.write_table(
                out, output, protect_formulas=not args.raw_csv, if_exists=args.if_exists
            )
            tables.write_table(summary.round(4), summary_path, if_exists=args.if_exists)
    if isinstance(output, Path) and output.suffix.lower() == ".gpkg":  # QGIS: geo's colours
        from ..maps.qgis_style import area_colours_in_order, categorized_qml, embed_style

        colours = area_colours_in_order(study.areas["area"].astype(str).tolist())
        embed_style(output, output.stem, categorized_qml("area", colours, geometry="point"))
    counts = result.status_counts()
    if not args.quiet:
        if args.addresses is None:
            print("Addresses: SYNTHETIC register (demo; no real addresses were used)")
        print(
            f"Assigned {len(result.table):,} rows: "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
        )
        what = "distance (straight line)"
        if args.mode != "straight":
            basis = "network" if network is not None else "ESTIMATED, no network"
            what += f" and {args.mode} travel time ({basis})"
        print(f"To the area's own base: {what}, by area and settlement class:")
        print(format_summary(summary))
        if "population_est" in summary:
            print(f"population_est: {POPULATION_EST_BASIS}")
        print(f"Wrote {output} and {summary_path}")
    if args.audit:
        write_audit(result.table, options.sibling(output, "audit"), args, quiet=args.quiet)
    bad = int(counts.drop(STATUS_OK).sum())
    if bad:
        logger.warning(
            "%s rows are not 'ok'; see the columns 'status' and 'reason' in %s", f"{bad:,}", output
        )
    doubt = counts.get(STATUS_AMBIGUOUS, 0) + counts.get(STATUS_NEEDS_REVIEW, 0)
    if doubt:
        logger.warning(
            "%s text addresses have no certain area (ambiguous %s: see 'candidate_areas'; "
            "needs_review %s: see 'suggestions'); they count in no area's figures",
            f"{doubt:,}",
            f"{counts.get(STATUS_AMBIGUOUS, 0):,}",
            f"{counts.get(STATUS_NEEDS_REVIEW, 0):,}",
        )
    approx = int(result.table["distance_approximate"].sum())
    if approx:
        logger.info(
            "note: %s rows were located at a street, postcode or locality that lies in one "
            "area: their area is certain, their distances approximate ('distance_approximate')",
            f"{approx:,}",
        )
    return 0


def _is_dataset(path: Path | None, engine: str) -> bool:
    """Whether ``geo assign`` input is a partitioned dataset (folder, glob, or --engine dask)."""
    if path is None or isinstance(path, Database):
        return False
    return path.is_dir() or any(ch in str(path) for ch in "*?[") or engine == "dask"


def _cmd_assign_dataset(args: argparse.Namespace) -> int:
    from ..report import format_summary
    from ..scale import assign_dataset

    for flag in ("register", "audit", "sheet"):
        if getattr(args, flag):
            raise UsageError(f"{flag}: --{flag} is not available for partitioned datasets")
    if args.mode != "straight":
        raise UsageError(
            "mode: partitioned datasets get straight-line distances; use --mode with one file"
        )
    study = options.study(args)
    stem = args.addresses.name.replace("*", "").rstrip(".") or "dataset"
    output = args.output or Path("out") / f"{Path(stem).stem}_assigned"
    result = assign_dataset(
        args.addresses,
        output,
        study,
        engine=args.engine,
        scheduler=args.scheduler,
        n_workers=args.workers,
        memory_limit=args.worker_memory,
        crs=args.crs,
        x_col=args.x_col,
        y_col=args.y_col,
        id_col=args.id_col,
        progress=not args.no_progress and not args.quiet,
    )
    for note in result.notes:
        logger.info("note: %s", note)
    summary_path = args.summary_csv or output.parent / f"{output.name}_summary.csv"
    tables.write_table(result.summary.round(4), summary_path)
    if not args.quiet:
        print(
            f"Assigned {result.rows:,} rows in {result.partitions} parts ({result.engine} engine, "
            f"{result.workers} worker(s), {result.seconds:,.1f} s): "
            + ", ".join(f"{k} {v:,}" for k, v in result.status_counts.items())
        )
        shown = result.summary
        if len(shown) > 40:
            print(f"Summary: {len(shown):,} rows; all areas together:")
            shown = shown[shown["area"] == "all"]
        print(format_summary(shown))
        print(f"Wrote {result.output}/ (GeoParquet parts) and {summary_path}")
    return 0
