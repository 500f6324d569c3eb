#!/usr/bin/env python3
"""Build the QGIS plugin zip that QGIS's plugin manager installs ("Install from ZIP").

The zip holds one folder, ``geo_processing/``, with the plugin's files from
``qgis_plugin/geo_processing`` (no caches). The plugin calls the ``geo`` command; install geo
itself separately (``pip install geo``) and point the provider's setting at it.

Usage::

    python scripts/build_qgis_plugin.py                    # dist/geo_processing.zip
    python scripts/build_qgis_plugin.py -o plugin.zip
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "qgis_plugin" / "geo_processing"


def build(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    files = sorted(
        p for p in SOURCE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    )  # fmt: skip
    tmp = out.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for p in files:
            z.write(p, Path(SOURCE.name) / p.relative_to(SOURCE))
    tmp.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "dist" / "geo_processing.zip")
    a = ap.parse_args(argv)
    print(f"wrote {build(a.output)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
