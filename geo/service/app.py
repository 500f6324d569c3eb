"""The catchment service as an ASGI application (FastAPI).

FastAPI (on Starlette, served by uvicorn) was chosen because it is well kept, describes its
API in OpenAPI at ``/docs`` without extra work, validates nothing we do not want validated
(parameters are parsed here, with the same one-line reasons the command line gives), and runs
on the same event loop as uvicorn's graceful shutdown. ``/docs`` is served from the PyPI
package ``swagger-ui-bundle``, so it too works with no internet.

Every answer to a point is computed by the same code as ``geo assign``
(:func:`geo.areas.assign_table`), so status, reason and every figure are the same for the
same point.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import gc
import hmac
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, MutableMapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from .. import settings
from ..addresses import AddressTable
from ..areas import assign_table
from ..crs import WGS84, parse_crs
from ..errors import GeoError, GeoValueError
from ..geocoding import Register, address_table
from ..io.limits import LimitError, UploadGuard, check_xlsx
from ..lookup import LookupAnswers, json_value
from ..maps.page import html_text
from ..numbers import parse_number
from ..report import area_figures
from ..schema import SETTLEMENT_CLASSES, STATUS_INVALID, STATUS_UNMATCHED
from ..study import Study
from ..version import __version__
from .models import ErrorAnswer, LookupAnswer, SuggestAnswer, SummaryAnswer

__all__ = ["create_app"]

#: Method, path (never the query string: it holds addresses and coordinates), status, time.
access_log = logging.getLogger("geo.service.access")
logger = logging.getLogger(__name__)

#: Spreadsheet media type.
UPLOAD_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Upload media types and the extension they are read as.
UPLOAD_TYPES = {
    "text/csv": ".csv",
    "text/plain": ".csv",
    "application/csv": ".csv",
    UPLOAD_XLSX: ".xlsx",
    "application/geo+json": ".geojson",
    "application/json": ".geojson",
}
#: Longest text address accepted (characters).
MAX_ADDRESS_CHARS = 300


class RequestError(GeoValueError):
    """A request the service answers with a 4xx JSON error (``status``, ``reason``)."""

    def __init__(self, reason: str, status: int = 422) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _number(params: dict[str, str], name: str) -> float | None:
    """A numeric query parameter, read as ``geo assign`` reads a cell (:mod:`geo.numbers`)."""
    if name not in params:
        return None
    try:
        return parse_number(params[name], name)
    except GeoValueError as exc:
        raise RequestError(str(exc)) from None


class Batcher:
    """Runs the lookups that arrive together as one call of the assignment core.

    Each lookup is a one-row address table or a text address; the ones that arrive within
    ``wait_s`` are joined (per CRS and kind of lookup; addresses are matched together) and
    assigned by :func:`geo.areas.assign_table` in one call, and every caller gets its own row
    back: the same rows one call per lookup would give, at a fraction of the cost per lookup
    under load.
    """

    def __init__(
        self,
        run: Callable[[AddressTable], pd.DataFrame],
        geocode: Callable[[list[str]], AddressTable] | None = None,
        *,
        max_rows: int = 1024,
        wait_s: float = 0.001,
    ) -> None:
        self.run = run
        self.geocode = geocode or _no_register
        self.max_rows = max_rows
        #: How long the first lookup of a batch waits for others (s): a millisecond of
        #: latency buys batches as large as the number of clients waiting.
        self.wait_s = wait_s
        self.pending: list[tuple[AddressTable | str, asyncio.Future[dict[str, Any]]]] = []
        self.scheduled = False

    async def submit(self, query: AddressTable | str) -> dict[str, Any]:
        """The ``geo assign`` row of one lookup: a one-row address table, or an address."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self.pending.append((query, future))
        if len(self.pending) >= self.max_rows:
            self.flush()
        elif not self.scheduled:
            self.scheduled = True
            loop.call_later(self.wait_s, self.flush)
        return await future

    def flush(self) -> None:
        self.scheduled = False
        batch, self.pending = self.pending, []
        groups: dict[tuple, list[tuple[AddressTable | str, asyncio.Future[dict[str, Any]]]]] = {}
        for item in batch:
            query = item[0]
            key = (
                ("address",)
                if isinstance(query, str)
                else (query.columns, tuple(map(str, query.frame.columns)))  # columns imply CRS
            )
            groups.setdefault(key, []).append(item)
        for items in groups.values():
            queries = [q for q, _ in items]
            try:
                if isinstance(queries[0], str):
                    table = self.geocode([str(q) for q in queries])
                else:
                    table = AddressTable.concat(
                        [q for q in queries if isinstance(q, AddressTable)], source="requests"
                    )
                result = self.run(table)
            except Exception as exc:  # noqa: BLE001 - every caller gets the error
                for _, future in items:
                    if not future.done():
                        future.set_exception(exc)
                continue
            rows = _records(result)
            for row, (_, future) in zip(rows, items, strict=True):
                if not future.done():
                    future.set_result(row)


