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


_USERINFO = re.compile(r"(?i)(postgres(?:ql)?://[^:/@\s?#]*):[^@\s]*@")
_PASSWORD_PARAM = re.compile(r"(?i)(password\s*=\s*)('[^']*'|[^&\s']*)")


def mask_secrets(text: str) -> str:
    """``text`` with every PostgreSQL password replaced by ``***``: in a URL's user part
    (``postgresql://user:***@host/db``) and in ``password=`` parameters. Every message, log
    line and repr that may hold a connection goes through it."""
    return _PASSWORD_PARAM.sub(r"\1***", _USERINFO.sub(r"\1:***@", str(text)))


def one_statement(query: str, argument: str = "query") -> str:
    """``query`` when it is one statement (a trailing ``;`` dropped), else
    :class:`InputFileError`.

    A ``;`` outside string literals (``'…'``, ``E'…'``, ``$tag$…$tag$``), quoted names and
    comments would start a second statement, and a ``)`` closing more than it opens would end
    the sub-select geo wraps the query in: both are refused before anything reaches the server
    (which also runs the query in a read-only transaction, as one prepared statement).
    """
    text = query.strip()
    i, n, depth = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "'" or (c in "eE" and text[i + 1 : i + 2] == "'"):
            backslash = c in "eE"
            i += 2 if backslash else 1
            while i < n:
                if backslash and text[i] == "\\":
                    i += 2
                    continue
                if text[i] == "'":
                    if text[i + 1 : i + 2] == "'":
                        i += 2
                        continue
                    break
                i += 1
        elif c == '"':
            i = text.find('"', i + 1)
            while 0 <= i < n - 1 and text[i + 1] == '"':
                i = text.find('"', i + 2)
            if i < 0:
                break
        elif c == "$" and (m := re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:])):
            tag = m.group(0)
            end = text.find(tag, i + len(tag))
            i = n if end < 0 else end + len(tag) - 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif text.startswith("/*", i):
            level, i = 1, i + 2
            while i < n and level:
                if text.startswith("/*", i):
                    level, i = level + 1, i + 2
                elif text.startswith("*/", i):
                    level, i = level - 1, i + 2
                else:
                    i += 1
            continue
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth < 0:
                raise InputFileError(
                    f"{argument}: ?query= has a ')' that closes nothing (at character {i + 1}); "
                    "give one SELECT statement"
                )
        elif c == ";":
            if text[i + 1 :].strip():
                raise InputFileError(
                    f"{argument}: ?query= holds more than one statement (a ';' at character "
                    f"{i + 1}); give one SELECT statement"
                )
            return text[:i].strip()
        i += 1
    return text


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
        if parts.fragment:
            raise InputFileError(
                f"{argument}: {mask_secrets(url)}: a '#' in the URL ends it early; write it as "
                "%23 (e.g. in a password)"
            )
        try:
            parts.port  # noqa: B018 - urllib checks the port only when asked
        except ValueError:
            raise InputFileError(
                f"{argument}: {mask_secrets(url)}: the port must be a number from 1 to 65535"
            ) from None
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
        if self.query is not None:
            self.query = one_statement(self.query, argument)

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

    if db.query is not None:  # the line break ends a trailing -- comment
        return sql.SQL("({}\n) AS geo_source").format(sql.SQL(db.query))  # type: ignore[arg-type]
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
    """Names and type OIDs of the source's columns, from the server's description of the
    statement prepared (parsed and planned, not run: a query runs once, when it is read)."""
    from psycopg import sql

    text = sql.SQL("SELECT * FROM {}").format(_source_sql(db)).as_bytes(conn)
    pg = conn.pgconn
    try:
        res = pg.prepare(b"geo_describe", text)
        _check_result(res)
        desc = pg.describe_prepared(b"geo_describe")
        _check_result(desc)
        out = [(desc.fname(i).decode(), int(desc.ftype(i))) for i in range(desc.nfields)]
        _check_result(pg.exec_(b"DEALLOCATE geo_describe"))
    except _ServerError as exc:
        what = "query" if db.query is not None else f"table {db.qualified}"
        raise InputFileError(
            f"{db.argument}: cannot read the {what} in {db.shown}: {exc}"
        ) from None
    return out


