"""Bad input through the readers and every command: a clear one-line error or ok rows.

Every case ends either in exit code 0 with every input row in the output (with a status and a
reason), or in exit code 2 with exactly one ``geo: error:`` line: never a traceback, never an
"internal error" (the CLI's last resort, which would mean a class of input nobody handled).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow

EXTENSIONS = [".csv", ".txt", ".tsv", ".xlsx", ".gpkg", ".geojson", ".json", ".parquet", ".shp",
              ".fgb"]  # fmt: skip
#: Real file starts, so that random bytes get past the first check of each parser.
MAGIC = {
    ".xlsx": b"PK\x03\x04",
    ".parquet": b"PAR1",
    ".gpkg": b"SQLite format 3\x00",
    ".geojson": b'{"type": "FeatureCollection", "features": [',
    ".json": b'{"type": "Feature", "geometry": ',
    ".fgb": b"fgb\x03fgb\x00",
    ".shp": b"\x00\x00\x27\x0a",
    ".csv": b"id;lat;lon\n1;58.4;15.6\n",
}
LAT, LON = 58.4275, 15.5837  # Skäggetorp


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process and check the error contract; return (code, out, err)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 2:
        lines = [line for line in err.splitlines() if line.startswith("geo: error:")]
        assert len(lines) == 1, err
        assert "internal error" not in lines[0], lines[0]
        assert len(lines[0]) < 2000
    return code, out, err


def assigned_rows(capsys, src: Path, tmp: Path, *extra: str) -> pd.DataFrame | None:
    """``geo assign`` on ``src``; the result table, or None after a one-line error."""
    out = tmp / "result.parquet"
    code, _, _ = run(capsys, "assign", src, "-o", out, "--no-progress", *extra)
    if code == 2:
        assert not out.exists()  # nothing half-written
        return None
    return pd.read_parquet(out)


def _valid_frame(n: int = 50) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "lat": LAT + rng.normal(0, 0.01, n),
            "lon": LON + rng.normal(0, 0.02, n),
            "namn": [f"Gata {i}" for i in range(n)],
        }
    )


def _write_valid(path: Path, frame: pd.DataFrame) -> None:
    ext = path.suffix
    if ext in (".csv", ".txt", ".tsv"):
        frame.to_csv(path, index=False, sep="\t" if ext == ".tsv" else ",")
    elif ext == ".xlsx":
        frame.to_excel(path, index=False)
    elif ext == ".parquet":
        frame.to_parquet(path)
    else:
        gdf = gpd.GeoDataFrame(
            frame.drop(columns=["lat", "lon"]),
            geometry=gpd.points_from_xy(frame["lon"], frame["lat"]),
            crs=4326,
        )
        driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf",
                  ".shp": "ESRI Shapefile"}[ext]  # fmt: skip
        gdf.to_file(path, driver=driver)


# ----------------------------------------------------------------------------- random bytes
@pytest.mark.parametrize("ext", EXTENSIONS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_bytes(tmp_path, capsys, ext, seed):
    rng = np.random.default_rng(seed * 100 + EXTENSIONS.index(ext))
    body = rng.integers(0, 256, int(rng.integers(1, 6000)), dtype=np.uint8).tobytes()
    prefix = MAGIC.get(ext, b"") if seed > 0 else b""
    src = tmp_path / f"in{ext}"
    src.write_bytes(prefix + body)
    assigned_rows(capsys, src, tmp_path)


@pytest.mark.parametrize("ext", EXTENSIONS)
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_truncated_files(tmp_path, capsys, ext, keep):
    full = tmp_path / f"full{ext}"
    _write_valid(full, _valid_frame())
    data = full.read_bytes()
    src = tmp_path / f"cut{ext}"
    src.write_bytes(data[: max(1, int(len(data) * keep))])
    if ext == ".shp":  # a shapefile's .dbf and .shx travel with it
        for side in (".dbf", ".shx", ".prj"):
            if full.with_suffix(side).exists():
                src.with_suffix(side).write_bytes(full.with_suffix(side).read_bytes())
    table = assigned_rows(capsys, src, tmp_path)
    if table is not None and ext in (".csv", ".txt", ".tsv"):
        # every data line that survived the cut is a row, complete or not
        lines = src.read_text(encoding="utf-8").splitlines()
        assert len(table) == len(lines) - 1
        assert set(table["status"]) <= {"ok", "invalid_coordinates"}


#: Coordinate column pairs and values that fit them (WGS 84; SWEREF 99 TM with X = northing).
PAIRS = [
    (("lat", "lon"), ("58.4275", "15.5837")),
    (("Latitud", "Longitud"), ("58,41", "15,6")),
    (("X", "Y"), ("6476454", "534089")),
    (("E", "N"), ("534089,6", "6476454,6")),
    (("Nordkoordinat", "Ostkoordinat"), ("6476454", "534089")),
]
EXTRA = ["id", "namn", "status", "", "å ä ö", "lat", "area", "reason"]
CELLS = ["58.4275", "15.5837", "58,41", "", " ", "abc", "=1+1", '"quoted; text"',
         '"line\nbreak"', "Åsa", "nan", "1e308", "-", "\u00a0", "0", "<b>x</b>", "'",
         '""', "6476454", "1489000"]  # fmt: skip


@pytest.mark.parametrize("seed", range(40))
def test_random_tables(tmp_path, capsys, seed):
    """Random headers, separators and cells (quotes, line breaks, duplicates, garbage)."""
    rng = np.random.default_rng(seed)
    sep = [",", ";", "\t", "|"][seed % 4]
    (names, good) = PAIRS[seed % len(PAIRS)]
    extra = [EXTRA[i] for i in rng.integers(0, len(EXTRA), int(rng.integers(0, 4)))]
    cols = [*names, *extra]
    order = rng.permutation(len(cols))
    lines = [sep.join(cols[i] for i in order)]
    for _ in range(int(rng.integers(0, 40))):
        row = [g if rng.random() < 0.8 else CELLS[int(rng.integers(0, len(CELLS)))] for g in good]
        row += [CELLS[i] for i in rng.integers(0, len(CELLS), len(extra))]
        if rng.random() < 0.02:  # a line with a cell too many
            row.append("extra")
        lines.append(sep.join(row[i] for i in order) + (sep + "x" if len(row) > len(cols) else ""))
    src = tmp_path / "in.csv"
    src.write_text("\n".join(lines) + ("\n" if seed % 3 else ""), encoding="utf-8")
    table = assigned_rows(capsys, src, tmp_path, *(["--crs", "EPSG:3006"] if seed % 7 == 0 else []))
    if table is not None:
        parsed = pd.read_csv(src, sep=sep, dtype=str, keep_default_na=False)
        assert len(table) == len(parsed)
        assert set(table["status"]) <= {"ok", "outside", "invalid_coordinates"}
        assert (table.loc[table["status"] != "ok", "reason"].astype(str) != "").all()


# ----------------------------------------------------------------------------- empty input
def test_empty_sheets_and_sheet_choice(tmp_path, capsys):
    src = tmp_path / "book.xlsx"
    with pd.ExcelWriter(src) as xl:
        pd.DataFrame().to_excel(xl, sheet_name="tom", index=False)
        _valid_frame(7).to_excel(xl, sheet_name="adresser", index=False)
    code, _, err = run(capsys, "assign", src, "-o", tmp_path / "a.csv")
    assert code == 2 and "no columns" in err
    table = assigned_rows(capsys, src, tmp_path, "--sheet", "adresser")
    assert table is not None and len(table) == 7 and (table["status"] == "ok").all()
    code, _, err = run(capsys, "assign", src, "-o", tmp_path / "a.csv", "--sheet", "saknas")
    assert code == 2 and "saknas" in err and "--sheet" in err


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet", ".geojson", ".gpkg"])
def test_headers_only(tmp_path, capsys, ext):
    src = tmp_path / f"in{ext}"
    _write_valid(src, _valid_frame().iloc[:0])
    code, _, err = run(capsys, "assign", src, "-o", tmp_path / "out.csv")
    if code == 0:  # a vector file with no features is an empty result, not an error
        assert len(pd.read_csv(tmp_path / "out.csv")) == 0
    else:
        assert "no rows" in err or "no columns" in err or "cannot read" in err


# ----------------------------------------------------------------------------- encodings
@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "cp1252", "latin-1", "mac-roman"]
)
def test_encodings(tmp_path, capsys, encoding):
    text = "id;namn;lat;lon\n1;Åsa Öberg;58,4275;15,5837\n2;Ärla Ängsväg;58,41;15,60\n"
    src = tmp_path / "in.csv"
    if encoding == "utf-16-le-bom":
        src.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    else:
        src.write_bytes(text.encode(encoding.replace("mac-roman", "mac_roman")))
    table = assigned_rows(capsys, src, tmp_path)
    assert table is not None and len(table) == 2
    assert (table["status"] == "ok").all()
    if encoding != "mac-roman":  # the others are read as what they are
        assert table["namn"].tolist() == ["Åsa Öberg", "Ärla Ängsväg"]


def test_utf8_with_a_bad_byte_past_the_sample(tmp_path, capsys):
    rows = [f"{i};Gata {i};58.4;15.6" for i in range(6000)]
    rows[5000] = "5000;Caf\xe9 (Latin-1);58.4;15.6"
    body = "id;namn;lat;lon\n" + "\n".join(rows) + "\n"
    src = tmp_path / "in.csv"
    src.write_bytes(body.encode("utf-8").replace("Caf\xe9".encode(), b"Caf\xe9"))
    assert len(src.read_bytes()) > 65536
    table = assigned_rows(capsys, src, tmp_path)
    assert table is not None and len(table) == 6000


def test_nul_bytes_are_not_text(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_bytes(b"id;lat;lon\n1;58.4\x00;15.6\n")
    code, _, err = run(capsys, "assign", src, "-o", tmp_path / "o.csv")
    assert code == 2 and "not a text file" in err


# ----------------------------------------------------------------------------- nulls
@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".parquet", ".geojson", ".gpkg"])
def test_nulls_in_every_column(tmp_path, capsys, ext):
    frame = _valid_frame(12).astype(object)
    for i, col in enumerate(frame.columns):
        frame.loc[frame.index % 4 == i % 4, col] = None
    frame.loc[5, :] = None  # and a row with nothing at all (inside: a sheet ends at its last value)
    src = tmp_path / f"in{ext}"
    if ext in (".geojson", ".gpkg"):
        lon = pd.to_numeric(frame["lon"])
        lat = pd.to_numeric(frame["lat"])
        geom = [shapely.Point(x, y) if np.isfinite(x) and np.isfinite(y) else None
                for x, y in zip(lon, lat, strict=True)]  # fmt: skip
        gdf = gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=geom, crs=4326)
        gdf.to_file(src)
    elif ext == ".parquet":
        frame.assign(lat=pd.to_numeric(frame["lat"]), lon=pd.to_numeric(frame["lon"])).to_parquet(
            src
        )
    else:
        _write_valid(src, frame)
    table = assigned_rows(capsys, src, tmp_path)
    assert table is not None and len(table) == 12
    bad = table["status"] != "ok"
    assert bad.sum() >= 6 and (table.loc[bad, "reason"].astype(str) != "").all()
    assert table["input_row"].tolist() == list(range(1, 13))


# ----------------------------------------------------------------------------- garbage rows
GARBAGE = ["", "abc", "NaN", "inf", "-inf", "1e400", "58,4,2", "=1+1", "  ", "58.4.1", "null",
           "\u2212", "0x1F", "58°25′", "nan", "None", "999999999", "-0"]  # fmt: skip


def _garbage_csv(path: Path, n: int, *, seed: int = 7) -> np.ndarray:
    """``n`` rows, every 10th with a garbage coordinate; returns the garbage mask."""
    rng = np.random.default_rng(seed)
    lat = np.round(LAT + rng.normal(0, 0.05, n), 6).astype(str).astype(object)
    lon = np.round(LON + rng.normal(0, 0.1, n), 6).astype(str).astype(object)
    bad = np.arange(n) % 10 == 3
    which = rng.integers(0, len(GARBAGE), n)
    lat[bad] = np.asarray(GARBAGE, dtype=object)[which[bad]]
    swap = bad & (np.arange(n) % 20 == 13)  # some garbage rows: lat and lon swapped
    lat[swap], lon[swap] = lon[swap], str(LAT)
    frame = pd.DataFrame({"id": np.arange(n), "lat": lat, "lon": lon, "text": 'x;y"z'})
    frame.to_csv(path, index=False, sep=";")
    return bad


def test_garbage_rows_keep_every_row(tmp_path, capsys):
    src = tmp_path / "in.csv"
    bad = _garbage_csv(src, 20_000)
    table = assigned_rows(capsys, src, tmp_path)
    assert table is not None and len(table) == 20_000
    assert table["input_row"].tolist() == list(range(1, 20_001))
    assert (table.loc[bad, "status"] == "invalid_coordinates").all()
    assert (table.loc[bad, "reason"].astype(str).str.len() > 5).all()
    assert (table.loc[~bad, "status"].isin(["ok", "outside"])).all()


@pytest.mark.slow
def test_a_million_rows_with_ten_percent_garbage(tmp_path, capsys):
    src = tmp_path / "big.csv"
    bad = _garbage_csv(src, 1_000_000)
    table = assigned_rows(capsys, src, tmp_path)
    assert table is not None and len(table) == 1_000_000
    assert table["input_row"].to_numpy().tolist() == list(range(1, 1_000_001))
    assert (table["status"].to_numpy()[bad] == "invalid_coordinates").all()
    assert int((table["status"] == "ok").sum()) > 850_000


def test_lines_with_extra_separators_are_one_clear_error(tmp_path, capsys):
    src = tmp_path / "in.csv"
    src.write_text("id,lat,lon\n1,58.4,15.6\n2,58.4,15.6,extra,more\n3,58.4,15.6\n")
    code, _, err = run(capsys, "assign", src, "-o", tmp_path / "o.csv")
    assert code == 2 and "line 3" in err and "quote" in err


# ----------------------------------------------------------------------------- every command
@pytest.fixture(scope="module")
def garbage(tmp_path_factory) -> dict[str, Path]:
    """One file of random bytes per extension, and a few files that are valid but wrong."""
    folder = tmp_path_factory.mktemp("garbage")
    rng = np.random.default_rng(99)
    files = {}
    for ext in [*EXTENSIONS, ".npz", ".pbf", ".graphml"]:
        p = folder / f"g{ext}"
        p.write_bytes(MAGIC.get(ext, b"") + rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
        files[ext] = p
    files["empty"] = folder / "empty.csv"
    files["empty"].write_bytes(b"")
    files["header"] = folder / "header.csv"
    files["header"].write_text("id;lat;lon\n")
    files["lines"] = folder / "lines.geojson"  # a valid vector file, but of points
    _write_valid(files["lines"], _valid_frame(5))
    files["zip"] = folder / "z.xlsx"
    with zipfile.ZipFile(files["zip"], "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return files


COMMANDS = [
    ["summary", "{f}"],
    ["audit", "{f}"],
    ["map", "catchments", "--addresses", "{f}", "--no-tiles", "-o", "{out}.html"],
    ["map", "access", "--addresses", "{f}", "--no-tiles", "-o", "{out}.html"],
    ["map", "siting", "--addresses", "{f}", "--no-tiles", "-o", "{out}.html"],
    ["site", "--add", "1", "--addresses", "{f}", "-o", "{out}"],
    ["site", "--add", "1", "--sites", "{f}", "-o", "{out}"],
    ["whatif", "--bases", "{f}"],
    ["assign", "--areas", "{f}", "-o", "{out}.csv", "--demo-count", "100"],
    ["assign", "--bases", "{f}", "-o", "{out}.csv", "--demo-count", "100"],
    ["geocode", "{f}", "--register", "{f}", "-o", "{out}.csv"],
    ["network", "build", "--mode", "car", "--lines", "{f}", "-o", "{out}.npz"],
    ["network", "build", "--mode", "walk", "--pbf", "{f}", "-o", "{out}.npz"],
    ["network", "build", "--mode", "bike", "--graphml", "{f}", "-o", "{out}.npz"],
    ["network", "catchments", "--mode", "car", "--network", "{f}", "-o", "{out}.gpkg"],
    ["assign", "--mode", "car", "--network", "{f}", "-o", "{out}.csv", "--demo-count", "50"],
    ["demo-addresses", "--grid", "{f}", "-n", "10", "-o", "{out}"],
    ["assign", "--mode", "transit", "--gtfs", "{f}", "-o", "{out}.csv", "--demo-count", "50"],
    ["map", "studio", "--addresses", "{f}", "--no-proven", "-o", "{out}.html"],
    ["whatif", "--scenario", "{f}"],
    ["report", "--scenario", "{f}", "-o", "{out}.html"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_with_bad_files(tmp_path, capsys, garbage, command):
    kinds = [".csv", ".xlsx", ".gpkg", ".geojson", ".parquet", ".npz", ".pbf", ".graphml",
             "empty", "header", "lines", "zip"]  # fmt: skip
    for kind in kinds:
        args = [a.format(f=garbage[kind], out=tmp_path / f"out_{kind.strip('.')}") for a in command]
        code, _, err = run(capsys, *args)
        assert code == 2 or kind in ("lines", "header"), (kind, err)


@pytest.mark.parametrize("ext", [".xlsx", ".gpkg", ".parquet"])
def test_a_separate_process_prints_one_line(tmp_path, garbage, ext):
    """As a user sees it: the installed command, its stderr, its exit code."""
    run_ = subprocess.run(
        [sys.executable, "-m", "geo.cli", "assign", str(garbage[ext]), "-o", str(tmp_path / "o.csv")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run_.returncode == 2
    lines = run_.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geo: error: addresses: "), run_.stderr
