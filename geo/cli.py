"""Command-line interface: ``geo assign``, ``geo summary``, ``geo demo-addresses``.

Errors are printed as one line (``geo: error: ...``) with exit code 2 for usage and input
problems; the only place in the package that configures logging output.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__, io, settings
from .crs import WGS84, parse_crs
from .errors import GeoError, InputFileError, UsageError
from .schema import STATUS_INVALID, STATUS_OUTSIDE

logger = logging.getLogger("geo")

DEFAULT_OUTPUT = Path("out/linkoping_assignment.csv")


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more messages (-vv: debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors")


def _add_study(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("areas and bases (default: the embedded Linköping study)")
    g.add_argument(
        "--study", type=Path,
        help="a study folder written by 'geo study build' (default: Linköping, kommun 0580)",
    )  # fmt: skip
    g.add_argument("--areas", type=Path, help="catchment polygons (GeoPackage, GeoJSON, ...)")
    g.add_argument("--area-col", help="area-name (unique key) column of --areas")
    g.add_argument("--area-label-col", help="display-label column of --areas (e.g. regsonamn)")
    g.add_argument(
        "--dissolve-by",
        help="merge --areas by this column, e.g. kommunkod: the RegSO of Sweden as municipalities",
    )
    g.add_argument("--allow-gaps", action="store_true", help="accept gaps between --areas")
    g.add_argument(
        "--bases", type=Path, help="base locations (points, or a table with coordinates)"
    )
    g.add_argument("--base-name-col", help="name column of --bases")
    g.add_argument("--base-area-col", help="column of --bases naming the area each base serves")
    g.add_argument("--bases-crs", help="CRS of a --bases table with projected coordinates")
    g.add_argument(
        "--bases-any", action="store_true",
        help="regional/national runs: any number of --bases (or none), distance to the nearest",
    )  # fmt: skip


def _add_network(p: argparse.ArgumentParser, *, with_mode: bool = True) -> None:
    g = p.add_argument_group("travel network")
    if with_mode:
        g.add_argument(
            "--mode", choices=["straight", "walk", "bike", "car"], default="straight",
            help="straight line only (default), or add network distance and travel time",
        )  # fmt: skip
    g.add_argument("--network", type=Path, help="network built by 'geo network build' (.npz)")
    g.add_argument("--pbf", type=Path, help="OpenStreetMap .osm.pbf extract")
    g.add_argument("--graphml", type=Path, help="GraphML road graph (e.g. saved by osmnx)")
    g.add_argument("--lines", type=Path, help="road line layer (GeoPackage, GeoJSON, ...)")
    g.add_argument("--layer", help="layer of --lines")
    g.add_argument(
        "--max-snap-m", type=float, default=settings.max_snap_m,
        help=f"addresses farther than this from the network get no route "
        f"(default {settings.max_snap_m:g})",
    )  # fmt: skip


def _add_raw_csv(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw-csv", action="store_true",
        help="write text starting with = + - @ as it is in .csv output (default: a leading "
        "apostrophe, so that a spreadsheet never runs it as a formula)",
    )  # fmt: skip


def _add_input_columns(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("coordinates of an address file not yet through 'geo assign'")
    g.add_argument("--x-col", help="easting/longitude column")
    g.add_argument("--y-col", help="northing/latitude column")
    g.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:3006, EPSG:3021, wgs84")
    g.add_argument("--sheet", help="Excel sheet name")


def _add_register_cols(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("address register columns (recognised by name when not given)")
    for key in ("street", "number", "letter", "postcode", "locality"):
        g.add_argument(f"--register-{key}-col", help=f"register column with the {key}")


def _register_columns(args: argparse.Namespace) -> dict[str, str]:
    keys = ("street", "number", "letter", "postcode", "locality")
    return {
        k: getattr(args, f"register_{k}_col")
        for k in keys
        if getattr(args, f"register_{k}_col", None)
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="geo",
        description="Catchment areas, distances and siting for municipal social services.",
    )
    parser.add_argument("--version", action="version", version=f"geo {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    a = sub.add_parser(
        "assign",
        help="assign addresses to catchment areas and measure distance to every base",
        description="Assign every address to a catchment area, RegSO and settlement class and "
        "measure the straight-line distance to every base. Without ADDRESSES, runs on a "
        "synthetic address register drawn from the SCB population grid.",
    )
    a.add_argument("addresses", nargs="?", type=Path, help="CSV, .xlsx, .gpkg, .geojson, .parquet")
    a.add_argument(
        "-o", "--output", type=Path, default=None,
        help=f"result file; format by extension: .csv .gpkg .parquet .xlsx .geojson "
        f"(default {DEFAULT_OUTPUT})",
    )  # fmt: skip
    a.add_argument("--summary-csv", type=Path, help="per-area summary CSV (default: beside -o)")
    a.add_argument("--x-col", help="easting/longitude column")
    a.add_argument("--y-col", help="northing/latitude column")
    a.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:3006, EPSG:3021, wgs84")
    a.add_argument("--sheet", help="Excel sheet name")
    a.add_argument("--id-col", help="identifier column checked for duplicates")
    a.add_argument(
        "--register", type=Path,
        help="address register: ADDRESSES then holds text addresses, matched first (offline)",
    )  # fmt: skip
    a.add_argument("--address-col", help="text address column (with --register)")
    a.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    _add_register_cols(a)
    _add_raw_csv(a)
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
    e.add_argument("--workers", type=int, help="workers of the local dask cluster (default: cores)")
    e.add_argument(
        "--worker-memory",
        default=settings.dask_worker_memory,
        help=f"memory limit per local dask worker (default {settings.dask_worker_memory})",
    )
    _add_study(a)
    _add_network(a)
    _add_common(a)

    au = sub.add_parser(
        "audit",
        help="addresses and RegSO whose own base is not their quickest base",
        description="Catchment audit of a file written by 'geo assign': addresses whose own "
        "area's base is not their quickest base (by travel time; by straight line without "
        "--mode), with the minutes they would save, and the same per RegSO.",
    )
    au.add_argument("assigned", type=Path, help="output of 'geo assign'")
    au.add_argument("-o", "--output", type=Path, help="audit CSV (per RegSO beside it)")
    au.add_argument(
        "--min-saving", type=float, default=settings.min_saving,
        help="list savings of at least this many seconds (metres without times); "
        f"default {settings.min_saving:g}",
    )  # fmt: skip
    _add_input_columns(au)
    _add_study(au)
    _add_common(au)

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
        choices=["population", "children", "low_income", "single_parents"],
    )  # fmt: skip
    st.add_argument("--equity", type=float, default=0.0, help="extra weight for vulnerable RegSO")
    st.add_argument("--free-existing", action="store_true", help="existing bases may move")
    st.add_argument(
        "--candidates", default="localities,regso",
        help="comma-separated kinds: localities, regso, grid (default localities,regso)",
    )  # fmt: skip
    st.add_argument("--sites", type=Path, help="your own candidate sites (points, name column)")
    st.add_argument(
        "--addresses", type=Path,
        help="demand from your addresses: a file written by 'geo assign' (default: the grid)",
    )  # fmt: skip
    st.add_argument("--capacity", type=float, help="most population (weight) per base")
    st.add_argument(
        "--time-limit", type=float, default=settings.time_limit_s,
        help=f"seconds (default {settings.time_limit_s:g})",
    )  # fmt: skip
    st.add_argument("--sweep", help="also solve for a range of bases, e.g. 4-8")
    st.add_argument("--tradeoff", action="store_true", help="compare the three objectives")
    st.add_argument("-o", "--output", type=Path, default=Path("out/siting"), help="folder")
    _add_input_columns(st)
    _add_study(st)
    _add_network(st)
    _add_common(st)

    wi = sub.add_parser(
        "whatif",
        help="effect of closing, moving or adding bases",
        description="How the distance (or travel time) to the nearest base changes for the "
        "population, per settlement class, when bases close, move or are added.",
    )
    wi.add_argument("--close", action="append", default=[], help="base id to close (repeat)")
    wi.add_argument("--move", action="append", default=[], help="BASE_ID=LAT,LON (repeat)")
    wi.add_argument("--add", action="append", default=[], help="NAME=LAT,LON (repeat)")
    wi.add_argument("--threshold-km", type=float, default=settings.coverage_threshold_km)
    wi.add_argument("-o", "--output", type=Path, help="write the table as CSV")
    _add_study(wi)
    _add_network(wi)
    _add_common(wi)

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
    _add_study(mp)
    _add_input_columns(mp)
    _add_common(mp)

    gc = sub.add_parser(
        "geocode",
        help="match text addresses to an address register (offline)",
        description="Match addresses written as text ('Storgatan 12 B, 582 23 Linköping') to "
        "a register with coordinates. Every row gets a match level (exact, fuzzy, "
        "street_level, locality_level, ambiguous, unmatched), a score and a reason; a summary "
        "is written beside the output. Nothing is sent to any online service.",
    )
    gc.add_argument("addresses", type=Path, help="CSV or Excel with a text address column")
    gc.add_argument(
        "--register", type=Path, required=True, help="address register with coordinates"
    )
    gc.add_argument("--address-col", help="column with the text address")
    gc.add_argument("--register-crs", help="CRS of the register's coordinate columns")
    gc.add_argument("--min-score", type=float, default=85.0, help="fuzzy street score (0-100)")
    gc.add_argument("-o", "--output", type=Path, required=True)
    _add_register_cols(gc)
    _add_raw_csv(gc)
    _add_common(gc)

    net = sub.add_parser("network", help="build travel networks and network-based catchments")
    nsub = net.add_subparsers(dest="network_command", required=True)
    nb = nsub.add_parser(
        "build",
        help="prepare and cache the network for a mode",
        description="Build the walk, bike or car network from a local file (offline) or, with "
        "no file, from OpenStreetMap for the study area plus 5 km (needs internet and osmnx), "
        "and cache it.",
    )
    nb.add_argument("--mode", choices=["walk", "bike", "car"], required=True)
    nb.add_argument("-o", "--output", type=Path, help="where to save (default: the cache)")
    _add_network(nb, with_mode=False)
    _add_study(nb)
    _add_common(nb)
    nc = nsub.add_parser(
        "catchments",
        help="network-based catchments: every place to its quickest base",
        description="Polygons of the places that reach each base quickest by the network.",
    )
    nc.add_argument("--mode", choices=["walk", "bike", "car"], required=True)
    nc.add_argument("-o", "--output", type=Path, required=True, help=".gpkg or .geojson")
    nc.add_argument("--cell-size-m", type=float, default=settings.catchment_cell_size_m)
    _add_network(nc, with_mode=False)
    _add_study(nc)
    _add_common(nc)

    sb = sub.add_parser("study", help="build a study for any Swedish municipality")
    ssub = sb.add_subparsers(dest="study_command", required=True)
    bd = ssub.add_parser(
        "build",
        help="build a study folder from SCB open data (RegSO, statistics, 1 km grid, localities)",
        description="Build a study for any of Sweden's 290 municipalities: RegSO with "
        "population and need indicators, catchment areas (unions of whole RegSO), one base per "
        "area, settlement classes, the 1 km population grid and the localities. Every other "
        "command then takes --study DIR.",
    )
    bd.add_argument("--kommun", required=True, help="municipality code, e.g. 0581 (Norrköping)")
    bd.add_argument("-o", "--output", type=Path, required=True, help="study folder to write")
    bd.add_argument(
        "--source", type=Path, default=None,
        help="folder of SCB files: national (regso_2025.gpkg, deso_stats_2022.csv, "
        "deso_regso_key.csv, popgrid_1km_2024.csv, tatort_points_2020.gpkg) or one "
        "municipality's extract; default $GEO_SCB_DATA or ../shared/data/sweden",
    )  # fmt: skip
    how = bd.add_mutually_exclusive_group()
    how.add_argument(
        "--areas", type=int, dest="n_areas",
        help="number of areas, bases at the most central populated places (default 4)",
    )  # fmt: skip
    how.add_argument(
        "--bases", type=Path,
        help="CSV: area, base_name and lat/lon or regsonamn (the base's RegSO) per base",
    )  # fmt: skip
    _add_common(bd)

    s = sub.add_parser(
        "summary",
        help="per-area summary of an assignment result",
        description="Summarise a file written by 'geo assign' per area and settlement class.",
    )
    s.add_argument("assigned", type=Path, help="output of 'geo assign'")
    s.add_argument("-o", "--output", type=Path, help="write the summary as CSV")
    _add_study(s)
    _add_input_columns(s)
    _add_common(s)

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
    _add_common(d)
    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Python warnings (e.g. GDAL's about a damaged file) as one log line, no source line."""
    logger.warning("warning: %s", " ".join(str(message).split()))


