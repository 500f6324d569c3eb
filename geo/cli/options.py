"""Options several subcommands share, and reading them into a study, a network, a table."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from .. import settings
from ..errors import InputFileError, UsageError
from ..io import tables
from ..io.postgis import IF_EXISTS, Database, is_database

logger = logging.getLogger("geo")

DEFAULT_OUTPUT = Path("out/linkoping_assignment.csv")


def default_output(study) -> Path:
    """Where ``geo assign`` writes without ``-o``: ``out/<study>_assignment.csv``."""
    return Path("out") / f"{study.slug}_assignment.csv"


def source(text: str) -> Path | Database:
    """An input or output: a file path, or a PostgreSQL table (``postgresql://…?table=…``)."""
    if not is_database(text):
        return Path(text)
    try:
        return Database(text, argument="table")
    except InputFileError as exc:  # argparse would echo the value, password and all
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_if_exists(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--if-exists", choices=IF_EXISTS, default="fail",
        help="an existing PostgreSQL table given to -o: stop (default), replace it at commit, "
        "or append to it",
    )  # fmt: skip


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more messages (-vv: debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="only errors")


def add_study(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("areas and bases (default: the embedded Linköping study)")
    g.add_argument(
        "--study", type=Path,
        help="a study folder written by 'geo study build' (default: Linköping, kommun 0580)",
    )  # fmt: skip
    g.add_argument(
        "--areas", type=source,
        help="catchment polygons (GeoPackage, GeoJSON, ..., or postgresql://host/db?table=schema.name)",
    )  # fmt: skip
    g.add_argument("--area-col", help="area-name (unique key) column of --areas")
    g.add_argument("--area-label-col", help="display-label column of --areas (e.g. regsonamn)")
    g.add_argument(
        "--dissolve-by",
        help="merge --areas by this column, e.g. kommunkod: the RegSO of Sweden as municipalities",
    )
    g.add_argument("--allow-gaps", action="store_true", help="accept gaps between --areas")
    g.add_argument(
        "--bases",
        type=source,
        help="base locations (points, a table with coordinates, or a postgresql:// table)",
    )
    g.add_argument("--base-name-col", help="name column of --bases")
    g.add_argument("--base-area-col", help="column of --bases naming the area each base serves")
    g.add_argument("--bases-crs", help="CRS of a --bases table with projected coordinates")
    g.add_argument(
        "--bases-any", action="store_true",
        help="regional/national runs: any number of --bases (or none), distance to the nearest",
    )  # fmt: skip


def add_network(p: argparse.ArgumentParser, *, with_mode: bool = True) -> None:
    g = p.add_argument_group("travel network")
    if with_mode:
        g.add_argument(
            "--mode", choices=["straight", "walk", "bike", "car", "transit"], default="straight",
            help="straight line only (default), add network distance and travel time, or "
            "public transport (transit, with --gtfs)",
        )  # fmt: skip
    g.add_argument("--network", type=Path, help="network built by 'geo network build' (.npz)")
    g.add_argument("--pbf", type=Path, help="OpenStreetMap .osm.pbf extract")
    g.add_argument("--graphml", type=Path, help="GraphML road graph (e.g. saved by osmnx)")
    g.add_argument("--lines", type=Path, help="road line layer (GeoPackage, GeoJSON, ...)")
    g.add_argument("--layer", help="layer of --lines")
    add_allow_far(g)
    t = p.add_argument_group("public transport (--mode transit)")
    t.add_argument("--gtfs", type=Path, help="GTFS feed (zip or folder), e.g. Östgötatrafiken's")
    t.add_argument(
        "--depart", help="start of the departure window, e.g. 2019-01-08T07:00 (default: the "
        f"feed's first ordinary Tuesday at {settings.transit_depart_time})",
    )  # fmt: skip
    t.add_argument(
        "--window-min", type=int, default=settings.transit_window_min,
        help=f"departure window, one departure a minute (default {settings.transit_window_min})",
    )  # fmt: skip
    t.add_argument(
        "--max-walk-m", type=float, default=settings.transit_max_walk_m,
        help=f"farthest walk to or from a stop (default {settings.transit_max_walk_m:g})",
    )  # fmt: skip
    t.add_argument(
        "--max-transfer-walk-m", type=float, default=settings.transit_max_transfer_walk_m,
        help="farthest walk between stops on a transfer "
        f"(default {settings.transit_max_transfer_walk_m:g})",
    )  # fmt: skip
    g.add_argument(
        "--max-snap-m", type=float, default=settings.max_snap_m,
        help=f"addresses farther than this from the network get no route "
        f"(default {settings.max_snap_m:g})",
    )  # fmt: skip


def add_raw_csv(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--raw-csv", action="store_true",
        help="write text starting with = + - @ as it is in .csv output (default: a leading "
        "apostrophe, so that a spreadsheet never runs it as a formula)",
    )  # fmt: skip


def add_input_columns(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("coordinates of an address file not yet through 'geo assign'")
    g.add_argument("--x-col", help="easting/longitude column")
    g.add_argument("--y-col", help="northing/latitude column")
    g.add_argument("--crs", help="CRS of the coordinates, e.g. EPSG:3006, EPSG:3021, wgs84")
    g.add_argument("--sheet", help="Excel sheet name")


def add_allow_far(g: argparse._ActionsContainer) -> None:
    """``--allow-far-inputs``: accept a network, feed or register that misses the study."""
    if "--allow-far-inputs" not in getattr(g, "_option_string_actions", {}):
        g.add_argument(
            "--allow-far-inputs", action="store_true",
            help="accept a network, GTFS feed or address register none of whose points lies "
            "in or near the study area (by default that stops: it is another region's)",
        )  # fmt: skip


def require_near(args: argparse.Namespace, study, e, n, what: str, within_m: float) -> None:  # type: ignore[no-untyped-def]
    """Stop unless the input's points reach the study (see :meth:`Study.require_near`)."""
    if getattr(args, "allow_far_inputs", False):
        return
    study.require_near(
        e, n, what, within_m=within_m,
        fix="give the study region's file, another --study, or --allow-far-inputs",
    )  # fmt: skip


def add_register_columns(p: argparse.ArgumentParser) -> None:
    add_allow_far(p)
    g = p.add_argument_group("address register columns (recognised by name when not given)")
    for key in ("street", "number", "letter", "postcode", "locality"):
        g.add_argument(f"--register-{key}-col", help=f"register column with the {key}")


def register_columns(args: argparse.Namespace) -> dict[str, str]:
    keys = ("street", "number", "letter", "postcode", "locality")
    return {
        k: getattr(args, f"register_{k}_col")
        for k in keys
        if getattr(args, f"register_{k}_col", None)
    }


def study_arguments(args: argparse.Namespace) -> dict[str, object]:
    """The keyword arguments of :func:`geo.study.load_study` the study options give."""

    def text(value: object) -> object:
        return str(value) if isinstance(value, Path) else value

    return {
        "data": text(getattr(args, "study", None)),
        "areas": text(args.areas),
        "area_col": args.area_col,
        "bases": text(args.bases),
        "base_name_col": args.base_name_col,
        "base_area_col": args.base_area_col,
        "bases_crs": args.bases_crs,
        "allow_gaps": args.allow_gaps,
        "area_label_col": getattr(args, "area_label_col", None),
        "area_dissolve_by": getattr(args, "dissolve_by", None),
        "one_base_per_area": not getattr(args, "bases_any", False),
    }


def study(args: argparse.Namespace):
    from ..study import load_study

    return load_study(**study_arguments(args))  # type: ignore[arg-type]


def network(args: argparse.Namespace, study, *, required: bool, mode: str | None = None):
    """The network for ``mode`` (default ``--mode``; None for straight-line distance): from a
    file flag, else the study's cached network, else None (or, if ``required``, an error)."""
    from ..network import cache_path, load_network

    mode = str(mode or getattr(args, "mode", "straight"))
    if mode == "straight":
        return None
    if mode == "transit":
        return _transit(args, study)
    name = study.slug

    sources = {k: getattr(args, k) for k in ("network", "pbf", "graphml", "lines")}
    net = None
    if any(sources.values()):
        net = load_network(mode, layer=args.layer, **sources)
    else:
        cached = cache_path(mode, name)
        if cached.exists():
            logger.info("using the cached %s network %s", mode, cached)
            net = load_network(mode, network=cached)
    if net is not None:
        snap = getattr(args, "max_snap_m", None) or settings.max_snap_m
        require_near(args, study, net.node_e, net.node_n, "the network's nearest node", snap)
        return net
    if required:
        raise InputFileError(
            f"network: no {mode} network given and none cached at {cached}; run "
            f"'geo network build --mode {mode} --pbf FILE' or pass --network/--pbf/--lines"
        )
    return None


def _transit(args: argparse.Namespace, study):  # type: ignore[no-untyped-def]
    """The timetable and window of ``--mode transit`` (walking along --network/--pbf/--lines
    as a walk network when one is given, else the labelled estimate)."""
    from ..network import load_network
    from ..transit import load_transit

    gtfs = getattr(args, "gtfs", None)
    if gtfs is None:
        raise UsageError("--mode transit needs a timetable: --gtfs FEED.zip (GTFS zip or folder)")
    sources = {k: getattr(args, k, None) for k in ("network", "pbf", "graphml", "lines")}
    walk = load_network("walk", layer=args.layer, **sources) if any(sources.values()) else None
    transit = load_transit(
        gtfs, depart=args.depart, window_min=args.window_min, max_walk_m=args.max_walk_m,
        max_transfer_walk_m=args.max_transfer_walk_m, walk_network=walk,
    )  # fmt: skip
    tt = transit.timetable
    require_near(args, study, tt.stop_e, tt.stop_n, "the feed's nearest stop", args.max_walk_m)
    return transit


def latlon(spec: str, flag: str) -> tuple[str, tuple[float, float]]:
    from ..numbers import parse_number

    name, _, coords = spec.partition("=")
    try:
        lat_s, lon_s = coords.split(",")
        return name.strip(), (parse_number(lat_s, "lat"), parse_number(lon_s, "lon"))
    except ValueError as exc:
        raise UsageError(
            f"{flag}: expected NAME=LAT,LON such as 'Ljungsbro=58.5085,15.4980'; received {spec!r}"
        ) from exc


def sibling(path: Path | Database, what: str) -> Path | Database:
    """A file (or table) beside the output: ``<name>_<what>.csv`` (``<table>_<what>``)."""
    if isinstance(path, Database):
        return path.sibling(what)
    return path.with_name(f"{path.stem}_{what}.csv")


def summary_path(output: Path | Database) -> Path | Database:
    return sibling(output, "summary")


def assigned(path: Path, args: argparse.Namespace, given_study=None) -> pd.DataFrame:
    """A file written by ``geo assign``, or any address file assigned now (see
    :func:`geo.areas.read_assigned`)."""
    from ..areas import read_assigned

    return read_assigned(
        path,
        given_study if given_study is not None else study(args),
        x_col=getattr(args, "x_col", None),
        y_col=getattr(args, "y_col", None),
        crs=getattr(args, "crs", None),
        sheet=getattr(args, "sheet", None),
    )


def geocoded_table(args: argparse.Namespace, output: Path | Database, study=None):  # type: ignore[no-untyped-def]
    """Text addresses of ``args.addresses`` matched to ``--register``; match summary written."""
    from ..geocoding import geocoded_table, read_register

    frame = tables.read_table(args.addresses)
    register = read_register(args.register, crs=args.register_crs, columns=register_columns(args))
    if study is not None:
        require_near(
            args, study, register.table["e"].to_numpy(), register.table["n"].to_numpy(),
            "the register's nearest address", settings.transit_max_walk_m,
        )  # fmt: skip
    table, matched = geocoded_table(
        frame, register, column=args.address_col, source=str(args.addresses)
    )
    write_match_summary(matched, output, if_exists=getattr(args, "if_exists", "fail"))
    return table


def write_match_summary(
    matched: pd.DataFrame, output: Path | Database, *, if_exists: str = "fail"
) -> tuple[pd.DataFrame, Path | Database]:
    from ..geocoding import match_summary

    summary, top = match_summary(matched)
    path = sibling(output, "match_summary")
    tables.write_table(pd.concat([summary, top], ignore_index=True), path, if_exists=if_exists)
    return summary, path


def extra_sites(args: argparse.Namespace):
    """The user's own candidate sites (``--sites``), or None."""
    if args.sites is None:
        return None
    from ..study import read_bases

    return read_bases(args.sites).rename(columns={"base_name": "name"})


def candidate_kinds(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(k.strip() for k in args.candidates.split(",") if k.strip())
