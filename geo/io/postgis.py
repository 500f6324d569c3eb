"""PostgreSQL/PostGIS tables as sources and destinations.

Every place that takes a file takes a table too, spelt as a libpq URL with geo's own
parameter ``table`` (a table or view, ``schema.name``) or ``query`` (reading only)::

    postgresql://gis.kommun.se/gis?table=adresser.adressregister
    postgresql:///gis?query=SELECT * FROM adresser.adressregister WHERE kommunkod='0580'
    postgresql://?service=gis&table=resultat.tilldelning

Everything else in the URL is libpq's: host, port, user, ``sslmode``, ``service`` … and the
standard environment (``PGHOST``, ``PGUSER``, ``PGPASSWORD``…), the service file and
``~/.pgpass`` work as for ``psql``. A password written in the URL is accepted but never
shown: ``str()`` of a :class:`Database`, every message and every log line use the URL without
it.

Reading keeps the columns' types, takes the CRS from the geometry column's SRID and refuses a
table with mixed SRIDs or (where points are needed) other geometries. Writing goes to a new
table in one transaction — columns, rows (``COPY``), a primary key ``fid`` and a GiST index on
the geometry — which replaces the target only at commit: a run that is killed leaves the old
table as it was. The connection library is psycopg 3 (``pip install "geo[postgis]"``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from ..errors import GeoValueError, InputFileError

logger = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
IF_EXISTS = ("fail", "replace", "append")
PRIMARY_KEY = "fid"
COPY_ROWS = 200_000
_GEO_PARAMS = ("table", "query")


_T = TypeVar("_T")


def as_source(value: _T) -> _T | Database:
    """A PostgreSQL URL given as text becomes a :class:`Database` (whose text hides the
    password); anything else is returned as it is."""
    if isinstance(value, str) and value.lower().startswith(SCHEMES):
        return Database(value)
    return value


def is_database(source: object) -> bool:
    """Whether ``source`` names a PostgreSQL table or query rather than a file."""
    return isinstance(source, Database) or (
        isinstance(source, str) and source.lower().startswith(SCHEMES)
    )


class Database:
    """A table (or, for reading, a query) in PostgreSQL named by a URL.

    Parameters
    ----------
    url : str
        ``postgresql://[user[:password]@][host][:port][/dbname]?table=schema.name`` (or
        ``?query=SELECT …``), with any other libpq parameters.
    argument : str
        The option it was given to, for messages (``--areas``, ``-o`` …).

    Notes
    -----
    ``str(db)`` is the URL without its password; the password is only in the connection.
    """

    def __init__(self, url: str, *, argument: str = "table") -> None:
        self.argument = argument
        self._url = url
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("postgresql", "postgres"):
            raise InputFileError(f"{argument}: not a postgresql:// URL")
        params = parse_qsl(parts.query, keep_blank_values=True)
        own = {k: v for k, v in params if k in _GEO_PARAMS}
        rest = [(k, v) for k, v in params if k not in _GEO_PARAMS]
        if "password" in {k for k, _ in rest}:
            logger.debug("a password was given in the URL; it is not shown")
        self._conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        host = parts.hostname or ""
        netloc = (parts.username + "@" if parts.username else "") + host
        if parts.port:
            netloc += f":{parts.port}"
        shown_rest = [(k, v) for k, v in rest if k != "password"]
        shown_query = urlencode([*shown_rest, *own.items()], safe="., *='")
        self.shown = urlunsplit((parts.scheme, netloc, parts.path, shown_query, ""))
        self.query: str | None = own.get("query") or None
        table = own.get("table") or None
        if (table is None) == (self.query is None):
            raise InputFileError(
                f"{argument}: {self.shown} needs exactly one of ?table=schema.name or "
                "?query=SELECT …"
            )
        self.schema: str | None = None
        self.table: str | None = None
        if table is not None:
            self.schema, self.table = _split_name(table, argument)

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"Database({self.shown!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Database):
            return False
        return (other._conninfo, other.schema, other.table, other.query) == (
            self._conninfo, self.schema, self.table, self.query,
        )  # fmt: skip

    def __hash__(self) -> int:
        return hash((self._conninfo, self.schema, self.table, self.query))

    @property
    def name(self) -> str:
        """The table's name (``query`` for a query)."""
        return self.table or "query"

    @property
    def qualified(self) -> str:
        """``schema.table`` as given (no quoting)."""
        return f"{self.schema}.{self.table}" if self.schema else str(self.table)

    def secret_url(self) -> str:
        """The URL as given, password included: only for handing to a worker process."""
        return self._url

    def used_as(self, argument: str) -> Database:
        """The same table, named in messages by the option it was given to."""
        out = Database.__new__(Database)
        out.__dict__.update(self.__dict__)
        out.argument = argument
        return out

    def sibling(self, suffix: str) -> Database:
        """A table beside this one, named ``<table>_<suffix>`` (e.g. the summary)."""
        if self.table is None:
            raise InputFileError(f"{self.argument}: write to ?table=…, not to a query")
        out = Database.__new__(Database)
        out.__dict__.update(self.__dict__)
        out.table = f"{self.table}_{suffix}"
        out.shown = re.sub(r"table=[^&]*", f"table={out.qualified}", self.shown)
        return out

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """A psycopg connection (numeric read as float); closed on exit."""
        psycopg = _psycopg(self.argument)
        try:
            conn = psycopg.connect(self._conninfo, connect_timeout=_timeout(), autocommit=True)
        except psycopg.Error as exc:
            raise InputFileError(
                f"{self.argument}: cannot connect to {self.shown}: {_first_line(exc)}"
            ) from None
        from psycopg.types.numeric import FloatLoader

        conn.adapters.register_loader("numeric", FloatLoader)
        try:
            yield conn
        finally:
            conn.close()