def _configure_logging(args: argparse.Namespace) -> None:
    level = logging.ERROR if args.quiet else (logging.DEBUG if args.verbose > 1 else logging.INFO)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr, force=True)
    logging.getLogger("geo").setLevel(level)
    warnings.showwarning = _show_warning
    if args.verbose < 2:
        # dask's own INFO lines (scheduler, nanny, worker start/stop) are noise for a user;
        # the environment variable reaches the worker processes too.
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        logging.getLogger("distributed").setLevel(logging.WARNING)


def _study(args: argparse.Namespace):
    from .study import load_study

    return load_study(
        data=getattr(args, "study", None),
        areas=args.areas,
        area_col=args.area_col,
        bases=args.bases,
        base_name_col=args.base_name_col,
        base_area_col=args.base_area_col,
        bases_crs=args.bases_crs,
        allow_gaps=args.allow_gaps,
        area_label_col=getattr(args, "area_label_col", None),
        area_dissolve_by=getattr(args, "dissolve_by", None),
        one_base_per_area=not getattr(args, "bases_any", False),
    )


def _network(args: argparse.Namespace, mode: str, *, required: bool):
    """The network for ``mode``: from a file flag, else the cache, else None (or an error)."""
    from .network import cache_path, load_network

    sources = {k: getattr(args, k) for k in ("network", "pbf", "graphml", "lines")}
    if any(sources.values()):
        return load_network(mode, layer=args.layer, **sources)
    cached = cache_path(mode)
    if cached.exists():
        logger.info("using the cached %s network %s", mode, cached)
        return load_network(mode, network=cached)
    if required:
        raise InputFileError(
            f"network: no {mode} network given and none cached at {cached}; run "
            f"'geo network build --mode {mode} --pbf FILE' or pass --network/--pbf/--lines"
        )
    return None


