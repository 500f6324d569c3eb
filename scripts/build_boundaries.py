#!/usr/bin/env python3
"""Rebuild data/boundaries/ from the SCB source files in ../shared/data/linkoping/.

Thin wrapper around :func:`geo.boundaries.build_boundaries`; see data/boundaries/README.md.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from geo.boundaries import build_boundaries

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=ROOT.parent / "shared/data/linkoping")
    parser.add_argument("--out", type=Path, default=ROOT / "data/boundaries")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for name, path in build_boundaries(args.source, args.out).items():
        print(f"{name}: {path}")
