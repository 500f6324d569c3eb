"""Bounds checked before a table is parsed: columns from the header, rows from the line
count or the sheet's declared size, the unpacked size of a workbook.

Used by the command line (:func:`geo.io.tables.read_frame`) and the service's uploads
(:class:`UploadGuard`, fed the bytes as they arrive), so that a hostile file costs what its
first line or its zip directory costs, not what parsing it would.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import IO

from .. import settings
from ..errors import InputFileError

__all__ = ["LimitError", "UploadGuard", "check_csv_header", "check_xlsx"]

#: The longest header line read to count columns (bytes).
MAX_HEADER_BYTES = 1 << 20


class LimitError(InputFileError):
    """A file beyond a limit; the message names the limit and how to raise it."""


def _count_fields(line: bytes) -> int:
    text = line.decode("utf-8", "replace").lstrip("\ufeff")
    counts = {sep: text.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda k: counts[k])
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=sep), [])
    except csv.Error:  # a stray CR or NUL: not a header the parser will take either
        return text.count(sep) + 1
    return len(row)


def _column_error(n: int, limit: int, how: str) -> LimitError:
    return LimitError(
        f"addresses: {n:,} columns; at most {limit:,} are read ({how}); an address file needs "
        "a few: keep the columns you need"
    )


def check_csv_header(path: Path, *, max_columns: int | None = None) -> None:
    """Refuse a CSV whose header has more than ``max_columns`` fields (or a header line over
    :data:`MAX_HEADER_BYTES`), reading only its first line."""
    limit = settings.max_columns if max_columns is None else max_columns
    with open(path, "rb") as fh:
        line = fh.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES:
        raise LimitError(
            f"addresses: the header line is longer than {MAX_HEADER_BYTES:,} bytes; an address "
            "file's header is a few hundred"
        )
    n = _count_fields(line.rstrip(b"\r\n"))
    if n > limit:
        raise _column_error(n, limit, "settings.max_columns; geo.settings.max_columns to raise it")


_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def check_xlsx(
    path: Path,
    *,
    max_rows: int | None = None,
    max_columns: int | None = None,
    max_unpacked_bytes: int | None = None,
    how: str = "--max-rows",
) -> None:
    """Refuse a workbook whose unpacked size, declared rows or columns pass the limits,
    from its zip directory and the first bytes of each sheet (nothing is parsed)."""
    rows_limit = settings.serve_max_rows if max_rows is None else max_rows
    cols_limit = settings.max_columns if max_columns is None else max_columns
    unpacked_limit = (
        settings.max_unpacked_bytes if max_unpacked_bytes is None else max_unpacked_bytes
    )
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > unpacked_limit:
                raise LimitError(
                    f"addresses: the workbook unpacks to {unpacked:,} bytes; at most "
                    f"{unpacked_limit:,} (geo.settings.max_unpacked_bytes)"
                )
            for info in infos:
                if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                    continue
                with z.open(info) as fh:
                    head = fh.read(4096)
                    m = _DIMENSION.search(head)
                    if m is not None and m.group(1) is not None:
                        cols, rows = _column_number(m.group(1).decode()), int(m.group(2))
                    else:  # no declared size: count the rows' tags, streaming (no parse)
                        cols, rows = 0, _count_rows(head, fh)
                if cols > cols_limit:
                    raise _column_error(cols, cols_limit, "geo.settings.max_columns")
                if rows - 1 > rows_limit:
                    raise LimitError(
                        f"addresses: the sheet declares {rows - 1:,} rows; at most "
                        f"{rows_limit:,} ({how}); split the file or run geo assign"
                    )
    except zipfile.BadZipFile:
        raise InputFileError(f"addresses: {path.name} is not an Excel .xlsx workbook") from None


def _count_rows(head: bytes, fh: IO[bytes], chunk: int = 1 << 20) -> int:
    """``<row`` tags in a sheet's XML, read in chunks (a tag split between chunks counted
    once)."""
    count, tail = 0, b""
    block = head
    while block:
        data = tail + block
        count += data.count(b"<row ") + data.count(b"<row>") - tail.count(b"<row ")
        count -= tail.count(b"<row>")
        tail = data[-5:]
        block = fh.read(chunk)
    return count


class UploadGuard:
    """Feed an upload's bytes as they arrive; it refuses (:class:`LimitError`) as soon as the
    bytes, the header's columns or the lines pass their limits.

    Lines are counted as line breaks, an upper bound of the rows (a quoted line break counts
    too): what the row limit refuses here is at least that many lines.
    """

    def __init__(
        self, *, kind: str, max_bytes: int, max_rows: int, max_columns: int | None = None
    ) -> None:
        self.kind = kind
        self.max_bytes = max_bytes
        self.max_rows = max_rows
        self.max_columns = settings.max_columns if max_columns is None else max_columns
        self.size = 0
        self.lines = 0
        self._header = b""
        self._header_done = kind != ".csv"

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise LimitError(
                f"upload: larger than {self.max_bytes:,} bytes (--max-upload-mb); split the "
                "file or run geo assign"
            )
        if self.kind != ".csv":
            return
        if not self._header_done:
            end = chunk.find(b"\n")
            self._header += chunk if end < 0 else chunk[:end]
            if end >= 0 or len(self._header) > MAX_HEADER_BYTES:
                self._header_done = True
                if len(self._header) > MAX_HEADER_BYTES:
                    raise LimitError(
                        f"upload: the header line is longer than {MAX_HEADER_BYTES:,} bytes"
                    )
                n = _count_fields(self._header.rstrip(b"\r"))
                if n > self.max_columns:
                    raise _column_error(n, self.max_columns, "geo serve --max-columns")
        self.lines += chunk.count(b"\n")
        if self.lines - 1 > self.max_rows:
            raise LimitError(
                f"upload: more than {self.max_rows:,} rows; at most {self.max_rows:,} per request "
                "(geo serve --max-rows); split the file or run geo assign"
            )
