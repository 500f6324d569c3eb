"""``geo demo-addresses``: synthetic addresses, labelled synthetic on every row."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from ..errors import UsageError
from ..io import datasets, tables, vector
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
    d = sub.add_parser(
        "demo-addresses",
        help="write a synthetic address register (labelled synthetic)",
        description="Draw synthetic addresses from the SCB 1 km population grid inside the "
        "municipality, about one per 2.2 inhabitants; every row has synthetic=True.",
    )
    d.add_argument(
        "-o", "--output", type=Path, required=True,
        help=".csv, .xlsx or .parquet; with --grid a folder of GeoParquet parts",
    )  # fmt: skip
    d.add_argument("-n", "--count", type=int, help="number of addresses (default ≈ pop / 2.2)")
    d.add_argument("--seed", type=int, default=None, help="random seed (default 580; 752 --grid)")
    d.add_argument(
        "--grid", type=Path,
        help="national/regional run: SCB 1 km grid CSV (east, north, pop_2024), e.g. "
        "popgrid_1km_2024.csv for all Sweden; writes a partitioned GeoParquet dataset",
    )  # fmt: skip
    d.add_argument(
        "--within", type=Path, help="with --grid: polygons (e.g. RegSO) every point should fall in"
    )
    d.add_argument(
        "--partition-rows", type=int, default=settings.partition_rows,
        help=f"with --grid: addresses per part (default {settings.partition_rows:,})",
    )  # fmt: skip
    d.add_argument(
        "--with-streets", action="store_true",
        help="add invented street names, house numbers, postcodes and a text 'address' column",
    )  # fmt: skip
    options.add_study(d)
    options.add_common(d)
    d.set_defaults(run=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from ..synthetic import synthetic_addresses, synthetic_register

    if args.grid is not None:
        return _cmd_demo_national(args)
    make = synthetic_register if args.with_streets else synthetic_addresses
    df = make(args.count, seed=580 if args.seed is None else args.seed, study=options.study(args))
    out = df
    if str(args.output).lower().endswith((".gpkg", ".geojson", ".fgb", ".geoparquet")):
        import geopandas as gpd

        out = gpd.GeoDataFrame(  # a vector file: the points in WGS 84, as the columns say
            df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
        )
    tables.write_table(out, args.output)
    if not args.quiet:
        print(
            f"Wrote {len(df):,} SYNTHETIC addresses (synthetic=True on every row) to {args.output}"
        )
    return 0


def _cmd_demo_national(args: argparse.Namespace) -> int:
    from ..scale import write_national_addresses

    if args.count is None or args.count < 1:
        raise UsageError("count: --grid needs -n/--count, the number of addresses (e.g. 10000000)")
    if args.with_streets:
        raise UsageError("with_streets: --with-streets is for the municipal register, not --grid")
    areas = vector.read_vector(args.within, argument="within") if args.within else None
    if areas is not None:
        from ..crs import SWEREF99TM

        areas = areas.to_crs(SWEREF99TM)
    out = write_national_addresses(
        args.grid,
        args.output,
        args.count,
        seed=752 if args.seed is None else args.seed,
        partition_rows=args.partition_rows,
        areas=areas,
        progress=not args.quiet,
    )
    if not args.quiet:
        parts = len(datasets.dataset_files(out))
        print(
            f"Wrote {args.count:,} SYNTHETIC addresses (synthetic=True on every row) drawn from "
            f"{args.grid} to {out} ({parts} GeoParquet parts, EPSG:3006)"
        )
    return 0