def _cmd_network(args: argparse.Namespace) -> int:
    from .network import cache_path, fetch_osm_network, write_network

    if args.network_command == "build":
        sources = {k: getattr(args, k) for k in ("network", "pbf", "graphml", "lines")}
        if any(sources.values()):
            net = _network(args, args.mode, required=True)
        else:
            import shapely

            study = _study(args)
            logger.info("no file given: fetching the %s network from OpenStreetMap", args.mode)
            net = fetch_osm_network(shapely.union_all(study.areas.geometry.values), args.mode)
        out = args.output or cache_path(args.mode)
        write_network(net, out)
        if not args.quiet:
            print(f"{net!r}")
            print(f"Saved to {out}")
        return 0
    from .network import network_catchments

    net = _network(args, args.mode, required=True)
    polys = network_catchments(
        net, _study(args), cell_size_m=args.cell_size_m, max_snap_m=args.max_snap_m
    )
    io.write_vector(polys, args.output)
    if not args.quiet:
        print(polys.drop(columns="geometry").to_string(index=False))
        print(f"Wrote {args.output}")
    return 0


def _latlon(spec: str, flag: str) -> tuple[str, tuple[float, float]]:
    name, _, coords = spec.partition("=")
    try:
        lat_s, lon_s = coords.split(",")
        return name.strip(), (float(lat_s), float(lon_s))
    except ValueError as exc:
        raise UsageError(
            f"{flag}: expected NAME=LAT,LON such as 'Ljungsbro=58.5085,15.4980'; received {spec!r}"
        ) from exc


