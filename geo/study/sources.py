"""SCB's files for one municipality: RegSO, their statistics, the 1 km grid, the localities.

Two layouts are read: **national** (``../shared/data/sweden``: the files of all Sweden,
filtered to one municipality, :func:`national_sources`) and **municipal** (the same layers
already cut to one municipality, :func:`municipal_sources`). SCB's DeSO → RegSO key names
RegSO as they were in its year; :func:`match_regso_names` matches those names to the 2025
polygons, and :func:`statistics_with_gaps_filled` gives every RegSO statistics (estimated
where a RegSO was redrawn), so no municipality fails to build.

This module and :mod:`geo.study.build` are the only ones that name the columns of SCB's files.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import SWEREF99TM
from ..errors import GeoValueError, InputFileError
from ..io import tables

__all__ = [
    "REGSO_STATS",
    "STATISTICS_SCB",
    "StudySources",
    "match_regso_names",
    "municipal_sources",
    "national_sources",
    "regso_statistics",
    "statistics_with_gaps_filled",
]

logger = logging.getLogger(__name__)

#: RegSO statistics kept in the study: source column -> study column.
REGSO_STATS = {
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
_HOUSEHOLDS = ["hh_sammanboende_med_barn_2022", "hh_sammanboende_utan_barn_2022",
               "hh_ensamstaende_med_barn_2022", "hh_ensamstaende_utan_barn_2022",
               "hh_ovriga_2022"]  # fmt: skip
_EDUCATION = ["utb25_64_forgymnasial_2022", "utb25_64_gymnasial_2022",
              "utb25_64_eftergym_lt3_2022", "utb25_64_eftergym_3plus_2022",
              "utb25_64_saknas_2022"]  # fmt: skip
_TENURE = ["lgh_hyresratt_2022", "lgh_bostadsratt_2022", "lgh_aganderatt_2022"]


@dataclass
class StudySources:
    """What a study is built from, cut to one municipality (EPSG:3006).

    Attributes
    ----------
    kommun, name : str
        Municipality code (``"0580"``) and name (``"Linköping"``).
    regso : geopandas.GeoDataFrame
        ``regsokod``, ``regsonamn``, geometry.
    stats : pandas.DataFrame
        One row per ``regsokod`` with the source columns of :data:`REGSO_STATS`.
    grid : geopandas.GeoDataFrame
        SCB 1 km cells touching the municipality: ``rutid_scb``, ``east``, ``north``,
        ``pop_2024``, ``share_in_kommun``, geometry (the cell square).
    localities : geopandas.GeoDataFrame
        Tätorter as points: ``tatort_code``, ``name``, ``pop_2020``, ``area_ha``.
    vulnerable : geopandas.GeoDataFrame or None
        The police's "utsatt område" polygons (``KATEGORI``, ``NAMN``), where available.
    description : str
        Where the sources came from (written to ``study.json``).
    """

    kommun: str
    name: str
    regso: gpd.GeoDataFrame
    stats: pd.DataFrame
    grid: gpd.GeoDataFrame
    localities: gpd.GeoDataFrame
    vulnerable: gpd.GeoDataFrame | None
    description: str


def _read(path: Path, **kwargs: object) -> gpd.GeoDataFrame:
    if not path.exists():
        raise InputFileError(f"source: {path} does not exist; give the folder of SCB files")
    gdf = gpd.read_file(path, **kwargs)
    if gdf.crs is None or gdf.crs.to_epsg() != 3006:
        gdf = gdf.to_crs(SWEREF99TM)
    return gdf


def _localities(tat: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    tat = tat.rename(columns={"pop": "pop_2020", "area": "area_ha", "code": "tatort_code"})
    tat = tat[["tatort_code", "name", "pop_2020", "area_ha", "geometry"]]
    return tat.sort_values("pop_2020", ascending=False).reset_index(drop=True)


def regso_statistics(deso: pd.DataFrame) -> pd.DataFrame:
    """RegSO statistics summed from SCB's DeSO statistics (one row per ``regsokod``).

    Counts are summed; percentages are averaged weighted by the people they describe; shares
    are ratios of the summed counts. Rounded as SCB's aggregated tables are: shares to 4
    decimals, percentages to 2, incomes (tkr) to 1.

    Parameters
    ----------
    deso : pandas.DataFrame
        SCB DeSO statistics 2022 with a ``regsokod`` column.
    """
    g = deso.groupby("regsokod", sort=True)
    out = pd.DataFrame(
        {
            "pop_2022": g["pop_2022"].sum(),
            "pop_2023": g["pop_2023"].sum(),
            "age_0_17_est_2022": g["age_0_17_est_2022"].sum().round(1),
            "age_65plus_2022": g["age_65plus_2022"].sum(),
        }
    )
    for pct, weight, col, decimals in (
        ("lag_ek_standard_pct_2022", "ek_standard_antal_personer_2022",
         "lag_ek_standard_pct_2022_wavg", 2),
        ("nettoinkomst_medel_tkr_2022", "nettoinkomst_antal_personer_2022",
         "nettoinkomst_medel_tkr_2022_wavg", 1),
    ):  # fmt: skip
        product = (deso[pct] * deso[weight]).groupby(deso["regsokod"]).sum()
        out[col] = (product / g[weight].sum()).round(decimals)
    households = g[_HOUSEHOLDS].sum()
    out["share_hh_ensamstaende_med_barn"] = (
        households["hh_ensamstaende_med_barn_2022"] / households.sum(axis=1)
    ).round(4)
    out["share_utlandsk_bakgrund"] = (
        g["utlandsk_bakgrund_2022"].sum() / g["pop_2022_fb"].sum()
    ).round(4)
    out["sysselsattningsgrad_16_64"] = (
        g["sysselsatta_16_64_2022"].sum() / g["pop_16_64_2022"].sum()
    ).round(4)
    education = g[_EDUCATION].sum()
    out["share_forgymnasial_25_64"] = (
        education["utb25_64_forgymnasial_2022"] / education.sum(axis=1)
    ).round(4)
    tenure = g[_TENURE].sum()  # of dwellings with a known tenure
    out["share_hyresratt"] = (tenure["lgh_hyresratt_2022"] / tenure.sum(axis=1)).round(4)
    return out.reset_index()


#: The statistics of a RegSO: summed from its DeSO, or estimated where no DeSO is keyed to it.
STATISTICS_SCB = "SCB DeSO 2022"
STATISTICS_POOLED = "estimated: grid population x the rates of DeSO keyed to no RegSO"
STATISTICS_MUNICIPAL = "estimated: grid population x the municipality's rates"
#: Statistics that are counts (scaled by population when estimated); the rest are rates.
_COUNTS = ("pop_2022", "pop_2023", "age_0_17_est_2022", "age_65plus_2022")


def _name_key(names: pd.Series) -> pd.Series:
    """A RegSO name as it is compared: case, spaces and punctuation folded."""
    return names.astype(str).str.casefold().str.replace(r"[^\w]", "", regex=True)


def match_regso_names(names: pd.Series, regso: gpd.GeoDataFrame) -> dict[str, str]:
    """RegSO code for each name of SCB's DeSO → RegSO key that can be matched.

    SCB's key (2018 names) and the 2025 polygons spell some names apart: a trailing space
    ("Örebro söder "), case ("Ella Gård"/"Ella gård"), a space ("Näsby Park"/"Näsbypark") or a
    letter ("Värdölandet"/"Värmdölandet"). Names are matched after folding case, spaces and
    punctuation, then — one to one, among the names left — by a close spelling (rapidfuzz
    ratio ≥ 90 both ways). Names of RegSO that were redrawn since (Täby, Halmstad, Karlstad,
    Lerum, Kiruna) stay unmatched: :func:`statistics_with_gaps_filled` places their DeSO.
    """
    from rapidfuzz import fuzz, process

    wanted = pd.Series(names.dropna().unique())
    poly = dict(zip(_name_key(regso["regsonamn"]), regso["regsokod"], strict=False))
    keys = _name_key(wanted)
    out = {n: poly[k] for n, k in zip(wanted, keys, strict=True) if k in poly}
    used = set(out.values())
    left = [(n, k) for n, k in zip(wanted, keys, strict=True) if n not in out]
    free = {k: c for k, c in poly.items() if c not in used}
    if left and free:
        free_keys = list(free)
        for name, k in left:
            best = process.extractOne(k, free_keys, scorer=fuzz.ratio, score_cutoff=90)
            if best is None:
                continue
            back = process.extractOne(best[0], [x for _, x in left], scorer=fuzz.ratio)
            if back is not None and back[0] == k and free[best[0]] not in used:
                out[name] = free[best[0]]
                used.add(free[best[0]])
    return out


def statistics_with_gaps_filled(
    deso: pd.DataFrame, regso: gpd.GeoDataFrame, grid: gpd.GeoDataFrame
) -> pd.DataFrame:
    """RegSO statistics from DeSO, every RegSO given some, and where each came from.

    DeSO keyed to a RegSO are summed (:func:`regso_statistics`; ``statistics`` =
    :data:`STATISTICS_SCB`). A RegSO that no DeSO is keyed to (redrawn since the key's year)
    gets the rates of the DeSO keyed to no RegSO, and counts scaled by its share of their
    grid population (:data:`STATISTICS_POOLED`); with no such DeSO, the municipality's rates
    and its own grid population (:data:`STATISTICS_MUNICIPAL`). Never a missing row: one
    unmatched name does not stop a whole study.

    Parameters
    ----------
    deso : pandas.DataFrame
        DeSO statistics with ``regsokod`` (missing where unmatched).
    regso : geopandas.GeoDataFrame
        The municipality's RegSO (``regsokod``, geometry; EPSG:3006).
    grid : geopandas.GeoDataFrame
        SCB 1 km cells (``pop_2024``, geometry) touching the municipality.
    """
    matched = deso[deso["regsokod"].notna()]
    stats = regso_statistics(matched) if len(matched) else pd.DataFrame({"regsokod": []})
    stats["statistics"] = STATISTICS_SCB
    gaps = regso[~regso["regsokod"].isin(stats["regsokod"])]
    if gaps.empty:
        return stats
    pool = deso[deso["regsokod"].isna()]
    source, label = (pool, STATISTICS_POOLED) if len(pool) else (deso, STATISTICS_MUNICIPAL)
    rates = regso_statistics(source.assign(regsokod="pool")).iloc[0]
    people = _grid_people(gaps, grid)
    if label == STATISTICS_POOLED:
        share = people / people.sum() if people.sum() > 0 else np.full(len(gaps), 1 / len(gaps))
    else:  # the municipality's counts per person of its grid, times the RegSO's grid people
        total = _grid_people(regso, grid).sum()
        share = people / total if total > 0 else np.zeros(len(gaps))
    rows = []
    for code, s in zip(gaps["regsokod"], share, strict=True):
        row = {c: rates[c] for c in stats.columns if c in rates.index and c != "regsokod"}
        for c in _COUNTS:
            row[c] = round(float(rates[c]) * float(s), 1)
        row["regsokod"] = code
        row["statistics"] = label
        rows.append(row)
    logger.info(
        "statistics: %d RegSO have no DeSO in SCB's key (%s); %s",
        len(gaps), ", ".join(gaps["regsonamn"].astype(str)), label,
    )  # fmt: skip
    return pd.concat([stats, pd.DataFrame(rows)], ignore_index=True)


def _grid_people(regso: gpd.GeoDataFrame, grid: gpd.GeoDataFrame) -> np.ndarray:
    """People of the 1 km grid in each RegSO (cells split by area)."""
    out = np.zeros(len(regso))
    tree = shapely.STRtree(grid.geometry.values)
    pop = grid["pop_2024"].to_numpy(dtype=float)
    for i, geom in enumerate(regso.geometry.values):
        hit = tree.query(geom, predicate="intersects")
        if hit.size:
            piece = shapely.area(shapely.intersection(grid.geometry.values[hit], geom))
            out[i] = float((pop[hit] * piece / 1e6).sum())
    return out


def municipal_sources(folder: str | Path) -> StudySources:
    """Sources in the municipal layout (``../shared/data/linkoping``).

    ``regso_2025.gpkg``, ``regso_stats_2022.csv`` (RegSO statistics aggregated from DeSO),
    ``popgrid_1km_2024.gpkg`` (with ``share_in_kommun``), ``tatort_points_2020.gpkg`` and,
    if present, ``utsatta_omraden_2023.gpkg``.
    """
    folder = Path(folder)
    regso = _read(folder / "regso_2025.gpkg")
    kommun = str(regso["kommunkod"].iloc[0]).zfill(4)
    regso = regso[["regsokod", "regsonamn", "geometry"]]
    stats = pd.read_csv(folder / "regso_stats_2022.csv", dtype={"regsokod": str})
    grid = _read(folder / "popgrid_1km_2024.gpkg")
    grid = grid[["rutid_scb", "east", "north", "pop_2024", "share_in_kommun", "geometry"]]
    tat = _read(folder / "tatort_points_2020.gpkg")
    name = str(tat.loc[tat["mun_code"].astype(str).str.zfill(4) == kommun, "mun_name"].iloc[0])
    uso_path = folder / "utsatta_omraden_2023.gpkg"
    uso = _read(uso_path) if uso_path.exists() else None
    return StudySources(
        kommun, name, regso, stats, grid, _localities(tat), uso,
        f"SCB open data for kommun {kommun}, municipal extract ({folder.name})",
    )  # fmt: skip


def national_sources(folder: str | Path, kommun: str) -> StudySources:
    """Sources for kommun ``kommun`` from the national layout (``../shared/data/sweden``).

    ``regso_2025.gpkg`` (all RegSO), ``deso_stats_2022.csv`` with ``deso_regso_key.csv``
    (SCB's DeSO → RegSO key), ``popgrid_1km_2024.csv`` and ``tatort_points_2020.gpkg``.
    """
    folder = Path(folder)
    code = str(kommun).strip().zfill(4)
    if not code.isdigit() or len(code) != 4:
        raise GeoValueError(f"kommun: a four-digit municipality code such as 0581; got {kommun!r}")
    regso = gpd.read_file(
        folder / "regso_2025.gpkg", where=f"kommunkod = '{code}'"
    ) if (folder / "regso_2025.gpkg").exists() else None  # fmt: skip
    if regso is None:
        raise InputFileError(f"source: {folder / 'regso_2025.gpkg'} does not exist")
    if len(regso) == 0:
        raise GeoValueError(
            f"kommun: no RegSO with kommunkod {code} in {folder / 'regso_2025.gpkg'}; give one "
            "of Sweden's 290 municipality codes (e.g. 0580 Linköping, 0581 Norrköping)"
        )
    regso = regso.to_crs(SWEREF99TM)[["regsokod", "regsonamn", "geometry"]]
    key = pd.read_csv(folder / "deso_regso_key.csv", sep=";", dtype=str, usecols=[0, 1, 2, 3])
    key.columns = ["kommunkod", "kommunnamn", "deso", "regsonamn"]
    key = key[key["kommunkod"].str.zfill(4) == code]
    deso = pd.read_csv(folder / "deso_stats_2022.csv", dtype={"deso": str})
    deso = deso[deso["deso"].str.startswith(code)].drop(columns=["regsonamn"])
    deso = deso.merge(key[["deso", "regsonamn"]], on="deso", how="left", validate="one_to_one")
    deso["regsokod"] = deso["regsonamn"].map(match_regso_names(deso["regsonamn"], regso))
    municipality = shapely.union_all(regso.geometry.values)
    grid_tab = tables.read_population_grid(folder / "popgrid_1km_2024.csv")
    raw = pd.read_csv(folder / "popgrid_1km_2024.csv", usecols=["rutid_scb"])
    grid_tab["rutid_scb"] = raw["rutid_scb"].to_numpy()
    x0, y0, x1, y1 = municipality.bounds
    near = grid_tab[
        (grid_tab["east"] >= x0 - 1000) & (grid_tab["east"] <= x1)
        & (grid_tab["north"] >= y0 - 1000) & (grid_tab["north"] <= y1)
    ]  # fmt: skip
    boxes = shapely.box(near["east"], near["north"], near["east"] + 1000, near["north"] + 1000)
    shapely.prepare(municipality)
    touch = shapely.intersects(municipality, boxes)
    near, boxes = near[touch], boxes[touch]
    share = shapely.area(shapely.intersection(boxes, municipality)) / 1e6
    grid = gpd.GeoDataFrame(
        {
            "rutid_scb": near["rutid_scb"].astype(str).to_numpy(),
            "east": near["east"].to_numpy().astype("int64"),
            "north": near["north"].to_numpy().astype("int64"),
            "pop_2024": near["population"].to_numpy().astype("int64"),
            "share_in_kommun": np.round(share, 4),
        },
        geometry=boxes,
        crs=SWEREF99TM,
    )
    stats = statistics_with_gaps_filled(deso, regso, grid)
    tat = _read(folder / "tatort_points_2020.gpkg")
    tat = tat[tat["mun_code"].astype(str).str.zfill(4) == code]
    name = str(tat["mun_name"].iloc[0]) if len(tat) else str(key["kommunnamn"].iloc[0])
    return StudySources(
        code, name, regso, stats, grid, _localities(tat), None,
        f"SCB open data for kommun {code}, national files ({folder.name})",
    )  # fmt: skip
