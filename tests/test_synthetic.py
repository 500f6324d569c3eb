"""The synthetic address register: seeded, inside the municipality, labelled, population-like."""

from __future__ import annotations

import numpy as np
import pytest

from geo.crs import to_sweref
from geo.errors import GeoValueError
from geo.synthetic import synthetic_addresses, synthetic_xy


def test_default_size_and_labels(study):
    df = synthetic_addresses(study=study)
    # about one address per 2.2 inhabitants of the grid (~167 800) -> ~76 000
    assert 74_000 < len(df) < 78_000
    assert df["synthetic"].all() and df["source"].str.startswith("synthetic").all()
    assert df["address_id"].is_unique and df["address_id"].iloc[0] == "SYN0000001"


@pytest.mark.slow
def test_seeded_and_any_count(study):
    a = synthetic_addresses(1234, seed=5, study=study)
    b = synthetic_addresses(1234, seed=5, study=study)
    c = synthetic_addresses(1234, seed=6, study=study)
    assert len(a) == 1234 and a.equals(b) and not a.equals(c)
    assert len(synthetic_addresses(0, study=study)) == 0
    with pytest.raises(GeoValueError, match="received -1"):
        synthetic_addresses(-1, study=study)


def test_points_inside_and_distributed_like_population(study):
    e, n = synthetic_xy(60_000, seed=3, study=study)
    assert (study.regso_index.locate(e, n) >= 0).all()
    # share of addresses per settlement class follows the grid population per class
    cls = study.settlement["settlement_class"].to_numpy()[study.settlement_index.locate(e, n)]
    d = study.demand
    for c in ("city", "locality", "countryside"):
        want = (
            d.loc[d["settlement_class"] == c, "pop_in_kommun_est"].sum()
            / d["pop_in_kommun_est"].sum()
        )
        assert (cls == c).mean() == pytest.approx(want, abs=0.02), c
    # and per RegSO it follows SCB's population 2023 within a few percentage points
    regso = study.regso_index.locate(e, n)
    share = np.bincount(regso, minlength=len(study.regso)) / e.size
    want = study.regso["pop_2023"].to_numpy() / study.regso["pop_2023"].sum()
    assert np.abs(share - want).max() < 0.02


def test_lonlat_round_trip(study):
    df = synthetic_addresses(100, seed=1, study=study)
    e, n = to_sweref(df["lon"].to_numpy(), df["lat"].to_numpy(), 4326)
    assert (study.regso_index.locate(e, n) >= 0).all()