def _cmd_site(args: argparse.Namespace) -> int:
    from .scenario import site, sweep, tradeoff

    study = _study(args)
    network = None if args.mode == "straight" else _network(args, args.mode, required=True)
    extra = _extra_sites(args)
    kinds = _candidate_kinds(args)
    addresses = _assigned(args.addresses, args, study) if args.addresses is not None else None
    kw = dict(
        threshold_km=args.threshold_km, threshold_min=args.threshold_min, weight=args.weight,
        equity=args.equity, keep_existing=not args.free_existing, candidates=kinds,
        extra_sites=extra, network=network, max_snap_m=args.max_snap_m,
        time_limit_s=args.time_limit, addresses=addresses,
    )  # fmt: skip
    res = site(study, add=args.add, objective=args.objective, capacity=args.capacity, **kw)
    out = args.output
    out.mkdir(parents=True, exist_ok=True)
    io.write_vector(res.proposals, out / "proposals.gpkg")
    io.write_table(res.proposals, out / "proposals.csv")
    io.write_table(res.partition, out / "partition.csv")
    io.write_table(res.before_after.round(4), out / "before_after.csv")
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
        cols = ["rank", "site", "kind", "new", "regsonamn", "population_served", "lat", "lon"]
        shown = res.proposals[cols].copy()
        shown["population_served"] = shown["population_served"].round(0).astype(int)
        print(shown.to_string(index=False))
        ba = res.before_after[res.before_after["area"] == "all"].copy()
        for c in ("mean", "p90", "max"):
            for w in ("before", "after"):
                ba[f"{c}_{w}"] = (ba[f"{c}_{w}"] / scale).round(1)
        print(f"Before/after ({unit}; own base today vs nearest proposed base):")
        print(ba.drop(columns="area").to_string(index=False))
    if args.sweep:
        lo, _, hi = args.sweep.partition("-")
        try:
            rng = range(int(lo), int(hi or lo) + 1)
        except ValueError as exc:
            raise UsageError(
                f"--sweep: expected a range such as 4-8; received {args.sweep!r}"
            ) from exc
        sw = sweep(study, rng, **kw)
        io.write_table(sw.round(4), out / "sweep.csv")
        if not args.quiet:
            print("Sweep (p-median):")
            print(sw.round(3).to_string(index=False))
    if args.tradeoff:
        tr = tradeoff(study, add=args.add, **kw)
        io.write_table(tr.round(4), out / "tradeoff.csv")
        if not args.quiet:
            print("Trade-off between objectives:")
            print(tr.round(3).to_string(index=False))
    if not args.quiet:
        print(f"Wrote {out}/proposals.gpkg, proposals.csv, partition.csv, before_after.csv")
    return 0