#: The maps ``/maps/`` serves, with the keys of their titles in the label files.
MAP_TITLES = {
    "catchments": "catchment_title",
    "access": "access_title",
    "siting": "siting_title",
    "studio": "studio_title",
}


def _map_page(name: str, study: Study) -> str:
    """One of the study's maps as offline HTML (Leaflet inlined; tiles stay optional)."""
    from .. import maps

    if name == "studio":
        from ..maps.studio import studio_page

        return studio_page(study)
    if name == "catchments":
        m = maps.catchment_map(study)
    elif name == "access":
        m = maps.access_map(study)
    else:
        from ..siting import site

        m = maps.siting_map(site(study, add=2), study)
    return maps.to_html(m)


def _assign_file(source: Path, target: Path, study: Study, max_rows: int, max_columns: int) -> None:
    """What ``geo assign SOURCE -o TARGET`` does (rows and columns checked against the
    limits first; a workbook's declared size before it is parsed). Messages name the upload,
    never the server's temporary folder."""
    try:
        _assign_file_checked(source, target, study, max_rows, max_columns)
    except LimitError as exc:
        raise RequestError(_without_folder(str(exc), source), status=413) from None
    except GeoError as exc:
        raise RequestError(_without_folder(str(exc), source), status=422) from None


def _without_folder(message: str, source: Path) -> str:
    return message.replace(repr(str(source)), "the upload").replace(str(source), "the upload")


def _assign_file_checked(
    source: Path, target: Path, study: Study, max_rows: int, max_columns: int
) -> None:
    from ..addresses import read_addresses
    from ..areas import assign_addresses
    from ..io.tables import write_table

    if source.suffix == ".xlsx":
        check_xlsx(source, max_rows=max_rows, max_columns=max_columns)
    table = read_addresses(source)
    if len(table.x) > max_rows:
        raise RequestError(
            f"upload: {len(table.x):,} rows; at most {max_rows:,} per request "
            "(run geo assign for more)",
            status=413,
        )
    result = assign_addresses(table, study)
    out = result.to_geodataframe() if target.suffix == ".geojson" else result.table
    write_table(out, target)


