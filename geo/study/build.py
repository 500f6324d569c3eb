"""Build a study folder for any Swedish municipality from SCB open data.

A study folder holds what :func:`geo.study.load_study` reads: the municipality's RegSO with
population and need indicators, the catchment areas (unions of whole RegSO), one base per
area, settlement classes (the main town, smaller localities, countryside), the SCB 1 km
population grid and the localities — all in EPSG:3006 — and ``study.json`` naming the
municipality and the sources.

Sources come in two layouts, both read by this one builder:

* **national** (``../shared/data/sweden``): RegSO polygons, DeSO statistics with SCB's DeSO →
  RegSO key, the 1 km grid and the localities of all Sweden, filtered to one municipality
  (:func:`national_sources`);
* **municipal** (``../shared/data/linkoping``): the same layers cut to one municipality, RegSO
  statistics already aggregated, and optionally the police's "utsatt område" polygons
  (:func:`municipal_sources`).

Bases are either given (:func:`read_base_specs`: a CSV with a name and an area per base and
either coordinates or the RegSO whose urban population centre is the assumed location), or
chosen (``n_areas``): the p-median of the population over the RegSO population centres, i.e.
the N most central populated places. Each RegSO then goes to the base nearest its
population-weighted centre, which gives the catchment areas. The build is deterministic:
the embedded Linköping study (``data/boundaries``) is this builder's output for kommun 0580.

This is the only module that names the columns of SCB's source files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import SWEREF99TM, from_sweref, to_sweref
from ..errors import GeoValueError, InputFileError, MissingColumnError
from ..io import files, tables, vector
from ..numbers import parse_number
from .sources import REGSO_STATS, STATISTICS_SCB, StudySources

__all__ = ["build_study", "choose_bases", "read_base_specs"]

logger = logging.getLogger(__name__)

#: Minimum inhabitants in a 1 km cell for it to count as urban (SCB's tätort rule uses at least
#: 200 inhabitants per built-up area).
URBAN_CELL_MIN_POP = 200
#: Morphological closing (m) applied to the urban cells so small unpopulated holes (parks,
#: industrial blocks) inside the town stay town.
URBAN_CLOSING_M = 500.0
#: Localities with at least this many inhabitants mark their RegSO as a locality area, not
#: part of the main town.
LOCALITY_REGSO_MIN_POP = 1000
#: A 1 km demand cell takes the class of the town or a locality when that class covers at
#: least this share of the cell; otherwise it is countryside.
URBAN_CELL_MIN_SHARE = 0.10
#: Endings of RegSO names that SCB gives to rural remainders ("Linköpings omland").
RURAL_REGSO_ENDINGS = ("omland", "landsbygd", "glesbygd")


def _weighted_centre(
    cells: gpd.GeoDataFrame, polygon: shapely.Geometry, *, min_pop: int = 0
) -> tuple[float, float]:
    """Population-weighted centre (E, N) of the parts of grid cells inside ``polygon``.

    Each cell's population is split by the share of the cell's area inside the polygon (SCB
    does not publish where in the cell people live). A centre that falls outside the polygon
    (possible for a concave shape) is moved to the nearest point on it.
    """
    sel = cells[(cells["pop_2024"] >= min_pop) & cells.geometry.intersects(polygon)]
    pieces = sel.geometry.intersection(polygon)
    share = pieces.area / sel.geometry.area
    weight = sel["pop_2024"].to_numpy() * share.to_numpy()
    if weight.sum() <= 0:
        pt = polygon.point_on_surface()
        return float(pt.x), float(pt.y)
    cent = pieces.centroid
    e = float(np.average(cent.x, weights=weight))
    n = float(np.average(cent.y, weights=weight))
    pt = shapely.Point(e, n)
    if not polygon.covers(pt):
        near = shapely.shortest_line(polygon, pt).coords[0]
        e, n = float(near[0]), float(near[1])
    return e, n


def _locality_discs(
    localities: gpd.GeoDataFrame, municipality: shapely.Geometry, town: str
) -> gpd.GeoDataFrame:
    """Approximate each smaller tätort as a disc of its published area around its point.

    Overlapping discs are split by the perpendicular bisector (each piece goes to the nearer
    locality point), so the result has no overlaps.
    """
    small = localities[localities["name"] != town].reset_index(drop=True)
    radius = np.sqrt(small["area_ha"].to_numpy() * 1e4 / math.pi)
    discs = shapely.buffer(small.geometry.values, radius, quad_segs=16)
    if len(small) == 1:
        vor_geom = np.array([municipality.buffer(20_000)], dtype=object)
    elif len(small) == 0:
        vor_geom = np.empty(0, dtype=object)
    else:
        cells = shapely.voronoi_polygons(
            shapely.MultiPoint(list(small.geometry.values)), extend_to=municipality.buffer(20_000)
        )
        vor = gpd.GeoDataFrame(geometry=list(shapely.get_parts(cells)), crs=SWEREF99TM)
        owner = vor.sjoin(small[["geometry"]], predicate="contains").sort_index()["index_right"]
        vor_geom = np.empty(len(small), dtype=object)
        vor_geom[owner.to_numpy()] = vor.geometry.loc[owner.index].to_numpy()
    geoms = shapely.intersection(shapely.intersection(discs, vor_geom), municipality)
    return gpd.GeoDataFrame(
        {"name": small["name"], "pop_2020": small["pop_2020"], "radius_m": radius.round(1)},
        geometry=geoms,
        crs=SWEREF99TM,
    )


# ----------------------------------------------------------------------------- bases
#: Columns of a base specification (``--bases FILE`` of ``geo study build``).
BASE_SPEC_COLUMNS = ("area", "base_name", "regsonamn", "lat", "lon", "location_status",
                     "location_source")  # fmt: skip


def read_base_specs(path: str | Path) -> pd.DataFrame:
    """Base specifications: one row per base, each serving one catchment area.

    Columns: ``area`` (the area's name), ``base_name``, and either ``lat``/``lon`` (WGS 84)
    or ``regsonamn`` (the base is assumed at the population-weighted centre of that RegSO's
    urban cells); optional ``location_status`` (``confirmed``/``assumed``) and
    ``location_source``. Rows are kept in file order, which is the order of the areas.
    """
    table = tables.read_table(path)
    names = {"area": ("area", "omrade", "område", "catchment"),
             "base_name": ("base_name", "namn", "name"),
             **{c: (c,) for c in BASE_SPEC_COLUMNS[2:]}}  # fmt: skip
    lower = {k: col for k, v in names.items() if (col := tables.find_column(table, v)) is not None}
    missing = [c for c in ("area", "base_name") if c not in lower]
    if missing:
        raise MissingColumnError(
            f"bases: {str(path)!r} needs columns area and base_name (and lat/lon or regsonamn); "
            f"columns are {list(table.columns)}"
        )
    spec = pd.DataFrame({c: table[lower[c]] if c in lower else "" for c in BASE_SPEC_COLUMNS})
    spec = spec.fillna("").astype(str).apply(lambda s: s.str.strip())
    where = (spec["lat"] != "") & (spec["lon"] != "") | (spec["regsonamn"] != "")
    if not where.all():
        rows = (np.flatnonzero(~where.to_numpy()) + 2).tolist()
        raise InputFileError(f"bases: rows {rows} give neither lat/lon nor regsonamn")
    if spec["area"].duplicated().any():
        raise InputFileError("bases: every base serves its own area; area names repeat")
    spec.loc[spec["location_status"] == "", "location_status"] = np.where(
        spec.loc[spec["location_status"] == "", "lat"] != "", "confirmed", "assumed"
    )
    return spec


def choose_bases(sources: StudySources, n_areas: int) -> pd.DataFrame:
    """Base specifications for ``n_areas`` areas at the most central populated places.

    The candidates are the RegSO population centres (urban cells); the chosen ones minimise
    the total person-distance of the municipality's 1 km grid (the p-median, solved exactly by
    :func:`geo.siting.solvers.pmedian`). Each base is named after its RegSO.
    """
    from ..siting.solvers import pmedian

    regso = sources.regso.sort_values("regsokod").reset_index(drop=True)
    if not 1 <= n_areas <= len(regso):
        raise GeoValueError(
            f"areas: between 1 and the municipality's {len(regso)} RegSO; received {n_areas}"
        )
    centres = np.array(
        [_weighted_centre(sources.grid, g, min_pop=URBAN_CELL_MIN_POP) for g in regso.geometry]
    )
    cells = sources.grid
    pop = cells["pop_2024"].to_numpy() * cells["share_in_kommun"].to_numpy()
    keep = pop > 0
    ce = cells.geometry.centroid.x.to_numpy()[keep]
    cn = cells.geometry.centroid.y.to_numpy()[keep]
    cost = np.hypot(ce[:, None] - centres[None, :, 0], cn[:, None] - centres[None, :, 1])
    sol = pmedian(cost, pop[keep], n_areas)
    chosen = sorted(int(i) for i in sol.selected)
    names = regso["regsonamn"].to_numpy()[chosen]
    return pd.DataFrame(
        {
            "area": names,
            "base_name": names,
            "regsonamn": names,
            "lat": "",
            "lon": "",
            "location_status": "assumed",
            "location_source": f"assumed: p-median of the population over the RegSO population "
            f"centres ({n_areas} bases, 1 km grid 2024)",
        }
    )


# ----------------------------------------------------------------------------- build
def _rural(names: pd.Series) -> pd.Series:
    return names.str.lower().str.endswith(RURAL_REGSO_ENDINGS)


def build_study(
    sources: StudySources,
    out: str | Path,
    *,
    bases: pd.DataFrame | None = None,
    n_areas: int | None = None,
) -> dict[str, Path]:
    """Build a study folder from ``sources``.

    Parameters
    ----------
    sources : StudySources
        From :func:`national_sources` or :func:`municipal_sources`.
    out : path
        Folder to write (created). :func:`geo.study.load_study` reads it (``--study DIR``).
    bases : pandas.DataFrame, optional
        Base specifications (:func:`read_base_specs`).
    n_areas : int, optional
        Without ``bases``: the number of areas (:func:`choose_bases`; default 4, or fewer for a
        municipality with fewer RegSO).

    Returns
    -------
    dict
        Layer name to written path.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    regso = sources.regso.sort_values("regsokod").reset_index(drop=True)
    if bases is None:
        bases = choose_bases(sources, n_areas if n_areas is not None else min(4, len(regso)))
    elif n_areas is not None:
        raise GeoValueError("areas: give either a number of areas or a bases file, not both")
    stats = sources.stats
    if "statistics" not in stats:
        stats = stats.assign(statistics=STATISTICS_SCB)
    missing = set(regso["regsokod"]) - set(stats["regsokod"])
    if missing:
        raise InputFileError(f"statistics: none for RegSO {sorted(missing)}")
    stats = stats[["regsokod", *REGSO_STATS, "statistics"]].rename(columns=REGSO_STATS)
    regso = regso.merge(stats, on="regsokod", how="left", validate="one_to_one")
    regso["area_km2"] = (regso.geometry.area / 1e6).round(4)
    regso["geometry"] = shapely.make_valid(regso.geometry.values)
    municipality = shapely.union_all(regso.geometry.values)
    grid = sources.grid.sort_values("rutid_scb").reset_index(drop=True)
    tat = sources.localities
    town = str(tat["name"].iloc[0]) if len(tat) else sources.name

    # --- need indicators: police "utsatt område" overlap per RegSO
    if sources.vulnerable is not None and len(sources.vulnerable):
        uso = sources.vulnerable.copy()
        uso["geometry"] = shapely.force_2d(uso.geometry.values)
        overlap = regso.geometry.intersection(shapely.union_all(uso.geometry.values)).area
        overlap = overlap / regso.geometry.area
        label = uso["KATEGORI"].iloc[0] + " (" + uso["NAMN"].iloc[0] + ")"
        regso["vulnerable_area_share"] = overlap.round(4)
        regso["vulnerable_area"] = np.where(overlap > 0.01, label, "")
    else:
        regso["vulnerable_area_share"] = 0.0
        regso["vulnerable_area"] = ""

    # --- population-weighted centres
    centres = [_weighted_centre(grid, g) for g in regso.geometry]
    regso["popw_e"] = [round(c[0], 1) for c in centres]
    regso["popw_n"] = [round(c[1], 1) for c in centres]

    table = _place_bases(bases, regso, grid)
    areas_order = table["catchment"].tolist()

    # --- default partition: each RegSO to the base nearest its population-weighted centre
    d = np.hypot(
        regso["popw_e"].to_numpy()[:, None] - table["e"].to_numpy()[None, :],
        regso["popw_n"].to_numpy()[:, None] - table["n"].to_numpy()[None, :],
    )
    nearest = d.argmin(axis=1)
    for k, own_regso in enumerate(table["regsonamn"]):  # a base's own RegSO is its area's
        nearest[(regso["regsonamn"] == own_regso).to_numpy()] = k
    regso["catchment"] = table["catchment"].to_numpy()[nearest]
    regso["centre_to_base_m"] = d[np.arange(len(regso)), nearest].round(1)
    if regso["regsonamn"][regso["regsonamn"].isin(table["regsonamn"])].duplicated().any():
        raise InputFileError("bases: two bases lie in the same RegSO; one base per RegSO")
    empty = sorted(set(areas_order) - set(regso["catchment"]))
    if empty:
        raise InputFileError(
            f"partition: no RegSO is nearest to the base of {empty}; move or drop those bases"
        )

    catch = regso.dissolve(
        by="catchment",
        aggfunc={"regsokod": "count", "pop_2023": "sum", "children_0_17_est_2022": "sum"},
    ).reset_index()
    catch = catch.rename(columns={"regsokod": "n_regso"})
    catch["geometry"] = shapely.make_valid(catch.geometry.values)
    catch["area_km2"] = (catch.geometry.area / 1e6).round(3)
    catch = catch.merge(table[["catchment", "base_id", "base_name"]], on="catchment")
    catch["catchment"] = pd.Categorical(catch["catchment"], categories=areas_order, ordered=True)
    catch = catch.sort_values("catchment").reset_index(drop=True)
    catch["catchment"] = catch["catchment"].astype(str)
    catch = gpd.GeoDataFrame(catch, geometry="geometry", crs=SWEREF99TM)

    # --- settlement classes
    in_regso = gpd.sjoin(tat, regso[["regsonamn", "geometry"]], predicate="within", how="left")
    tat = tat.assign(regsonamn=in_regso["regsonamn"].to_numpy())
    host = set(tat.loc[(tat["name"] != town) & (tat["pop_2020"] >= LOCALITY_REGSO_MIN_POP),
                       "regsonamn"])  # fmt: skip
    urban_cells_all = grid.loc[grid["pop_2024"] >= URBAN_CELL_MIN_POP]
    has_urban = regso.geometry.intersects(shapely.union_all(urban_cells_all.geometry.values))
    rural = _rural(regso["regsonamn"]) | ~has_urban.to_numpy()
    regso["regso_type"] = np.where(
        rural, "countryside", np.where(regso["regsonamn"].isin(host), "locality", "city")
    )
    city_regso = shapely.union_all(regso.loc[regso["regso_type"] == "city", "geometry"].values)
    urban_cells = shapely.union_all(urban_cells_all.geometry.values)
    urban = urban_cells.buffer(URBAN_CLOSING_M, join_style="mitre").buffer(
        -URBAN_CLOSING_M, join_style="mitre"
    )
    discs = _locality_discs(tat, municipality, town)
    disc_union = shapely.union_all(discs.geometry.values)
    city = shapely.difference(shapely.intersection(urban, city_regso), disc_union)
    countryside = shapely.difference(shapely.difference(municipality, city), disc_union)
    settle = gpd.GeoDataFrame(
        {
            "settlement_class": ["city"] + ["locality"] * len(discs) + ["countryside"],
            "settlement_name": [town, *discs["name"], ""],
        },
        geometry=[city, *discs.geometry, countryside],
        crs=SWEREF99TM,
    )
    settle["geometry"] = shapely.make_valid(settle.geometry.values)
    settle = settle[~settle.geometry.is_empty].reset_index(drop=True)
    settle["area_km2"] = (settle.geometry.area / 1e6).round(3)

    grid_in = _demand(grid, regso, settle)
    localities = tat.merge(regso[["regsonamn", "catchment"]], on="regsonamn", how="left")
    localities["settlement_class"] = np.where(localities["name"] == town, "city", "locality")
    localities = gpd.GeoDataFrame(localities, geometry="geometry", crs=SWEREF99TM)

    regso_out = regso[
        ["regsokod", "regsonamn", "catchment", "regso_type", "area_km2", *REGSO_STATS.values(),
         "vulnerable_area", "vulnerable_area_share", "popw_e", "popw_n", "centre_to_base_m",
         "statistics", "geometry"]
    ]  # fmt: skip
    with _reproducible_gpkg():
        written = _write_layers(out, regso_out, catch, settle, localities, grid_in, table)
    meta = {
        "name": f"{sources.name} (kommun {sources.kommun})",
        "kommun": sources.kommun,
        "municipality": sources.name,
        "town": town,
        "areas": areas_order,
        "sources": sources.description,
        "data_years": "SCB RegSO 2025, befolkning 2022–2024",
    }
    path = out / "study.json"
    with files.atomic_path(path) as tmp:
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written["study"] = path
    logger.debug("wrote %d layers to %s", len(written), out)
    return written


