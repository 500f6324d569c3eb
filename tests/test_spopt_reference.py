"""spopt's own published test cases, rebuilt the way its tests build them, solved by geo.

The inputs are spopt's test data as its wheel installs them (``spopt/tests/test_locate/data``:
the San Francisco network distances between 205 census tracts and 16 stores, and the pickled
expected answers) and its lattice instance (spaghetti's regular lattice with points simulated
by spopt's own seeded helper). Every value spopt's tests assert is asserted here of geo's
answer; where spopt asserts only that a model is optimal, geo's objective is compared with
spopt solving the same instance in the same run. No spopt code is copied.
"""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.errors import GeoValueError
from geo.siting import max_coverage, pcenter, pmedian, set_cover

spopt_locate = pytest.importorskip("spopt.locate", reason="spopt is a test dependency")


def _data_dir() -> Path:
    import spopt

    d = Path(spopt.__file__).parent / "tests" / "test_locate" / "data"
    if not d.is_dir():
        pytest.skip(f"spopt's test data is not installed with spopt ({d})")
    return d


@pytest.fixture(scope="module")
def sf():
    """spopt's TestRealWorldLocate instance: network distance (m) from 205 tracts to 16
    stores, the tracts' population 2000 as weight, tracts sorted by NAME."""
    d = _data_dir()
    dist = pd.read_csv(d / "SF_network_distance_candidateStore_16_censusTract_205_new.csv")
    cost = dist.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(d / "SF_demand_205_centroid_uniform_weight.csv")
    demand = demand.sort_values(by=["NAME"]).reset_index()
    return cost.to_numpy(), demand["POP2000"].to_numpy(dtype="float64")


def _lattice(client_count: int, facility_count: int):
    """spopt's ``network_instance`` fixture: clients and facilities simulated on a buffered
    10 × 10 lattice (seeds 5 and 6), snapped, with network distances between them."""
    spaghetti = pytest.importorskip("spaghetti")
    import geopandas
    from spopt.locate.util import simulated_geo_points

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lattice = spaghetti.regular_lattice((0, 0, 10, 10), 9, exterior=True)
        ntw = spaghetti.Network(in_data=lattice)
        arcs = spaghetti.element_as_gdf(ntw, arcs=True)
        space = arcs["geometry"].buffer(0.2).union_all()
        street = geopandas.GeoDataFrame(
            geopandas.GeoSeries(space), crs=arcs.crs, columns=["geometry"]
        )
        clients = simulated_geo_points(street, needed=client_count, seed=5)
        ntw.snapobservations(clients, "clients", attribute=True)
        facilities = simulated_geo_points(street, needed=facility_count, seed=6)
        ntw.snapobservations(facilities, "facilities", attribute=True)
        c_snapped = spaghetti.element_as_gdf(ntw, pp_name="clients", snapped=True)
        f_snapped = spaghetti.element_as_gdf(ntw, pp_name="facilities", snapped=True)
        cost = ntw.allneighbordistances(
            sourcepattern=ntw.pointpatterns["clients"],
            destpattern=ntw.pointpatterns["facilities"],
        )
    return c_snapped, f_snapped, np.asarray(cost, dtype="float64")


def _expected(name: str):
    with open(_data_dir() / name, "rb") as fh:
        return pickle.load(fh)


def test_pmedian_sf_mean_distance_equals_spopt_asserted(sf):
    cost, pop = sf
    sol = pmedian(cost, pop, 4)
    assert sol.status == "optimal"
    # spopt: mean_dist == 2982.1268579890657 (test_p_median.py, TestRealWorldLocate)
    assert sol.value / pop.sum() == pytest.approx(2982.1268579890657, rel=1e-12)


def test_mclp_sf_coverage_equals_spopt_asserted(sf):
    cost, pop = sf
    sol = max_coverage(cost, pop, 4, threshold=5000.0)
    assert sol.status == "optimal"
    covered = (cost[:, sol.selected] <= 5000.0).any(axis=1)
    # spopt: n_cli_uncov == 21 and perc_cov == 89.75609756097561 (test_mclp.py)
    assert int((~covered).sum()) == 21
    assert covered.mean() * 100 == pytest.approx(89.75609756097561)


def test_pcenter_sf_equals_spopt_in_the_same_run(sf):
    pulp = pytest.importorskip("pulp")
    cost, pop = sf
    ours = pcenter(cost, pop, 4)
    model = spopt_locate.PCenter.from_cost_matrix(cost, 4).solve(pulp.HiGHS(msg=False))
    assert model.problem.status == pulp.LpStatusOptimal
    assert ours.status == "optimal"
    assert ours.value == pytest.approx(pulp.value(model.problem.objective), rel=1e-12)


def test_lscp_sf_fewest_sites_equals_spopt_in_the_same_run(sf):
    pulp = pytest.importorskip("pulp")
    cost, _ = sf
    ours = set_cover(cost, threshold=5000.0)
    model = spopt_locate.LSCP.from_cost_matrix(cost, 5000.0).solve(pulp.HiGHS(msg=False))
    assert ours.status == "optimal"
    assert ours.value == pytest.approx(pulp.value(model.problem.objective))
    assert (cost[:, ours.selected] <= 5000.0).any(axis=1).all()
    # spopt: a radius no site reaches every tract within is infeasible (test_lscp.py, 20)
    with pytest.raises(GeoValueError, match="no site within"):
        set_cover(cost, threshold=20.0)