def _extra_sites(args: argparse.Namespace):
    """The user's own candidate sites (``--sites``), or None."""
    if args.sites is None:
        return None
    from .study import read_bases

    return read_bases(args.sites).rename(columns={"base_name": "name"})


def _candidate_kinds(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(k.strip() for k in args.candidates.split(",") if k.strip())


def _cmd_whatif(args: argparse.Namespace) -> int:
    from .scenario import what_if

    study = _study(args)
    network = None if args.mode == "straight" else _network(args, args.mode, required=True)
    move = dict(_latlon(m, "--move") for m in args.move)
    add = dict(_latlon(a, "--add") for a in args.add)
    table = what_if(
        study, close=tuple(args.close), move=move, add=add, threshold_km=args.threshold_km,
        network=network, max_snap_m=args.max_snap_m,
    )  # fmt: skip
    if args.output:
        io.write_table(table, args.output)
    if not args.quiet:
        print(table.round(3).to_string(index=False))
    return 0


def _cmd_map(args: argparse.Namespace) -> int:
    from . import maps

    study = _study(args)
    table = _assigned(args.addresses, args, study) if args.addresses is not None else None
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
        from .scenario import site

        res = site(study, add=args.add, objective=args.objective, weight=args.weight,
                   addresses=table, candidates=_candidate_kinds(args),
                   extra_sites=_extra_sites(args))  # fmt: skip
        m = maps.siting_map(res, study, lang=args.lang, tiles=tiles)
    out = args.output or Path("maps") / f"{args.kind}.html"
    maps.save_map(m, out)
    if not args.quiet:
        print(f"Wrote {out} ({out.stat().st_size / 1e6:.1f} MB, works offline)")
    return 0


def _address_column(frame: pd.DataFrame, given: str | None) -> str:
    from .errors import MissingColumnError

    col = given or io.find_column(frame, ("adress", "address", "gatuadress"))
    if col is None or col not in frame.columns:
        raise MissingColumnError(
            f"addresses: no address column {given or ''} in {list(frame.columns)[:15]}; "
            "pass --address-col"
        )
    return col


def _geocoded_table(args: argparse.Namespace) -> io.AddressTable:
    """Text addresses matched to the register, as an AddressTable in EPSG:3006."""
    from .crs import SWEREF99TM
    from .geocode import geocode, read_register

    frame = io.read_table(args.addresses)
    col = _address_column(frame, args.address_col)
    register = read_register(args.register, crs=args.register_crs, columns=_register_columns(args))
    matched = geocode(frame[col].astype(str).tolist(), register)
    _write_match_summary(matched, args.output or DEFAULT_OUTPUT)
    unmatched = matched["match_level"].isin(["unmatched", "ambiguous"]).to_numpy()
    reason = np.where(unmatched, "address: " + matched["reason"].astype(str), "").astype(object)
    extra = pd.DataFrame(
        {
            "match_level": matched["match_level"].to_numpy(),
            "match_score": matched["score"].to_numpy(),
            "register_row": matched["register_row"].to_numpy(),
            "match_reason": matched["reason"].to_numpy(),
        }
    )
    counts = matched["match_level"].value_counts().to_dict()
    note = "text addresses matched to the register: " + ", ".join(
        f"{k} {v}" for k, v in counts.items()
    )
    return io.AddressTable(
        pd.concat([frame.reset_index(drop=True), extra], axis=1),
        matched["e_3006"].to_numpy(),
        matched["n_3006"].to_numpy(),
        parse_crs(SWEREF99TM),
        reason,
        ("e_3006", "n_3006"),
        str(args.addresses),
        [note],
        unmatched,
    )


def _write_match_summary(matched: pd.DataFrame, output: Path) -> tuple[pd.DataFrame, Path]:
    """Rows per match level and the most common reasons, written beside ``output``."""
    from .geocode import LEVELS

    counts = matched["match_level"].value_counts().reindex(list(LEVELS), fill_value=0)
    summary = counts.rename_axis("match_level").reset_index(name="rows")
    reasons = matched.loc[matched["reason"] != "", "reason"].str.replace(
        r"'[^']*'|\d+", "…", regex=True
    )
    top = reasons.value_counts().head(20).rename_axis("reason").reset_index(name="rows")
    path = output.with_name(output.stem + "_match_summary.csv")
    io.write_table(pd.concat([summary, top], ignore_index=True), path)
    return summary, path


def _cmd_geocode(args: argparse.Namespace) -> int:
    from .geocode import geocode, read_register

    frame = io.read_table(args.addresses)
    col = _address_column(frame, args.address_col)
    register = read_register(args.register, crs=args.register_crs, columns=_register_columns(args))
    matched = geocode(frame[col].astype(str).tolist(), register, min_score=args.min_score)
    out = pd.concat(
        [frame.reset_index(drop=True), matched.drop(columns=["address"]).reset_index(drop=True)],
        axis=1,
    )
    io.write_table(out, args.output, protect_formulas=not args.raw_csv)
    summary, summary_path = _write_match_summary(matched, args.output)
    if not args.quiet:
        print(f"Matched {len(matched):,} addresses against {len(register.table):,} register rows:")
        print(summary.to_string(index=False))
        print(f"Wrote {args.output} and {summary_path}")
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    table = _assigned(args.assigned, args)
    _write_audit(table, args.output or _sibling(args.assigned, "audit"), args, quiet=args.quiet)
    return 0


def _write_audit(table: pd.DataFrame, path: Path, args: argparse.Namespace, *, quiet: bool) -> None:
    from .audit import audit_by_regso, catchment_audit

    min_saving = getattr(args, "min_saving", settings.min_saving)
    detail = catchment_audit(table, min_saving=min_saving)
    by_regso = audit_by_regso(table, min_saving=min_saving)
    io.write_table(detail, path)
    regso_path = path.with_name(path.stem + "_regso.csv")
    io.write_table(by_regso, regso_path)
    if not quiet:
        basis = "travel time" if "own_base_travel_time_s" in table else "straight-line distance"
        print(
            f"Catchment audit ({basis}): {len(detail):,} addresses would reach another base "
            f"quicker than their own; per RegSO:"
        )
        print(by_regso.head(15).to_string(index=False))
        print(f"Wrote {path} and {regso_path}")


def _sibling(path: Path, what: str) -> Path:
    return path.with_name(f"{path.stem}_{what}.csv")


def _summary_path(output: Path) -> Path:
    return output.with_name(output.stem + "_summary.csv")


def _cmd_assign(args: argparse.Namespace) -> int:
    from .areas import assign_addresses
    from .report import format_summary
    from .synthetic import synthetic_addresses

    if _is_dataset(args.addresses, args.engine):
        return _cmd_assign_dataset(args)
    if args.scheduler or args.workers:
        raise UsageError("engine: --scheduler and --workers need --engine dask")
    study = _study(args)
    progress = not args.no_progress and not args.quiet
    network = None if args.mode == "straight" else _network(args, args.mode, required=False)
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
        table = io.AddressTable(
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
            _geocoded_table(args)
            if args.register is not None
            else io.read_addresses(
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
    output = args.output or DEFAULT_OUTPUT
    out = result.table
    if output.suffix.lower() in (".gpkg", ".geojson", ".geoparquet", ".parquet", ".fgb"):
        out = result.to_geodataframe()
    io.write_table(out, output, protect_formulas=not args.raw_csv)
    summary = result.summary()
    summary_path = args.summary_csv or _summary_path(output)
    io.write_table(summary.round(4), summary_path)
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
        print(f"Wrote {output} and {summary_path}")
    if args.audit:
        _write_audit(result.table, _sibling(output, "audit"), args, quiet=args.quiet)
    bad = counts.get(STATUS_INVALID, 0) + counts.get(STATUS_OUTSIDE, 0)
    if bad:
        logger.warning(
            "%s rows are not 'ok'; see the columns 'status' and 'reason' in %s", f"{bad:,}", output
        )
    return 0


#: Columns every file written by ``geo assign`` has.
ASSIGNED_COLUMNS = ("status", "e_3006", "n_3006", "area", "own_base_distance_m")


def _numeric_assigned(name: str) -> bool:
    return (
        name in ("e_3006", "n_3006", "input_row")
        or name.endswith(("_m", "_s"))
        or any(name.startswith(p) for p in ("distance_m_", "travel_time_s_", "network_distance_m_"))
    )


def _assigned(path: Path, args: argparse.Namespace, study=None) -> pd.DataFrame:
    """The table of a file written by ``geo assign``; any other address file is assigned now.

    A planner passes the address file they have: when it lacks the columns ``geo assign``
    writes, it is read as addresses (with ``--x-col``/``--y-col``/``--crs`` when given) and
    assigned on the fly to the study's areas, and a note says so.
    """
    frame = io.read_table(path, sheet=getattr(args, "sheet", None))
    if all(c in frame.columns for c in ASSIGNED_COLUMNS):
        out = frame.copy()
        for col in out.columns:
            if _numeric_assigned(str(col)):
                out[col] = pd.to_numeric(out[col], errors="coerce")
        out["status"] = out["status"].astype(str)
        return out
    from .areas import assign_addresses

    table = io.read_addresses(
        path,
        x_col=getattr(args, "x_col", None),
        y_col=getattr(args, "y_col", None),
        crs=getattr(args, "crs", None),
        sheet=getattr(args, "sheet", None),
    )
    result = assign_addresses(table, study if study is not None else _study(args))
    counts = result.status_counts()
    logger.info(
        "note: %s has not been through 'geo assign'; its %s rows were assigned now (%s)",
        path,
        f"{len(result.table):,}",
        ", ".join(f"{k} {v:,}" for k, v in counts.items() if v),
    )
    for note in result.notes:
        logger.info("note: %s", note)
    return result.table


def _cmd_summary(args: argparse.Namespace) -> int:
    from .report import format_summary, summarize

    study = _study(args)
    table = _assigned(args.assigned, args, study)
    summary = summarize(table, study)
    print(format_summary(summary))
    if args.output:
        io.write_table(summary.round(4), args.output)
        print(f"Wrote {args.output}")
    return 0


def _cmd_study(args: argparse.Namespace) -> int:
    from .studybuild import build_study, municipal_sources, national_sources, read_base_specs

    source = args.source or Path(os.environ.get("GEO_SCB_DATA", "../shared/data/sweden"))
    if not source.is_dir():
        raise InputFileError(
            f"source: {str(source)!r} is not a folder of SCB files; pass --source (national "
            "files: regso_2025.gpkg, deso_stats_2022.csv, deso_regso_key.csv, "
            "popgrid_1km_2024.csv, tatort_points_2020.gpkg)"
        )
    kommun = args.kommun.strip().zfill(4)
    if (source / "deso_regso_key.csv").exists():
        sources = national_sources(source, kommun)
    else:
        sources = municipal_sources(source)
        if sources.kommun != kommun:
            raise UsageError(
                f"kommun: {str(source)!r} holds kommun {sources.kommun}, not {kommun}; give the "
                "national files with --source"
            )
    bases = read_base_specs(args.bases) if args.bases is not None else None
    written = build_study(sources, args.output, bases=bases, n_areas=args.n_areas)
    if not args.quiet:
        from .study import load_study

        study = load_study(data=args.output)
        regso = 0 if study.regso is None else len(study.regso)
        places = 0 if study.localities is None else len(study.localities)
        print(f"Study {study.name}: {len(study.areas)} areas, {regso} RegSO, {places} localities")
        for row in study.bases.itertuples():
            print(f"  {row.area}: base {row.base_name} ({row.location_status})")
        print(f"Wrote {len(written)} files to {args.output}; use it with --study {args.output}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from .synthetic import synthetic_addresses, synthetic_register

    if args.grid is not None:
        return _cmd_demo_national(args)
    make = synthetic_register if args.with_streets else synthetic_addresses
    df = make(args.count, seed=580 if args.seed is None else args.seed)
    io.write_table(df, args.output)
    if not args.quiet:
        print(
            f"Wrote {len(df):,} SYNTHETIC addresses (synthetic=True on every row) to {args.output}"
        )
    return 0


def _cmd_demo_national(args: argparse.Namespace) -> int:
    from .scale import write_national_addresses

    if args.count is None or args.count < 1:
        raise UsageError("count: --grid needs -n/--count, the number of addresses (e.g. 10000000)")
    if args.with_streets:
        raise UsageError("with_streets: --with-streets is for the municipal register, not --grid")
    areas = io.read_vector(args.within, argument="within") if args.within else None
    if areas is not None:
        from .crs import SWEREF99TM

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
        parts = len(io.dataset_files(out))
        print(
            f"Wrote {args.count:,} SYNTHETIC addresses (synthetic=True on every row) drawn from "
            f"{args.grid} to {out} ({parts} GeoParquet parts, EPSG:3006)"
        )
    return 0


def _is_dataset(path: Path | None, engine: str) -> bool:
    """Whether ``geo assign`` input is a partitioned dataset (folder, glob, or --engine dask)."""
    if path is None:
        return False
    return path.is_dir() or any(ch in str(path) for ch in "*?[") or engine == "dask"


def _cmd_assign_dataset(args: argparse.Namespace) -> int:
    from .report import format_summary
    from .scale import assign_dataset

    for flag in ("register", "audit", "sheet"):
        if getattr(args, flag):
            raise UsageError(f"{flag}: --{flag} is not available for partitioned datasets")
    if args.mode != "straight":
        raise UsageError(
            "mode: partitioned datasets get straight-line distances; use --mode with one file"
        )
    study = _study(args)
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
    io.write_table(result.summary.round(4), summary_path)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``geo`` command."""
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    commands = {
        "assign": _cmd_assign,
        "summary": _cmd_summary,
        "demo-addresses": _cmd_demo,
        "audit": _cmd_audit,
        "network": _cmd_network,
        "site": _cmd_site,
        "whatif": _cmd_whatif,
        "map": _cmd_map,
        "geocode": _cmd_geocode,
        "study": _cmd_study,
    }
    try:
        return commands[args.command](args)
    except GeoError as exc:
        _error(str(exc))
        return 2
    except (OSError, MemoryError) as exc:
        _error(f"{type(exc).__name__}: {exc}")
        return 2
    except KeyboardInterrupt:
        print("geo: interrupted; no output was written", file=sys.stderr)
        return 130
    except Exception as exc:
        logger.debug("internal error", exc_info=True)
        _error(
            f"internal error ({type(exc).__name__}: {exc}); no output was written. Please "
            "report it with the command line (not the data); -vv shows the traceback"
        )
        return 2


def _error(message: str) -> None:
    """Print one ``geo: error:`` line (a message's line breaks folded into spaces)."""
    print("geo: error: " + " ".join(message.split()), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
