"""The embedded data in data/boundaries: complete, consistent, and reproducible from SCB files."""

from __future__ import annotations

import filecmp
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.io import files
from geo.study import check_topology
from geo.study.build import build_study, read_base_specs
from geo.study.sources import municipal_sources, regso_statistics


def test_regso_and_catchments(study):
    regso, areas = study.regso, study.areas
    assert len(regso) == 32 and regso["regsokod"].str.startswith("0580R").all()
    assert areas["area"].tolist() == ["norr", "väster", "syd", "öster"]
    # every RegSO in exactly one catchment, and the catchments are unions of whole RegSO
    assert regso["catchment"].isin(areas["area"]).all()
    for a in areas.itertuples():
        union = shapely.union_all(regso.loc[regso["catchment"] == a.area].geometry.values)
        assert shapely.symmetric_difference(union, a.geometry).area < 1.0
    # no gap, no overlap, and together exactly the municipality
    assert check_topology(areas) == []
    assert areas.geometry.area.sum() == pytest.approx(shapely.union_all(areas.geometry.values).area)
    total = shapely.union_all(regso.geometry.values)
    assert shapely.symmetric_difference(total, shapely.union_all(areas.geometry.values)).area < 1.0
    assert shapely.get_num_interior_rings(total) == 0
    # population 2023 of Linköping: 167 404 (SCB)
    assert regso["pop_2023"].sum() == 167_404
    for col in (
        "children_0_17_est_2022",
        "low_economic_standard_pct_2022",
        "vulnerable_area_share",
    ):
        assert regso[col].notna().all()
    skg = regso.set_index("regsonamn").loc["Skäggetorp-Tornby"]
    assert skg["vulnerable_area_share"] > 0.05 and "Skäggetorp" in skg["vulnerable_area"]


def test_bases(study):
    b = study.bases.set_index("base_id")
    assert list(b.index) == ["norr", "vaster", "syd", "oster"]
    assert b.loc["norr", "location_status"] == "confirmed"
    assert (b.drop(index="norr")["location_status"] == "assumed").all()
    # each base lies in its own catchment and in its named district
    idx = study.area_index.locate(b.geometry.x.to_numpy(), b.geometry.y.to_numpy())
    assert [study.areas["area"].iloc[i] for i in idx] == b["area"].tolist()
    r = study.regso_index.locate(b.geometry.x.to_numpy(), b.geometry.y.to_numpy())
    names = study.regso["regsonamn"].to_numpy()[r].tolist()
    assert names == ["Skäggetorp-Tornby", "Ryd", "Lambohov-Slaka", "Berga"]
    tab = pd.read_csv(files.data_dir() / "bases.csv").set_index("base_id")
    assert tab.loc["norr", "lat"] == pytest.approx(58.4275) and tab.loc[
        "norr", "lon"
    ] == pytest.approx(15.5837)


def test_settlement_layer_covers_municipality(study):
    s = study.settlement
    assert set(s["settlement_class"]) == {"city", "locality", "countryside"}
    assert check_topology(s.assign(area=s["settlement_class"] + s["settlement_name"])) == []
    muni = shapely.union_all(study.regso.geometry.values)
    assert shapely.symmetric_difference(shapely.union_all(s.geometry.values), muni).area < 10.0
    names = set(s.loc[s["settlement_class"] == "locality", "settlement_name"])
    assert {"Ljungsbro", "Malmslätt", "Linghem", "Vikingstad", "Sturefors"} <= names
    # the city class holds roughly the population of the Linköping tätort (115 682 in 2020)
    d = study.demand
    city_pop = d.loc[d["settlement_class"] == "city", "pop_in_kommun_est"].sum()
    assert 105_000 < city_pop < 125_000


def test_demand_grid(study):
    d = study.demand
    assert len(d) > 1_000 and d["pop_2024"].min() >= 0
    assert 160_000 < d["pop_in_kommun_est"].sum() < 172_000
    assert d["catchment"].isin(study.areas["area"]).all()
    assert len(study.localities) == 22


@pytest.mark.slow
def test_rebuild_reproduces_committed_files(shared, tmp_path):
    """scripts/build_boundaries.py (the study builder) from ../shared gives the same bytes."""
    spec = read_base_specs(Path(__file__).resolve().parents[1] / "data" / "linkoping_bases.csv")
    written = build_study(municipal_sources(shared / "linkoping"), tmp_path, bases=spec)
    committed = files.data_dir()
    for name, path in written.items():
        assert filecmp.cmp(path, committed / path.name, shallow=False), name
    for name in ("regso", "catchments", "settlement", "localities", "demand_grid_1km"):
        new = gpd.read_file(tmp_path / f"{name}.gpkg")
        old = gpd.read_file(committed / f"{name}.gpkg")
        pd.testing.assert_frame_equal(
            pd.DataFrame(new.drop(columns="geometry")), pd.DataFrame(old.drop(columns="geometry"))
        )
        assert np.all(shapely.equals_exact(new.geometry.values, old.geometry.values, tolerance=0))


def test_regso_statistics_from_deso_equal_the_municipal_table(shared):
    """The national path (DeSO summed to RegSO) gives Linköping's aggregated statistics."""
    deso = pd.read_csv(shared / "linkoping" / "deso_stats_2022.csv", dtype={"regsokod": str})
    ours = regso_statistics(deso).set_index("regsokod")
    theirs = pd.read_csv(shared / "linkoping" / "regso_stats_2022.csv", dtype={"regsokod": str})
    theirs = theirs.set_index("regsokod")[ours.columns]
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False, atol=1e-9, rtol=0)