def _open_sites(fac2cli) -> list[int]:
    return [j for j, clients in enumerate(fac2cli) if len(clients)]


def test_lscp_lattice_equals_spopt_pickled_answer():
    _, _, cost = _lattice(100, 5)
    ours = set_cover(cost, threshold=8.0)
    expected = _expected("lscp_fac2cli.pkl")  # each open facility with the clients it covers
    theirs = _open_sites(expected)
    for j in theirs:  # the pickle is this instance: its lists are the clients within 8
        assert sorted(expected[j]) == np.flatnonzero(cost[:, j] <= 8.0).tolist()
    # the fewest sites is the asserted objective; several covers of that size exist
    assert ours.status == "optimal"
    assert ours.value == len(theirs)
    assert (cost[:, ours.selected] <= 8.0).any(axis=1).all()


def test_lscp_lattice_with_a_fixed_site_equals_spopt_pickled_answer():
    clients, facilities, _ = _lattice(100, 5)
    # from_geodataframe: straight-line distance between the snapped points
    ce = np.array([[g.x, g.y] for g in clients.geometry])
    fe = np.array([[g.x, g.y] for g in facilities.geometry])
    cost = np.hypot(ce[:, None, 0] - fe[None, :, 0], ce[:, None, 1] - fe[None, :, 1])
    ours = set_cover(cost, threshold=8.0, fixed=[4])
    expected = _expected("lscp_preselected_loc_geodataframe_fac2cli.pkl")
    theirs = _open_sites(expected)
    assert 4 in ours.selected.tolist() and 4 in theirs
    assert (cost[:, theirs] <= 8.0).any(axis=1).all()  # the same instance: theirs covers
    assert ours.value == len(theirs)
    assert (cost[:, ours.selected] <= 8.0).any(axis=1).all()


def test_capacitated_pmedian_lattice_equals_spopt_asserted():
    _, _, cost = _lattice(2, 3)
    caps = np.array([5.0, 7.0, 10.0])
    demand = np.array([4.0, 10.0])
    # spopt: cli2fac == [[1], [2]], fac2cli == [[], [0], [1]] (test_c_p_median.py), with and
    # without facility 2 predefined
    for fixed in ((), (2,)):
        sol = pmedian(cost, demand, 2, capacity=caps, fixed=fixed)
        assert sol.assignment.tolist() == [1, 2]
        assert sorted(sol.selected.tolist()) == [1, 2]
        assert sol.status == "optimal"


def test_capacitated_pmedian_refuses_too_little_capacity_as_spopt():
    d = _data_dir()
    journeys = pd.read_csv(d / "example_subject_student_school_journeys.csv")
    cost = (
        journeys.pivot_table(
            columns="school", fill_value=10000, index="student", sort=False, values="time"
        )
        .astype(int)
        .to_numpy()
    )
    schools = pd.read_csv(d / "example_subject_schools.csv")
    caps = schools["Count"].to_numpy(dtype="float64")
    # spopt: demand 5 per student exceeds the 10 largest capacities ("Problem is infeasible.
    # The highest possible capacity ...", test_c_p_median.py)
    with pytest.raises(GeoValueError, match="capacity: 10 sites hold at most"):
        pmedian(cost, np.full(cost.shape[0], 5.0), 10, capacity=caps)
    # and with one student each it is solved, every school within its count
    sol = pmedian(cost, np.ones(cost.shape[0]), 10, capacity=caps)
    loads = np.bincount(sol.assignment, minlength=caps.size)
    assert (loads <= caps).all()
    assert sol.status == "optimal"


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_capacitated_pmedian_equals_spopt_per_site_capacities(seed):
    """Random instances with a capacity per site: geo's optimum equals spopt's capacitated
    p-median (single assignment, HiGHS through PuLP) in the same run."""
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(seed)
    pts, cand = rng.uniform(0, 10_000, (40, 2)), rng.uniform(0, 10_000, (12, 2))
    cost = np.hypot(pts[:, None, 0] - cand[None, :, 0], pts[:, None, 1] - cand[None, :, 1])
    w = rng.integers(1, 30, 40).astype(float)
    caps = rng.uniform(0.2, 0.45, 12) * w.sum()
    ours = pmedian(cost, w, 4, capacity=caps)
    model = spopt_locate.PMedian.from_cost_matrix(cost, w, 4, facility_capacities=caps)
    model = model.solve(pulp.HiGHS(msg=False))
    assert model.problem.status == pulp.LpStatusOptimal
    assert ours.status == "optimal"
    assert ours.value == pytest.approx(pulp.value(model.problem.objective), rel=1e-7)
    loads = np.bincount(ours.assignment, weights=w, minlength=12)
    assert (loads <= caps + 1e-9).all()
