"""geo in QGIS's Processing toolbox, tested headless with Debian's QGIS: ``qgis_process`` with
the plugin enabled runs every algorithm on the embedded study and the outputs equal geo's own
files; progress and cancel work; QGIS draws geo's GeoPackages in geo's colours; the zip that
QGIS's plugin manager installs is built by scripts/build_qgis_plugin.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main
from geo.scenario_file import Scenario, write_scenario
from geo.study import load_study
from geo.synthetic import synthetic_addresses

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "qgis_plugin"
QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # Debian's wrapper adds an option 3.22 rejects
GEO = str(Path(sys.executable).with_name("geo"))


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    if not Path(QGIS_PROCESS).exists() or not shutil.which("python3"):
        if os.environ.get("CI"):
            pytest.fail("QGIS is missing: .ci/run installs qgis and python3-qgis")
        pytest.skip("QGIS not installed (apt-get install qgis python3-qgis)")
    home = tmp_path_factory.mktemp("qgis-home")
    out = _qgis(home, "plugins", "enable", "geo_processing")
    assert "geo_processing" in _qgis(home, "plugins"), out
    return home


def _env(home: Path) -> dict[str, str]:
    """QGIS's own Python, not this venv: a clean environment, the plugin on its path."""
    return {
        "HOME": str(home), "PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen",
        "QGIS_PLUGINPATH": str(PLUGIN), "GEO_COMMAND": GEO, "LANG": "C.UTF-8",
    }  # fmt: skip


