"""Tables (CSV, Excel, Parquet, a vector file's attributes): read as text, written safely.

Reading sniffs the encoding (UTF-8, UTF-16, Windows-1252) and separator of text files.
Writing follows the extension and is atomic; spreadsheets get text as text and numbers as
numbers, never formulas (:func:`write_table`).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from ..errors import InputFileError, MissingColumnError
from .files import atomic_path, check_file
from .limits import check_csv_header, check_xlsx
from .postgis import Database, as_source, read_database, write_database
from .vector import VECTOR_EXTENSIONS, read_vector, write_vector

__all__ = [
    "EXCEL_MAX_ROWS",
    "column_key",
    "FORMULA_PREFIXES",
    "find_column",
    "neutralise_formulas",
    "read_frame",
    "read_population_grid",
    "read_table",
    "typed_numbers",
    "write_table",
]

logger = logging.getLogger(__name__)

TABLE_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")
EXCEL_MAX_ROWS = 1_048_575  # one header row


def column_key(name: object) -> str:
    """A column name as :func:`find_column` compares it: lower case, letters and digits only."""
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _sniff_text(path: Path) -> tuple[str, str]:
    """Return (encoding, separator) of a delimited text file.

    UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252. A file holding NUL
    bytes that is not UTF-16 is not a text file: :class:`InputFileError`.
    """
    with open(path, "rb") as fh:
        raw = fh.read(65536)
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        enc = "utf-16"
        text = raw[: len(raw) - len(raw) % 2].decode(enc, errors="replace")
    elif b"\x00" in raw:
        raise InputFileError(
            f"addresses: {str(path)!r} is not a text file (it holds NUL bytes); save it as CSV "
            "(UTF-8 or Windows-1252) or as .xlsx"
        )
    else:
        for enc in ("utf-8-sig", "cp1252"):
            try:
                # a multi-byte character may be cut at the end of the sample
                text = raw.decode(enc) if enc != "utf-8-sig" else _decode_prefix(raw)
                break
            except UnicodeDecodeError:
                continue
        else:  # bytes cp1252 leaves undefined (0x81, 0x8d, 0x8f, 0x90, 0x9d)
            enc, text = "latin-1", raw.decode("latin-1")
    lines = text.splitlines()
    header = lines[0] if lines else ""
    counts = {sep: header.count(sep) for sep in (";", "\t", ",", "|")}
    sep = max(counts, key=lambda k: counts[k])
    if counts[sep] == 0:
        sep = ","
    return enc, sep


def _decode_prefix(raw: bytes) -> str:
    """Decode a UTF-8 sample whose last character may be cut off by the sample's end."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if err.start >= len(raw) - 3 and len(raw) == 65536:
            return raw[: err.start].decode("utf-8-sig")
        raise


def _read_csv(path: Path) -> pd.DataFrame:
    enc, sep = _sniff_text(path)
    encodings = [enc] + [e for e in ("cp1252", "latin-1") if e != enc and enc != "utf-16"]
    for i, encoding in enumerate(encodings):
        try:
            return pd.read_csv(
                path, sep=sep, dtype=str, keep_default_na=False, encoding=encoding, engine="c"
            )
        except UnicodeDecodeError:
            if i + 1 == len(encodings):
                raise InputFileError(
                    f"addresses: {str(path)!r} is not text in UTF-8, UTF-16 or Windows-1252"
                ) from None
            logger.info("%s is not %s throughout; reading it as %s", path, enc, encodings[i + 1])
        except pd.errors.EmptyDataError as exc:
            raise InputFileError(f"addresses: {str(path)!r} has no header row") from exc
        except pd.errors.ParserError as exc:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "parse error"
            raise InputFileError(
                f"addresses: {str(path)!r} is not a valid CSV file ({detail}); quote fields "
                "that contain the separator or a line break"
            ) from exc
    raise InputFileError(f"addresses: cannot read {str(path)!r}")  # pragma: no cover


