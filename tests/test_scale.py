"""Partitioned datasets: the local and dask engines equal the single-machine engine.

Addresses here are SYNTHETIC (drawn from SCB grids); areas and bases are real (embedded
Linköping catchments, all 3 363 RegSO of Sweden) or tiny hand-made squares.
"""

from __future__ import annotations

import pickle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import settings
from geo.areas import assign_addresses
from geo.cli import main
from geo.errors import GeoError, InputFileError
from geo.io import datasets, tables
from geo.polygons import PolygonIndex
from geo.report import summarize
from geo.scale import assign_dataset, write_national_addresses
from geo.study import Study, load_study
from geo.synthetic import national_addresses, synthetic_xy

#: Every test here starts a process, a browser, a cluster or builds much: not in the quick run.
pytestmark = pytest.mark.slow

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """A local dask cluster of two worker processes, shared by the tests of this module."""
    c = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, scheduler_kwargs={"dashboard": False}
    )
    yield c
    c.close()


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as cl:
        yield cl


def _write_parts(gdf: pd.DataFrame, folder, sizes: list[int]) -> None:
    folder.mkdir()
    start = 0
    for k, size in enumerate(sizes):
        gdf.iloc[start : start + size].to_parquet(folder / f"part.{k}.parquet")
        start += size


def _same_table(single: pd.DataFrame, back: pd.DataFrame) -> None:
    """Every column and value equal (categories compared as values)."""
    back = pd.DataFrame(back.drop(columns="geometry"))
    assert list(single.columns) == list(back.columns)
    for col in single.columns:
        a, b = single[col], back[col]
        if isinstance(a.dtype, pd.CategoricalDtype):
            a, b = a.astype(object), b.astype(object)
        same = (a.isna() & b.isna()) | (a == b)
        assert same.all(), (col, a[~same].head().tolist(), b[~same].head().tolist())


