"""Candidate sites for new bases: localities, RegSO centres, grid cells, the user's own."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import SWEREF99TM
from ..distance import distance_matrix_m
from ..errors import GeoValueError
from ..schema import CANDIDATE_KINDS, CELL_ID, REGSO_CENTRE_E, REGSO_CENTRE_N
from ..study import Study
from .demand import demand_points

__all__ = ["candidate_sites", "snap_to_sites"]


def candidate_sites(
    study: Study,
    kinds: tuple[str, ...] = ("localities", "regso"),
    *,
    extra: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Candidate sites: the existing bases first, then the kinds asked for.

    ``localities``: tätorter outside Linköping city; ``regso``: RegSO population-weighted
    centres; ``grid``: populated 1 km cells; ``extra``: the user's own sites (points with a
    ``name`` column), e.g. available premises.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site``, ``kind`` (``base``, ``locality``, ``regso``, ``grid``, ``user``),
        ``base_id`` (for existing bases), ``capacity`` (the bases' or the user's own, NaN
        where none is given), ``regsonamn`` and point geometry (EPSG:3006).
    """
    unknown = set(kinds) - set(CANDIDATE_KINDS)
    if unknown:
        raise GeoValueError(f"candidates: unknown kinds {sorted(unknown)}; use {CANDIDATE_KINDS}")
    frames = [
        pd.DataFrame(
            {
                "site": study.bases["base_name"].astype(str),
                "kind": "base",
                "base_id": study.bases["base_id"].astype(str),
                "e": study.bases.geometry.x,
                "n": study.bases.geometry.y,
                "capacity": _capacity_of(study.bases),
            }
        )
    ]
    if "localities" in kinds and study.localities is not None:
        loc = study.localities[study.localities["settlement_class"] != "city"]
        frames.append(
            pd.DataFrame(
                {"site": loc["name"], "kind": "locality", "e": loc.geometry.x, "n": loc.geometry.y}
            )
        )
    if "regso" in kinds and study.regso is not None:
        r = study.regso
        frames.append(
            pd.DataFrame(
                {
                    "site": r["regsonamn"],
                    "kind": "regso",
                    "e": r[REGSO_CENTRE_E],
                    "n": r[REGSO_CENTRE_N],
                }
            )
        )
    if "grid" in kinds:
        d = demand_points(study)
        d = d[d["population"] > 0]
        frames.append(
            pd.DataFrame(
                {
                    "site": "ruta " + d[CELL_ID].astype(str),
                    "kind": "grid",
                    "e": d.geometry.x,
                    "n": d.geometry.y,
                }
            )
        )
    if extra is not None:
        ex = extra.to_crs(SWEREF99TM)
        name = "name" if "name" in ex else ex.columns[0]
        frames.append(
            pd.DataFrame(
                {
                    "site": ex[name].astype(str),
                    "kind": "user",
                    "e": ex.geometry.x,
                    "n": ex.geometry.y,
                    "capacity": _capacity_of(ex),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out["base_id"] = out["base_id"].fillna("")
    out["capacity"] = pd.to_numeric(out["capacity"], errors="coerce").astype("float64")
    if study.regso_index is not None and study.regso is not None:
        r = study.regso_index.locate(out["e"].to_numpy(), out["n"].to_numpy())
        names = study.regso["regsonamn"].to_numpy()
        out["regsonamn"] = np.where(r >= 0, names[np.maximum(r, 0)], "")
    return gpd.GeoDataFrame(
        out.drop(columns=["e", "n"]),
        geometry=shapely.points(out["e"].to_numpy(), out["n"].to_numpy()),
        crs=SWEREF99TM,
    )


def _capacity_of(frame: pd.DataFrame) -> np.ndarray:
    """A file's own ``capacity`` per row (NaN where it gives none)."""
    if "capacity" not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame["capacity"], errors="coerce").to_numpy(dtype="float64")


def snap_to_sites(e: np.ndarray, n: np.ndarray, sites: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the nearest site (straight line) of each point: where a base stands when
    travel times come from a matrix over the sites."""
    d = distance_matrix_m(e, n, sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy())
    return np.argmin(d, axis=1)