def _refuse_uncached_formulas(path: Path, sheet: str | int | None) -> None:
    """A formula cell whose workbook was saved without computed values (written by a program,
    not by Excel) reads as empty: say so, instead of "lat is missing" for its row."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        ws = (
            wb.worksheets[sheet]
            if isinstance(sheet, int)
            else (wb[sheet] if sheet else wb.worksheets[0])
        )
        values = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws_values = values[ws.title]
            for formulas, cached in zip(ws.iter_rows(), ws_values.iter_rows(), strict=False):
                for f, v in zip(formulas, cached, strict=False):
                    if isinstance(f.value, str) and f.value.startswith("=") and v.value is None:
                        raise InputFileError(
                            f"addresses: cell {f.coordinate} of {path.name} holds a formula "
                            f"({f.value[:40]}) without a saved value; open and save the "
                            "workbook in Excel (or paste the values) so that its values are "
                            "in the file"
                        )
        finally:
            values.close()
    finally:
        wb.close()


def _unescape_xlsx(df: pd.DataFrame) -> pd.DataFrame:
    """Excel's escapes of control characters in text (``_x000D_`` for a CR) as the
    characters: the reader leaves them, so a CR written by geo would not read back."""
    from openpyxl.utils.escape import unescape

    out = df.copy(deep=False)
    for k in range(df.shape[1]):
        col = df.iloc[:, k]
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            text = col.astype(str)
            if text.str.contains("_x", regex=False).any():
                out.isetitem(k, text.map(unescape).to_numpy(dtype=object))
    return out


def read_frame(path: Path, *, sheet: str | int | None) -> tuple[pd.DataFrame, pyproj.CRS | None]:
    """Read any supported address file into a DataFrame (+ geometry CRS if it has one)."""
    ext = path.suffix.lower()
    if ext in (".csv", ".txt", ".tsv"):
        check_csv_header(path)  # bounded before parsing: the header's columns
        return _read_csv(path), None
    if ext in (".xlsx", ".xlsm"):
        check_xlsx(path, max_rows=EXCEL_MAX_ROWS, how="Excel's own limit")
        try:
            df = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
        except ValueError as exc:
            if "not found" in str(exc) or "Worksheet" in str(exc):
                raise InputFileError(f"addresses: {exc} in {str(path)!r}; check --sheet") from exc
            raise InputFileError(f"addresses: cannot read {str(path)!r} as Excel: {exc}") from exc
        except Exception as exc:
            raise InputFileError(
                f"addresses: cannot read {str(path)!r} as an Excel .xlsx workbook "
                f"({type(exc).__name__}: {str(exc)[:120]})"
            ) from exc
        if df.isna().to_numpy().any():
            _refuse_uncached_formulas(path, sheet)
        return _unescape_xlsx(df.fillna("")), None
    if ext == ".parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.read_schema(path).metadata or {}
            if b"geo" not in meta:
                return pd.read_parquet(path), None
        except Exception as exc:
            raise InputFileError(
                f"addresses: {str(path)!r} is not a readable Parquet file "
                f"({type(exc).__name__}: {str(exc)[:120]})"
            ) from exc
    if ext in VECTOR_EXTENSIONS:
        gdf = read_vector(path, argument="addresses")
        return gdf, gdf.crs
    raise InputFileError(
        f"addresses: unsupported file type {ext!r} for {str(path)!r}; use .csv, .xlsx, .gpkg, "
        ".geojson or .parquet"
    )


def read_table(path: str | Path | Database, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a table (CSV, Excel, Parquet, a vector file's attributes or a PostgreSQL table or
    query, :mod:`geo.io.postgis`) as text columns."""
    src = as_source(path)
    if isinstance(src, Database):
        df = read_database(src, argument="table")
        if isinstance(df, gpd.GeoDataFrame):
            df = pd.DataFrame(df.drop(columns=df.geometry.name))
        return df
    path = Path(src)
    check_file(path, "table")
    df, _ = read_frame(path, sheet=sheet)
    if isinstance(df, gpd.GeoDataFrame):
        df = pd.DataFrame(df.drop(columns=df.geometry.name))
    return df


def find_column(frame: pd.DataFrame, names: Iterable[str]) -> str | None:
    """The first of ``names`` that is a column of ``frame``, as the frame spells it.

    Names are compared in any case and without spaces, ``_``, ``-`` or other punctuation
    (``"X-koordinat"`` finds ``x_koordinat``); ``None`` when no name matches. The one
    column lookup of :mod:`geo`.
    """
    lookup: dict[str, str] = {}
    for c in frame.columns:
        lookup.setdefault(column_key(c), str(c))
    return next((lookup[column_key(n)] for n in names if column_key(n) in lookup), None)


#: First characters that make a spreadsheet program read a text cell as a formula
#: (OWASP "CSV injection"): ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Text that is a plain number ("-12", "+3,5"): harmless, left as it is.
_PLAIN_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
#: Text a column may hold to be written as numbers: integers without a leading zero (ids such
#: as "0580" stay text) of at most 15 digits (exact in a spreadsheet), and decimals with a
#: decimal point or comma.
_INTEGER_TEXT = r"[+-]?(?:0|[1-9]\d{0,14})"
_DECIMAL_TEXT = r"[+-]?(?:0|[1-9]\d{0,14})[.,]\d{1,15}"


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c for c in df.columns if df[c].dtype == object or isinstance(df[c].dtype, pd.StringDtype)
    ]


