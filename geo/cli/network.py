"""``geo network build`` and ``geo network catchments``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import settings
from ..io import vector
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
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
    options.add_network(nb, with_mode=False)
    options.add_study(nb)
    options.add_common(nb)
    nb.set_defaults(run=_cmd_network)
    nc = nsub.add_parser(
        "catchments",
        help="network-based catchments: every place to its quickest base",
        description="Polygons of the places that reach each base quickest by the network.",
    )
    nc.add_argument("--mode", choices=["walk", "bike", "car"], required=True)
    nc.add_argument("-o", "--output", type=Path, required=True, help=".gpkg or .geojson")
    nc.add_argument("--cell-size-m", type=float, default=settings.catchment_cell_size_m)
    options.add_network(nc, with_mode=False)
    options.add_study(nc)
    options.add_common(nc)
    nc.set_defaults(run=_cmd_network)


def _cmd_network(args: argparse.Namespace) -> int:
    from ..network import cache_path, fetch_osm_network, network_catchments, write_network

    study = options.study(args)
    if args.network_command == "build":
        sources = {k: getattr(args, k) for k in ("network", "pbf", "graphml", "lines")}
        if any(sources.values()):
            net = options.network(args, study, required=True)
        else:
            import shapely

            logger.info("no file given: fetching the %s network from OpenStreetMap", args.mode)
            net = fetch_osm_network(shapely.union_all(study.areas.geometry.values), args.mode)
        out = args.output or cache_path(args.mode, study.slug)
        write_network(net, out)
        if not args.quiet:
            print(f"{net!r}")
            print(f"Saved to {out}")
        return 0
    net = options.network(args, study, required=True)
    polys = network_catchments(net, study, cell_size_m=args.cell_size_m, max_snap_m=args.max_snap_m)
    vector.write_vector(polys, args.output)
    if not args.quiet:
        print(polys.drop(columns="geometry").to_string(index=False))
        print(f"Wrote {args.output}")
    return 0
