"""``geo study build``: a study for any Swedish municipality."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from ..errors import InputFileError, UsageError
from . import options

logger = logging.getLogger("geo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's subcommands."""
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
        "municipality's extract; default $GEO_SCB_DATA",
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
    options.add_common(bd)
    bd.set_defaults(run=_cmd_study)


def _cmd_study(args: argparse.Namespace) -> int:
    from ..study.build import build_study, read_base_specs
    from ..study.sources import municipal_sources, national_sources

    given = args.source or os.environ.get("GEO_SCB_DATA")
    if not given:
        raise UsageError(
            "source: give --source DIR, the folder of SCB's files (national: regso_2025.gpkg, "
            "deso_stats_2022.csv, deso_regso_key.csv, popgrid_1km_2024.csv, "
            "tatort_points_2020.gpkg), or set GEO_SCB_DATA to it"
        )
    source = Path(given)
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
        from ..study import load_study

        study = load_study(data=args.output)
        regso = 0 if study.regso is None else len(study.regso)
        places = 0 if study.localities is None else len(study.localities)
        print(f"Study {study.name}: {len(study.areas)} areas, {regso} RegSO, {places} localities")
        for row in study.bases.itertuples():
            print(f"  {row.area}: base {row.base_name} ({row.location_status})")
        print(f"Wrote {len(written)} files to {args.output}; use it with --study {args.output}")
    return 0
