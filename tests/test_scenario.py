"""Siting scenarios on the real Linköping grid, spopt agreement, what-if, CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.errors import GeoValueError
from geo.siting import (
    candidate_sites,
    demand_points,
    max_coverage,
    pcenter,
    pmedian,
    site,
    sweep,
    tradeoff,
    what_if,
)


@pytest.mark.slow
def test_demand_weights(study):
    pop = demand_points(study)
    assert 160_000 < pop["weight"].sum() < 172_000 and (pop["weight"] == pop["population"]).all()
    kids = demand_points(study, "children")
    # children 0-17 in Linköping 2022: about 20 % of the population
    assert 0.17 < kids["weight"].sum() / pop["weight"].sum() < 0.25
    eq = demand_points(study, equity=1.0)
    sk = eq["regsonamn"] == "Skäggetorp-Tornby"
    # the RegSO with the highest share of low economic standard counts double
    assert np.allclose(eq.loc[sk, "weight"], 2 * eq.loc[sk, "population"])
    with pytest.raises(GeoValueError, match="weight: must be one of"):
        demand_points(study, "votes")


def test_candidates(study):
    c = candidate_sites(study, ("localities", "regso"))
    assert c["kind"].iloc[:4].eq("base").all() and c["base_id"].iloc[:4].tolist() == study.base_ids
    assert "Ljungsbro" in set(c["site"]) and "Linköping" not in set(c["site"])
    assert (c["kind"] == "regso").sum() == 32
    with pytest.raises(GeoValueError, match="unknown kinds"):
        candidate_sites(study, ("shops",))


def test_site_two_new_bases_outside_the_city(study):
    r = site(study, add=2)
    s = r.solution
    assert s.status == "optimal" and len(s.selected) == 6
    assert r.proposals["new"].sum() == 2 and set(study.bases["base_name"]) <= set(
        r.proposals["site"]
    )
    # existing bases fixed, so the total can only improve
    ba = r.before_after.set_index(["area", "settlement_class"])
    allrow = ba.loc[("all", "all")]
    assert allrow["mean_after"] < allrow["mean_before"]
    assert ba.loc[("all", "locality"), "mean_after"] < ba.loc[("all", "locality"), "mean_before"]
    assert r.partition["regsokod"].nunique() == 32
    # the ranked proposals' served population adds up to the grid population
    assert r.proposals["population_served"].sum() == pytest.approx(r.demand["population"].sum())
    assert "<b>pmedian</b>" in r._repr_html_()


@pytest.mark.slow
def test_objectives_and_errors(study):
    cov = site(study, add=1, objective="coverage", threshold_km=5)
    cen = site(study, add=1, objective="center")
    med = site(study, add=1)
    # each objective wins on its own measure
    m_all = {
        k: r.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
        for k, r in (("cov", cov), ("cen", cen), ("med", med))
    }
    assert m_all["cen"]["max_after"] <= m_all["med"]["max_after"] + 1e-6
    assert m_all["med"]["mean_after"] <= m_all["cov"]["mean_after"] + 1e-6
    assert m_all["cov"]["share_within_after"] >= m_all["med"]["share_within_after"] - 1e-9
    with pytest.raises(GeoValueError, match="only .* candidates"):
        site(study, add=200)
    with pytest.raises(GeoValueError, match="capacity: 5 sites"):
        site(study, add=1, capacity=1000)


@pytest.mark.slow
def test_sweep_and_tradeoff(study):
    sw = sweep(study, range(4, 7))
    assert sw["bases"].tolist() == [4, 5, 6]
    assert (np.diff(sw["value"]) < 0).all() and (sw["marginal_gain"].iloc[1:] > 0).all()
    tr = tradeoff(study, add=1)
    assert tr["objective"].tolist() == ["pmedian", "coverage", "center"]
    assert tr.set_index("objective").loc["center", "worst"] == tr["worst"].min()


def test_what_if_close_and_add(study):
    t = what_if(study, close=("syd",)).set_index(["group", "name"])
    assert t.loc[("all", "all"), "worse"] > 0 and t.loc[("all", "all"), "better"] == 0
    assert t.loc[("all", "all"), "mean_after"] > t.loc[("all", "all"), "mean_before"]
    assert t.loc[("area", "väster"), "worse"] == 0  # Ryd's people are not Lambohov's
    t = what_if(study, add={"Ljungsbro": (58.5085, 15.4980)}).set_index(["group", "name"])
    assert t.loc[("class", "locality"), "better"] > 3000 and t.loc[("all", "all"), "worse"] == 0
    assert (
        t.loc[("locality", "Ljungsbro"), "better"] == t.loc[("locality", "Ljungsbro"), "weighted"]
    )
    assert t.loc[("locality", "Ljungsbro"), "mean_after"] < 1500
    # children weight: the same people, counted as children
    c = what_if(study, add={"Ljungsbro": (58.5085, 15.4980)}, weight="children")
    assert c.iloc[0]["weighted"] < 0.3 * c.iloc[0]["population"]
    with pytest.raises(GeoValueError, match="unknown base ids"):
        what_if(study, close=("nope",))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.slow
def test_same_optimum_as_spopt():
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 10_000, (80, 2))
    cand = rng.uniform(0, 10_000, (25, 2))
    c = np.hypot(pts[:, None, 0] - cand[None, :, 0], pts[:, None, 1] - cand[None, :, 1])
    w = rng.integers(1, 100, 80).astype(float)
    solver = pulp.HiGHS(msg=False)
    ref = locate.PMedian.from_cost_matrix(c, w, p_facilities=5).solve(solver)
    assert pmedian(c, w, 5).value == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)
    ref = locate.MCLP.from_cost_matrix(c, w, service_radius=2000, p_facilities=5).solve(solver)
    assert max_coverage(c, w, 5, threshold=2000).value == pytest.approx(
        pulp.value(ref.problem.objective)
    )
    ref = locate.PCenter.from_cost_matrix(c, p_facilities=5).solve(solver)
    assert pcenter(c, None, 5).value == pytest.approx(pulp.value(ref.problem.objective), rel=1e-9)


@pytest.mark.slow
def test_cli_site_and_whatif(tmp_path, capsys):
    out = tmp_path / "s"
    assert (
        main(
            [
                "site",
                "--add",
                "1",
                "--sweep",
                "4-5",
                "--tradeoff",
                "-o",
                str(out),
                "--time-limit",
                "30",
            ]
        )
        == 0
    )
    for f in (
        "proposals.gpkg",
        "proposals.csv",
        "partition.csv",
        "before_after.csv",
        "sweep.csv",
        "tradeoff.csv",
    ):
        assert (out / f).exists(), f
    text = capsys.readouterr().out
    assert "optimal" in text and "Before/after" in text
    assert len(pd.read_csv(out / "proposals.csv")) == 5
    assert (
        main(
            [
                "whatif",
                "--close",
                "syd",
                "--add",
                "Ljungsbro=58.5085,15.4980",
                "-o",
                str(tmp_path / "w.csv"),
            ]
        )
        == 0
    )
    w = pd.read_csv(tmp_path / "w.csv")
    assert w["group"].tolist()[:8] == ["all", *["area"] * 4, "class", "class", "class"]
    assert w["name"].tolist()[5:8] == ["city", "locality", "countryside"]
    assert main(["whatif", "--add", "Ljungsbro:58.5"]) == 2
    assert "NAME=LAT,LON" in capsys.readouterr().err


def test_demand_from_the_users_addresses(study, tmp_path, capsys):
    from geo.areas import assign_addresses
    from geo.synthetic import synthetic_addresses

    t = assign_addresses(synthetic_addresses(3000, seed=4, study=study), study).table
    r = site(study, add=1, addresses=t)
    assert r.demand["population"].sum() == 3000 and r.solution.status == "optimal"
    assert "3,000 of the user's addresses" in r.notes[0]
    path = tmp_path / "a.csv"
    t.to_csv(path, index=False)
    assert (
        main(["site", "--add", "1", "--addresses", str(path), "-o", str(tmp_path / "s"), "-q"]) == 0
    )
    with pytest.raises(GeoValueError, match="output of 'geo assign'"):
        site(study, add=1, addresses=pd.DataFrame({"x": [1]}))


@pytest.mark.slow
def test_capacity_holds_on_linkoping(study):
    """geo site --add 2 --capacity 36915 (issue 30): every load within the capacity, optimal or
    within 1 %, and the mean after no worse than before."""
    r = site(study, add=2, capacity=36915)
    s = r.solution
    assert s.status == "optimal" or s.gap <= 0.01
    assert (r.proposals["weight_served"] <= 36915 + 1e-6).all()
    loads = np.bincount(s.assignment, weights=r.demand["weight"].to_numpy())
    assert loads.max() <= 36915 + 1e-6
    a = r.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
    assert a["mean_after"] <= a["mean_before"]
    assert (r.proposals["capacity"] == 36915).all()


def test_site_figures_follow_the_weight_as_whatif(study):
    """geo site --weight children and geo whatif --weight children with its sites: the same
    means before and after (issue 30)."""
    r = site(study, add=2, weight="children")
    a = r.before_after.query("area == 'all' and settlement_class == 'all'").iloc[0]
    new = r.proposals[r.proposals["new"]]
    add = {row.site: (row.lat, row.lon) for row in new.itertuples()}
    t = what_if(study, add=add, weight="children").set_index(["group", "name"])
    assert a["weight"] == "children"
    assert a["weighted"] == pytest.approx(t.loc[("all", "all"), "weighted"], rel=1e-9)
    assert a["mean_before"] == pytest.approx(t.loc[("all", "all"), "mean_before"], abs=1.0)
    assert a["mean_after"] == pytest.approx(t.loc[("all", "all"), "mean_after"], abs=1.0)
    assert a["weighted"] < a["population"] / 2  # children, not everyone
