"""What a municipality's IT security probes (issue 31), as tests: secrets never echoed, one
line for every bad argument, CSV that reads back to the same rows, formula cells neutralised
in wide files, scenario files checked completely. The database's read-only queries are in
``tests/test_postgis.py`` (they need the cluster it starts); uploads in ``test_service.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from geo.cli import main
from geo.io.postgis import Database, mask_secrets
from geo.io.tables import neutralise_formulas, read_table, write_table

SECRET = "S3cretPW"


def _run(args, capsys):
    try:
        code = main(args)
    except SystemExit as exc:  # pragma: no cover - argparse no longer exits past main
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "args",
    [
        ["assign", f"postgresql://geo:{SECRET}@localhost:notaport/db?table=a"],
        ["assign", f"postgresql://geo:{SECRET}@localhost:99999/db?table=a"],
        ["assign", f"postgresql://geo:S3c#{SECRET}@localhost/db?table=a"],
        ["assign", "x.csv", "--areas", f"postgresql://geo:{SECRET}@h:bad/db?table=a"],
        ["serve", "--register", f"postgresql://geo:{SECRET}@h:bad/db?table=r"],
        ["geocode", "a.csv", "--register", f"postgresql://geo:{SECRET}@h:bad/db?table=r"],
        ["assign", "x.csv", "-o", f"postgresql://geo:{SECRET}@h:70000/db?table=r"],
        ["assign", f"postgresql://geo:{SECRET}@h/db?password={SECRET}&query=SELECT%201%3B%20DROP"],
    ],
)  # fmt: skip
def test_a_bad_url_never_prints_the_password(args, capsys):
    code, out, err = _run(args, capsys)
    assert code == 2
    assert SECRET not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geo: error: "), err
    assert "usage:" not in err and "Traceback" not in err


def test_argument_errors_are_one_line(capsys):
    for args in (["site", "--add", "x"], ["assign", "--nonsense"], ["nocommand"]):
        code, _, err = _run(args, capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert err.startswith("geo: error: ")


def test_secrets_are_masked_in_every_form():
    assert mask_secrets(f"postgresql://anna:{SECRET}@db/gis?table=a") == (
        "postgresql://anna:***@db/gis?table=a"
    )
    assert SECRET not in mask_secrets(f"postgres://u:{SECRET}@h/d?sslmode=require&password=x")
    assert SECRET not in mask_secrets(f"host=h password={SECRET} dbname=d")
    assert SECRET not in mask_secrets(f"password='{SECRET}'")
    db = Database(f"postgresql://anna:{SECRET}@db:5433/gis?password={SECRET}&table=a")
    assert SECRET not in str(db) + repr(db)


@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_what_geo_writes_reads_back_to_the_same_rows(tmp_path, ext):
    """A CR, an LF, quotes, a NUL and a BOM inside cells: the same rows come back (issue 31:
    a bare CR was written unquoted and read back as a row break)."""
    values = ["x\ry", "p\nq", 'say "hi"', "nul\x00here", "\ufeffbom", "a\r\nb", "plain"]
    if ext == "xlsx":  # Excel cells cannot hold a NUL
        values[3] = "nul here"
    frame = pd.DataFrame({"text": values, "n": range(len(values))})
    path = tmp_path / f"t.{ext}"
    write_table(frame, path)
    back = read_table(path)
    assert len(back) == len(frame)
    want = [v.replace("\x00", "\ufffd") for v in values]  # a NUL is no text: U+FFFD
    assert back["text"].astype(str).tolist() == want
    assert [int(v) for v in back["n"]] == list(range(len(values)))


def test_assign_keeps_every_row_of_a_file_with_a_cr_in_a_quoted_cell(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes(b'id,note,lat,lon\r\n1,"first\rline",58.41,15.62\r\n2,"second",58.40,15.60\r\n')
    out = tmp_path / "out.csv"
    code, _, err = _run(["assign", str(src), "-o", str(out), "-q", "--no-progress"], capsys)
    assert code == 0, err
    back = pd.read_csv(out, keep_default_na=False)
    assert len(back) == 2 and back["note"].tolist() == ["first\rline", "second"]
    assert set(back["status"]) == {"ok"}


def test_formula_cells_are_neutralised_in_a_wide_file():
    """20 000 text columns in one pass (issue 31: once per column, quadratically)."""
    wide = pd.DataFrame({f"c{i}": ["a", "b", "-3"] for i in range(20_000)})
    wide.iloc[1, 17_000] = '=HYPERLINK("http://x")'
    wide.iloc[2, 3] = "@SUM(A1)"
    out = neutralise_formulas(wide)
    assert out.iloc[1, 17_000] == '\'=HYPERLINK("http://x")'
    assert out.iloc[2, 3] == "'@SUM(A1)" and out.iloc[2, 4] == "-3"  # numbers stay
    assert list(out.columns) == list(wide.columns) and wide.iloc[2, 3] == "@SUM(A1)"
    dup = pd.DataFrame([["=1", "=2"]], columns=["a", "a"])  # duplicate names stay apart
    assert neutralise_formulas(dup).iloc[0].tolist() == ["'=1", "'=2"]


def test_a_runs_files_appear_together_or_not_at_all(tmp_path):
    """Every output of a run is renamed into place only when all are written: a failure
    between the two leaves both old files as they were."""
    from geo.io.files import outputs_together

    a, b = tmp_path / "result.csv", tmp_path / "result_summary.csv"
    write_table(pd.DataFrame({"x": [1]}), a)
    write_table(pd.DataFrame({"n": [1]}), b)
    with pytest.raises(RuntimeError), outputs_together():
        write_table(pd.DataFrame({"x": [2, 2]}), a)
        raise RuntimeError("killed between the result and its summary")
    assert len(read_table(a)) == 1 and len(read_table(b)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.csv", "result_summary.csv"]
    with outputs_together():
        write_table(pd.DataFrame({"x": [2, 2]}), a)
        assert len(read_table(a)) == 1  # not yet in place
        write_table(pd.DataFrame({"n": [2]}), b)
    assert len(read_table(a)) == 2 and read_table(b)["n"].tolist() == ["2"]


def test_a_formula_without_a_saved_value_is_named_not_read_as_empty(tmp_path, capsys):
    """Issue 31: formula cells of a workbook saved without computed values were read as empty
    ("lat is missing"); the cell and what to do are named."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "lat", "lon", "note"])
    ws.append([1, 58.41, 15.62, None])
    ws.append([2, "=58+0.4", "=15+0.6", None])
    wb.save(tmp_path / "f.xlsx")
    code, _, err = _run(["assign", str(tmp_path / "f.xlsx"), "-o", str(tmp_path / "o.csv")], capsys)
    assert code == 2 and "cell B3" in err and "without a saved value" in err
    # empty cells without formulas are just empty
    wb = openpyxl.Workbook()
    wb.active.append(["id", "lat", "lon", "note"])
    wb.active.append([1, 58.41, 15.62, None])
    wb.save(tmp_path / "g.xlsx")
    code, _, err = _run(
        ["assign", str(tmp_path / "g.xlsx"), "-o", str(tmp_path / "o.csv"), "-q"], capsys
    )
    assert code == 0, err