def _timeout() -> int:
    return int(os.environ.get("PGCONNECT_TIMEOUT", "10"))


def _psycopg(argument: str) -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputFileError(
            f'{argument}: PostgreSQL needs psycopg: pip install "geo[postgis]"'
        ) from None
    return psycopg


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return " ".join(text[0].split()) if text else type(exc).__name__


def _split_name(text: str, argument: str) -> tuple[str | None, str]:
    """``schema.name`` or ``name``; double quotes keep dots and case: ``"A.b"."c"``."""
    found = re.fullmatch(r'(?:("(?:[^"]|"")+"|[^".]+)\.)?("(?:[^"]|"")+"|[^".]+)', text.strip())
    if not found:
        raise InputFileError(f"{argument}: {text!r} is not a table name (schema.name)")

    def unquote(part: str | None) -> str | None:
        if part is None:
            return None
        if part.startswith('"'):
            return part[1:-1].replace('""', '"')
        return part.lower()  # as PostgreSQL folds unquoted names

    return unquote(found.group(1)), str(unquote(found.group(2)))


def _ident(*parts: str | None) -> Any:
    from psycopg import sql

    return sql.Identifier(*[p for p in parts if p is not None])


def _source_sql(db: Database) -> Any:
    """The FROM item of a table or a query."""
    from psycopg import sql

    if db.query is not None:
        return sql.SQL("({}) AS geo_source").format(sql.SQL(db.query))  # type: ignore[arg-type]
    return _ident(db.schema, db.table)


def _exists(conn: Any, db: Database) -> bool:
    if db.schema:
        row = conn.execute(
            "SELECT to_regclass(quote_ident(%s) || '.' || quote_ident(%s))", (db.schema, db.table)
        ).fetchone()
    else:
        row = conn.execute("SELECT to_regclass(quote_ident(%s))", (db.table,)).fetchone()
    return row is not None and row[0] is not None


