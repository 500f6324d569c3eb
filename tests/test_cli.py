"""The command line: the main job, file formats by extension, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main


def _run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_demo_then_assign_then_summary(tmp_path, capsys):
    demo = tmp_path / "demo.csv"
    code, out, _ = _run(["demo-addresses", "-o", str(demo), "-n", "3000", "--seed", "7"], capsys)
    assert code == 0 and "SYNTHETIC" in out
    d = pd.read_csv(demo)
    assert len(d) == 3000 and d["synthetic"].all() and d["address_id"].is_unique

    res = tmp_path / "res.gpkg"
    code, out, err = _run(["assign", str(demo), "-o", str(res), "--no-progress"], capsys)
    assert code == 0, err
    g = gpd.read_file(res)
    assert len(g) == 3000 and g.crs.to_epsg() == 3006
    assert (g["status"] == "ok").all() and g["synthetic"].all()
    assert set(g["area"]) == {"norr", "väster", "syd", "öster"}
    assert "Assigned 3,000 rows" in out and "öster" in out
    summary = pd.read_csv(tmp_path / "res_summary.csv")
    assert summary.iloc[-1]["addresses"] == 3000

    code, out, _ = _run(["summary", str(res), "-o", str(tmp_path / "s.csv")], capsys)
    assert code == 0 and "share" not in out and "<=5 km" in out
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "s.csv"), summary)


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet", ".geojson"])
@pytest.mark.slow
def test_output_formats(tmp_path, capsys, ext):
    src = tmp_path / "a.csv"
    src.write_text("id;lat;lon\n1;58,4275;15,5837\n2;x;15.6\n")
    out = tmp_path / f"out{ext}"
    code, _, err = _run(["assign", str(src), "-o", str(out), "-q"], capsys)
    assert code == 0, err
    t = (
        gpd.read_file(out)
        if ext == ".geojson"
        else (
            pd.read_excel(out)
            if ext == ".xlsx"
            else pd.read_parquet(out)
            if ext == ".parquet"
            else pd.read_csv(out)
        )
    )
    assert list(t["status"]) == ["ok", "invalid_coordinates"]


@pytest.mark.slow
def test_main_job_without_file_says_synthetic(tmp_path, capsys):
    out = tmp_path / "r.csv"
    code, stdout, err = _run(["assign", "-o", str(out), "--demo-count", "500"], capsys)
    assert code == 0
    assert "SYNTHETIC" in err
    t = pd.read_csv(out)
    assert len(t) == 500 and t["synthetic"].all()


@pytest.mark.parametrize(
    "content,args,match",
    [
        (None, [], "does not exist"),
        (b"", [], "empty"),
        (b"id,E,N\n1,150000,6476000\n", [], "--crs"),
        (b"id,a,b\n1,2,3\n", [], "no coordinate columns"),
        (b"id,lat,lon\n1,58.4,15.6\n", ["--crs", "EPSG:99999"], "crs: 'EPSG:99999'"),
    ],
)
def test_errors_are_one_line_with_nonzero_exit(tmp_path, capsys, content, args, match):
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_bytes(content)
    out = tmp_path / "out.csv"
    code, _, err = _run(["assign", str(src), "-o", str(out), *args], capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("geo: error")]
    assert len(lines) == 1 and match in lines[0]
    assert not out.exists()  # nothing half-written


def test_bad_areas_file_is_an_error(tmp_path, capsys):
    import shapely

    a = shapely.box(530_000, 6_470_000, 531_000, 6_471_000)
    b = shapely.box(530_500, 6_470_000, 531_500, 6_471_000)
    p = tmp_path / "areas.gpkg"
    gpd.GeoDataFrame({"area": ["x", "y"]}, geometry=[a, b], crs=3006).to_file(p)
    code, _, err = _run(
        ["assign", "--areas", str(p), "--bases", str(p), "-o", str(tmp_path / "o.csv")], capsys
    )
    assert code == 2 and "overlap" in err


@pytest.mark.slow
def test_console_script_runs():
    r = subprocess.run(
        [sys.executable, "-m", "geo.cli", "--version"], capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.startswith("geo ")
    r = subprocess.run(
        [sys.executable, "-m", "geo.cli", "assign", "/nonexistent.csv"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and r.stderr.strip().count("\n") == 0


@pytest.mark.slow
def test_site_with_a_capacity_per_site_from_a_sites_file(tmp_path, capsys):
    """A ``capacity`` column in --sites (Swedish decimal comma, empty = --capacity) holds:
    every reported load within its own capacity."""
    sites = tmp_path / "lokaler.csv"
    sites.write_text(
        "namn,lat,lon,kapacitet\n"
        'Ljungsbro bibliotek,58.5085,15.4980,"20 000,5"\n'
        "Malmslätt,58.4135,15.5085,\n",
        encoding="utf-8",
    )
    out_dir = tmp_path / "s"
    code, out, err = _run(
        ["site", "--add", "2", "--candidates", "localities", "--sites", str(sites),
         "--capacity", "45000", "-o", str(out_dir), "--time-limit", "60"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    prop = pd.read_csv(out_dir / "proposals.csv")
    assert (prop["weight_served"] <= prop["capacity"] + 1e-6).all()
    own = prop.set_index("site")["capacity"]
    if "Ljungsbro bibliotek" in own.index:
        assert own["Ljungsbro bibliotek"] == 20000.5
    assert (own.drop("Ljungsbro bibliotek", errors="ignore") == 45000).all()
    assert "within the capacities" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("namn,lat,lon,kapacitet\nA,58.5,15.5,-3\n", encoding="utf-8")
    code, _, err = _run(["site", "--sites", str(bad), "-o", str(out_dir)], capsys)
    assert code == 2 and "capacity in rows [1]" in err and "Traceback" not in err
