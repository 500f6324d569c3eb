"""Building blocks for drawing areas: RegSO, grid cells or polygons, and who touches whom.

A *unit* is the smallest piece an area is made of. Each carries a workload (the thing to
balance: people, children 0–17, the need weight, or any column of the user's file), its
people (for travel), a centre (the population-weighted one where known), and today's area.
Two units are *adjacent* when they share an edge of at least :data:`MIN_SHARED_M` metres —
not a corner. A unit cut off from the rest (an island, a unit beyond water or the municipal
border) is joined to its nearest neighbour by an explicit link that every output reports:
never silently merged, never silently dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..errors import GeoValueError, MissingColumnError, StudyMismatchError
from ..io.vector import read_vector
from ..schema import (
    CELL_ID,
    CELL_POPULATION_IN_STUDY,
    REGSO_AREA,
    REGSO_CENTRE_E,
    REGSO_CENTRE_N,
    REGSO_CHILDREN,
    REGSO_CODE,
    REGSO_NAME,
    REGSO_POPULATION,
    REGSO_POPULATION_BEFORE,
)
from ..study import Study

__all__ = [
    "BALANCES",
    "MIN_SHARED_M",
    "DesignUnits",
    "adjacency",
    "design_units",
    "edges_with_links",
]

logger = logging.getLogger(__name__)

#: Workloads by name; any other name is a column of the units.
BALANCES = ("population", "children", "need")
#: Shortest shared edge (m) that makes two units neighbours (a corner is not an edge).
MIN_SHARED_M = 1.0
#: A units file may leave out at most this share of the study's people (SCB grid).
UNCOVERED_SHARE = 0.01


@dataclass
class DesignUnits:
    """The units an area design is drawn from (EPSG:3006).

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        One row per unit: ``unit_id``, ``unit_name``, ``workload``, ``people``,
        ``children``, ``need``, ``today`` (today's area, ``""`` where none), geometry.
    e, n : numpy.ndarray
        Each unit's centre (m).
    edges : numpy.ndarray
        (E, 2) pairs ``i < j`` of adjacent units.
    links : list of str
        The explicit links made to join units cut off from the rest (for every output).
    balance : str
        What ``workload`` is.
    kind : str
        ``regso``, ``grid`` or the user's file name.
    """

    frame: gpd.GeoDataFrame
    e: np.ndarray
    n: np.ndarray
    edges: np.ndarray
    balance: str
    kind: str
    links: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def workload(self) -> np.ndarray:
        return self.frame["workload"].to_numpy(dtype="float64")

    @property
    def people(self) -> np.ndarray:
        return self.frame["people"].to_numpy(dtype="float64")

    def neighbours(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in range(len(self))]
        for i, j in self.edges.tolist():
            out[i].append(j)
            out[j].append(i)
        return out


def adjacency(geoms: np.ndarray, *, min_shared_m: float = MIN_SHARED_M) -> np.ndarray:
    """Pairs ``i < j`` of polygons that share an edge of at least ``min_shared_m`` metres."""
    geoms = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if not left.size:
        return np.empty((0, 2), dtype=np.int64)
    shared = shapely.length(
        shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    )
    ok = shared >= min_shared_m
    return np.column_stack([left[ok], right[ok]]).astype(np.int64)


def edges_with_links(geoms: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Adjacent pairs (:func:`adjacency`) plus the links that join cut-off units, and a
    sentence per link."""
    return _join_cut_off(
        adjacency(np.asarray(geoms, dtype=object)), np.asarray(geoms, dtype=object), names
    )


def _join_cut_off(
    edges: np.ndarray, geoms: np.ndarray, names: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Link each group of units cut off from the largest one to its nearest unit there."""
    size = len(geoms)
    links: list[str] = []
    while True:
        graph = coo_matrix(
            (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(size, size)
        ) if len(edges) else coo_matrix((size, size))  # fmt: skip
        count, label = connected_components(graph, directed=False)
        if count <= 1:
            return edges, links
        biggest = np.bincount(label).argmax()
        main = np.flatnonzero(label == biggest)
        other = next(c for c in range(count) if c != biggest)
        part = np.flatnonzero(label == other)
        tree = shapely.STRtree(geoms[main])
        best = (np.inf, -1, -1)
        for i in part.tolist():
            j = int(tree.nearest(geoms[i]))
            d = float(shapely.distance(geoms[i], geoms[main[j]]))
            if d < best[0]:
                best = (d, i, int(main[j]))
        d, i, j = best
        edges = np.vstack([edges, [[min(i, j), max(i, j)]]]).astype(np.int64)
        links.append(
            f"{names[i]!r} shares no edge with the rest ({len(part)} unit(s) cut off, e.g. by "
            f"water or the municipal border): linked to {names[j]!r}, {d / 1000:,.1f} km away"
        )


def _need(study: Study, pop: np.ndarray, regsokod: pd.Series | np.ndarray) -> np.ndarray:
    """People × (1 + need): the need weight (:attr:`geo.study.Study.need_by_regso`, the one
    definition); NaN when the study has no need statistics (balancing need then stops)."""
    try:
        return pop * (1.0 + study.need_of(regsokod))
    except GeoValueError:
        return np.full(len(pop), np.nan)


def design_units(
    study: Study,
    units: str | Path = "regso",
    *,
    balance: str = "population",
    unit_col: str | None = None,
) -> DesignUnits:
    """The units of a design: the study's RegSO, its 1 km grid, or the user's polygons.

    Parameters
    ----------
    study : Study
    units : {"regso", "grid"} or path
        A path is a polygon file (DeSO, school districts …) with a workload column.
    balance : str
        ``population``, ``children`` (0–17), ``need`` (people × (1 + relative low-income
        share)) or the name of a column of the units (e.g. a team's own caseload).
    unit_col : str, optional
        The units' name column (a file's; default its first text column).
    """
    if study.regso is None:
        raise GeoValueError("units: the study has no RegSO layer; use a study folder")
    regso = study.regso
    if str(units) == "regso":
        frame = gpd.GeoDataFrame(
            {
                "unit_id": regso[REGSO_CODE].astype(str),
                "unit_name": regso[REGSO_NAME].astype(str),
                "people": regso[REGSO_POPULATION].to_numpy(dtype="float64"),
                "today": regso[REGSO_AREA].astype(str),
            },
            geometry=regso.geometry.values,
            crs=regso.crs,
        )
        frame["children"] = np.nan_to_num(regso[REGSO_CHILDREN].to_numpy(dtype="float64"))
        frame["need"] = _need(study, frame["people"].to_numpy(), regso[REGSO_CODE])
        e = regso[REGSO_CENTRE_E].to_numpy(dtype="float64")
        n = regso[REGSO_CENTRE_N].to_numpy(dtype="float64")
        source = regso
        kind = "regso"
    elif str(units) == "grid":
        frame, e, n = _grid_units(study)
        source = frame
        kind = "grid"
    else:
        frame, e, n = _file_units(study, Path(units), unit_col)
        source = frame
        kind = Path(units).name
    if balance in ("need", "children") and frame[balance].isna().any():
        raise GeoValueError(
            f"balance: the units have no {balance} figures ("
            + (
                "need = people × (1 + the RegSO's low-economic-standard share relative to the "
                "highest) needs the study's RegSO statistics"
                if balance == "need"
                else "children need the study's RegSO statistics"
            )
            + f"); give a column of your own with --balance COLUMN (columns: "
            f"{', '.join(map(str, [c for c in source.columns if c != 'geometry'][:12]))})"
        )
    if balance in BALANCES:
        frame["workload"] = frame["people" if balance == "population" else balance].to_numpy(
            dtype="float64"
        )
    else:
        if balance not in source.columns:
            raise MissingColumnError(
                f"balance: {balance!r} is neither {', '.join(BALANCES)} nor a column of the "
                f"units ({', '.join(map(str, list(source.columns)[:12]))})"
            )
        values = pd.to_numeric(pd.Series(source[balance]).reset_index(drop=True), errors="coerce")
        if values.isna().any() or (values < 0).any():
            bad = frame["unit_name"][values.isna() | (values < 0)].head(5).tolist()
            raise GeoValueError(
                f"balance: column {balance!r} must hold a number ≥ 0 for every unit; not for {bad}"
            )
        frame["workload"] = values.to_numpy(dtype="float64")
    if not np.isfinite(frame["workload"]).all() or frame["workload"].sum() <= 0:
        raise GeoValueError(f"balance: the units carry no {balance}")
    edges, links = edges_with_links(frame.geometry.values, frame["unit_name"].tolist())
    for link in links:
        logger.info("note: %s", link)
    return DesignUnits(frame.reset_index(drop=True), e, n, edges, balance, kind, links)


def _grid_units(study: Study) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """The study's 1 km cells, cut to the municipality, with RegSO rates for children/need."""
    cells = study.demand
    if cells is None or study.regso is None:
        raise GeoValueError("units: the study has no population grid")
    muni = shapely.union_all(study.regso.geometry.values)
    geoms = shapely.intersection(cells.geometry.values, muni)
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 1.0)
    cells = cells[keep].reset_index(drop=True)
    geoms = geoms[keep]
    pts = shapely.point_on_surface(geoms)
    e, n = shapely.get_x(pts), shapely.get_y(pts)
    people = cells[CELL_POPULATION_IN_STUDY].to_numpy(dtype="float64")
    regso = study.regso.set_index(REGSO_CODE)
    code = cells["regsokod"].astype(str) if "regsokod" in cells else pd.Series([""] * len(cells))
    share = (regso[REGSO_CHILDREN] / regso[REGSO_POPULATION_BEFORE]).reindex(code).to_numpy()
    area = study.area_index.locate(e, n)
    names = np.array(study.names["area"] + [""], dtype=object)
    frame = gpd.GeoDataFrame(
        {
            "unit_id": cells[CELL_ID].astype(str),
            "unit_name": "ruta " + cells[CELL_ID].astype(str),
            "people": people,
            "children": np.nan_to_num(people * share),
            "need": _need(study, people, code),
            "today": names[area],
        },
        geometry=geoms,
        crs=study.areas.crs,
    )
    return frame, e, n


def _file_units(
    study: Study, path: Path, unit_col: str | None
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """The user's polygons, people from the study's grid (cells split by area)."""
    layer = read_vector(path)
    if layer.crs is None:
        raise GeoValueError(f"units: {path.name} declares no CRS; set one (e.g. EPSG:3006)")
    layer = layer.to_crs(study.areas.crs).reset_index(drop=True)
    kinds = set(layer.geom_type)
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise GeoValueError(f"units: {path.name} holds {sorted(kinds)}; give polygons")
    name_col = unit_col or next(
        (
            c
            for c in layer.columns
            if c != "geometry"
            and (layer[c].dtype == object or pd.api.types.is_string_dtype(layer[c]))
        ),
        None,
    )
    if name_col is None or name_col not in layer.columns:
        raise MissingColumnError(f"units: no name column {unit_col or ''} in {path.name}")
    pts = layer.geometry.representative_point()
    inside = study.in_study(pts.x.to_numpy(), pts.y.to_numpy())
    if not inside.any():
        raise StudyMismatchError(f"units: none of {path.name}'s polygons lies in {study.name}")
    if not inside.all():
        outside = layer.loc[~inside, name_col].astype(str).head(5).tolist()
        raise StudyMismatchError(
            f"units: {int((~inside).sum())} polygons of {path.name} lie outside {study.name} "
            f"(e.g. {outside}); cut the file to the municipality"
        )
    people = np.zeros(len(layer))
    need = np.full(len(layer), np.nan)
    if study.demand is not None:
        cells = study.demand
        tree = shapely.STRtree(cells.geometry.values)
        pop = cells[CELL_POPULATION_IN_STUDY].to_numpy(dtype="float64")
        code = cells["regsokod"] if "regsokod" in cells else np.full(len(cells), "")
        cell_need = _need(study, pop, code)  # each cell's people × (1 + its RegSO's need)
        cell_area = shapely.area(cells.geometry.values)
        need[:] = 0.0
        for i, geom in enumerate(layer.geometry.values):
            hit = tree.query(geom, predicate="intersects")
            if hit.size:
                piece = shapely.area(shapely.intersection(cells.geometry.values[hit], geom))
                people[i] = float((pop[hit] * piece / cell_area[hit]).sum())
                need[i] = float((cell_need[hit] * piece / cell_area[hit]).sum())
        total = float(pop.sum())
        if total > 0 and people.sum() < (1 - UNCOVERED_SHARE) * total:
            raise StudyMismatchError(
                f"units: {path.name} covers {people.sum() / total:.0%} of {study.name}'s people; "
                "the units must cover the whole study area (add the missing parts)"
            )
    area = study.area_index.locate(pts.x.to_numpy(), pts.y.to_numpy())
    names = np.array(study.names["area"] + [""], dtype=object)
    frame = gpd.GeoDataFrame(
        layer.drop(columns="geometry").assign(
            unit_id=layer[name_col].astype(str), unit_name=layer[name_col].astype(str),
            people=people, children=np.nan, need=need, today=names[area],
        ),
        geometry=layer.geometry.values, crs=layer.crs,
    )  # fmt: skip
    return frame, pts.x.to_numpy(), pts.y.to_numpy()