#: GeoPackages record when they were written; a fixed date makes a rebuild byte-identical.
GPKG_DATE = "2025-01-01T00:00:00.000Z"


@contextlib.contextmanager
def _reproducible_gpkg() -> Iterator[None]:
    import pyogrio

    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def _write_layers(out: Path, regso, catch, settle, localities, grid_in, bases) -> dict[str, Path]:
    return {
        "regso": vector.write_vector(regso, out / "regso.gpkg", layer="regso"),
        "catchments": vector.write_vector(catch, out / "catchments.gpkg", layer="catchments"),
        "settlement": vector.write_vector(settle, out / "settlement.gpkg", layer="settlement"),
        "localities": vector.write_vector(localities, out / "localities.gpkg", layer="localities"),
        "demand_grid": vector.write_vector(grid_in, out / "demand_grid_1km.gpkg", layer="demand"),
        "bases": Path(str(tables.write_table(bases, out / "bases.csv"))),
    }


def _place_bases(spec: pd.DataFrame, regso: gpd.GeoDataFrame, grid: gpd.GeoDataFrame):
    """Base table (bases.csv) from specifications: coordinates given or assumed."""
    rows = []
    for b in spec.to_dict("records"):
        rec = {
            "catchment": b["area"],
            "base_name": b["base_name"],
            "regsonamn": b.get("regsonamn", ""),
            "location_status": b.get("location_status") or "assumed",
            "location_source": b.get("location_source", ""),
        }
        if str(b.get("lat", "")).strip() and str(b.get("lon", "")).strip():
            x = parse_number(b["lon"], f"bases: {b['base_name']} lon")
            y = parse_number(b["lat"], f"bases: {b['base_name']} lat")
            e, n = to_sweref(np.array([x]), np.array([y]), "EPSG:4326")
            rec["e"], rec["n"] = float(e[0]), float(n[0])
            if not rec["regsonamn"]:
                pt = shapely.Point(rec["e"], rec["n"])
                hit = regso.loc[regso.geometry.covers(pt), "regsonamn"]
                if hit.empty:
                    raise InputFileError(
                        f"bases: {b['base_name']!r} at {y}, {x} is outside the municipality"
                    )
                rec["regsonamn"] = str(hit.iloc[0])
        else:
            poly = regso.loc[regso["regsonamn"] == b["regsonamn"], "geometry"]
            if poly.empty:
                raise InputFileError(
                    f"bases: {b['base_name']!r}: no RegSO named {b['regsonamn']!r} in the "
                    f"municipality; RegSO are {sorted(regso['regsonamn'])[:12]} ..."
                )
            rec["e"], rec["n"] = _weighted_centre(grid, poly.iloc[0], min_pop=URBAN_CELL_MIN_POP)
        rows.append(rec)
    table = pd.DataFrame(rows)
    table["e"] = table["e"].round(1)
    table["n"] = table["n"].round(1)
    lon, lat = from_sweref(table["e"].to_numpy(), table["n"].to_numpy())
    table["lon"], table["lat"] = lon.round(6), lat.round(6)
    table["base_id"] = table["catchment"].map(files.slug)
    if table["base_id"].duplicated().any():
        raise InputFileError("bases: area names must differ in more than case and accents")
    return table[["base_id", "catchment", "base_name", "regsonamn", "lat", "lon", "e", "n",
                  "location_status", "location_source"]]  # fmt: skip