def _columns(conn: Any, db: Database) -> list[tuple[str, int]]:
    """Names and type OIDs of the source's columns."""
    from psycopg import sql

    try:
        cur = conn.execute(sql.SQL("SELECT * FROM {} LIMIT 0").format(_source_sql(db)))
    except Exception as exc:  # noqa: BLE001 - psycopg's errors end in one line
        conn.rollback()
        what = "query" if db.query is not None else f"table {db.qualified}"
        raise InputFileError(
            f"{db.argument}: cannot read the {what} in {db.shown}: {_first_line(exc)}"
        ) from None
    return [(d.name, d.type_code) for d in cur.description]


def _geometry_oid(conn: Any) -> int | None:
    row = conn.execute("SELECT to_regtype('geometry')::oid").fetchone()
    return int(row[0]) if row and row[0] else None


def read_database(
    db: Database | str,
    *,
    argument: str = "table",
    geometry: str | None = None,
    need_geometry: bool = False,
) -> pd.DataFrame:
    """Read a table or query into a (Geo)DataFrame.

    Parameters
    ----------
    db : Database or str
    argument : str
        The option it came from, for messages.
    geometry : {"points", "polygons"}, optional
        The kind of geometry the caller needs; another kind stops with one line.
    need_geometry : bool
        Whether a source without a geometry column is an error (areas) or a plain table
        (addresses with coordinate columns).

    Returns
    -------
    geopandas.GeoDataFrame or pandas.DataFrame
        A GeoDataFrame in the CRS of the geometry column's SRID when there is one.
    """
    db = db.used_as(argument) if isinstance(db, Database) else Database(db, argument=argument)
    from psycopg import sql

    with db.connect() as conn:
        if db.table is not None and not _exists(conn, db):
            raise InputFileError(f"{argument}: no table {db.qualified} in {db.shown}")
        columns = _columns(conn, db)
        goid = _geometry_oid(conn)
        geoms = [name for name, oid in columns if goid is not None and oid == goid]
        if not geoms:
            if need_geometry:
                raise InputFileError(f"{argument}: {db.shown} has no geometry column")
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(_source_sql(db))).fetchall()
            return pd.DataFrame.from_records(rows, columns=[c for c, _ in columns])
        geom = geoms[0]
        if len(geoms) > 1:
            logger.info("%s: %d geometry columns; using %r", argument, len(geoms), geom)
        srids = [
            r[0]
            for r in conn.execute(
                sql.SQL(
                    "SELECT DISTINCT ST_SRID({g}) FROM {s} WHERE {g} IS NOT NULL LIMIT 3"
                ).format(g=_ident(geom), s=_source_sql(db))
            ).fetchall()
        ]
        if len(srids) > 1:
            raise InputFileError(
                f"{argument}: {db.shown} mixes SRIDs ({', '.join(map(str, sorted(srids)))}) in "
                f"{geom!r}; transform them to one (ST_Transform) first"
            )
        kinds = {
            r[0]
            for r in conn.execute(
                sql.SQL("SELECT DISTINCT GeometryType({g}) FROM {s} WHERE {g} IS NOT NULL").format(
                    g=_ident(geom), s=_source_sql(db)
                )
            ).fetchall()
        }
        wanted = {"points": {"POINT"}, "polygons": {"POLYGON", "MULTIPOLYGON"}}.get(geometry or "")
        if wanted is not None and kinds - wanted:
            raise InputFileError(
                f"{argument}: {db.shown} holds {', '.join(sorted(kinds - wanted)).lower()} "
                f"geometries in {geom!r}; {geometry} are needed"
            )
        others = [c for c, _ in columns if c != geom]
        select = sql.SQL(", ").join(
            [*(_ident(c) for c in others), sql.SQL("ST_AsBinary({})").format(_ident(geom))]
        )
        rows = conn.execute(sql.SQL("SELECT {} FROM {}").format(select, _source_sql(db))).fetchall()
    frame = pd.DataFrame.from_records(rows, columns=[*others, "__wkb"])
    wkb = frame.pop("__wkb").to_numpy(dtype=object)
    wkb = np.array([bytes(w) if w is not None else None for w in wkb], dtype=object)
    crs = pyproj.CRS.from_epsg(srids[0]) if srids and srids[0] else None
    if srids and not srids[0]:
        raise InputFileError(
            f"{argument}: {db.shown} has geometries without an SRID; set one "
            "(UpdateGeometrySRID) so that their coordinates mean something"
        )
    out = gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=crs)
    return out.rename_geometry(geom) if geom != "geometry" and geom not in out.columns else out