@pytest.mark.parametrize("srs_id", [-1, 0])
def test_an_undefined_srs_is_no_crs_and_the_crs_taken_is_said(tmp_path, capsys, srs_id):
    """Issue 31: a GeoPackage without a CRS (QGIS writes srs_id -1 'Undefined Cartesian SRS'
    or 0 'Undefined geographic SRS') was an internal error or silently unplaced; now it
    declares no CRS: refused without --crs, and with it the CRS taken is said on every run."""
    import sqlite3

    import geopandas as gpd
    import shapely

    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame(
        {"id": [1, 2]}, geometry=[shapely.Point(536000, 6472000), shapely.Point(535000, 6473000)],
        crs="EPSG:3006",
    ).to_file(path)  # fmt: skip
    with sqlite3.connect(path) as con:
        con.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (srs_id,))
        con.execute("UPDATE gpkg_contents SET srs_id = ?", (srs_id,))
    out = tmp_path / "o.csv"
    code, _, err = _run(["assign", str(path), "-o", str(out)], capsys)
    assert code == 2 and "Undefined" in err and "pass --crs" in err and "internal" not in err
    code, _, err = _run(["assign", str(path), "-o", str(out), "--crs", "EPSG:3006"], capsys)
    assert code == 0 and "read in EPSG:3006 as --crs says" in err
    assert set(pd.read_csv(out)["status"]) == {"ok"}


def _pair_is_one_run(result, summary) -> int:
    """The number of rows of the run the result and its summary both come from."""
    rows = len(pd.read_csv(result))
    s = pd.read_csv(summary)
    total = s[(s["area"] == "all") & (s["settlement_class"] == "all")]["addresses"]
    assert int(total.iloc[0]) == rows, (rows, total.iloc[0])
    return rows


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_one_runs_outputs(tmp_path):
    """Issue 31: geo assign killed at several moments of a run: the result and its summary
    on disk always come from one run (the old pair or the new pair), never a mix."""
    import signal
    import subprocess
    import sys
    import time

    from geo.synthetic import synthetic_addresses

    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    synthetic_addresses(500, seed=1).to_csv(small, index=False)
    synthetic_addresses(20_000, seed=2).to_csv(big, index=False)
    out = tmp_path / "result.csv"
    summary = tmp_path / "result_summary.csv"
    cmd = [sys.executable, "-m", "geo.cli", "assign", "-o", str(out), "-q", "--no-progress"]
    assert subprocess.run([*cmd[:4], str(small), *cmd[4:]], check=False).returncode == 0
    start = time.perf_counter()
    subprocess.run([*cmd[:4], str(big), *cmd[4:]], check=True)
    full = time.perf_counter() - start
    assert _pair_is_one_run(out, summary) == 20_000
    seen = set()
    for fraction in (0.3, 0.5, 0.7, 0.85, 0.95, 0.99):
        assert subprocess.run([*cmd[:4], str(small), *cmd[4:]], check=False).returncode == 0
        proc = subprocess.Popen([*cmd[:4], str(big), *cmd[4:]])
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        seen.add(_pair_is_one_run(out, summary))  # a SIGKILL may leave a hidden temporary file
    assert seen <= {500, 20_000}