def _qgis(home: Path, *args: str) -> str:
    out = subprocess.run(
        [QGIS_PROCESS, *args], env=_env(home), capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def _run(home: Path, alg: str, **params: object) -> dict[str, str]:
    args = [f"{k}={v}" for k, v in params.items()]
    text = _qgis(home, "--json", "run", alg, "--", *args)
    return json.loads(text[text.index("{") :])["results"]


def _driver(home: Path, *args: str) -> dict:
    out = subprocess.run(
        ["python3", str(ROOT / "tests" / "qgis_driver.py"), str(PLUGIN), *args],
        env=_env(home), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def addresses(tmp_path_factory) -> Path:
    demo = synthetic_addresses(3000, seed=3)
    gdf = gpd.GeoDataFrame(
        demo.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(demo["lon"], demo["lat"]), crs=4326,
    ).to_crs(3006)  # fmt: skip
    path = tmp_path_factory.mktemp("qgis-in") / "addresses.gpkg"
    gdf.to_file(path, layer="addresses")
    return path


def test_the_toolbox_lists_geo(home):
    listed = _qgis(home, "list")
    for alg in ("assign", "traveltimes", "suggest", "whatif", "design", "map"):
        assert f"geo:{alg}" in listed, alg


@pytest.mark.parametrize("mode", ["straight", "walk"])
def test_assign_and_travel_times_equal_geo(home, addresses, tmp_path, mode):
    out = tmp_path / "qgis.gpkg"
    if mode == "straight":
        res = _run(home, "geo:assign", INPUT=addresses, OUTPUT=out)
    else:
        res = _run(home, "geo:traveltimes", INPUT=addresses, MODE=0, OUTPUT=out)
    assert res["OUTPUT"] == str(out)
    ref = tmp_path / "geo.gpkg"
    assert (
        main(
            [
                "assign",
                str(addresses),
                "-o",
                str(ref),
                "-q",
                *(["--mode", mode] if mode != "straight" else []),
            ]
        )
        == 0
    )
    a = gpd.read_file(out).drop(columns="geometry")
    b = gpd.read_file(ref).drop(columns="geometry")
    pd.testing.assert_frame_equal(a, b)
    if mode == "walk":
        assert "own_base_travel_time_s" in a.columns


def test_suggest_whatif_design_and_map_equal_geo(home, tmp_path):
    # suggest: the proposals geo site writes
    res = _run(home, "geo:suggest", ADD=2, OUTPUT=tmp_path / "prop.gpkg")
    assert main(["site", "--add", "2", "-o", str(tmp_path / "site"), "-q"]) == 0
    got = gpd.read_file(res["OUTPUT"])
    ref = gpd.read_file(tmp_path / "site" / "proposals.gpkg")
    assert got["site"].tolist() == ref["site"].tolist()
    assert got.geometry.geom_equals_exact(ref.geometry, tolerance=0.01).all()
    # what-if of a scenario file
    study = load_study()
    scen = tmp_path / "s.json"
    write_scenario(Scenario.today(study, name="utan syd").changed(study, close=("syd",)), scen)
    res = _run(home, "geo:whatif", SCENARIO=scen, OUTPUT=tmp_path / "whatif.gpkg")
    assert main(["whatif", "--scenario", str(scen), "-o", str(tmp_path / "w.csv"), "-q"]) == 0
    got = gpd.read_file(res["OUTPUT"])
    ref = pd.read_csv(tmp_path / "w.csv")
    assert got["name"].astype(str).tolist() == ref["name"].astype(str).tolist()
    assert got["mean_after"].astype(float).round(3).tolist() == ref["mean_after"].round(3).tolist()
    # design: the areas layer of geo areas design
    res = _run(home, "geo:design", ADD=2, OUTPUT=tmp_path / "design.gpkg")
    assert res["OUTPUT"].endswith("|layername=areas")
    assert main(["areas", "design", "--add", "2", "-o", str(tmp_path / "ref.gpkg"), "-q"]) == 0
    a = gpd.read_file(tmp_path / "design.gpkg", layer="areas")
    b = gpd.read_file(tmp_path / "ref.gpkg", layer="areas")
    assert a["area"].tolist() == b["area"].tolist()
    assert a["workload"].tolist() == pytest.approx(b["workload"].tolist())
    # a map: geo's offline page
    res = _run(home, "geo:map", KIND=0, OUTPUT=tmp_path / "map.html")
    page = Path(res["OUTPUT"]).read_text(encoding="utf-8")
    assert "<title>" in page and "tile.openstreetmap" not in page


def test_geo_outputs_open_in_qgis_in_geo_colours(home, addresses, tmp_path):
    from geo.maps.page import AREA_COLOURS

    out = tmp_path / "a.gpkg"
    assert main(["assign", str(addresses), "-o", str(out), "-q"]) == 0
    got = _driver(home, "style", f"{out}|layername=a")[f"{out}|layername=a"]
    assert got["renderer"] == "categorizedSymbol" and got["field"] == "area"
    names = load_study().areas["area"].astype(str).tolist()
    assert got["categories"] == {n: AREA_COLOURS[k] for k, n in enumerate(names)}


def test_progress_and_cancel(home, addresses, tmp_path):
    done = _driver(
        home, "progress", "geo:assign", f"INPUT={addresses}", f"OUTPUT={tmp_path / 'p.gpkg'}"
    )
    assert done["ok"] and done["progress"][-1] == 100
    assert any(0 < p < 100 for p in done["progress"])
    # a long run stopped after 2 s: it ends at once, and no geo process is left behind
    before = subprocess.run(["pgrep", "-f", "geo site"], capture_output=True, text=True).stdout
    stopped = _driver(
        home, "cancel", "geo:suggest", "ADD=8", "CANDIDATES=grid",
        f"OUTPUT={tmp_path / 's.gpkg'}", "CANCEL_AFTER=2",
    )  # fmt: skip
    assert stopped["canceled"] and not stopped["ok"] and stopped["seconds"] < 15
    after = subprocess.run(["pgrep", "-f", "geo site"], capture_output=True, text=True).stdout
    assert after == before


def test_the_plugin_zip_installs_from_file(tmp_path):
    out = tmp_path / "geo_processing.zip"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_qgis_plugin.py"), "-o", str(out)], check=True
    )
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    # QGIS's plugin manager wants one top folder holding metadata.txt and __init__.py
    assert {n.split("/")[0] for n in names} == {"geo_processing"}
    for need in ("metadata.txt", "__init__.py", "provider.py", "algorithms.py"):
        assert f"geo_processing/{need}" in names
    assert not any("__pycache__" in n for n in names)