def check_target(db: Database | str, *, if_exists: str = "fail", argument: str = "output") -> None:
    """Stop before any work when the table cannot be written: the server cannot be reached,
    the credentials are refused, or the table exists and ``if_exists`` is ``fail``."""
    db = db.used_as(argument) if isinstance(db, Database) else Database(db, argument=argument)
    if db.table is None:
        raise InputFileError(f"{argument}: write to ?table=schema.name, not to a query")
    with db.connect() as conn:
        if if_exists == "fail" and _exists(conn, db):
            raise InputFileError(
                f"{argument}: table {db.qualified} exists in {db.shown}; pass --if-exists "
                "replace (swapped in at commit) or --if-exists append"
            )


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "timestamptz"
    return "text"


def _geometry_type(gdf: gpd.GeoDataFrame) -> str:
    kinds = set(gdf.geometry.dropna().geom_type.unique())
    srid = gdf.crs.to_epsg() if gdf.crs is not None else 0
    kind = kinds.pop().upper() if len(kinds) == 1 else "GEOMETRY"
    return f"geometry({kind}, {srid or 0})"


def write_database(
    frame: pd.DataFrame, db: Database | str, *, if_exists: str = "fail", argument: str = "output"
) -> Database:
    """Write a (Geo)DataFrame to a table in one transaction.

    Parameters
    ----------
    frame : pandas.DataFrame or geopandas.GeoDataFrame
        Column names are kept as they are (``geo assign``'s); a GeoDataFrame's geometry goes to
        a PostGIS column with its CRS's SRID.
    db : Database or str
        ``postgresql://…?table=schema.name``.
    if_exists : {"fail", "replace", "append"}
        An existing table: stop (default), replace it at commit, or add the rows to it.

    Returns
    -------
    Database
        The table written.

    Notes
    -----
    A new table gets a primary key ``fid`` (an identity column) and a GiST index on its
    geometry. Replacing builds the new table under a temporary name and swaps it in at commit:
    the old table stays as it was until then, and after a failure or a kill.
    """
    if if_exists not in IF_EXISTS:
        raise GeoValueError(f"if_exists: one of {', '.join(IF_EXISTS)}; received {if_exists!r}")
    db = db.used_as(argument) if isinstance(db, Database) else Database(db, argument=argument)
    if db.table is None:
        raise InputFileError(f"{argument}: write to ?table=schema.name, not to a query")
    from psycopg import sql

    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    plain = [c for c in frame.columns if c != geom]
    # the key: a new identity column "fid"; the rows' own "fid" (e.g. from a GeoPackage) when
    # it is one already, else "geo_fid"
    key, own_key = PRIMARY_KEY, False
    if PRIMARY_KEY in plain:
        ids = frame[PRIMARY_KEY]
        own_key = bool(pd.api.types.is_integer_dtype(ids) and ids.notna().all() and ids.is_unique)
        key = PRIMARY_KEY if own_key else f"geo_{PRIMARY_KEY}"
    with db.connect() as conn:
        exists = _exists(conn, db)
        if exists and if_exists == "fail":
            raise InputFileError(
                f"{argument}: table {db.qualified} exists in {db.shown}; pass --if-exists "
                "replace (swapped in at commit) or --if-exists append"
            )
        with conn.transaction():
            if exists and if_exists == "append":
                target = _ident(db.schema, db.table)
                have = {c for c, _ in _columns(conn, db)}
                missing = [c for c in frame.columns if c not in have]
                if missing:
                    raise InputFileError(
                        f"{argument}: table {db.qualified} has no column(s) {missing[:5]}; "
                        "--if-exists replace writes a new table"
                    )
            else:
                tmp = f"{db.table[:40]}__geo_{os.getpid()}"
                target = _ident(db.schema, tmp)
                identity = sql.SQL("{} bigint GENERATED ALWAYS AS IDENTITY").format(_ident(key))
                defs = [
                    *([] if own_key else [identity]),
                    *(
                        sql.SQL("{} {}").format(_ident(str(c)), sql.SQL(_pg_type(frame[c])))
                        for c in plain
                    ),
                    sql.SQL("CONSTRAINT {} PRIMARY KEY ({})").format(
                        _ident(f"{tmp}_pkey"), _ident(key)
                    ),
                ]
                if geom is not None:
                    defs.append(
                        sql.SQL("{} {}").format(_ident(geom), sql.SQL(_geometry_type(frame)))  # type: ignore[arg-type]
                    )
                conn.execute(
                    sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(defs))
                )
            _copy_rows(conn, target, frame, plain, geom)
            if not (exists and if_exists == "append"):
                if geom is not None:
                    conn.execute(
                        sql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
                            _ident(f"{tmp}_geom_idx"), target, _ident(geom)
                        )
                    )
                if exists:
                    conn.execute(sql.SQL("DROP TABLE {}").format(_ident(db.schema, db.table)))
                conn.execute(
                    sql.SQL("ALTER TABLE {} RENAME TO {}").format(target, _ident(db.table))
                )
                final = _ident(db.schema, db.table)
                conn.execute(
                    sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {}").format(
                        final, _ident(f"{tmp}_pkey"), _ident(f"{db.table[:58]}_pkey")
                    )
                )
                if geom is not None:
                    conn.execute(
                        sql.SQL("ALTER INDEX {} RENAME TO {}").format(
                            _ident(db.schema, f"{tmp}_geom_idx"),
                            _ident(f"{db.table[:54]}_geom_idx"),
                        )
                    )
    logger.info("wrote %s rows to %s", f"{len(frame):,}", db.shown)
    return db


