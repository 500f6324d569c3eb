"""The study set-up: catchment areas, bases and the reference layers that go with them.

:func:`load_study` returns the embedded Linköping default (built by
``scripts/build_boundaries.py``); users replace the areas and bases with their own files.
Every layer is in EPSG:3006.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..addresses import read_addresses
from ..crs import SWEREF99TM, defined_crs, in_sweden_3006, to_sweref
from ..distance import NearestTarget
from ..errors import (
    AreaTopologyError,
    GeoValueError,
    InputFileError,
    MissingColumnError,
    StudyMismatchError,
)
from ..io import files, tables, vector
from ..io.postgis import Database, as_source
from ..polygons import OUTSIDE, PolygonIndex
from ..schema import REGSO_CODE, REGSO_LOW_INCOME_PCT, REGSO_STATISTICS

__all__ = ["Study", "check_topology", "load_study", "read_areas", "read_bases"]

logger = logging.getLogger(__name__)

#: Overlaps or gaps smaller than this (m²) are treated as digitising noise.
TOPOLOGY_TOLERANCE_M2 = 1.0


@dataclass(frozen=True)
class Study:
    """Catchment areas, their bases and reference layers, all in EPSG:3006.

    Attributes
    ----------
    areas : geopandas.GeoDataFrame
        One row per catchment area; column ``area`` holds its name.
    bases : geopandas.GeoDataFrame
        One row per base: ``base_id`` (ASCII, used in column names), ``base_name``, ``area``
        (the catchment area it serves) and a point geometry.
    regso : geopandas.GeoDataFrame or None
        SCB RegSO areas with population and need indicators.
    settlement : geopandas.GeoDataFrame or None
        Settlement class polygons (``city``, ``locality``, ``countryside``).
    demand : geopandas.GeoDataFrame or None
        SCB 1 km population grid cells (``pop_2024``, ``pop_in_kommun_est``).
    localities : geopandas.GeoDataFrame or None
        SCB tätort points.
    one_base_per_area : bool
        ``True`` (the catchment model): every area has exactly one base, its *own base*.
        ``False`` (regional and national runs): any number of bases, anywhere; an area's own
        base is defined only where exactly one base serves it, and summaries measure the
        distance to the *nearest* base. ``bases`` may then be empty (assignment only).
    """

    areas: gpd.GeoDataFrame
    bases: gpd.GeoDataFrame
    regso: gpd.GeoDataFrame | None = None
    settlement: gpd.GeoDataFrame | None = None
    demand: gpd.GeoDataFrame | None = None
    localities: gpd.GeoDataFrame | None = None
    name: str = "study"
    #: The main town (settlement class ``city``), as maps and reports name it.
    town: str = ""
    #: SCB municipality code (``"0580"``); empty for a study of several or of user areas.
    kommun: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    one_base_per_area: bool = True

    @cached_property
    def area_index(self) -> PolygonIndex:
        """Exact polygon index over :attr:`areas`."""
        return PolygonIndex(self.areas.geometry.values)

    @cached_property
    def regso_index(self) -> PolygonIndex | None:
        """Exact polygon index over :attr:`regso` (``None`` without RegSO)."""
        return None if self.regso is None else PolygonIndex(self.regso.geometry.values)

    @cached_property
    def settlement_index(self) -> PolygonIndex | None:
        """Exact polygon index over :attr:`settlement` (``None`` without it)."""
        return None if self.settlement is None else PolygonIndex(self.settlement.geometry.values)

    @cached_property
    def need_by_regso(self) -> pd.Series:
        """The *need* of each RegSO (index ``regsokod``): its share of people with a low
        economic standard relative to the highest RegSO's (0–1; the most vulnerable = 1).

        The one definition: the ``need`` weight is people × (1 + need) and ``equity`` E
        multiplies any weight by 1 + E × need (:mod:`geo.siting.demand`, the area design's
        units). Raises :class:`GeoValueError` when the study has no RegSO with that share.
        """
        r = self.regso
        if r is None or REGSO_LOW_INCOME_PCT not in r.columns:
            raise GeoValueError(
                "need: the study has no RegSO layer with the low-economic-standard share "
                "(need = people × (1 + that share relative to the highest)); use a study "
                "built from SCB's RegSO statistics, or balance a column of your own"
            )
        low = pd.to_numeric(r[REGSO_LOW_INCOME_PCT], errors="coerce").fillna(0.0)
        top = float(low.max())
        need = low / top if top > 0 else low * 0.0
        return pd.Series(need.to_numpy(dtype="float64"), index=r[REGSO_CODE].astype(str))

    def need_of(self, regsokod: pd.Series | np.ndarray) -> np.ndarray:
        """:attr:`need_by_regso` for each RegSO code (0 for codes it lacks)."""
        codes = pd.Series(np.asarray(regsokod, dtype=object)).astype(str)
        return codes.map(self.need_by_regso).fillna(0.0).to_numpy(dtype="float64")

    @cached_property
    def base_ids(self) -> list[str]:
        """The bases' ids as text, in the order of :attr:`bases` (computed once; do not
        modify the list)."""
        return [str(b) for b in self.bases["base_id"]]

    @cached_property
    def own_base_of_area(self) -> np.ndarray:
        """Index into :attr:`bases` of each area's own base; ``-1`` where none or several."""
        served = self.bases["area"].astype(object).to_numpy()
        out = np.full(len(self.areas), OUTSIDE, dtype=np.int64)
        for i, a in enumerate(self.areas["area"].astype(str)):
            hit = np.flatnonzero(served == a)
            if hit.size == 1:
                out[i] = hit[0]
        return out

    @cached_property
    def names(self) -> dict[str, list[str]]:
        """The names assignment writes, per layer, computed once: ``area``, ``area_label``
        (if any), ``base``, ``regsokod``, ``regsonamn``, ``settlement_class``,
        ``settlement_name`` (empty lists for missing layers)."""
        out = {
            "area": self.areas["area"].astype(str).tolist(),
            "area_label": self.areas["area_label"].astype(str).tolist()
            if "area_label" in self.areas
            else [],
            "base": self.bases["base_name"].astype(str).tolist(),
            "regsokod": [],
            "regsonamn": [],
            "settlement_class": [],
            "settlement_name": [],
        }
        if self.regso is not None:
            out["regsokod"] = self.regso["regsokod"].tolist()
            out["regsonamn"] = self.regso["regsonamn"].tolist()
        if self.settlement is not None:
            out["settlement_class"] = self.settlement["settlement_class"].tolist()
            out["settlement_name"] = self.settlement["settlement_name"].fillna("").tolist()
        return out

    @cached_property
    def nearest_base_index(self) -> NearestTarget:
        """Nearest-base index over :attr:`bases` (many bases: national and regional runs)."""
        return NearestTarget(*self.base_xy)

    @cached_property
    def base_xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Eastings and northings of the bases (m, EPSG:3006), computed once."""
        return self.bases.geometry.x.to_numpy(), self.bases.geometry.y.to_numpy()

    @property
    def slug(self) -> str:
        """The study's name as a file-name part: ``"linkoping"``, ``"norrkoping"``."""
        return files.slug(self.name.split(" (")[0])

    def own_base(self, area: np.ndarray) -> np.ndarray:
        """Index into :attr:`bases` of the own base of each area index (``-1`` where none).

        ``area`` holds indices into :attr:`areas` (``-1`` outside every area), as
        :attr:`area_index` gives them.
        """
        area = np.asarray(area, dtype=np.int64)
        return np.where(area >= 0, self.own_base_of_area[np.maximum(area, 0)], OUTSIDE)

    def own_base_distance_m(self, e: np.ndarray, n: np.ndarray, own: np.ndarray) -> np.ndarray:
        """Straight-line distance (m, EPSG:3006) from each point to its own base.

        ``own`` is :meth:`own_base` of the points' areas; ``nan`` where it is ``-1``. The one
        implementation of "distance to the own base" (assignment, maps and reports use it).
        """
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        own = np.asarray(own, dtype=np.int64)
        be, bn = self.base_xy
        out = np.full(own.size, np.nan)
        has = np.flatnonzero(own >= 0)
        # The same expression as distance_matrix_m, so both give identical values.
        out[has] = np.hypot(e[has] - be[own[has]], n[has] - bn[own[has]])
        return out

    def in_study(self, e: np.ndarray, n: np.ndarray) -> np.ndarray:
        """Whether each point (m, EPSG:3006) lies in the study: in one of its areas or, where
        the study has them, its RegSO (the municipality)."""
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        inside = self.area_index.locate(e, n) >= 0
        if self.regso_index is not None:
            inside |= self.regso_index.locate(e, n) >= 0
        return inside

    def require_in_study(
        self, e: np.ndarray, n: np.ndarray, labels: list[str], what: str, fix: str
    ) -> None:
        """Stop with one line when a point (a base, a site) lies outside the study.

        Parameters
        ----------
        e, n : numpy.ndarray
            Points (m, EPSG:3006).
        labels : list of str
            A name per point, for the message.
        what : str
            The input the points come from (``"--add"``, ``"scenario s.json"``).
        fix : str
            What to do instead, ending the message.
        """
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        bad = np.flatnonzero(~np.isfinite(e) | ~np.isfinite(n) | ~self.in_study(e, n))
        if not bad.size:
            return
        i = int(bad[0])
        gap = ""
        if np.isfinite(e[i]) and np.isfinite(n[i]):
            _, d = self.area_index.nearest(e[i : i + 1], n[i : i + 1])
            gap = f", {float(d[0]) / 1000:,.1f} km from the nearest area"
        more = f" (and {bad.size - 1} more)" if bad.size > 1 else ""
        raise StudyMismatchError(
            f"{what}: {labels[i]!r} lies outside {self.name}{gap}{more}; {fix}"
        )

    def require_near(
        self, e: np.ndarray, n: np.ndarray, what: str, *, within_m: float, fix: str
    ) -> None:
        """Stop with one line when none of an input's points lies in or near the study.

        For inputs that cover a study only in part (a network of the town centre, a regional
        timetable, a register of one district) but must cover *some* of it: a GTFS feed of
        another country, a network or a register of another municipality.

        Parameters
        ----------
        e, n : numpy.ndarray
            The input's points (m, EPSG:3006): stops, network nodes, register addresses.
        what : str
            What a point is, for the message: ``"the feed's nearest stop"``.
        within_m : float
            How far outside the study a point may lie and still count (m).
        fix : str
            What to do instead (or how to override), ending the message.
        """
        e = np.asarray(e, dtype="float64")
        n = np.asarray(n, dtype="float64")
        ok = np.isfinite(e) & np.isfinite(n)
        e, n = e[ok], n[ok]
        x0, y0, x1, y1 = self.areas.total_bounds
        near_box = (e >= x0 - within_m) & (e <= x1 + within_m)
        near_box &= (n >= y0 - within_m) & (n <= y1 + within_m)
        if near_box.any():
            be, bn = e[near_box], n[near_box]
            if self.in_study(be, bn).any():
                return
            step = max(1, be.size // 20_000)
            _, d = self.area_index.nearest(be[::step], bn[::step])
            if d.size and float(np.nanmin(d)) <= within_m:
                return
        if not e.size:
            raise StudyMismatchError(f"{what}: none has coordinates; {fix}")
        step = max(1, e.size // 2_000)
        _, d = self.area_index.nearest(e[::step], n[::step])
        raise StudyMismatchError(
            f"{what} is {float(np.nanmin(d)) / 1000:,.0f} km from {self.name}; {fix}"
        )

    @property
    def distance_basis(self) -> str | None:
        """Distance that summaries measure: ``own_base``, ``nearest_base`` or ``None``."""
        if len(self.bases) == 0:
            return None
        return "own_base" if self.one_base_per_area else "nearest_base"

    def _repr_html_(self) -> str:
        import html

        layers = [
            name
            for name in ("regso", "settlement", "demand", "localities")
            if getattr(self, name) is not None
        ]
        areas = pd.DataFrame({"area": self.areas["area"].astype(str)})
        areas["area_km2"] = (self.areas.geometry.area.to_numpy() / 1e6).round(1)
        own = self.own_base_of_area
        names = self.bases["base_name"].astype(str).to_numpy()
        areas["own base"] = [names[i] if i >= 0 else "" for i in own]
        if "location_status" in self.bases:
            status = self.bases["location_status"].astype(str).to_numpy()
            areas["base location"] = [status[i] if i >= 0 else "" for i in own]
        rows = areas.head(30).to_html(index=False)
        more = "" if len(areas) <= 30 else f"<p>… {len(areas) - 30:,} more areas</p>"
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        basis = (self.distance_basis or "no bases").replace("_", " ")
        return (
            f"<div><b>Study</b> {html.escape(self.name)}: {len(self.areas):,} areas, "
            f"{len(self.bases):,} bases (distances to the {html.escape(basis)}); reference "
            f"layers: {html.escape(', '.join(layers) or 'none')}; EPSG:3006"
            f"{'<ul>' + notes + '</ul>' if notes else ''}{rows}{more}</div>"
        )

    def with_areas(
        self,
        areas: gpd.GeoDataFrame,
        bases: gpd.GeoDataFrame | None = None,
        *,
        one_base_per_area: bool = True,
    ) -> Study:
        """A copy using other catchment areas (and bases); reference layers stay.

        With ``one_base_per_area=False`` the bases may be any number of points (or none);
        see :attr:`one_base_per_area`.
        """
        new_bases = (bases if bases is not None else _no_bases()).copy()
        _link_bases(areas, new_bases, strict=one_base_per_area)
        return replace(self, areas=areas, bases=new_bases, one_base_per_area=one_base_per_area)


def _no_bases() -> gpd.GeoDataFrame:
    """An empty bases layer (assignment only)."""
    return gpd.GeoDataFrame(
        {"base_id": pd.Series(dtype=object), "base_name": pd.Series(dtype=object),
         "area": pd.Series(dtype=object)},
        geometry=gpd.GeoSeries([], crs=SWEREF99TM), crs=SWEREF99TM,
    )  # fmt: skip


def _to_3006(gdf: gpd.GeoDataFrame, argument: str) -> gpd.GeoDataFrame:
    if defined_crs(gdf.crs) is None:
        what = f"only {gdf.crs.name!r}" if gdf.crs is not None else "no CRS"
        raise InputFileError(
            f"{argument}: the layer declares {what}; set one in the file (e.g. EPSG:3006)"
        )
    out = gdf if gdf.crs.to_epsg() == 3006 else gdf.to_crs(SWEREF99TM)
    b = out.total_bounds
    if not in_sweden_3006(np.array([b[0], b[2]]), np.array([b[1], b[3]])).all():
        raise InputFileError(
            f"{argument}: the layer's extent {np.round(b).tolist()} (EPSG:3006) is not in Sweden; "
            "check the file's CRS"
        )
    return out


def check_topology(
    areas: gpd.GeoDataFrame,
    *,
    name_col: str = "area",
    allow_gaps: bool = False,
    tolerance_m2: float = TOPOLOGY_TOLERANCE_M2,
) -> list[str]:
    """Check that area polygons are valid, do not overlap and leave no gaps.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Polygons in EPSG:3006.
    name_col : str
        Column naming each area (used in messages).
    allow_gaps : bool
        Report holes in the union of the areas as warnings instead of errors.
    tolerance_m2 : float
        Overlaps and gaps smaller than this many square metres are ignored.

    Returns
    -------
    list of str
        Warnings (gaps when ``allow_gaps``).

    Raises
    ------
    AreaTopologyError
        Invalid or empty geometries, overlaps, or gaps (unless allowed), naming the rows.
    """
    geoms = areas.geometry.values
    names = areas[name_col].astype(str).to_numpy()
    bad = np.flatnonzero(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if bad.size:
        raise AreaTopologyError(
            f"areas: rows {(bad + 1).tolist()[:10]} have no geometry; every area needs a polygon"
        )
    kinds = shapely.get_type_id(geoms)
    bad = np.flatnonzero(~np.isin(kinds, [3, 6]))
    if bad.size:
        raise AreaTopologyError(
            f"areas: rows {(bad + 1).tolist()[:10]} are not polygons "
            f"({sorted(set(areas.geometry.iloc[bad].geom_type))}); give a polygon layer"
        )
    bad = np.flatnonzero(~shapely.is_valid(geoms))
    if bad.size:
        why = [shapely.is_valid_reason(geoms[i]) for i in bad[:5]]
        raise AreaTopologyError(
            f"areas: rows {(bad + 1).tolist()[:10]} ({', '.join(names[bad[:5]])}) have invalid "
            f"polygons ({'; '.join(why)}); repair them (e.g. QGIS 'Fix geometries')"
        )
    dup = pd.Series(names).duplicated(keep=False).to_numpy()
    if dup.any():
        raise AreaTopologyError(
            f"areas: area names must be unique; {sorted(set(names[dup]))} occur more than once "
            f"(rows {(np.flatnonzero(dup) + 1).tolist()[:10]}); dissolve them first"
        )
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    problems = []
    for i, j in zip(left[keep], right[keep], strict=True):
        a = shapely.area(shapely.intersection(geoms[i], geoms[j]))
        if a > tolerance_m2:
            problems.append(
                f"rows {i + 1} ({names[i]}) and {j + 1} ({names[j]}) overlap by {a:,.0f} m²"
            )
    if problems:
        raise AreaTopologyError(
            "areas: polygons overlap, so an address could belong to two areas (a generalised "
            "layer? use exact polygons, e.g. RegSO with --dissolve-by kommunkod): "
            + "; ".join(problems[:10])
            + ("" if len(problems) <= 10 else f"; and {len(problems) - 10} more pairs")
        )
    union = shapely.union_all(geoms)
    holes = [
        shapely.Polygon(r)
        for part in shapely.get_parts(union)
        for r in shapely.get_interior_ring(part, range(shapely.get_num_interior_rings(part)))
    ]
    holes = [h for h in holes if h.area > tolerance_m2]
    warnings = []
    if holes:
        where = "; ".join(
            f"{h.area:,.0f} m² near E {h.representative_point().x:,.0f} N "
            f"{h.representative_point().y:,.0f}"
            for h in holes[:5]
        )
        msg = (
            f"areas: {len(holes)} gap(s) inside the areas' union, "
            f"where addresses match no area: {where}"
        )
        if not allow_gaps:
            raise AreaTopologyError(msg + "; close them, or pass --allow-gaps if they are intended")
        warnings.append(msg)
    return warnings


def read_areas(
    path: str | Path | Database,
    *,
    name_col: str | None = None,
    label_col: str | None = None,
    dissolve_by: str | None = None,
    allow_gaps: bool = False,
) -> gpd.GeoDataFrame:
    """Read a user's catchment-area polygons (any vector format) into EPSG:3006.

    The area name (a unique key) comes from ``name_col`` or the first of ``area``, ``omrade``,
    ``område``, ``name``, ``namn``; ``label_col`` adds a display label (column
    ``area_label``), e.g. ``regsonamn`` for areas keyed by ``regsokod``. ``dissolve_by``
    merges the polygons that share a value of that column into one area named by it — e.g.
    ``kommunkod`` turns the RegSO of Sweden into its 290 municipalities, ``lanskod`` into its
    counties — without the overlaps of a separately generalised layer. Topology is checked
    with :func:`check_topology`.
    """
    gdf = vector.read_vector(path, argument="areas")
    if len(gdf) == 0:
        raise InputFileError(f"areas: {str(path)!r} has no features")
    gdf = _to_3006(gdf, "areas")
    if dissolve_by is not None:
        if dissolve_by not in gdf.columns:
            raise MissingColumnError(
                f"dissolve_by: no column {dissolve_by!r} in {str(path)!r}; columns are "
                f"{[c for c in gdf.columns if c != gdf.geometry.name]}"
            )
        keep = [c for c in (dissolve_by, label_col) if c is not None and c in gdf.columns]
        gdf = gdf[[*dict.fromkeys(keep), gdf.geometry.name]].dissolve(
            by=dissolve_by, aggfunc="first"
        )
        gdf = gdf.reset_index()
        name_col = dissolve_by
    col = name_col or tables.find_column(
        gdf, ("area", "omrade", "område", "catchment", "name", "namn")
    )
    if col is None or col not in gdf.columns:
        raise MissingColumnError(
            f"areas: no area-name column {name_col or ''} in {str(path)!r}; columns are "
            f"{[c for c in gdf.columns if c != gdf.geometry.name]}; pass --area-col"
        )
    data = {"area": gdf[col].astype(str).to_numpy()}
    if label_col is not None:
        if label_col not in gdf.columns:
            raise MissingColumnError(
                f"area_label_col: no column {label_col!r} in {str(path)!r}; columns are "
                f"{[c for c in gdf.columns if c != gdf.geometry.name]}"
            )
        data["area_label"] = gdf[label_col].astype(str).to_numpy()
    out = gpd.GeoDataFrame(data, geometry=gdf.geometry.values, crs=SWEREF99TM)
    for w in check_topology(out, allow_gaps=allow_gaps):
        logger.warning(w)
    return out


def read_bases(
    path: str | Path | Database,
    *,
    name_col: str | None = None,
    area_col: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read base locations (points in any vector format, or a table with coordinates).

    Columns: a name (``name_col`` or ``base_name``/``name``/``namn``) and optionally the
    area each base serves (``area_col`` or ``area``/``catchment``/``omrade``); without it
    each base serves the area it lies in. A ``capacity`` (``kapacitet``) column gives the
    most weight each base (or candidate site) may serve in ``geo site``; an empty cell takes
    ``--capacity``.
    """
    table = read_addresses(path, crs=crs)
    bad = np.flatnonzero(table.reason != "")
    if bad.size:
        raise InputFileError(
            f"bases: rows {(bad + 1).tolist()[:10]} have unusable coordinates: "
            f"{table.reason[bad[0]]}"
        )
    e, n = to_sweref(table.x, table.y, table.crs)
    outside = np.flatnonzero(~in_sweden_3006(e, n))
    if outside.size:
        raise InputFileError(
            f"bases: rows {(outside + 1).tolist()[:10]} are not in Sweden after conversion from "
            f"{table.crs.to_string()}; check the coordinates and --crs"
        )
    frame = table.frame
    col = name_col or tables.find_column(frame, ("base_name", "name", "namn", "base", "bas"))
    if col is None or col not in frame.columns:
        raise MissingColumnError(
            f"bases: no name column in {str(path)!r}; columns are {list(frame.columns)}; "
            "pass --base-name-col"
        )
    names = frame[col].astype(str).to_numpy()
    acol = area_col or tables.find_column(frame, ("area", "catchment", "omrade", "område"))
    if area_col and area_col not in frame.columns:
        raise MissingColumnError(
            f"bases: column {area_col!r} not found; columns are {list(frame.columns)}"
        )
    data = {
        "base_id": _unique_ids(names),
        "base_name": names,
        "area": frame[acol].astype(str).to_numpy() if acol else np.full(len(frame), None),
    }
    ccol = tables.find_column(frame, ("capacity", "kapacitet"))
    if ccol is not None:
        data["capacity"] = _capacities(frame[ccol], path)
    return gpd.GeoDataFrame(data, geometry=shapely.points(e, n), crs=SWEREF99TM)


def _capacities(values: pd.Series, path: object) -> np.ndarray:
    """A ``capacity`` column: positive numbers (Swedish decimal commas and spaces allowed);
    an empty cell means "the --capacity given for all" (NaN)."""
    text = values.astype("string").str.strip().str.replace("\u00a0", "").str.replace(" ", "")
    text = text.str.replace(",", ".", regex=False)
    empty = text.isna() | (text == "")
    num = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype="float64")
    bad = np.flatnonzero(~empty.to_numpy() & ~(num > 0))
    if bad.size:
        raise InputFileError(
            f"bases: capacity in rows {(bad + 1).tolist()[:10]} of {str(path)!r} is not a "
            f"positive number (e.g. {values.iloc[int(bad[0])]!r}); leave it empty to use "
            "--capacity"
        )
    return num


def _within(areas: gpd.GeoDataFrame, reference: gpd.GeoDataFrame, margin_m: float = 1000.0) -> bool:
    """Whether the areas' extent lies inside the reference layer's extent (plus a margin)."""
    a = areas.total_bounds
    r = reference.total_bounds
    return bool(
        a[0] >= r[0] - margin_m
        and a[1] >= r[1] - margin_m
        and a[2] <= r[2] + margin_m
        and a[3] <= r[3] + margin_m
    )


def _unique_ids(names: np.ndarray) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        s = files.slug(nm)
        seen[s] = seen.get(s, 0) + 1
        out.append(s if seen[s] == 1 else f"{s}_{seen[s]}")
    return out


def _link_bases(areas: gpd.GeoDataFrame, bases: gpd.GeoDataFrame, *, strict: bool = True) -> None:
    """Fill ``bases['area']`` where missing (area the base lies in) and check one base per area.

    With ``strict=False`` bases outside every area keep no area and any count per area is fine.
    """
    names = areas["area"].astype(str).tolist()
    bases["area"] = bases["area"].astype(object)
    missing = bases["area"].isna().to_numpy().copy()
    if missing.any():
        idx = PolygonIndex(areas.geometry.values).locate(
            bases.geometry.x.to_numpy()[missing], bases.geometry.y.to_numpy()[missing]
        )
        if not strict:
            bases.loc[missing, "area"] = [names[i] if i >= 0 else None for i in idx]
            missing[:] = False
        elif (idx == OUTSIDE).any():
            lost = bases.loc[missing, "base_name"].to_numpy()[idx == OUTSIDE]
            raise GeoValueError(
                f"bases: {list(lost)} lie outside every area and no 'area' column says which "
                "area they serve; add an 'area' column (or, for regional and national runs, "
                "--bases-any: distances to the nearest base)"
            )
        if missing.any():
            bases.loc[missing, "area"] = [names[i] for i in idx]
    unknown = sorted(set(bases["area"].dropna().astype(str)) - set(names))
    if unknown:
        raise GeoValueError(
            f"bases: area names {unknown[:10]} are not in the areas layer ({names[:10]}"
            f"{' ...' if len(names) > 10 else ''})"
        )
    if not strict:
        return
    counts = bases["area"].astype(str).value_counts()
    no_base = [a for a in names if a not in counts.index]
    many = counts[counts > 1]
    if no_base or len(many):
        raise GeoValueError(
            "bases: every area needs exactly one base; "
            + (f"no base for {no_base}" if no_base else "")
            + ("; " if no_base and len(many) else "")
            + (f"several bases for {many.to_dict()}" if len(many) else "")
            + " (or, for regional and national runs, --bases-any)"
        )


def read_study_meta(folder: str | Path) -> dict[str, object]:
    """The ``study.json`` of a study folder (name, municipality, town, sources), or ``{}``."""
    path = Path(folder) / "study.json"
    if not path.exists():
        return {}
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"study: {str(path)!r} is not readable JSON ({exc})") from exc
    return meta if isinstance(meta, dict) else {}


def load_study(
    *,
    data: str | Path | None = None,
    areas: str | Path | Database | None = None,
    area_col: str | None = None,
    bases: str | Path | Database | None = None,
    base_name_col: str | None = None,
    base_area_col: str | None = None,
    bases_crs: str | None = None,
    allow_gaps: bool = False,
    area_label_col: str | None = None,
    area_dissolve_by: str | None = None,
    one_base_per_area: bool = True,
) -> Study:
    """Load the embedded Linköping study, optionally with the user's own areas and bases.

    Parameters
    ----------
    data : path, optional
        A study folder written by ``geo study build`` (:func:`geo.study.build.build_study`);
        default: the embedded Linköping study (``data/boundaries``).
    areas : path, optional
        The user's catchment polygons; replaces the four default areas.
    area_col : str, optional
        Area-name column of ``areas``.
    bases : path, optional
        The user's base locations; replaces the four default bases.
    base_name_col, base_area_col, bases_crs : str, optional
        Name column, served-area column and CRS (for tables) of ``bases``.
    allow_gaps : bool
        Accept user areas with holes between them.
    area_label_col : str, optional
        Display-label column of ``areas`` (output column ``area_label``).
    area_dissolve_by : str, optional
        Merge the ``areas`` polygons by this column (see :func:`read_areas`).
    one_base_per_area : bool
        ``False`` for regional and national runs: ``bases`` may be any number of points or
        none at all, and distances are summarised to the nearest base
        (see :attr:`Study.one_base_per_area`).

    Returns
    -------
    Study

    Notes
    -----
    When the user's areas reach beyond the embedded municipality, the Linköping reference
    layers (RegSO, settlement classes, population grid, localities) are left out: they would
    describe only a corner of the areas.
    """
    folder = Path(data) if data is not None else files.data_dir()
    areas, bases = as_source(areas), as_source(bases)  # a URL's text never shows its password
    needed = ("regso.gpkg", "catchments.gpkg", "bases.csv", "settlement.gpkg",
              "demand_grid_1km.gpkg", "localities.gpkg")  # fmt: skip
    absent = [f for f in needed if not (folder / f).is_file()]
    if absent:
        raise InputFileError(
            f"study: {str(folder)!r} is not a study folder (no {', '.join(absent)}); build one "
            "with 'geo study build --kommun CODE -o DIR'"
        )
    regso = gpd.read_file(folder / "regso.gpkg")
    settlement = gpd.read_file(folder / "settlement.gpkg")
    demand = gpd.read_file(folder / "demand_grid_1km.gpkg")
    localities = gpd.read_file(folder / "localities.gpkg")
    catch = gpd.read_file(folder / "catchments.gpkg").rename(columns={"catchment": "area"})
    btab = pd.read_csv(folder / "bases.csv")
    default_bases = gpd.GeoDataFrame(
        {
            "base_id": btab["base_id"],
            "base_name": btab["base_name"],
            "area": btab["catchment"],
            "location_status": btab["location_status"],
        },
        geometry=shapely.points(btab["e"].to_numpy(), btab["n"].to_numpy()),
        crs=SWEREF99TM,
    )
    meta = read_study_meta(folder)
    study = Study(
        areas=catch,
        bases=default_bases,
        regso=regso,
        settlement=settlement,
        demand=demand,
        localities=localities,
        name=str(meta.get("name", Study.name)),
        town=str(meta.get("town", Study.town)),
        kommun=str(meta.get("kommun", "")),
    )
    notes: list[str] = []
    if REGSO_STATISTICS in regso:
        estimated = regso.loc[~regso[REGSO_STATISTICS].astype(str).str.startswith("SCB")]
        if len(estimated):
            notes.append(
                f"{len(estimated)} RegSO have estimated statistics (no DeSO in SCB's key): "
                + ", ".join(estimated["regsonamn"].astype(str))
            )
    if areas is not None or bases is not None or not one_base_per_area:
        new_areas = (
            read_areas(
                areas,
                name_col=area_col,
                label_col=area_label_col,
                dissolve_by=area_dissolve_by,
                allow_gaps=allow_gaps,
            )
            if areas
            else catch
        )
        new_bases: gpd.GeoDataFrame | None
        if bases is not None:
            new_bases = read_bases(
                bases, name_col=base_name_col, area_col=base_area_col, crs=bases_crs
            )
        elif areas is not None and one_base_per_area:
            raise GeoValueError(
                "bases: custom areas need their own bases; pass --bases with one base per area "
                "(or --bases-any for areas without bases)"
            )
        elif areas is not None:
            new_bases = None
        else:
            new_bases = default_bases
        study = study.with_areas(new_areas, new_bases, one_base_per_area=one_base_per_area)
        notes.append("areas and bases from the user's files")
        if areas is not None and not _within(new_areas, regso):
            study = replace(study, regso=None, settlement=None, demand=None, localities=None)
            notes.append(
                f"the areas reach beyond {study.name}: its RegSO, settlement and population "
                "layers are not used"
            )
    return replace(study, notes=tuple(notes))