def _demand(grid: gpd.GeoDataFrame, regso: gpd.GeoDataFrame, settle: gpd.GeoDataFrame):
    """The demand grid: RegSO and catchment by largest overlap; settlement class by the rule
    that a cell is as urban as its most urban sizeable part (people in a cell that holds part
    of a tätort live mostly in that part)."""
    grid_in = grid.copy()
    grid_in["pop_in_kommun_est"] = (grid_in["pop_2024"] * grid_in["share_in_kommun"]).round(1)
    cell_area = grid_in.geometry.area.to_numpy()
    ov = gpd.overlay(
        grid_in[["rutid_scb", "geometry"]],
        regso[["regsokod", "catchment", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    ov["a"] = ov.geometry.area
    ov = ov.sort_values(["rutid_scb", "a"], ascending=[True, False]).drop_duplicates("rutid_scb")
    grid_in = grid_in.merge(ov[["rutid_scb", "regsokod", "catchment"]], on="rutid_scb", how="left")
    ov = gpd.overlay(
        grid_in[["rutid_scb", "geometry"]],
        settle[["settlement_class", "settlement_name", "geometry"]],
        how="intersection",
        keep_geom_type=True,
    )
    ov["share"] = ov.geometry.area / float(np.median(cell_area))
    rank = {"city": 0, "locality": 1, "countryside": 2}
    ov["rank"] = ov["settlement_class"].map(rank)
    ov.loc[(ov["rank"] < 2) & (ov["share"] < URBAN_CELL_MIN_SHARE), "rank"] = 3
    ov = ov[ov["rank"] < 3].sort_values(
        ["rutid_scb", "rank", "share"], ascending=[True, True, False]
    )
    ov = ov.drop_duplicates("rutid_scb")
    grid_in = grid_in.merge(
        ov[["rutid_scb", "settlement_class", "settlement_name"]], on="rutid_scb", how="left"
    )
    return grid_in[grid_in["regsokod"].notna()].reset_index(drop=True)
