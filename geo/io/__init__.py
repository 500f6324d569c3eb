"""Files in and out: paths and atomic writes, tables, vector layers, partitioned datasets.

* :mod:`geo.io.files` — where the embedded study lives, checks on input paths, atomic writes;
* :mod:`geo.io.tables` — CSV and Excel read as text, written safely (no formulas);
* :mod:`geo.io.vector` — GeoPackage, GeoJSON, GeoParquet, FlatGeobuf;
* :mod:`geo.io.datasets` — partitioned (Geo)Parquet datasets.

Address tables with coordinates are :mod:`geo.addresses`.
"""