def _copy_rows(
    conn: Any, target: Any, frame: pd.DataFrame, plain: list[str], geom: str | None
) -> None:
    """COPY the rows as CSV written by Arrow (every value quoted, NULL unquoted and empty, so
    an empty text stays empty), geometry as hex EWKB with its SRID; in chunks."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from psycopg import sql

    cols = [*plain, *([geom] if geom else [])]
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        target, sql.SQL(", ").join(_ident(str(c)) for c in cols)
    )
    srid = 0
    if geom is not None and frame.crs is not None:  # type: ignore[attr-defined]
        srid = frame.crs.to_epsg() or 0  # type: ignore[attr-defined]
    options = pacsv.WriteOptions(include_header=False, quoting_style="all_valid")
    with conn.cursor().copy(stmt) as copy:
        for start in range(0, len(frame), COPY_ROWS):
            part = frame.iloc[start : start + COPY_ROWS]
            arrays, names = [], []
            for c in plain:
                col = part[c]
                if col.dtype == object:  # text (or mixed): as text, None stays NULL
                    col = col.astype("string")
                arrays.append(pa.array(col, from_pandas=True))
                names.append(str(c))
            if geom is not None:
                g = shapely.set_srid(np.asarray(part[geom].values, dtype=object), srid)
                arrays.append(pa.array(shapely.to_wkb(g, hex=True, include_srid=True)))
                names.append(geom)
            table = pa.Table.from_arrays(arrays, names=names)
            sink = pa.BufferOutputStream()
            pacsv.write_csv(table, sink, write_options=options)
            copy.write(sink.getvalue().to_pybytes())
