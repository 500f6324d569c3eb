"""Reading address files of every supported kind, and bad input."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo import addresses
from geo.errors import CrsError, InputFileError, MissingColumnError
from geo.io import files, tables, vector

E, N = 534_089.6, 6_476_454.6  # Skäggetorp base, EPSG:3006


def test_csv_semicolon_decimal_comma(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        "Id;Latitud;Longitud;Namn\n1;58,4275;15,5837;Åsa\n2;;15.6;Örjan\n3;abc;15.6;x\n",
        encoding="cp1252",
    )
    t = addresses.read_addresses(p)
    assert t.columns == ("Longitud", "Latitud")
    assert t.crs.to_epsg() == 4326
    assert t.x[0] == pytest.approx(15.5837) and t.y[0] == pytest.approx(58.4275)
    assert t.reason.tolist() == ["", "Latitud is missing", "Latitud is not a number: 'abc'"]
    assert t.frame["Namn"].tolist() == ["Åsa", "Örjan", "x"]  # cp1252 decoded, text kept


def test_projected_columns_need_crs_only_when_ambiguous(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(f"id,E,N\n1,{E},{N}\n")
    t = addresses.read_addresses(p)  # SWEREF 99 TM by its values: used, and said in a note
    assert t.crs.to_epsg() == 3006 and any("SWEREF 99 TM" in n for n in t.notes)
    t = addresses.read_addresses(p, crs="EPSG:3006")
    assert t.columns == ("E", "N") and t.x[0] == E and t.notes == []
    p.write_text("id,E,N\n1,150000,6476000\n")  # a SWEREF 99 local zone? ambiguous
    with pytest.raises(CrsError, match=r"do not identify one; pass --crs"):
        addresses.read_addresses(p)


def test_named_columns_and_missing_ones(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("kod,ostkoord,nordkoord\n1,534000,6476000\n")
    with pytest.raises(MissingColumnError, match="no coordinate columns.*--x-col"):
        addresses.read_addresses(p, crs=3006)
    t = addresses.read_addresses(p, x_col="ostkoord", y_col="nordkoord", crs=3006)
    assert t.y[0] == 6_476_000
    with pytest.raises(MissingColumnError, match="'nope' not found"):
        addresses.read_addresses(p, x_col="nope", y_col="nordkoord", crs=3006)
    with pytest.raises(MissingColumnError, match="both --x-col and --y-col"):
        addresses.read_addresses(p, x_col="ostkoord", crs=3006)


@pytest.mark.parametrize(
    "content,match", [(b"", "empty"), (b"lat,lon\n", "no rows"), (b"\n\n", "no")]
)
def test_empty_files(tmp_path, content, match):
    p = tmp_path / "a.csv"
    p.write_bytes(content)
    with pytest.raises(InputFileError, match=match):
        addresses.read_addresses(p)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(InputFileError, match="does not exist"):
        addresses.read_addresses(tmp_path / "nope.csv")
    p = tmp_path / "a.dbf"
    p.write_text("x")
    with pytest.raises(InputFileError, match="unsupported file type"):
        addresses.read_addresses(p)


def test_excel(tmp_path):
    p = tmp_path / "a.xlsx"
    pd.DataFrame({"lat": [58.4275, 58.41], "lon": [15.5837, "fel"]}).to_excel(p, index=False)
    t = addresses.read_addresses(p)
    assert t.x[0] == pytest.approx(15.5837)
    assert np.isnan(t.x[1]) and "not a number" in t.reason[1]


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".parquet"])
def test_vector_formats_keep_their_crs(tmp_path, ext):
    g = gpd.GeoDataFrame(
        {"id": [1, 2, 3]},
        geometry=[shapely.Point(E, N), None, shapely.box(E, N, E + 1, N + 1)],
        crs=3006,
    )
    p = tmp_path / f"a{ext}"
    vector.write_vector(g, p)
    t = addresses.read_addresses(p)
    want = 4326 if ext == ".geojson" else 3006
    assert t.crs.to_epsg() == want
    assert t.reason[0] == "" and "missing" in t.reason[1] and "Polygon" in t.reason[2]
    if ext != ".geojson":
        assert t.x[0] == E
        with pytest.raises(CrsError, match="nothing is relabelled"):
            addresses.read_addresses(p, crs=4326)


def test_vector_without_crs_needs_crs(tmp_path):
    g = gpd.GeoDataFrame({"id": [1]}, geometry=[shapely.Point(E, N)])
    p = tmp_path / "a.parquet"
    g.to_parquet(p)
    with pytest.raises(CrsError, match="declares no CRS"):
        addresses.read_addresses(p)
    assert addresses.read_addresses(p, crs=3006).crs.to_epsg() == 3006


def test_plain_parquet_table(tmp_path):
    p = tmp_path / "a.parquet"
    pd.DataFrame({"lon": [15.6], "lat": [58.4]}).to_parquet(p)
    assert addresses.read_addresses(p).x[0] == 15.6


def test_atomic_write_leaves_no_partial_file(tmp_path):
    p = tmp_path / "out.xlsx"
    p.write_text("old")
    big = pd.DataFrame({"a": np.zeros(tables.EXCEL_MAX_ROWS + 1)})
    with pytest.raises(InputFileError, match="do not fit in an Excel sheet"):
        tables.write_table(big, p)
    assert p.read_text() == "old"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.xlsx"]


def test_slug():
    assert (
        files.slug("öster") == "oster"
        and files.slug("Väster 2") == "vaster_2"
        and files.slug("!!") == "x"
    )


def _mixed_points() -> gpd.GeoDataFrame:
    geom = gpd.GeoSeries.from_wkt(
        ["POINT (530000 6470000)", "LINESTRING (0 0, 1 1)", None, "POINT EMPTY",
         "POINT (531000.25 6471000.5)", "MULTIPOINT ((1 1), (2 2))"]
    )  # fmt: skip
    return gpd.GeoDataFrame({"id": range(6), "name": list("abcdef")}, geometry=geom, crs=3006)


@pytest.mark.parametrize("encoding", ["WKB", "geoarrow"])
def test_geoparquet_points_read_as_coordinates_equal_geopandas(tmp_path, encoding):
    """The dataset reader's coordinates, types and reasons equal what the GeoDataFrame
    path gives; GeoArrow and WKB alike, with missing, empty and non-point rows."""
    from geo.io import datasets

    gdf = _mixed_points()
    path = tmp_path / "p.parquet"
    if encoding == "geoarrow":  # GeoArrow points: the point rows only (one geometry type)
        gdf = gdf.iloc[[0, 2, 3, 4]].reset_index(drop=True)
    gdf.to_parquet(path, geometry_encoding=encoding)
    part = datasets.read_points_part(path)
    assert part is not None and part.encoding == ("point" if encoding == "geoarrow" else "WKB")
    assert part.crs.to_epsg() == 3006
    fast = addresses.read_addresses(path)
    slow = addresses.table_from_geodataframe(gpd.read_parquet(path), source=str(path))
    assert np.array_equal(fast.x, slow.x, equal_nan=True)
    assert np.array_equal(fast.y, slow.y, equal_nan=True)
    assert fast.reason.tolist() == slow.reason.tolist()
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    if encoding == "WKB":
        assert fast.reason.tolist() == [
            "", "geometry is a LineString, not a point", "geometry is missing or empty",
            "geometry is missing or empty", "", "geometry is a MultiPoint, not a point",
        ]  # fmt: skip
    with pytest.raises(CrsError, match="nothing is relabelled"):
        addresses.read_addresses(path, crs="EPSG:4326")


def test_geoparquet_crs_omitted_is_crs84_and_null_is_unknown(tmp_path):
    import json

    import pyarrow.parquet as pq

    from geo.io import datasets

    gdf = _mixed_points().iloc[[0, 4]]
    gdf.to_crs(4326).to_parquet(tmp_path / "w.parquet")
    table = pq.read_table(tmp_path / "w.parquet")
    meta = json.loads(table.schema.metadata[b"geo"])
    for name, crs in (("omitted", ...), ("null", None)):
        column = dict(meta["columns"]["geometry"])
        if crs is ...:
            column.pop("crs", None)
        else:
            column["crs"] = None
        new = {**meta, "columns": {"geometry": column}}
        pq.write_table(
            table.replace_schema_metadata({b"geo": json.dumps(new).encode()}),
            tmp_path / f"{name}.parquet",
        )
    assert datasets.read_points_part(tmp_path / "omitted.parquet").crs.equals("OGC:CRS84")
    assert datasets.read_points_part(tmp_path / "null.parquet").crs is None
    with pytest.raises(CrsError, match="declares no CRS"):
        addresses.read_addresses(tmp_path / "null.parquet")
    t = addresses.read_addresses(tmp_path / "null.parquet", crs="EPSG:4326")
    assert t.x[0] == pytest.approx(gdf.to_crs(4326).geometry.x.iloc[0])


@pytest.mark.parametrize("encoding", ["point", "WKB"])
def test_points_part_written_from_coordinates_reads_everywhere(tmp_path, encoding):
    """GeoParquet 1.1 GeoArrow points (and 1.0 WKB) written without geometry objects: read
    back by geopandas and pyarrow, missing rows as missing geometry, numbers with statistics."""
    import pyarrow.parquet as pq
    import pyproj

    from geo.io import datasets

    e = np.array([530_000.0, np.nan, 531_000.5, 532_000.0])
    n = np.array([6_470_000.0, 6_470_000.0, np.inf, 6_471_000.25])
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "area": pd.Categorical(["A", "B", "A", None])})
    path = datasets.write_points_part(
        frame, e, n, tmp_path, 3, crs=pyproj.CRS(3006), encoding=encoding
    )
    assert path.name == "part.00003.parquet"
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 3006
    assert back.geometry.isna().tolist() == [False, True, True, False]
    assert back.geometry.x.iloc[[0, 3]].tolist() == [530_000.0, 532_000.0]
    assert back["area"].astype(object).tolist()[:3] == ["A", "B", "A"]
    meta = pq.ParquetFile(path)
    geo = __import__("json").loads(meta.schema_arrow.metadata[b"geo"])
    assert geo["columns"]["geometry"]["encoding"] == encoding
    assert geo["columns"]["geometry"]["bbox"] == [530_000.0, 6_470_000.0, 532_000.0, 6_471_000.25]
    stats = {c.path_in_schema: c.statistics for c in
             (meta.metadata.row_group(0).column(i) for i in range(meta.metadata.num_columns))}  # fmt: skip
    assert stats["id"].has_min_max and stats["id"].max == 4
    part = datasets.read_points_part(path)
    assert part.type_id.tolist() == [0, -1, -1, 0]
    with pytest.raises(ValueError, match="encoding"):
        datasets.write_points_part(frame, e, n, tmp_path, 4, crs=pyproj.CRS(3006), encoding="wkt")