def _no_register(texts: list[str]) -> AddressTable:
    raise RequestError("address: this service has no address register", status=400)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a small frame as dicts (column by column: quicker than ``to_dict``)."""
    names = [str(c) for c in frame.columns]
    columns = [frame[c].to_numpy(dtype=object).tolist() for c in frame.columns]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


#: The (column-less) frame of a lookup by coordinates; shared, never modified.
_ONE_ROW = pd.DataFrame(index=range(1))


def create_app(
    study: Study,
    *,
    register: Register | None = None,
    network: Any | None = None,
    token: str | None = None,
    max_upload_bytes: int | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> FastAPI:
    """The service for ``study``.

    Parameters
    ----------
    study : Study
        Areas, bases and reference layers (``geo study build``, or the embedded Linköping).
    register : geo.geocoding.Register, optional
        The address register for ``/api/lookup?address=`` (matched offline).
    network : geo.network.Network, optional
        A network for travel times (its mode is the travel mode).
    token : str, optional
        A bearer token every request must carry (``Authorization: Bearer TOKEN``); compared
        in constant time.
    max_upload_bytes, max_rows : int, optional
        Limits of ``POST /api/assign`` (defaults in :mod:`geo.settings`).
    """
    upload_limit = settings.serve_max_upload_bytes if max_upload_bytes is None else max_upload_bytes
    row_limit = settings.serve_max_rows if max_rows is None else max_rows
    column_limit = settings.max_columns if max_columns is None else max_columns
    app = FastAPI(
        title="geo — catchment areas",
        version=__version__,
        description=f"Which area team serves an address, and how far is its base? {study.name}.",
        docs_url=None,
        redoc_url=None,
    )
    mode = getattr(network, "mode", "straight") if network is not None else "straight"

    def geocode_all(texts: list[str]) -> AddressTable:
        if register is None:  # pragma: no cover - refused before a text is queued
            return _no_register(texts)
        return address_table(texts, register)

    batcher = Batcher(
        lambda table: assign_table(table, study, mode=mode, network=network)[0], geocode_all
    )
    answers = LookupAnswers(study)
    titles = map_titles()
    # build the polygon indexes now, not on the first request
    for index in (study.area_index, study.regso_index, study.settlement_index):
        del index
    wgs84 = parse_crs(WGS84)
    sweref = parse_crs("EPSG:3006")

    app.add_middleware(GuardAndLog, token=token)

    @app.exception_handler(RequestError)
    async def bad_request(request: Request, exc: RequestError) -> JSONResponse:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @app.exception_handler(GeoError)
    async def geo_error(request: Request, exc: GeoError) -> JSONResponse:
        return JSONResponse({"error": " ".join(str(exc).split())}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "body"))
        return JSONResponse({"error": f"{where}: {first.get('msg', 'invalid')}"}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reason = "no such route" if exc.status_code == 404 else str(exc.detail)
        if exc.status_code == 405:
            reason = f"method {request.method} is not allowed here"
        return JSONResponse({"error": reason}, status_code=exc.status_code)

    errors: dict[int | str, dict[str, Any]] = {
        code: {"model": ErrorAnswer, "description": what}
        for code, what in ((400, "Not possible on this service"), (413, "Too large"),
                           (415, "Unsupported media type"), (422, "A bad request, with the reason"))
    }  # fmt: skip

    @app.get(
        "/api/lookup",
        summary="Which area team serves this point or address",
        response_model=None,
        responses={200: {"model": LookupAnswer, "description": "The answer"}, **errors},
    )
    async def lookup(
        request: Request,
        lat: str | None = Query(None, description="Latitude, WGS 84 (with lon). A decimal "
                                "comma and spaces between digit groups are read too."),
        lon: str | None = Query(None, description="Longitude, WGS 84 (with lat)."),
        e: str | None = Query(None, description="Easting, SWEREF 99 TM, m (with n): 536 300."),
        n: str | None = Query(None, description="Northing, SWEREF 99 TM, m (with e)."),
        address: str | None = Query(None, description="A text address, matched offline "
                                    "against the register: 'Storgatan 12 B, 582 23 Linköping'."),
    ) -> JSONResponse:  # fmt: skip
        """Give ``lat`` and ``lon`` (WGS 84), ``e`` and ``n`` (SWEREF 99 TM), or ``address``
        (matched offline against the register). The answer is what ``geo assign`` gives for
        the same point: area, own base and the distance to it, the distance to every base,
        RegSO, settlement class, ``status`` and ``reason``, ``location_precision``,
        ``distance_approximate``, ``candidate_areas`` and ``suggestions``. An address located
        only roughly whose extent meets several areas is ``ambiguous`` (no area, the
        candidate areas listed); one whose street resembles another is ``needs_review``
        ("did you mean …?", the register addresses meant in ``suggestions``): both answer
        200 and never carry an area. Coordinates that cannot be read and addresses that
        match nothing answer 422 with the reason."""
        repeated = sorted(
            {k for k in request.query_params if len(request.query_params.getlist(k)) > 1}
        )
        if repeated:
            raise RequestError(f"parameters given more than once: {repeated}")
        params = dict(request.query_params)
        row = await batcher.submit(_table(params))
        status = str(row["status"])
        if status in (STATUS_INVALID, STATUS_UNMATCHED):
            raise RequestError(str(row["reason"]))
        return JSONResponse(answers.answer(row))

    def _table(params: dict[str, str]) -> AddressTable | str:
        unknown = sorted(set(params) - {"lat", "lon", "e", "n", "address"})
        if unknown:
            raise RequestError(
                f"unknown parameters {unknown}; give lat and lon, e and n, or address"
            )
        if "address" in params:
            text = params["address"].strip()
            if register is None:
                raise RequestError(
                    "address: this service has no address register; start it with --register "
                    "or give lat and lon",
                    status=400,
                )
            if not text or len(text) > MAX_ADDRESS_CHARS:
                raise RequestError(f"address: give 1 to {MAX_ADDRESS_CHARS} characters")
            return text
        pairs = (("lat", "lon", wgs84), ("n", "e", sweref))
        for y_name, x_name, crs in pairs:
            y, x = _number(params, y_name), _number(params, x_name)
            if y is None and x is None:
                continue
            if y is None or x is None:
                missing = y_name if y is None else x_name
                raise RequestError(f"{missing} is missing")
            return AddressTable(
                _ONE_ROW, np.array([x]), np.array([y]), crs,
                np.array([""], dtype=object), (x_name, y_name), "request",
            )  # fmt: skip
        raise RequestError("give lat and lon (WGS 84), e and n (SWEREF 99 TM), or address")

    @app.post("/api/assign", summary="Assign an address file, as geo assign does")
    async def assign(request: Request) -> Response:
        """Send an address file as the request body — CSV (``text/csv``), Excel
        (``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) or GeoJSON
        (``application/geo+json``) — and get back the file ``geo assign`` writes for it, in the
        same format (or ``?format=csv|xlsx|geojson``). The body is streamed to a temporary
        file; a larger file or one with more rows than the limits (``--max-upload-mb``,
        ``--max-rows``) is refused (413)."""
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        suffix = UPLOAD_TYPES.get(kind)
        if suffix is None:
            raise RequestError(
                f"content-type: send text/csv, an .xlsx workbook or application/geo+json; "
                f"received {kind or 'none'!r}",
                status=415,
            )
        wanted = request.query_params.get("format", suffix.lstrip("."))
        if wanted not in ("csv", "xlsx", "geojson"):
            raise RequestError(f"format: csv, xlsx or geojson; received {wanted!r}")
        guard = UploadGuard(
            kind=suffix, max_bytes=upload_limit, max_rows=row_limit, max_columns=column_limit
        )
        with upload_folder() as folder:
            source = folder / f"upload{suffix}"
            try:
                with open(source, "wb") as fh:
                    async for chunk in request.stream():
                        guard.feed(chunk)  # refuses before the file is parsed
                        fh.write(chunk)
            except LimitError as exc:
                raise RequestError(str(exc), status=413) from None
            except ClientDisconnect:
                logger.info("upload: the client disconnected before the file was sent")
                return Response(status_code=400)
            if guard.size == 0:
                raise RequestError("upload: the request body is empty; send the file as the body")
            target = folder / f"assigned.{wanted}"
            await asyncio.get_running_loop().run_in_executor(
                None, _assign_file, source, target, study, row_limit, column_limit
            )
            media = {"csv": "text/csv; charset=utf-8", "xlsx": UPLOAD_XLSX,
                     "geojson": "application/geo+json"}[wanted]  # fmt: skip
            return Response(target.read_bytes(), media_type=media)

    @app.get(
        "/api/suggest",
        summary="Register addresses that begin with the text typed",
        response_model=None,
        responses={200: {"model": SuggestAnswer, "description": "The addresses"}, **errors},
    )
    async def suggest(
        q: str = Query("", description="The beginning of an address, any case."),
    ) -> JSONResponse:
        """Up to 8 addresses of the register that begin with ``q`` (any case)."""
        text = q.strip()
        if register is None:
            raise RequestError("suggest: this service has no address register", status=400)
        if not text or len(text) > MAX_ADDRESS_CHARS:
            raise RequestError(f"q: give 1 to {MAX_ADDRESS_CHARS} characters")
        return JSONResponse({"suggestions": register.suggest(text)})

    maps_cache: dict[str, str] = {}

    @app.get("/maps/", summary="The study's maps (offline HTML)", include_in_schema=True)
    async def maps_index() -> HTMLResponse:
        links = "".join(
            f'<li><a href="/maps/{name}.html">{html_text(titles[name])}</a></li>'
            for name in MAP_TITLES
        )
        return HTMLResponse(
            f"<!DOCTYPE html><html lang='sv'><meta charset='utf-8'><title>Kartor</title>"
            f"<h1>Kartor – {html_text(study.name)}</h1><ul>{links}</ul></html>"
        )

    @app.get("/maps/{name}.html", summary="One of the study's maps (offline HTML)")
    async def one_map(name: str) -> HTMLResponse:
        """``catchments``, ``access`` (population grid), ``siting`` (two new bases) or
        ``studio`` (the planning studio); built once, then kept. No address reaches a map
        served here."""
        if name not in MAP_TITLES:
            raise StarletteHTTPException(404)
        if name not in maps_cache:
            maps_cache[name] = await asyncio.get_running_loop().run_in_executor(
                None, _map_page, name, study
            )
        return HTMLResponse(maps_cache[name])

    @app.get("/", include_in_schema=False)
    async def reception() -> HTMLResponse:
        return HTMLResponse(_reception_page())

    @app.get("/api/areas", summary="The catchment areas (GeoJSON, EPSG:4326)")
    async def areas() -> Response:
        areas = study.areas[["area", "geometry"]].copy()
        base_of = dict(zip(study.bases["area"].astype(str), study.bases["base_name"], strict=False))
        areas["base"] = areas["area"].astype(str).map(base_of)
        text = areas.to_crs(WGS84).to_json(drop_id=True)
        return Response(text, media_type="application/geo+json")

    @app.get("/api/bases", summary="The bases (GeoJSON, EPSG:4326)")
    async def bases() -> Response:
        cols = [c for c in ("base_id", "base_name", "area", "location_status") if c in study.bases]
        text = study.bases[[*cols, "geometry"]].to_crs(WGS84).to_json(drop_id=True)
        return Response(text, media_type="application/geo+json")

    area_rows = _area_rows(study)

    @app.get(
        "/api/summary",
        summary="The study: areas, bases, population and how far it lives from its base",
        response_model=None,
        responses={200: {"model": SummaryAnswer, "description": "The study"}},
    )
    async def summary() -> JSONResponse:
        """Per area: its own base, the people (SCB 1 km grid) per settlement class, and the
        mean, 90th percentile and shares within 2, 5 and 10 km of the distance from the people
        to the base (:func:`geo.report.area_figures`, by the rules of :mod:`geo.figures`)."""
        return JSONResponse(
            {
                "study": study.name,
                "kommun": study.kommun,
                "travel_mode": mode,
                "address_register": register is not None,
                "areas": area_rows[:-1],
                "all": area_rows[-1],
            }
        )

    _add_docs(app)
    # the study, its indexes and the register live as long as the process: keep them out of
    # the garbage collector's scans, which otherwise stall requests now and then
    gc.collect()
    gc.freeze()
    return app


def map_titles(lang: str = "sv") -> dict[str, str]:
    """The titles of the maps ``/maps/`` serves, from the label files."""
    from ..maps.page import labels
    from ..maps.studio import studio_labels

    lab = {**labels(lang), "studio_title": studio_labels(lang)["title"]}
    return {name: lab[key] for name, key in MAP_TITLES.items()}


def _area_rows(study: Study) -> list[dict[str, Any]]:
    """The rows of ``/api/summary`` from :func:`geo.report.area_figures` (JSON-ready)."""
    table = area_figures(study)
    rows = []
    for rec in table.to_dict("records"):
        by_class = {
            c: round(float(rec[f"population_{c}"]))
            for c in SETTLEMENT_CLASSES
            if f"population_{c}" in rec and np.isfinite(rec[f"population_{c}"])
        }
        pop = rec.get("population_est")
        rows.append(
            {
                "area": str(rec["area"]),
                "base": json_value(rec["base"]),
                "population_est": None if pop is None else round(float(pop)),
                "by_settlement_class": by_class,
                "mean_distance_m": json_value(_round1(rec.get("mean_distance_m"))),
                "p90_distance_m": json_value(_round1(rec.get("p90_distance_m"))),
                "share_within_km": {
                    f"{t:g}": json_value(rec.get(f"share_within_{t}km"))
                    for t in settings.thresholds_km
                },
            }
        )
    return rows


def _round1(value: Any) -> Any:
    return None if value is None else round(float(value), 1)


@functools.cache
def _reception_page() -> str:
    """The reception page (package data), Leaflet inlined: works with no internet."""
    from ..maps.offline import leaflet_assets

    page = resources.files(__package__).joinpath("data", "reception.html").read_text("utf-8")
    js, css = leaflet_assets()
    return page.replace("/*LEAFLET_CSS*/", css).replace("/*LEAFLET_JS*/", js)


#: Upload folders in use (client addresses): removed when the request ends, and at exit.
_UPLOAD_FOLDERS: set[Path] = set()


@contextlib.contextmanager
def upload_folder() -> Any:
    """A private temporary folder for one upload, removed on every way out (an answer, an
    error, a cancelled request on shutdown) and, if still there, when the process exits."""
    folder = Path(tempfile.mkdtemp(prefix="geo-assign-"))
    _UPLOAD_FOLDERS.add(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _UPLOAD_FOLDERS.discard(folder)


@atexit.register
def _remove_upload_folders() -> None:
    for folder in list(_UPLOAD_FOLDERS):
        shutil.rmtree(folder, ignore_errors=True)


class GuardAndLog:
    """ASGI middleware: the bearer token, the access log (no query string) and a JSON 500.

    Plain ASGI rather than Starlette's ``BaseHTTPMiddleware``, which costs a task per request.
    """

    def __init__(self, app: Any, *, token: str | None) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode() if token is not None else None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]

        async def send_logged(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            if self.expected is not None:
                given = dict(scope.get("headers") or []).get(b"authorization", b"")
                if not hmac.compare_digest(given, self.expected):
                    response = JSONResponse(
                        {"error": "authorization: a valid bearer token is needed"},
                        status_code=401,
                    )
                    await response(scope, receive, send_logged)
                    return
            await self.app(scope, receive, send_logged)
        except ClientDisconnect:
            status[0] = 499  # nginx's word for it: nobody is left to answer
            logger.info("%s %s: the client disconnected", scope.get("method"), logged_path(scope))
        except Exception:
            logger.exception("internal error on %s %s", scope.get("method"), logged_path(scope))
            await JSONResponse({"error": "internal error"}, status_code=500)(
                scope, receive, send_logged
            )
        finally:
            access_log.info(
                "%s %s %d %.1f ms",
                scope.get("method"),
                logged_path(scope),
                status[0],
                (time.perf_counter() - start) * 1000,
            )


def logged_path(scope: dict[str, Any]) -> str:
    """The path as the log may hold it: the route's template (``/maps/{name}.html``), never
    what a client put in the path (an address typed into the URL is no log line's business);
    ``(no route)`` for a path no route matched."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if isinstance(template, str):
        return template
    path = str(scope.get("path") or "")
    return path if path in _PLAIN_PATHS else "(no route)"


#: Paths logged as they are although no route object names them (mounted assets).
_PLAIN_PATHS = frozenset({"/", "/docs", "/openapi.json"})


def _add_docs(app: FastAPI) -> None:
    """``/docs``: Swagger UI from the PyPI package swagger-ui-bundle (no CDN)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="geo — API",
            swagger_js_url="/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/docs-assets/swagger-ui.css",
            swagger_favicon_url="/docs-assets/favicon-32x32.png",
        )