def typed_numbers(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns that hold only numbers, as numbers; every other column unchanged.

    A column is converted when every non-empty value is an integer without a leading zero
    (at most 15 digits) or a decimal number with a point or comma; empty values become
    missing. A column with text in any row stays text, and so do identifiers such as
    ``"0580"``. The input is not modified.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A shallow copy with converted columns (``Int64`` or ``float64``).
    """
    out = df.copy(deep=False)
    for col in _text_columns(df):
        values = df[col]
        text = values.astype("string").str.strip()
        filled = text.notna() & (text != "")
        if not filled.any():
            continue
        present = text[filled]
        first = str(present.iloc[0])
        if not re.fullmatch(_DECIMAL_TEXT, first) and not re.fullmatch(_INTEGER_TEXT, first):
            continue  # quick reject before scanning the column
        if present.str.fullmatch(_INTEGER_TEXT).all():
            out[col] = pd.to_numeric(text.where(filled), errors="coerce").astype("Int64")
        elif present.str.fullmatch(f"{_INTEGER_TEXT}|{_DECIMAL_TEXT}").all():
            cleaned = text.where(filled).str.replace(",", ".", regex=False)
            out[col] = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return out


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Text values that a spreadsheet would run as a formula, prefixed with an apostrophe.

    Values starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading
    ``'`` (the usual protection against formula injection in CSV files); plain numbers such as
    ``-12`` are left alone. Text, string and categorical columns are checked; numbers are
    never changed. The input is not modified. All text cells are checked in one pass (a
    file of 20 000 columns costs what 20 000 rows do).
    """
    out = df.copy(deep=False)
    fixed_columns: dict[int, pd.Series] = {}
    dtypes = list(df.dtypes)
    text_at = [
        k for k, d in enumerate(dtypes) if d is np.dtype(object) or isinstance(d, pd.StringDtype)
    ]
    for k, d in enumerate(dtypes):
        if isinstance(d, pd.CategoricalDtype):
            values = df.iloc[:, k]
            cats = values.cat.categories
            if cats.dtype == object or isinstance(cats.dtype, pd.StringDtype):
                fixed = [_neutral(str(c)) for c in cats]
                if fixed != [str(c) for c in cats] and len(set(fixed)) == len(fixed):
                    fixed_columns[k] = values.cat.rename_categories(fixed)
    n = len(df)
    if text_at and n:
        block = df.iloc[:, text_at].to_numpy(dtype=object)  # (rows, text columns), one copy
        cells = pd.Series(block.ravel(order="F"), dtype="string")
        starts = cells.str.startswith(FORMULA_PREFIXES).fillna(False).to_numpy(dtype=bool)
        if starts.any():
            hit = np.flatnonzero(starts)
            plain = cells.iloc[hit].str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy(bool)
            risky_cells = hit[~plain]
            for j in np.unique(risky_cells // n).tolist():
                rows = risky_cells[(risky_cells >= j * n) & (risky_cells < (j + 1) * n)] - j * n
                arr = block[:, j].copy()
                arr[rows] = ["'" + str(v) for v in arr[rows]]
                fixed_columns[text_at[j]] = pd.Series(arr, index=df.index, dtype=object)
    if not fixed_columns:
        return out
    if len(fixed_columns) < 50:
        for k, series in fixed_columns.items():  # by position: duplicate names stay apart
            out.isetitem(k, series.array)
        return out
    keep = [k for k in range(df.shape[1]) if k not in fixed_columns]
    parts = {k: df.iloc[:, k] for k in keep} if len(keep) < 50 else {}
    if len(keep) >= 50:  # the untouched columns in one block
        rest = df.iloc[:, keep]
        rest.columns = keep
        joined = pd.concat([rest, pd.DataFrame(fixed_columns, index=df.index)], axis=1)
    else:
        joined = pd.DataFrame({**parts, **fixed_columns}, index=df.index)
    joined = joined[list(range(df.shape[1]))]  # one frame, not one insert a column
    joined.columns = df.columns
    return joined


def _neutral(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES) and not re.fullmatch(_PLAIN_NUMBER, text):
        return "'" + text
    return text


def write_table(
    df: pd.DataFrame,
    path: str | Path | Database,
    *,
    protect_formulas: bool = True,
    if_exists: str = "fail",
) -> Path | Database:
    """Write a table atomically; the format follows the extension.

    ``.csv`` (UTF-8), ``.xlsx``, ``.parquet``; a :class:`geopandas.GeoDataFrame` may also go
    to ``.gpkg``/``.geojson``/``.geoparquet`` (see :func:`write_vector`).

    Spreadsheet safety: in ``.xlsx`` every text value is written as a text cell (never a
    formula or a hyperlink) and text columns holding only numbers are written as numbers
    (:func:`typed_numbers`); in ``.csv`` text that a spreadsheet would run as a formula gets a
    leading apostrophe (:func:`neutralise_formulas`) unless ``protect_formulas=False``.
    Parquet, GeoPackage and GeoJSON keep the frame's own column types.

    A PostgreSQL URL (``postgresql://host/db?table=schema.name``) writes a table in one
    transaction (:func:`geo.io.postgis.write_database`; ``if_exists``: ``fail``, ``replace``
    or ``append``); files are always replaced, atomically.
    """
    target = as_source(path)
    if isinstance(target, Database):
        return write_database(df, target, if_exists=if_exists)
    path = Path(target)
    ext = path.suffix.lower()
    if isinstance(df, gpd.GeoDataFrame) and ext in (".gpkg", ".geojson", ".geoparquet", ".fgb"):
        return write_vector(df, path)
    if isinstance(df, gpd.GeoDataFrame) and ext == ".parquet":
        return write_vector(df, path)
    plain = (
        pd.DataFrame(df.drop(columns=df.geometry.name)) if isinstance(df, gpd.GeoDataFrame) else df
    )
    if ext == ".xlsx" and len(plain) > EXCEL_MAX_ROWS:
        raise InputFileError(
            f"output: {len(plain):,} rows do not fit in an Excel sheet ({EXCEL_MAX_ROWS:,} max); "
            "write .csv, .gpkg or .parquet instead"
        )
    if ext not in (".csv", ".xlsx", ".parquet", ".txt"):
        raise InputFileError(
            f"output: unsupported extension {ext!r} for {str(path)!r}; use .csv, .xlsx, "
            ".parquet, .gpkg or .geojson"
        )
    with atomic_path(path) as tmp:
        if ext in (".csv", ".txt"):
            shown = neutralise_formulas(plain) if protect_formulas else plain
            # CRLF line ends (RFC 4180): a field holding a CR or an LF is then quoted too
            shown.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n")
            _replace_nul(tmp)
        elif ext == ".xlsx":
            _write_xlsx(typed_numbers(plain), tmp)
        else:
            plain.to_parquet(tmp, index=False)
    return path


def _replace_nul(path: Path, chunk_bytes: int = 1 << 24) -> None:
    """NUL characters in a written text file as U+FFFD: a NUL is no text (geo's own reader,
    like most, refuses a file holding one), so the rows read back the same. Linear; the file
    is rewritten only when it holds one."""
    with open(path, "rb") as fh:
        if not any(b"\x00" in block for block in iter(lambda: fh.read(chunk_bytes), b"")):
            return
    fixed = path.with_name(path.name + ".nul")
    with open(path, "rb") as src, open(fixed, "wb") as dst:
        for block in iter(lambda: src.read(chunk_bytes), b""):
            dst.write(block.replace(b"\x00", "\ufffd".encode()))
    os.replace(fixed, path)


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One sheet; text as text cells (no formulas, no hyperlinks), numbers as numbers."""
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    frame = frame.copy(deep=False)
    for col in frame.columns:  # xlsxwriter takes Python numbers; nullable ints as float
        if isinstance(frame[col].dtype, pd.Int64Dtype):
            frame[col] = frame[col].astype("float64")
    frame.to_excel(path, index=False, engine="xlsxwriter", engine_kwargs={"options": options})


def read_population_grid(path: str | Path) -> pd.DataFrame:
    """An SCB 1 km population grid table: ``east``, ``north`` (south-west corner, EPSG:3006)
    and a population column (``pop_2024`` or the first ``pop*`` column), as ``population``.
    """
    path = Path(path)
    check_file(path, "grid")
    frame = read_table(path)
    east, north = find_column(frame, ("east",)), find_column(frame, ("north",))
    pop = find_column(frame, ("pop_2024",)) or next(
        (str(c) for c in frame.columns if column_key(c).startswith(("pop", "bef"))), None
    )
    if east is None or north is None or pop is None:
        raise MissingColumnError(
            f"grid: {str(path)!r} needs columns east, north (cell corner, EPSG:3006) and a "
            f"population column (pop_2024); columns are {list(frame.columns)}"
        )
    out = pd.DataFrame(
        {
            "east": pd.to_numeric(frame[east], errors="coerce"),
            "north": pd.to_numeric(frame[north], errors="coerce"),
            "population": pd.to_numeric(frame[pop], errors="coerce"),
        }
    )
    bad = out.isna().any(axis=1) | (out["population"] < 0)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy()) + 2).tolist()[:10]
        raise InputFileError(f"grid: {int(bad.sum())} rows with missing or negative values: {rows}")
    return out
