#!/usr/bin/env python3
"""Rebuild data/boundaries/ (the embedded Linköping study) from ../shared/data/linkoping/.

The same builder as ``geo study build`` (:mod:`geo.study.build`), on the municipal extract of
SCB's files and with Linköping's four bases from ``data/linkoping_bases.csv`` (Skäggetorp
confirmed, the others assumed); see data/boundaries/README.md. Equivalent to::

    geo study build --kommun 0580 --source ../shared/data/linkoping \\
        --bases data/linkoping_bases.csv -o data/boundaries
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geo.study.build import build_study, read_base_specs
from geo.study.sources import municipal_sources

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared/data/linkoping")
    parser.add_argument("--bases", type=Path, default=ROOT / "data/linkoping_bases.csv")
    parser.add_argument("--out", type=Path, default=ROOT / "data/boundaries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    sources = municipal_sources(args.source)
    for name, path in build_study(sources, args.out, bases=read_base_specs(args.bases)).items():
        print(f"{name}: {path}")
