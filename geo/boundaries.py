"""Derive the embedded Linköping study data from SCB open data.

This is the logic behind ``scripts/build_boundaries.py``. It reads the read-only source files
(``../shared/data/linkoping/`` by default) and writes the derived layers into
``data/boundaries/``. Everything is computed in EPSG:3006. The derivation is deterministic:
running it twice gives identical files.

Derived layers
--------------
``regso.gpkg``
    The 32 RegSO areas with population and need indicators, their population-weighted centre
    and the catchment area each belongs to.
``catchments.gpkg``
    The four catchment areas (norr, syd, öster, väster) as unions of whole RegSO.
``bases.csv``
    One base per catchment area; Skäggetorp is confirmed in public sources, the others assumed.
``settlement.gpkg``
    Settlement class polygons: ``city`` (Linköping), ``locality`` (smaller tätorter, named) and
    ``countryside``, covering the municipality with no gap and no overlap.
``localities.gpkg``
    SCB tätorter (points) with population and area.
``demand_grid_1km.gpkg``
    The SCB 1 km population grid, with the share of each cell inside the municipality and the
    RegSO, catchment and settlement class of the cell.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import io
from .crs import SWEREF99TM, to_sweref
from .errors import InputFileError

__all__ = ["BASES", "CATCHMENTS", "build_boundaries"]

logger = logging.getLogger(__name__)

#: The four catchment areas and their bases. ``lat``/``lon`` (WGS 84) are given only where the
#: location is confirmed in public sources; the others are placed at the population-weighted
#: centre of the urban 1 km cells of their district's RegSO.
BASES: list[dict[str, object]] = [
    {
        "catchment": "norr",
        "base_name": "Skäggetorp",
        "regsonamn": "Skäggetorp-Tornby",
        "lat": 58.4275,
        "lon": 15.5837,
        "location_status": "confirmed",
        "location_source": "Skäggetorp centrum; Nära socialtjänst in Skäggetorp since August 2022 "
        "(Linköpings kommun press releases 2023)",
    },
    {
        "catchment": "väster",
        "base_name": "Ryd",
        "regsonamn": "Ryd",
        "location_status": "assumed",
        "location_source": "assumed: population-weighted centre of RegSO Ryd (1 km grid 2024)",
    },
    {
        "catchment": "syd",
        "base_name": "Lambohov",
        "regsonamn": "Lambohov-Slaka",
        "location_status": "assumed",
        "location_source": "assumed: population-weighted centre of the urban cells (>= 200 "
        "inhabitants) of RegSO Lambohov-Slaka (1 km grid 2024); pilot area since 2017",
    },
    {
        "catchment": "öster",
        "base_name": "Berga",
        "regsonamn": "Berga",
        "location_status": "assumed",
        "location_source": "assumed: population-weighted centre of RegSO Berga (1 km grid 2024); "
        "pilot area since 2017",
    },
]
CATCHMENTS = [str(b["catchment"]) for b in BASES]

#: Minimum inhabitants in a 1 km cell for it to count as urban (SCB's tätort rule uses at least
#: 200 inhabitants per built-up area).
URBAN_CELL_MIN_POP = 200
#: Morphological closing (m) applied to the urban cells so small unpopulated holes (parks,
#: industrial blocks) inside the city stay city.
URBAN_CLOSING_M = 500.0
#: Localities with at least this many inhabitants mark their RegSO as a locality area, not
#: part of Linköping city.
LOCALITY_REGSO_MIN_POP = 1000
#: A 1 km demand cell takes the class of the city or a locality when that class covers at
#: least this share of the cell; otherwise it is countryside.
URBAN_CELL_MIN_SHARE = 0.10

_REGSO_STATS = {
    "pop_2022": "pop_2022",
    "pop_2023": "pop_2023",
    "age_0_17_est_2022": "children_0_17_est_2022",
    "age_65plus_2022": "age_65plus_2022",
    "lag_ek_standard_pct_2022_wavg": "low_economic_standard_pct_2022",
    "share_hh_ensamstaende_med_barn": "single_parent_household_share_2022",
    "share_utlandsk_bakgrund": "foreign_background_share_2022",
    "sysselsattningsgrad_16_64": "employment_rate_16_64_2022",
    "nettoinkomst_medel_tkr_2022_wavg": "mean_net_income_tkr_2022",
    "share_forgymnasial_25_64": "compulsory_school_only_share_25_64_2022",
    "share_hyresratt": "rental_dwelling_share_2022",
}


def _read(path: Path, **kwargs: object) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputFileError(
            f"source: {path} does not exist; pass --source pointing at shared/data/linkoping"
        )
    gdf = gpd.read_file(path, **kwargs)
    if gdf.crs is None or gdf.crs.to_epsg() != 3006:
        gdf = gdf.to_crs(SWEREF99TM)
    return gdf


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
    localities: gpd.GeoDataFrame, municipality: shapely.Geometry
) -> gpd.GeoDataFrame:
    """Approximate each smaller tätort as a disc of its published area around its point.

    Overlapping discs are split by the perpendicular bisector (each piece goes to the nearer
    locality point), so the result has no overlaps.
    """
    small = localities[localities["name"] != "Linköping"].reset_index(drop=True)
    radius = np.sqrt(small["area_ha"].to_numpy() * 1e4 / math.pi)
    discs = shapely.buffer(small.geometry.values, radius, quad_segs=16)
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


def build_boundaries(source: Path, out: Path) -> dict[str, Path]:
    """Build every embedded layer from the SCB source files.

    Parameters
    ----------
    source : pathlib.Path
        Folder with ``regso_2025.gpkg``, ``regso_stats_2022.csv``, ``popgrid_1km_2024.gpkg``,
        ``tatort_points_2020.gpkg`` and ``utsatta_omraden_2023.gpkg`` (``shared/data/linkoping``).
    out : pathlib.Path
        Folder to write into (``data/boundaries``).

    Returns
    -------
    dict
        Layer name to written path.
    """
    source = Path(source)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    regso = _read(source / "regso_2025.gpkg")[["regsokod", "regsonamn", "geometry"]]
    regso = regso.sort_values("regsokod").reset_index(drop=True)
    stats = pd.read_csv(source / "regso_stats_2022.csv", dtype={"regsokod": str})
    missing = set(regso["regsokod"]) - set(stats["regsokod"])
    if missing:
        raise InputFileError(f"regso_stats_2022.csv: no statistics for RegSO {sorted(missing)}")
    stats = stats[["regsokod", *_REGSO_STATS]].rename(columns=_REGSO_STATS)
    regso = regso.merge(stats, on="regsokod", how="left", validate="one_to_one")
    regso["area_km2"] = (regso.geometry.area / 1e6).round(4)
    regso["geometry"] = shapely.make_valid(regso.geometry.values)
    municipality = shapely.union_all(regso.geometry.values)

    grid = _read(source / "popgrid_1km_2024.gpkg")
    grid = grid[["rutid_scb", "east", "north", "pop_2024", "share_in_kommun", "geometry"]]
    grid = grid.sort_values("rutid_scb").reset_index(drop=True)

    tat = _read(source / "tatort_points_2020.gpkg")
    tat = tat.rename(columns={"pop": "pop_2020", "area": "area_ha", "code": "tatort_code"})
    tat = tat[["tatort_code", "name", "pop_2020", "area_ha", "geometry"]]
    tat = tat.sort_values("pop_2020", ascending=False).reset_index(drop=True)

    uso = _read(source / "utsatta_omraden_2023.gpkg")
    uso["geometry"] = shapely.force_2d(uso.geometry.values)

    # --- need indicators: police "utsatt område" overlap per RegSO
    uso_union = shapely.union_all(uso.geometry.values)
    overlap = regso.geometry.intersection(uso_union).area / regso.geometry.area
    regso["vulnerable_area_share"] = overlap.round(4)
    regso["vulnerable_area"] = np.where(
        overlap > 0.01, uso["KATEGORI"].iloc[0] + " (" + uso["NAMN"].iloc[0] + ")", ""
    )

    # --- population-weighted centres
    centres = [_weighted_centre(grid, g) for g in regso.geometry]
    regso["popw_e"] = [round(c[0], 1) for c in centres]
    regso["popw_n"] = [round(c[1], 1) for c in centres]

    # --- bases
    rows = []
    for b in BASES:
        rec = dict(b)
        if "lat" in b:
            e, n = to_sweref(np.array([b["lon"]]), np.array([b["lat"]]), "EPSG:4326")
            rec["e"], rec["n"] = float(e[0]), float(n[0])
        else:
            poly = regso.loc[regso["regsonamn"] == b["regsonamn"], "geometry"].iloc[0]
            rec["e"], rec["n"] = _weighted_centre(grid, poly, min_pop=URBAN_CELL_MIN_POP)
        rows.append(rec)
    bases = pd.DataFrame(rows)
    bases["e"] = bases["e"].round(1)
    bases["n"] = bases["n"].round(1)
    from .crs import from_sweref

    lon, lat = from_sweref(bases["e"].to_numpy(), bases["n"].to_numpy())
    bases["lon"], bases["lat"] = lon.round(6), lat.round(6)
    bases["base_id"] = bases["catchment"].map(io.slug)
    bases = bases[
        [
            "base_id",
            "catchment",
            "base_name",
            "regsonamn",
            "lat",
            "lon",
            "e",
            "n",
            "location_status",
            "location_source",
        ]
    ]

    # --- default partition: each RegSO to the base nearest its population-weighted centre
    d = np.hypot(
        regso["popw_e"].to_numpy()[:, None] - bases["e"].to_numpy()[None, :],
        regso["popw_n"].to_numpy()[:, None] - bases["n"].to_numpy()[None, :],
    )
    regso["catchment"] = bases["catchment"].to_numpy()[d.argmin(axis=1)]
    regso["centre_to_base_m"] = d.min(axis=1).round(1)
    # A base's own RegSO must belong to its catchment.
    for own_regso, own_catchment in zip(bases["regsonamn"], bases["catchment"], strict=True):
        own = regso["regsonamn"] == own_regso
        if (regso.loc[own, "catchment"] != own_catchment).any():
            raise InputFileError(
                f"partition: RegSO {own_regso} is not in catchment {own_catchment}"
            )

    catch = regso.dissolve(
        by="catchment",
        aggfunc={"regsokod": "count", "pop_2023": "sum", "children_0_17_est_2022": "sum"},
    ).reset_index()
    catch = catch.rename(columns={"regsokod": "n_regso"})
    catch["geometry"] = shapely.make_valid(catch.geometry.values)
    catch["area_km2"] = (catch.geometry.area / 1e6).round(3)
    catch = catch.merge(bases[["catchment", "base_id", "base_name"]], on="catchment")
    catch["catchment"] = pd.Categorical(catch["catchment"], categories=CATCHMENTS, ordered=True)
    catch = catch.sort_values("catchment").reset_index(drop=True)
    catch["catchment"] = catch["catchment"].astype(str)
    catch = gpd.GeoDataFrame(catch, geometry="geometry", crs=SWEREF99TM)

    # --- settlement classes
    in_regso = gpd.sjoin(tat, regso[["regsonamn", "geometry"]], predicate="within", how="left")
    tat["regsonamn"] = in_regso["regsonamn"].to_numpy()
    host = set(
        tat.loc[
            (tat["name"] != "Linköping") & (tat["pop_2020"] >= LOCALITY_REGSO_MIN_POP), "regsonamn"
        ]
    )
    regso["regso_type"] = np.where(
        regso["regsonamn"].str.endswith("omland"),
        "countryside",
        np.where(regso["regsonamn"].isin(host), "locality", "city"),
    )
    city_regso = shapely.union_all(regso.loc[regso["regso_type"] == "city", "geometry"].values)
    urban_cells = shapely.union_all(
        grid.loc[grid["pop_2024"] >= URBAN_CELL_MIN_POP].geometry.values
    )
    urban = urban_cells.buffer(URBAN_CLOSING_M, join_style="mitre").buffer(
        -URBAN_CLOSING_M, join_style="mitre"
    )
    discs = _locality_discs(tat, municipality)
    disc_union = shapely.union_all(discs.geometry.values)
    city = shapely.difference(shapely.intersection(urban, city_regso), disc_union)
    countryside = shapely.difference(shapely.difference(municipality, city), disc_union)
    settle = gpd.GeoDataFrame(
        {
            "settlement_class": ["city"] + ["locality"] * len(discs) + ["countryside"],
            "settlement_name": ["Linköping", *discs["name"], ""],
        },
        geometry=[city, *discs.geometry, countryside],
        crs=SWEREF99TM,
    )
    settle["geometry"] = shapely.make_valid(settle.geometry.values)
    settle = settle[~settle.geometry.is_empty].reset_index(drop=True)
    settle["area_km2"] = (settle.geometry.area / 1e6).round(3)

    # --- demand grid: RegSO and catchment by largest overlap; settlement class by the rule
    # below (a cell is as urban as its most urban sizeable part, since people in a cell that
    # holds part of a tätort live mostly in that part).
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
    grid_in = grid_in[grid_in["regsokod"].notna()].reset_index(drop=True)

    localities = tat.merge(regso[["regsonamn", "catchment"]], on="regsonamn", how="left").drop(
        columns=[]
    )
    localities["settlement_class"] = np.where(localities["name"] == "Linköping", "city", "locality")
    localities = gpd.GeoDataFrame(localities, geometry="geometry", crs=SWEREF99TM)

    regso_out = regso[
        [
            "regsokod",
            "regsonamn",
            "catchment",
            "regso_type",
            "area_km2",
            *_REGSO_STATS.values(),
            "vulnerable_area",
            "vulnerable_area_share",
            "popw_e",
            "popw_n",
            "centre_to_base_m",
            "geometry",
        ]
    ]
    written = {
        "regso": io.write_vector(regso_out, out / "regso.gpkg", layer="regso"),
        "catchments": io.write_vector(catch, out / "catchments.gpkg", layer="catchments"),
        "settlement": io.write_vector(settle, out / "settlement.gpkg", layer="settlement"),
        "localities": io.write_vector(localities, out / "localities.gpkg", layer="localities"),
        "demand_grid": io.write_vector(grid_in, out / "demand_grid_1km.gpkg", layer="demand"),
        "bases": io.write_table(bases, out / "bases.csv"),
    }
    logger.info("wrote %d layers to %s", len(written), out)
    return written
