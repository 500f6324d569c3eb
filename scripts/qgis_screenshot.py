#!/usr/bin/env python3
"""The README's QGIS screenshot: geo's Processing provider in the toolbox, and a result —
six designed areas and SYNTHETIC addresses assigned to them — as QGIS draws geo's
GeoPackages, taken from Debian's QGIS under Xvfb.

Needs ``apt-get install qgis python3-qgis xvfb``; writes ``docs/img/qgis.png``.

Usage::

    python scripts/qgis_screenshot.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import geopandas as gpd

from geo.cli import main as geo
from geo.synthetic import synthetic_addresses

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    if not shutil.which("xvfb-run") or not Path("/usr/bin/qgis").exists():
        print("needs Debian's qgis and xvfb: apt-get install qgis python3-qgis xvfb")
        return 2
    with tempfile.TemporaryDirectory(prefix="geo-shot-") as tmp:
        t = Path(tmp)
        demo = synthetic_addresses(3000, seed=3)
        points = gpd.GeoDataFrame(
            demo.drop(columns=["lon", "lat"]),
            geometry=gpd.points_from_xy(demo["lon"], demo["lat"]), crs=4326,
        ).to_crs(3006)  # fmt: skip
        points.to_file(t / "addresses.gpkg", layer="addresses")
        made = geo(["areas", "design", "--add", "2", "-o", str(t / "areas.gpkg"), "-q"]) or geo(
            ["assign", str(t / "addresses.gpkg"), "--areas", str(t / "areas.gpkg"),
             "--bases", str(t / "areas_bases.csv"), "-o", str(t / "assigned.gpkg"), "-q"]
        )  # fmt: skip
        if made:
            return int(made)
        home = t / "home"
        home.mkdir()
        env = {
            "HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
            "QGIS_PLUGINPATH": str(ROOT / "qgis_plugin"), "GEO_SHOT_DIR": tmp,
            "GEO_SHOT_AREAS": f"{t / 'areas.gpkg'}|layername=areas",
            "GEO_SHOT_POINTS": f"{t / 'assigned.gpkg'}|layername=assigned",
            "GEO_COMMAND": str(Path(sys.executable).with_name("geo")),
        }  # fmt: skip
        subprocess.run(
            ["/usr/bin/qgis_process.bin", "plugins", "enable", "geo_processing"],
            env={**env, "QT_QPA_PLATFORM": "offscreen"}, check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            [
                "xvfb-run",
                "-a",
                "-s",
                "-screen 0 1400x860x24",
                "/usr/bin/qgis",
                "--nologo",
                "--noversioncheck",
                "--code",
                str(ROOT / "scripts" / "qgis_screenshot_in_qgis.py"),
            ],
            env=env,
            capture_output=True,
            timeout=180,
            check=False,
        )  # fmt: skip  (QGIS may abort on its way out; the picture is taken before)
        shot = t / "qgis.png"
        if not shot.exists():
            print("QGIS did not write the screenshot")
            return 1
        out = ROOT / "docs" / "img" / "qgis.png"
        shutil.copy(shot, out)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
