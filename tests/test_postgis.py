"""PostgreSQL/PostGIS as a source and a destination, against a real cluster the tests start
(Debian's postgresql + postgis; tests/pgcluster.py): the same rows as through files, tables
written in one transaction (a killed run leaves the old table), --if-exists, credentials never
shown, one-line errors, and geo serve reloading its register on SIGHUP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pgcluster
import pytest

from geo.cli import main
from geo.io.postgis import Database, read_database, write_database
from geo.study import load_study
from geo.synthetic import synthetic_addresses, synthetic_register

pytestmark = pytest.mark.slow
PASSWORD = pgcluster.PASSWORD


@pytest.fixture(scope="module")
def pg():
    if not pgcluster.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is missing: .ci/run installs postgresql and postgis")
        pytest.skip("PostgreSQL not installed (apt-get install postgresql postgis)")
    cluster = pgcluster.Cluster()
    cluster.psql("CREATE SCHEMA omr; CREATE SCHEMA res; CREATE SCHEMA adr", db="geo_test")
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def addresses_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pg") / "addresses.csv"
    synthetic_addresses(3000, seed=4).to_csv(path, index=False)
    return path


def _cli(capsys, *args: str) -> tuple[int, str]:
    try:
        code = main([*args])
    except SystemExit as exc:  # argparse's usage errors
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out + out.err


def _assigned(path_or_url: str) -> pd.DataFrame:
    if path_or_url.startswith("postgresql"):
        df = pd.DataFrame(read_database(path_or_url))
        df = df.drop(columns=[c for c in ("fid", "geometry") if c in df.columns])
    else:
        df = pd.read_csv(path_or_url, dtype=str, keep_default_na=False)
    return df.sort_values("input_row").reset_index(drop=True)


def test_assign_reads_and_writes_tables_as_it_does_files(pg, addresses_csv, tmp_path, capsys):
    study = load_study()
    # the study's areas and bases as tables
    write_database(study.areas, pg.url("omr.omraden"))
    bases = study.bases[["base_name", "area", "geometry"]]
    write_database(bases, pg.url("omr.baser"))
    # the addresses as a point table (SWEREF 99 TM) and as a plain table with lon/lat
    frame = pd.read_csv(addresses_csv)
    pts = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326
    ).to_crs(3006)
    write_database(pts.drop(columns=["lon", "lat"]), pg.url("adr.punkter"))
    write_database(frame, pg.url("adr.tabell"))

    by_file = tmp_path / "file.csv"
    code, _ = _cli(capsys, "assign", str(addresses_csv), "-o", str(by_file), "-q")
    assert code == 0
    expected = pd.read_csv(by_file)
    table = pg.url("res.tilldelning")
    code, out = _cli(
        capsys, "assign", pg.url("adr.tabell"), "--areas", pg.url("omr.omraden"),
        "--area-col", "area", "--bases", pg.url("omr.baser"), "-o", table,
    )  # fmt: skip
    assert code == 0, out
    assert PASSWORD not in out and "postgres@127.0.0.1" in out
    got = pd.DataFrame(read_database(table)).sort_values("input_row").reset_index(drop=True)
    for col in ("status", "area", "regsokod", "settlement_class", "own_base"):
        assert (
            got[col].fillna("").astype(str).tolist()
            == expected[col].fillna("").astype(str).tolist()
        ), col
    np.testing.assert_allclose(
        got["own_base_distance_m"], expected["own_base_distance_m"], rtol=1e-9
    )
    # a primary key, a GiST index, the SRID; the summary beside it
    assert pg.psql(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = 'res.tilldelning'::regclass "
        "AND i.indisprimary", db="geo_test") == "fid"  # fmt: skip
    assert "gist" in pg.psql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname='res' AND tablename='tilldelning'",
        db="geo_test",
    )
    assert pg.psql("SELECT Find_SRID('res', 'tilldelning', 'geometry')", db="geo_test") == "3006"
    assert int(pg.psql("SELECT count(*) FROM res.tilldelning_summary", db="geo_test")) > 4
    # points from a table with geometry, and from a query
    for source in (
        pg.url("adr.punkter"),
        pg.url(query="SELECT * FROM adr.punkter WHERE true"),
    ):
        out_csv = tmp_path / "from_points.csv"
        code, out = _cli(capsys, "assign", source, "-o", str(out_csv), "-q")
        assert code == 0, out
        t = pd.read_csv(out_csv)
        assert t["area"].fillna("").tolist() == expected["area"].fillna("").tolist()


def test_if_exists_fail_replace_append(pg, addresses_csv, capsys):
    table = pg.url("res.igen")
    assert _cli(capsys, "assign", str(addresses_csv), "-o", table, "-q")[0] == 0
    code, out = _cli(capsys, "assign", str(addresses_csv), "-o", table, "-q")
    assert (
        code == 2
        and "exists" in out
        and "--if-exists" in out
        and len(out.strip().splitlines()) == 1
    )
    assert PASSWORD not in out
    assert (
        _cli(capsys, "assign", str(addresses_csv), "-o", table, "--if-exists", "replace", "-q")[0]
        == 0
    )
    assert pg.psql("SELECT count(*) FROM res.igen", db="geo_test") == "3000"
    assert (
        _cli(capsys, "assign", str(addresses_csv), "-o", table, "--if-exists", "append", "-q")[0]
        == 0
    )
    assert pg.psql("SELECT count(*) FROM res.igen", db="geo_test") == "6000"
    assert pg.psql("SELECT count(DISTINCT fid) FROM res.igen", db="geo_test") == "6000"


def test_a_killed_write_leaves_the_old_table(pg, tmp_path):
    """SIGKILL while the rows stream in: the old table is untouched, no half table remains."""
    table = pg.url("res.stor")
    small = tmp_path / "small.csv"
    synthetic_addresses(500, seed=1).to_csv(small, index=False)
    assert main(["assign", str(small), "-o", table, "-q"]) == 0
    before = pg.psql("SELECT count(*), sum(input_row) FROM res.stor", db="geo_test")
    proc = subprocess.Popen(
        [sys.executable, "-m", "geo.cli", "assign", "--demo-count", "1500000", "-o", table,
         "--if-exists", "replace", "-q", "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    copying = False
    while time.monotonic() < deadline and proc.poll() is None:
        active = pg.psql(
            "SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'COPY %'", db="geo_test"
        )
        if active != "0":
            copying = True
            time.sleep(0.3)  # some rows are in
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait(timeout=30)
    assert copying, "the write never started"
    time.sleep(1.0)  # the server notices the closed connection and rolls back
    assert pg.psql("SELECT count(*), sum(input_row) FROM res.stor", db="geo_test") == before
    left = pg.psql(
        "SELECT count(*) FROM pg_tables WHERE schemaname='res' AND tablename LIKE '%\\_\\_geo\\_%'",
        db="geo_test",
    )
    assert left == "0"


def test_credentials_are_never_shown(pg, addresses_csv, tmp_path, capsys, monkeypatch):
    # libpq's own ways: PGPASSWORD, a .pgpass file; the URL has no password
    url = pg.url("res.utan_losen", password=False)
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    assert _cli(capsys, "assign", str(addresses_csv), "-o", url, "-q")[0] == 0
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg.port}:geo_test:postgres:{PASSWORD}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    code, out = _cli(capsys, "assign", url, "-o", str(tmp_path / "x.csv"), "-q")
    assert code == 0, out  # the result table read back (its points) with .pgpass
    monkeypatch.delenv("PGPASSFILE")
    # a password in the URL: accepted, never printed, logged or written
    code, out = _cli(capsys, "assign", str(addresses_csv), "-o", pg.url("res.med_losen"), "-vv")
    assert code == 0 and PASSWORD not in out
    for t in ("med_losen", "med_losen_summary"):
        dump = pg.psql(f"SELECT * FROM res.{t}", db="geo_test")
        assert PASSWORD not in dump
    # a wrong password: one line, without the password given
    wrong = pg.url("res.x").replace(PASSWORD, "fel-losenord-123")
    code, out = _cli(capsys, "assign", str(addresses_csv), "-o", wrong, "-q")
    assert code == 2 and "fel-losenord-123" not in out and "password" in out.lower()
    assert out.strip().startswith("geo: error:") and len(out.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args,said",
    [
        (["assign", "{bad_port}"], "cannot connect"),
        (["assign", "{url}?table=adr.finns_inte"], "no table adr.finns_inte"),
        (
            ["assign", "--areas", "{url}?table=adr.utan_geometri", "--demo-count", "10"],
            "no geometry column",
        ),
        (["assign", "{url}?table=omr.omraden", "--demo-count", "10"], "polygon"),
        (["assign", "{url}?table=adr.blandat"], "mixes SRIDs"),
        (["assign", "{url}"], "?table="),
        (["assign", "--demo-count", "10", "-o", "{url}?query=SELECT%201"], "not to a query"),
    ],
)
def test_bad_input_gets_one_line(pg, capsys, args, said):
    pg.psql(
        "CREATE TABLE IF NOT EXISTS adr.utan_geometri (namn text, x double precision);"
        "CREATE TABLE IF NOT EXISTS adr.blandat (id int, geom geometry(Point));"
        "TRUNCATE adr.blandat;"
        "INSERT INTO adr.blandat VALUES (1, ST_SetSRID(ST_MakePoint(536000, 6472000), 3006)),"
        " (2, ST_SetSRID(ST_MakePoint(15.6, 58.4), 4326))",
        db="geo_test",
    )
    if not pg.psql("SELECT to_regclass('omr.omraden')", db="geo_test"):
        write_database(load_study().areas, pg.url("omr.omraden"))
    base = pg.url()
    bad_port = base.replace(f":{pg.port}/", ":1/") + "?table=adr.x"
    filled = [a.format(url=base, bad_port=bad_port) for a in args]
    code, out = _cli(capsys, *filled)
    assert code == 2, out
    assert said in out, out
    last = out.strip().splitlines()[-1]
    if "usage:" in out:  # a malformed URL is a usage error: argparse's usage, then one line
        assert last.startswith("geo assign: error: argument"), out
    else:
        assert out.strip().startswith("geo: error:") and len(out.strip().splitlines()) == 1, out
    assert PASSWORD not in out and "Traceback" not in out


def test_database_text_hides_the_password():
    db = Database(f"postgresql://anna:{PASSWORD}@db.kommun.se:5433/gis?sslmode=require&table=A.b")
    assert str(db) == "postgresql://anna@db.kommun.se:5433/gis?sslmode=require&table=A.b"
    assert PASSWORD not in repr(db) and (db.schema, db.table) == ("a", "b")
    q = Database('postgresql:///gis?table="Adresser"."Reg.2024"')
    assert (q.schema, q.table) == ("Adresser", "Reg.2024")
    assert str(db.sibling("summary")).endswith("table=a.b_summary")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_reloads_the_register_on_sighup(pg, tmp_path, workers):
    """A new address in the register's table is found after SIGHUP; no request fails. With
    several workers uvicorn closes, when an old worker stops, a connection it accepted but
    had not yet read: the client sees a reset before its request was read, retries the GET
    once (as HTTP clients do) and gets its answer. With one worker nothing is reset."""
    from urllib.parse import quote

    from test_service import Server

    reg = synthetic_register(2000, seed=9)
    new = reg.iloc[[1]].copy()
    street = "Reloadgatan"
    new["address_id"] = "NEW0000001"
    new["gatunamn"], new["adressplatsnummer"] = street, "7"
    new["address"] = f"{street} 7, {new['postnummer'].iloc[0]} {new['postort'].iloc[0]}"
    table = f"adr.register_{workers}"
    write_database(reg, pg.url(table), if_exists="replace")
    srv = Server(tmp_path, "--register", pg.url(table), "--workers", workers)
    failures: list[str] = []
    resets: list[str] = []
    answered = [0]
    stop = threading.Event()

    def hammer() -> None:
        while not stop.is_set():
            for attempt in (1, 2):
                try:
                    status, _ = srv.get("/api/lookup?lat=58.41&lon=15.62")
                except ConnectionResetError as exc:
                    if attempt == 2 or workers == "1":
                        failures.append(repr(exc))
                    else:
                        resets.append(repr(exc))
                        continue
                except Exception as exc:  # noqa: BLE001
                    failures.append(repr(exc))
                else:
                    answered[0] += 1
                    if status != 200:
                        failures.append(str(status))
                break

    try:
        query = "/api/lookup?address=" + quote(f"{street} 7, {new['postort'].iloc[0]}")
        status, body = srv.json(query)
        assert status == 200 and body["location_precision"] != "address"  # not in the register
        write_database(pd.concat([reg, new], ignore_index=True), pg.url(table), if_exists="replace")
        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 90
        found = False
        while time.monotonic() < deadline:
            status, body = srv.json(query)
            if status == 200 and body["location_precision"] == "address":
                found = True
                break
            time.sleep(0.3)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()
        assert found, f"the new address never appeared: {body} {srv.log.read_text()[-2000:]}"
        assert failures == []
        assert len(resets) <= 4 and answered[0] > 50 * len(resets), (resets, answered)
        assert srv.proc.poll() is None
        assert PASSWORD not in srv.log.read_text()
    finally:
        stop.set()
        assert srv.stop() == 0


STACKED = [
    "SELECT 1) s; DROP TABLE adr.canary; SELECT * FROM (SELECT 1",
    "SELECT 1) s; DELETE FROM adr.canary; SELECT * FROM (SELECT 1",
    "SELECT 1) s; COMMIT; DROP TABLE adr.canary; SELECT * FROM (SELECT 1",
    "SELECT * FROM adr.canary; DROP TABLE adr.canary",
    "SELECT * FROM adr.canary; DELETE FROM adr.canary",
    "SELECT * FROM adr.canary /* x */ ; COMMIT; DROP TABLE adr.canary",
    "SELECT 1 AS x) s, (SELECT 2 AS y",
    # one statement, but it writes: the read-only transaction refuses it
    "WITH gone AS (DELETE FROM adr.canary RETURNING *) SELECT * FROM gone",
    "SELECT nextval('adr.canary_seq') AS n, * FROM adr.canary",
]


@pytest.mark.parametrize("query", STACKED)
def test_a_query_reads_only_and_runs_once(pg, tmp_path, capsys, query):
    """?query= is one statement in a read-only transaction (issue 31): every stacked or
    writing form leaves the canary table and its rows intact, with one line."""
    pg.psql(
        "DROP TABLE IF EXISTS adr.canary; DROP SEQUENCE IF EXISTS adr.canary_seq;"
        "CREATE SEQUENCE adr.canary_seq;"
        "CREATE TABLE adr.canary AS SELECT g AS id, 536000.0 + g AS x, 6472000.0 AS y "
        "FROM generate_series(1, 200) g",
        db="geo_test",
    )
    code, out = _cli(capsys, "assign", pg.url(query=query), "-o", str(tmp_path / "x.csv"),
                     "--crs", "3006")  # fmt: skip
    assert code == 2, out
    assert out.strip().startswith("geo: error:") and len(out.strip().splitlines()) == 1, out
    assert PASSWORD not in out
    assert pg.psql("SELECT count(*) FROM adr.canary", db="geo_test").strip() == "200"
    assert pg.psql("SELECT last_value FROM adr.canary_seq", db="geo_test").strip() == "1"


def test_a_query_source_is_read_as_given_and_an_empty_typed_table_keeps_its_crs(
    pg, tmp_path, capsys
):
    pg.psql(
        "DROP TABLE IF EXISTS adr.calls; CREATE TABLE adr.calls (n int);"
        "CREATE OR REPLACE FUNCTION adr.counted() RETURNS SETOF int LANGUAGE sql STABLE AS "
        "$$ SELECT g FROM generate_series(1, 50) g $$;"
        "DROP TABLE IF EXISTS adr.tom; CREATE TABLE adr.tom (id int, geom geometry(Point, 3006))",
        db="geo_test",
    )
    # a query read through the CLI: one read, the rows as given
    q = "SELECT n AS id, 536000.0 + n AS x, 6472000.0 AS y FROM adr.counted() n"
    out = tmp_path / "q.csv"
    code, said = _cli(capsys, "assign", pg.url(query=q), "-o", str(out), "--crs", "3006", "-q")
    assert code == 0, said
    assert len(pd.read_csv(out)) == 50
    empty = read_database(pg.url("adr.tom"), geometry="points")
    assert len(empty) == 0 and empty.crs is not None and empty.crs.to_epsg() == 3006


def test_a_runs_tables_are_written_together_or_not_at_all(pg):
    """Issue 31: a kill after the result table committed left the summary of the run before.
    The result and its summary are one transaction: a failure while writing the summary (here
    a missing column) leaves both old tables whole."""
    from geo.errors import InputFileError
    from geo.io.postgis import write_databases

    old = pd.DataFrame({"id": range(1000)})
    write_databases(
        [(old, pg.url("adr.big")), (pd.DataFrame({"n": [1000]}), pg.url("adr.big_summary"))],
        if_exists="replace",
    )
    new = pd.DataFrame({"id": range(3000)})
    with pytest.raises(InputFileError, match="no column"):
        write_databases(
            [
                (new, pg.url("adr.big")),
                (pd.DataFrame({"other": [3000]}), pg.url("adr.big_summary")),
            ],
            if_exists="append",
        )
    assert pg.psql("SELECT count(*) FROM adr.big", db="geo_test").strip() == "1000"
    assert pg.psql("SELECT n FROM adr.big_summary", db="geo_test").strip() == "1000"
    write_databases(
        [(new, pg.url("adr.big")), (pd.DataFrame({"n": [3000]}), pg.url("adr.big_summary"))],
        if_exists="replace",
    )
    assert pg.psql("SELECT count(*) FROM adr.big", db="geo_test").strip() == "3000"
    assert pg.psql("SELECT n FROM adr.big_summary", db="geo_test").strip() == "3000"