class _ServerError(Exception):
    pass


def _check_result(res: Any) -> None:
    """Raise :class:`_ServerError` (the server's first line) for a failed low-level result."""
    from psycopg import pq

    if res.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
        msg = (res.error_message or b"").decode("utf-8", "replace")
        raise _ServerError(
            " ".join(msg.strip().splitlines()[0].split()) if msg.strip() else "error"
        )


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

    with db.connect() as conn, conn.transaction():
        # reading only: nothing the source (a query, a view's functions) does can write
        conn.execute("SET TRANSACTION READ ONLY")
        if db.table is not None and not _exists(conn, db):
            raise InputFileError(f"{argument}: no table {db.qualified} in {db.shown}")
        columns = _columns(conn, db)
        goid = _geometry_oid(conn)
        geoms = [name for name, oid in columns if goid is not None and oid == goid]
        if not geoms:
            if need_geometry:
                raise InputFileError(f"{argument}: {db.shown} has no geometry column")
            rows = _fetch(conn, db, sql.SQL("SELECT * FROM {}").format(_source_sql(db)))
            return pd.DataFrame.from_records(rows, columns=[c for c, _ in columns])
        geom = geoms[0]
        if len(geoms) > 1:
            logger.info("%s: %d geometry columns; using %r", argument, len(geoms), geom)
        others = [c for c, _ in columns if c != geom]
        g = _ident(geom)
        select = sql.SQL(", ").join(
            [*(_ident(c) for c in others),
             sql.SQL("ST_AsBinary({g}), ST_SRID({g}), GeometryType({g})").format(g=g)]
        )  # fmt: skip
        # the source runs once: its rows, each geometry's SRID and kind in one statement
        rows = _fetch(conn, db, sql.SQL("SELECT {} FROM {}").format(select, _source_sql(db)))
        declared = _declared_srid(conn, db, geom) if not rows else None
    frame = pd.DataFrame.from_records(rows, columns=[*others, "__wkb", "__srid", "__kind"])
    srid_col, kind_col = frame.pop("__srid"), frame.pop("__kind")
    has = frame["__wkb"].notna().to_numpy()
    srids = sorted({int(v) for v in srid_col[has]})
    kinds = {str(v) for v in kind_col[has]}
    if len(srids) > 1:
        raise InputFileError(
            f"{argument}: {db.shown} mixes SRIDs ({', '.join(map(str, srids))}) in "
            f"{geom!r}; transform them to one (ST_Transform) first"
        )
    wanted = {"points": {"POINT"}, "polygons": {"POLYGON", "MULTIPOLYGON"}}.get(geometry or "")
    if wanted is not None and kinds - wanted:
        raise InputFileError(
            f"{argument}: {db.shown} holds {', '.join(sorted(kinds - wanted)).lower()} "
            f"geometries in {geom!r}; {geometry} are needed"
        )
    if srids and not srids[0]:
        raise InputFileError(
            f"{argument}: {db.shown} has geometries without an SRID; set one "
            "(UpdateGeometrySRID) so that their coordinates mean something"
        )
    srid = srids[0] if srids else declared
    wkb = frame.pop("__wkb").to_numpy(dtype=object)
    wkb = np.array([bytes(w) if w is not None else None for w in wkb], dtype=object)
    crs = pyproj.CRS.from_epsg(srid) if srid else None
    out = gpd.GeoDataFrame(frame, geometry=shapely.from_wkb(wkb), crs=crs)
    return out.rename_geometry(geom) if geom != "geometry" and geom not in out.columns else out