def _same_summary(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    assert list(expected.columns) == list(got.columns)
    for col in expected.columns:
        if pd.api.types.is_numeric_dtype(expected[col]):
            np.testing.assert_allclose(
                got[col].to_numpy(float), expected[col].to_numpy(float), rtol=1e-12, atol=1e-9
            )
        else:
            assert got[col].tolist() == expected[col].tolist(), col


@pytest.fixture(scope="module")
def linkoping_parts(tmp_path_factory):
    """30 000 synthetic Linköping addresses in 3 parts of unequal size, with bad rows."""
    study = load_study()
    e, n = synthetic_xy(30_000, seed=11, study=study)
    geom = shapely.points(e, n).astype(object)
    geom[[3, 12_345]] = None  # missing geometry
    geom[29_000] = shapely.Point(440_000, 6_200_000)  # in Sweden (Skåne), outside every area
    geom[20_000] = shapely.LineString([(e[0], n[0]), (e[1], n[1])])  # not a point
    gdf = gpd.GeoDataFrame(
        {"id": np.arange(30_000), "note": "synthetic"}, geometry=list(geom), crs=3006
    )
    gdf.loc[100, "id"] = 5  # duplicate within the first part
    gdf.loc[25_000, "id"] = 7  # duplicate across parts
    folder = tmp_path_factory.mktemp("lkp") / "addresses"
    _write_parts(gdf, folder, [12_000, 9_000, 9_000])
    return folder, gdf, study


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_dataset_equals_single_machine(linkoping_parts, tmp_path, engine, client):
    folder, gdf, study = linkoping_parts
    single = assign_addresses(gdf, study)
    res = assign_dataset(folder, tmp_path / "out", study, engine=engine, client=client)
    assert res.rows == 30_000 and res.partitions == 3
    assert [p.name for p in datasets.dataset_files(res.output)] == [
        "part.00000.parquet",
        "part.00001.parquet",
        "part.00002.parquet",
    ]
    back = res.read()
    assert isinstance(back, gpd.GeoDataFrame) and back.crs.to_epsg() == 3006
    _same_table(single.table, back)
    whole = gpd.read_parquet(res.output)  # the folder reads as one GeoParquet dataset
    assert len(whole) == 30_000 and whole.crs.to_epsg() == 3006
    assert whole.geometry.isna().sum() == 3  # missing, not-a-point rows: no geometry
    assert back["input_row"].tolist() == list(range(1, 30_001))
    assert res.status_counts.to_dict() == single.status_counts().to_dict()
    assert res.status_counts["invalid_coordinates"] == 3 and res.status_counts["outside"] == 1
    dup = back.loc[back["reason"].str.contains("duplicate id"), "input_row"].tolist()
    assert dup == [6, 8, 101, 25_001]  # ids 5 and 7, found across parts
    _same_summary(summarize(single.table, study), res.summary)
    assert any("duplicate ids" in n for n in res.notes)
    assert "Dataset assignment" in res._repr_html_()


def test_summary_quantiles_exact_on_known_distances(square_study, tmp_path):
    """Median and p90 across partitions equal numpy's on the whole set."""
    e0, n0 = 530_000.0, 6_470_000.0
    # distances to base A (centre of A): 10, 20, ... straight east of the base, all in A
    d = np.array([10.0, 480.0, 20.0, 30.0, 250.0, 499.0, 40.0, 5.0, 300.0])
    gdf = gpd.GeoDataFrame(
        {"id": np.arange(d.size)}, geometry=shapely.points(e0 + 500 + d, n0 + 500), crs=3006
    )
    _write_parts(gdf, tmp_path / "in", [2, 3, 4])
    res = assign_dataset(tmp_path / "in", tmp_path / "out", square_study)
    row = res.summary.set_index(["area", "settlement_class"]).loc[("A", "all")]
    assert row["addresses"] == d.size
    assert row["median_distance_m"] == np.percentile(d, 50, method="inverted_cdf")
    assert row["p90_distance_m"] == np.percentile(d, 90, method="inverted_cdf")
    assert row["max_distance_m"] == 499.0
    assert row["mean_distance_m"] == pytest.approx(d.mean())


def test_dataset_from_plain_parquet_with_coordinate_columns(square_study, tmp_path):
    frame = pd.DataFrame(
        {"x": [530_100.0, 531_900.0, np.nan], "y": [6_470_100.0, 6_470_900.0, 6_470_500.0]}
    )
    (tmp_path / "in").mkdir()
    frame.to_parquet(tmp_path / "in" / "a.parquet")
    res = assign_dataset(tmp_path / "in", tmp_path / "out", square_study, crs="EPSG:3006")
    back = res.read()
    assert back["status"].astype(str).tolist() == ["ok", "ok", "invalid_coordinates"]
    assert back["area"].astype(object).tolist()[:2] == ["A", "B"]
    # without --crs the values identify SWEREF 99 TM (its eastings do not overlap RT90's)
    res = assign_dataset(tmp_path / "in", tmp_path / "out2", square_study)
    assert any("SWEREF 99 TM" in note for note in res.notes)
    pd.testing.assert_frame_equal(res.read(), back)
    # values that could be a SWEREF 99 local zone (false easting 150 000 m) are ambiguous
    (tmp_path / "zone").mkdir()
    frame.assign(x=[150_100.0, 151_900.0, np.nan]).to_parquet(tmp_path / "zone" / "a.parquet")
    with pytest.raises(GeoError, match="CRS"):
        assign_dataset(tmp_path / "zone", tmp_path / "out3", square_study)


def test_dataset_errors(tmp_path, square_study):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputFileError, match="no .parquet files"):
        assign_dataset(tmp_path / "empty", tmp_path / "out", square_study)
    with pytest.raises(InputFileError, match="does not exist"):
        assign_dataset(tmp_path / "nope", tmp_path / "out", square_study)
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(InputFileError, match="not a readable Parquet"):
        assign_dataset(tmp_path / "bad.parquet", tmp_path / "out", square_study)
    with pytest.raises(GeoError, match="engine: must be one of"):
        assign_dataset(tmp_path / "bad.parquet", tmp_path / "out", square_study, engine="spark")
    # a failed run leaves no half-written output folder behind
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_existing_scheduler_from_the_cli(linkoping_parts, tmp_path, cluster, capsys):
    folder, gdf, _ = linkoping_parts
    out = tmp_path / "res"
    code = main(
        ["assign", str(folder), "--engine", "dask", "--scheduler", cluster.scheduler_address,
         "-o", str(out), "--no-progress"]
    )  # fmt: skip
    printed, err = capsys.readouterr()
    assert code == 0, err
    assert "Assigned 30,000 rows in 3 parts (dask engine, 2 worker(s)" in printed
    assert len(datasets.dataset_files(out)) == 3
    summary = pd.read_csv(tmp_path / "res_summary.csv")
    assert summary.iloc[-1]["addresses"] == 30_000 - 4
    # same folder again: the old parts are replaced, not mixed
    assert main(["assign", str(folder), "-o", str(out), "-q"]) == 0
    assert len(datasets.dataset_files(out)) == 3