def _fetch(conn: Any, db: Database, statement: Any) -> list[tuple[Any, ...]]:
    """All rows of one statement; the server's refusal (a read-only transaction refusing a
    write, a syntax error) as one line."""
    try:
        return list(conn.execute(statement).fetchall())
    except Exception as exc:  # noqa: BLE001 - psycopg's errors end in one line
        what = "query" if db.query is not None else f"table {db.qualified}"
        raise InputFileError(
            f"{db.argument}: cannot read the {what} in {db.shown}: {_first_line(exc)}"
        ) from None


def _declared_srid(conn: Any, db: Database, geom: str) -> int | None:
    """The SRID a table's geometry column declares (``geometry(Point, 3006)``): the CRS of an
    empty table. None for a query or an undeclared column."""
    if db.table is None:
        return None
    row = conn.execute(
        "SELECT srid FROM geometry_columns WHERE f_table_schema = coalesce(%s, current_schema())"
        " AND f_table_name = %s AND f_geometry_column = %s",
        (db.schema, db.table, geom),
    ).fetchone()
    return int(row[0]) if row and row[0] else None


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
    with db.connect() as conn, conn.transaction():
        _write_in(conn, frame, db, if_exists=if_exists, argument=argument)
    logger.info("wrote %s rows to %s", f"{len(frame):,}", db.shown)
    return db


def write_databases(
    items: list[tuple[pd.DataFrame, Database | str]], *, if_exists: str = "fail",
    argument: str = "output",
) -> list[Database]:  # fmt: skip
    """Write several tables of one database in one transaction: one run's outputs (a result
    and its summary) appear together or not at all — a kill at any moment leaves the old
    tables whole."""
    if if_exists not in IF_EXISTS:
        raise GeoValueError(f"if_exists: one of {', '.join(IF_EXISTS)}; received {if_exists!r}")
    dbs = [
        db.used_as(argument) if isinstance(db, Database) else Database(db, argument=argument)
        for _, db in items
    ]
    if len({d._conninfo for d in dbs}) != 1:
        raise InputFileError(f"{argument}: the tables of one run must be in one database")
    with dbs[0].connect() as conn, conn.transaction():
        for (frame, _), db in zip(items, dbs, strict=True):
            _write_in(conn, frame, db, if_exists=if_exists, argument=argument)
    for (frame, _), db in zip(items, dbs, strict=True):
        logger.info("wrote %s rows to %s", f"{len(frame):,}", db.shown)
    return dbs


def _write_in(
    conn: Any, frame: pd.DataFrame, db: Database, *, if_exists: str, argument: str
) -> None:
    """:func:`write_database`'s work inside the caller's transaction."""
    from psycopg import sql

    if db.table is None:
        raise InputFileError(f"{argument}: write to ?table=schema.name, not to a query")
    geom = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    plain = [c for c in frame.columns if c != geom]
    # the key: a new identity column "fid"; the rows' own "fid" (e.g. from a GeoPackage) when
    # it is one already, else "geo_fid"
    key, own_key = PRIMARY_KEY, False
    if PRIMARY_KEY in plain:
        ids = frame[PRIMARY_KEY]
        own_key = bool(pd.api.types.is_integer_dtype(ids) and ids.notna().all() and ids.is_unique)
        key = PRIMARY_KEY if own_key else f"geo_{PRIMARY_KEY}"
    exists = _exists(conn, db)
    if exists and if_exists == "fail":
        raise InputFileError(
            f"{argument}: table {db.qualified} exists in {db.shown}; pass --if-exists "
            "replace (swapped in at commit) or --if-exists append"
        )
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
            *(sql.SQL("{} {}").format(_ident(str(c)), sql.SQL(_pg_type(frame[c]))) for c in plain),
            sql.SQL("CONSTRAINT {} PRIMARY KEY ({})").format(_ident(f"{tmp}_pkey"), _ident(key)),
        ]
        if geom is not None:
            defs.append(
                sql.SQL("{} {}").format(_ident(geom), sql.SQL(_geometry_type(frame)))  # type: ignore[arg-type]
            )
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(target, sql.SQL(", ").join(defs)))
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
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO {}").format(target, _ident(db.table)))
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