def test_cli_dataset_errors(tmp_path, capsys, linkoping_parts, monkeypatch):
    folder, _, _ = linkoping_parts
    monkeypatch.setattr(settings, "dask_connect_timeout_s", 2.0)  # no scheduler listens there
    csv = tmp_path / "a.csv"
    csv.write_text("x,y\n530000,6470000\n")
    code = main(["assign", str(csv), "--engine", "dask", "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0 and "is not Parquet" in err
    code = main(["assign", str(csv), "--scheduler", "tcp://127.0.0.1:1", "-q"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--engine dask" in err
    code = main(
        ["assign", str(folder), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "-q",
         "-o", str(tmp_path / "o")]
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and "cannot reach the dask scheduler" in err and err.count("\n") == 0


# ----------------------------------------------------------------------------- national
@pytest.fixture(scope="module")
def sweden(shared):
    regso = gpd.read_file(shared / "sweden" / "regso_2025.gpkg")
    loc = gpd.read_file(shared / "sweden" / "tatort_points_2020.gpkg")
    return regso, loc


@pytest.fixture(scope="module")
def national_study(shared, sweden, tmp_path_factory):
    """All RegSO of Sweden keyed by regsokod; bases: the largest locality of each municipality."""
    _, loc = sweden
    main_loc = loc.sort_values("pop", ascending=False).drop_duplicates("mun_code")
    path = tmp_path_factory.mktemp("bases") / "bases.gpkg"
    main_loc[["name", "geometry"]].rename(columns={"name": "base_name"}).to_file(path)
    return load_study(
        areas=shared / "sweden" / "regso_2025.gpkg",
        area_col="regsokod",
        area_label_col="regsonamn",
        bases=path,
        one_base_per_area=False,
    )


def test_national_synthetic_addresses(shared, sweden, tmp_path, capsys):
    regso, _ = sweden
    out = tmp_path / "sweden"
    code = main(
        ["demo-addresses", "--grid", str(shared / "sweden" / "popgrid_1km_2024.csv"),
         "-n", "50000", "--partition-rows", "20000", "--within",
         str(shared / "sweden" / "regso_2025.gpkg"), "-o", str(out), "--seed", "3"]
    )  # fmt: skip
    assert code == 0 and "SYNTHETIC" in capsys.readouterr().out
    files = datasets.dataset_files(out)
    assert [len(datasets.read_part(f)) for f in files] == [20_000, 20_000, 10_000]
    pts = pd.concat([datasets.read_part(f) for f in files], ignore_index=True)
    assert pts["synthetic"].all() and pts["source"].astype(str).str.startswith("synthetic").all()
    assert pts["address_id"].tolist() == list(range(1, 50_001))
    inside = PolygonIndex(regso.geometry.values).locate(pts.geometry.x, pts.geometry.y)
    assert (inside >= 0).mean() > 0.999
    # population-weighted: Stockholm county (lanskod 01) has about 24 % of Sweden's people
    share = (regso["lanskod"].to_numpy()[inside[inside >= 0]] == "01").mean()
    assert 0.22 < share < 0.26
    # reproducible
    grid = tables.read_population_grid(shared / "sweden" / "popgrid_1km_2024.csv")
    again = next(national_addresses(grid, 50_000, seed=3, partition_rows=20_000, areas=None))
    first = datasets.read_part(files[0])
    same_cell = np.floor(again.geometry.x / 1000) == np.floor(first.geometry.x / 1000)
    assert same_cell.all()  # same cells drawn; points redrawn only where outside the areas


def test_national_dask_equals_single_machine_and_sjoin(
    national_study, sweden, shared, tmp_path, client
):
    regso, _ = sweden
    src = write_national_addresses(
        shared / "sweden" / "popgrid_1km_2024.csv", tmp_path / "pts", 40_000,
        partition_rows=15_000,
    )  # fmt: skip
    res = assign_dataset(src, tmp_path / "out", national_study, engine="dask", client=client)
    back = res.read()
    pts = pd.concat([datasets.read_part(f) for f in datasets.dataset_files(src)], ignore_index=True)
    single = assign_addresses(pts, national_study)
    _same_table(single.table, back)
    _same_summary(summarize(single.table, national_study), res.summary)  # one implementation
    assert len(res.summary) == 3363 + 1 and (res.summary["distance_to"] == "nearest base").all()
    # areas equal geopandas.sjoin (intersects; boundary ties go to the lowest row)
    j = gpd.sjoin(pts[["geometry"]], regso[["regsokod", "geometry"]], how="left")
    j = j.reset_index().sort_values(["index", "index_right"]).drop_duplicates("index")
    assert (j["regsokod"].fillna("").to_numpy() == back["area"].astype(object).fillna("")).all()
    # nearest base (k-d tree with 285 bases) equals the brute-force minimum
    b = national_study.bases.geometry
    ok = back["status"] == "ok"
    d = np.hypot(
        back.geometry.x.to_numpy()[ok, None] - b.x.to_numpy()[None, :],
        back.geometry.y.to_numpy()[ok, None] - b.y.to_numpy()[None, :],
    )
    np.testing.assert_allclose(back.loc[ok, "nearest_base_distance_m"], d.min(axis=1), atol=0.05)
    assert back.loc[ok, "area_label"].notna().all() and (~ok).sum() > 0  # some fall in the sea
    assert any("285 bases" in n for n in res.notes)
    assert "distance_m_" not in " ".join(back.columns)


def test_national_index_exact_where_marking_is_conservative(sweden):
    """Regression: a boundary-marked cell wholly inside a third polygon (182 m cells)."""
    regso, _ = sweden
    idx = PolygonIndex(regso.geometry.values, cell_size_m=182.0)
    x = np.array([685890.828302942, 685873.4716435353, 368044.2308416457])
    y = np.array([6572851.880041665, 6572968.030935644, 6286735.469886966])
    truth = [
        int(np.flatnonzero(shapely.intersects(regso.geometry.values, shapely.Point(a, b)))[0])
        for a, b in zip(x, y, strict=True)
    ]
    assert idx.locate(x, y).tolist() == truth
    rng = np.random.default_rng(5)
    px = rng.uniform(640_000, 700_000, 20_000)  # Stockholm: many small RegSO
    py = rng.uniform(6_560_000, 6_610_000, 20_000)
    pts = gpd.GeoDataFrame(geometry=shapely.points(px, py), crs=3006)
    j = gpd.sjoin(pts, regso[["geometry"]], how="left", predicate="intersects")
    j = j.reset_index().sort_values(["index", "index_right"]).drop_duplicates("index")
    assert (idx.locate(px, py) == j["index_right"].fillna(-1).astype(int).to_numpy()).all()
    again = pickle.loads(pickle.dumps(idx))
    assert shapely.is_prepared(again.geometries).all()
    assert (again.locate(px, py) == idx.locate(px, py)).all()


# ----------------------------------------------------------------------------- bases any
def test_bases_any_nearest_base_and_areas_without_bases(square_study):
    e0, n0 = 530_000.0, 6_470_000.0
    bases = gpd.GeoDataFrame(
        {"base_id": ["a", "far"], "base_name": ["Base A", "Far"], "area": [None, None]},
        geometry=[shapely.Point(e0 + 500, n0 + 500), shapely.Point(e0 + 5000, n0 + 500)],
        crs=3006,
    )
    study = square_study.with_areas(square_study.areas, bases, one_base_per_area=False)
    assert study.bases["area"].tolist() == ["A", None]  # "Far" lies in no area
    assert study.own_base_of_area.tolist() == [0, -1]
    pts = gpd.GeoDataFrame(
        geometry=[shapely.Point(e0 + 100, n0 + 500), shapely.Point(e0 + 1900, n0 + 500)],
        crs=3006,
    )
    t = assign_addresses(pts, study).table
    assert t["own_base"].astype(object).tolist()[0] == "Base A"
    assert pd.isna(t["own_base"].iloc[1]) and np.isnan(t["own_base_distance_m"].iloc[1])
    assert t["nearest_base"].astype(object).tolist() == ["Base A", "Base A"]
    assert t["nearest_base_distance_m"].tolist() == [400.0, 1400.0]
    s = summarize(t, study).set_index("area")
    assert (s["distance_to"] == "nearest base").all()
    assert s.loc["B", "median_distance_m"] == 1400.0
    with pytest.raises(GeoError, match="lie outside every area.*--bases-any"):
        square_study.with_areas(square_study.areas, bases)
    with pytest.raises(GeoError, match="exactly one base; no base for .'B'."):
        square_study.with_areas(square_study.areas, bases.iloc[:1])


def test_areas_without_bases_assign_only(tmp_path, square_study):
    study = square_study.with_areas(square_study.areas, None, one_base_per_area=False)
    assert isinstance(study, Study) and len(study.bases) == 0 and study.distance_basis is None
    pts = gpd.GeoDataFrame(geometry=[shapely.Point(530_100, 6_470_100)], crs=3006)
    t = assign_addresses(pts, study).table
    assert t["area"].astype(object).tolist() == ["A"] and t["nearest_base"].isna().all()
    s = summarize(t, study)
    assert s["addresses"].iloc[-1] == 1 and s["mean_distance_m"].isna().all()


def test_municipalities_from_regso_by_dissolving(shared):
    from geo.errors import AreaTopologyError
    from geo.study import read_areas

    kommuner = read_areas(shared / "sweden" / "regso_2025.gpkg", dissolve_by="kommunkod")
    assert len(kommuner) == 290 and kommuner["area"].is_unique
    assert "0580" in set(kommuner["area"])  # Linköping
    # the separately generalised municipality layer overlaps its neighbours: refused, with a way out
    with pytest.raises(AreaTopologyError, match="overlap.*--dissolve-by kommunkod"):
        read_areas(shared / "sweden" / "kommun.gpkg", name_col="KnKod")


def test_dataset_output_checks_and_empty_parts(square_study, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"id": [1, 2, 3]},
        geometry=shapely.points([530_100.0, 531_100.0, 530_200.0], [6_470_100.0] * 3),
        crs=3006,
    )
    _write_parts(gdf, tmp_path / "in", [2, 0, 1])  # an empty part in the middle
    with pytest.raises(InputFileError, match="where the input parts are"):
        assign_dataset(tmp_path / "in", tmp_path / "in", square_study)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("keep me")
    with pytest.raises(InputFileError, match="not dataset parts"):
        assign_dataset(tmp_path / "in", tmp_path / "busy", square_study)
    assert (tmp_path / "busy" / "notes.txt").exists()
    assert len(datasets.dataset_files(tmp_path / "in")) == 3  # the input parts are untouched
    res = assign_dataset(tmp_path / "in", tmp_path / "out", square_study)
    back = res.read()
    assert back["input_row"].tolist() == [1, 2, 3] and res.partitions == 3
    assert back["area"].astype(object).tolist() == ["A", "B", "A"]
    assert res.summary.set_index("area").loc["A", "addresses"] == 2


@pytest.mark.parametrize("encoding", ["geoarrow", "WKB"])
def test_points_out_as_they_came_in_and_threads_change_nothing(linkoping_parts, tmp_path, encoding):
    """GeoArrow input gives GeoArrow (GeoParquet 1.1) output, WKB input WKB; one thread or
    two give the same rows; the seconds of each step are reported."""
    import json

    import pyarrow.parquet as pq

    folder, gdf, study = linkoping_parts
    points = gdf[gdf.geom_type.eq("Point") | gdf.geometry.isna()]  # GeoArrow: one type
    src = tmp_path / "in"
    _write_parts(points if encoding == "geoarrow" else gdf, src, [10_000, 19_999])
    if encoding == "geoarrow":
        for f in datasets.dataset_files(src):
            gpd.read_parquet(f).to_parquet(f, geometry_encoding="geoarrow")
    one = assign_dataset(src, tmp_path / "one", study, n_workers=1)
    two = assign_dataset(src, tmp_path / "two", study, n_workers=2)
    assert one.workers == 1 and two.workers == 2
    meta = json.loads(pq.read_schema(datasets.dataset_files(two.output)[0]).metadata[b"geo"])
    assert meta["columns"]["geometry"]["encoding"] == ("point" if encoding == "geoarrow" else "WKB")
    a, b = one.read(), two.read()
    _same_table(pd.DataFrame(a.drop(columns="geometry")), b)
    assert a.geometry.equals(b.geometry)
    single = assign_addresses(gpd.read_parquet(src), study)
    _same_table(single.table, b)
    _same_summary(one.summary, two.summary)
    assert set(two.step_seconds) == {
        "read", "assign", "write", "summary", "duplicates", "quantiles"
    }  # fmt: skip
    assert all(v >= 0 for v in two.step_seconds.values())
