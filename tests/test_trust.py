"""Answers that say how sure they are: no area from a guess, no scenario or input misread.

Hand-made cases with known answers (two squares, a register drawn by hand), inputs the
fixtures do not contain (streets the register lacks), and the real Linköping study.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from geo.areas import assign_addresses
from geo.cli import main
from geo.errors import GeoValueError, StudyMismatchError
from geo.geocoding import Register, geocoded_table, is_typo, normalize_street
from geo.numbers import parse_number, parse_numbers
from geo.scenario_file import (
    Scenario,
    ScenarioBase,
    read_scenario,
    scenario_document,
    scenario_schema,
    write_scenario,
)

E0, N0 = 530_000.0, 6_470_000.0


@pytest.mark.parametrize(
    "typed,candidate,typo",
    [
        ("Storgatan", "Torggatan", False),  # a real word, not a slip
        ("Ågatan", "Aspgatan", False),
        ("Nygatan", "Nyagatan", False),  # one letter, but both are words
        ("Kungsgränd", "Kungsgatan", False),  # another kind of street
        ("Västergatan", "Östergatan", False),
        ("Norra Lindgatan", "Södra Lindgatan", False),
        ("Drotninggatan", "Drottninggatan", True),  # a letter missing
        ("Drottninggtan", "Drottninggatan", True),
        ("Stogratan", "Storgatan", True),  # two neighbours swapped
        ("Agatan", "Ågatan", True),  # accents only
        ("Sankt Lars gatan", "Sankt Larsgatan", True),  # a space
        ("Kortgata", "Kortgatan", True),  # gata ~ gatan
        ("Linkopingsvagen", "Linköpingsvägen", True),
    ],
)
def test_typo_or_another_street(typed, candidate, typo):
    assert is_typo(normalize_street(typed), normalize_street(candidate)) is typo


@pytest.fixture()
def hand_register() -> Register:
    """Streets drawn by hand on the two squares (A west of E 531 000, B east of it)."""
    rows = [
        # street, number, postcode, locality, e (m east of E0)
        ("Långgatan", "1", "58111", "Staden", 200),  # spans A and B
        ("Långgatan", "2", "58111", "Staden", 600),
        ("Långgatan", "3", "58111", "Staden", 1400),
        ("Långgatan", "4", "58111", "Staden", 1800),
        ("Kortgatan", "1", "58111", "Staden", 300),  # A only
        ("Kortgatan", "2", "58111", "Staden", 400),
        ("Torggatan", "12", "58111", "Staden", 1500),  # B
        ("Nyagatan", "5", "58111", "Staden", 700),  # A
        ("Byvägen", "1", "58122", "Byn", 1700),  # Byn lies in B
        ("Byvägen", "2", "58122", "Byn", 1750),
    ]
    frame = pd.DataFrame(rows, columns=["gatunamn", "nummer", "postnummer", "postort", "de"])
    e = E0 + frame["de"].to_numpy(dtype=float)
    return Register.from_frame(frame.drop(columns="de"), e, np.full(len(frame), N0 + 500))


QUERIES = {
    "Långgatan 99, 58111 Staden": ("ambiguous", "street", "", "A|B"),
    "Kortgatan 99, Staden": ("ok", "street", "A", "A"),
    "Okändgatan 1, Byn": ("ok", "locality", "B", "B"),
    "Okändgatan 1, 58111": ("ambiguous", "postcode", "", "A|B"),
    "Storgatan 12, Staden": ("needs_review", "", "", ""),
    "Nygatan 5, Staden": ("needs_review", "", "", ""),
    "Torgatan 12, Staden": ("ok", "address", "B", "B"),
    "Långgatan 2, Staden": ("ok", "address", "A", "A"),
    "Kortgata 1, Staden": ("ok", "address", "A", "A"),
    "Påhittad 1, 99999 Ingenstans": ("unmatched_address", "", "", ""),
}


def test_an_area_only_where_it_is_certain(square_study, hand_register):
    texts = list(QUERIES)
    table, matched = geocoded_table(pd.DataFrame({"adress": texts}), hand_register)
    t = assign_addresses(table, square_study).table
    for i, text in enumerate(texts):
        status, precision, area, candidates = QUERIES[text]
        row = t.iloc[i]
        got = (
            str(row["status"]),
            "" if pd.isna(row["location_precision"]) else str(row["location_precision"]),
            "" if pd.isna(row["area"]) else str(row["area"]),
            "" if pd.isna(row["candidate_areas"]) else str(row["candidate_areas"]),
        )
        assert got == (status, precision, area, candidates), text
        located = status == "ok"
        # no distance without a certain area; approximate where located at an extent
        assert np.isfinite(row["own_base_distance_m"]) == located, text
        assert bool(row["distance_approximate"]) == (located and precision != "address"), text
    by = dict(zip(texts, t.to_dict("records"), strict=True))
    amb = by["Långgatan 99, 58111 Staden"]
    assert "street 'långgatan' in postcode 581 11 lies in 2 areas (A, B)" in amb["reason"]
    assert np.isnan(amb["e_3006"]) and pd.isna(amb["own_base"])
    unknown = by["Okändgatan 1, 58111"]["reason"]
    assert "street 'okändgatan' is not in the register" in unknown and "2 areas" in unknown
    review = by["Storgatan 12, Staden"]
    assert "did you mean Torggatan 12, Staden?" in review["reason"]
    assert review["suggestions"] == "Torggatan 12, Staden"
    assert by["Nygatan 5, Staden"]["suggestions"] == "Nyagatan 5, Staden"
    street = by["Kortgatan 99, Staden"]
    assert street["e_3006"] in (E0 + 300, E0 + 400) and street["match_place"] == "Kortgatan"
    assert by["Okändgatan 1, Byn"]["match_place"] == "Byn"
    # the summary counts only certain rows, in their area
    assigned = assign_addresses(table, square_study)
    counts = assigned.status_counts()
    assert counts["ambiguous"] == 2 and counts["needs_review"] == 2 and counts["ok"] == 5
    summary = assigned.summary().set_index("area")
    assert summary.loc["A", "addresses"] == 3 and summary.loc["B", "addresses"] == 2


def test_coordinates_rows_say_so(square_study):
    frame = pd.DataFrame({"e": [E0 + 100, E0 + 5000, np.nan], "n": [N0 + 100] * 3})
    t = assign_addresses(frame, square_study, crs=3006).table
    assert t["location_precision"].astype(object).fillna("").tolist() == [
        "coordinates", "coordinates", "",
    ]  # fmt: skip
    assert t["candidate_areas"].astype(object).fillna("").tolist() == ["A", "", ""]
    assert not t["distance_approximate"].any()


@pytest.mark.slow
def test_unknown_streets_of_a_real_study_never_get_a_guessed_area(study):
    """Streets the register lacks, on the synthetic Linköping register: the city lies in
    four areas, so an unknown street in Linköping has no area; a locality in one area does."""
    from geo.crs import to_sweref
    from geo.synthetic import synthetic_register

    reg = synthetic_register(6000, seed=4, study=study)
    e, n = to_sweref(reg["lon"].to_numpy(), reg["lat"].to_numpy(), 4326)
    register = Register.from_frame(reg, e, n)
    texts = ["Zyxwvägen 3, Linköping", "Påhittadvägen 7, Ljungsbro", "Drottninggatan 12, Linköping"]
    table, _ = geocoded_table(pd.DataFrame({"address": texts}), register)
    t = assign_addresses(table, study).table
    assert t["status"].astype(str).tolist()[:2] == ["ambiguous", "ok"]
    assert t["candidate_areas"].iloc[0] == "norr|väster|syd|öster"
    assert "Linköping lies in 4 areas" in t["reason"].iloc[0]
    assert t["area"].iloc[1] == "norr" and t["location_precision"].iloc[1] == "locality"
    assert t["status"].iloc[2] in ("ambiguous", "needs_review")
    assert pd.isna(t["area"].iloc[2])


@pytest.mark.slow
def test_cli_assign_lists_doubt_apart(tmp_path, capsys):
    reg = tmp_path / "register.csv"
    assert (
        main(["demo-addresses", "--with-streets", "-n", "1500", "--seed", "2", "-o", str(reg)]) == 0
    )
    r = pd.read_csv(reg)
    texts = [*r["address"].head(5), "Zyxwvägen 3, Linköping", "Påhittadgatan 9, 999 99 X"]
    src = tmp_path / "klienter.csv"
    pd.DataFrame({"adress": texts}).to_csv(src, index=False)
    out = tmp_path / "res.csv"
    assert main(["assign", str(src), "--register", str(reg), "-o", str(out)]) == 0
    printed = capsys.readouterr()
    assert "ambiguous 1" in printed.out and "unmatched_address 1" in printed.out
    t = pd.read_csv(out, keep_default_na=False)
    assert t["status"].tolist() == ["ok"] * 5 + ["ambiguous", "unmatched_address"]
    assert t["area"].iloc[5] == "" and t["own_base_distance_m"].iloc[5] == ""
    assert set(t["candidate_areas"].iloc[5].split("|")) == {"norr", "väster", "syd", "öster"}
    summary = pd.read_csv(tmp_path / "res_summary.csv")
    assert summary.loc[summary["area"] == "all", "addresses"].max() == 5


def test_one_number_reading():
    texts = ["585 123", "6\u00a0472\u202f123,45", "\u221212,5", "58.41", "1e3", "", "abc",
             "1,234.5", "inf", "nan", "12 kr", "+7"]  # fmt: skip
    values, reasons = parse_numbers(pd.Series(texts, dtype=object), "e")
    for text, v, why in zip(texts, values, reasons, strict=True):
        if why:
            with pytest.raises(GeoValueError, match=why.split(":")[0]):
                parse_number(text, "e")
        else:
            assert parse_number(text, "e") == v
    assert values[:5].tolist() == [585123.0, 6472123.45, -12.5, 58.41, 1000.0]
    assert reasons[5] == "e is missing" and reasons[6] == "e is not a number: 'abc'"
    assert np.isnan(values[7:11]).all() and values[11] == 7.0


# ----------------------------------------------------------------------------- scenarios


def _scenario_file(tmp_path, study, changes):
    doc = scenario_document(Scenario.today(study, name="test"))
    doc.update(changes)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_scenario_round_trip_follows_the_schema(tmp_path, study):
    import jsonschema

    sc = Scenario.today(study, name="idag", threshold=4.0, demand="grid", mode="straight")
    path = write_scenario(sc, tmp_path / "s.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, scenario_schema())
    assert doc["study"] == {"kommun": "0580", "name": study.name} and doc["version"] == 2
    back = read_scenario(path, study=study)
    assert back.bases == sc.bases and back.threshold == 4.0 and back.kommun == "0580"


@pytest.mark.parametrize(
    "changes,message",
    [
        (
            {"study": {"kommun": "0581", "name": "Norrköping (kommun 0581)"}},
            "was made for kommun 0581 (Norrköping (kommun 0581)), but this run's study is 0580",
        ),
        (
            {"mode": "car", "unit": "min", "threshold": 30},
            "measures car travel time (minutes) (threshold 30 min), but this run measures "
            "straight-line distance (km); pass --mode car",
        ),
        (
            {"demand": "addresses per 500 m cell"},
            "was judged on demand 'addresses per 500 m cell', this run on 'grid'; pass the same "
            "--addresses FILE with --cell-size-m 500",
        ),
        ({"version": 7}, "is version 7, which this geo does not know"),
        (
            {"bases": [{"name": "Oslo", "lat": 59.91, "lon": 10.75}]},
            "'Oslo' lies outside Linköping (kommun 0580)",
        ),
        ({"weight": "votes"}, "does not follow the scenario schema at weight"),
        ({"format": "something"}, "does not follow the scenario schema at format"),
    ],
)
@pytest.mark.slow
def test_a_scenario_from_elsewhere_stops_with_one_line(tmp_path, study, capsys, changes, message):
    path = _scenario_file(tmp_path, study, changes)
    with pytest.raises(GeoValueError) as err:
        read_scenario(path, study=study)
    assert message in str(err.value)
    assert main(["whatif", "--scenario", str(path), "-q"]) == 2
    err_text = capsys.readouterr().err.strip().splitlines()
    assert len(err_text) == 1 and err_text[0].startswith("geo: error: scenario: s.json")


@pytest.mark.slow
def test_bases_and_inputs_outside_the_study_stop(tmp_path, study, capsys, shared):
    assert main(["whatif", "--add", "X=10,10", "-q"]) == 2
    err = capsys.readouterr().err
    assert "what-if: 'X' lies outside Linköping (kommun 0580)" in err and "km from" in err
    assert main(["whatif", "--move", "norr=59.33,18.06", "-q"]) == 2  # Stockholm
    assert "'--move norr' lies outside" in capsys.readouterr().err
    feed = shared / "fixtures" / "gtfs_atb_region_nord_2019.zip"
    out = tmp_path / "t.csv"
    args = [
        "assign",
        "--demo-count",
        "50",
        "--mode",
        "transit",
        "--gtfs",
        str(feed),
        "-o",
        str(out),
    ]
    assert main([*args, "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("geo: error: the feed's nearest stop is ") and " km from Linköping" in err
    km = float(err.split("nearest stop is ")[1].split(" km")[0].replace(",", ""))
    assert 500 < km < 1000  # Trøndelag
    assert "--allow-far-inputs" in err


@pytest.mark.slow
def test_a_register_of_another_municipality_stops(tmp_path, study, capsys):
    reg = tmp_path / "reg.csv"
    pd.DataFrame({"gatunamn": ["Storgatan"], "nummer": ["1"], "postnummer": ["11122"],
                  "postort": ["Stockholm"], "lat": [59.33], "lon": [18.06]}).to_csv(reg, index=False)  # fmt: skip
    src = tmp_path / "a.csv"
    pd.DataFrame({"adress": ["Storgatan 1, Stockholm"]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    assert main(["assign", str(src), "--register", str(reg), "-o", str(out), "-q"]) == 2
    assert "the register's nearest address is" in capsys.readouterr().err
    assert main(["assign", str(src), "--register", str(reg), "-o", str(out), "-q",
                 "--allow-far-inputs"]) == 0  # fmt: skip
    assert pd.read_csv(out)["status"].tolist() == ["outside"]


def test_scenario_base_check_is_the_study_area(study):
    e, n = study.base_xy
    study.require_in_study(e, n, list(study.names["base"]), "bases", "fix")
    with pytest.raises(StudyMismatchError, match="'far' lies outside"):
        study.require_in_study(np.array([e[0], 100_000.0]), np.array([n[0], 6_000_000.0]),
                               ["ok", "far"], "bases", "fix")  # fmt: skip
    sc = Scenario((ScenarioBase("x", float(e[0]), float(n[0])),))
    assert scenario_document(sc)["bases"][0]["name"] == "x"


def test_lookup_path_equals_the_batch_path(square_study, hand_register):
    """The service's address table (no match report) is the one geo geocode/assign build:
    the same rows, flags, reasons, extents and so the same assignment."""
    from geo.geocoding import address_table

    texts = list(QUERIES)
    batch, _ = geocoded_table(pd.DataFrame({"address": texts}), hand_register)
    lookup = address_table(texts, hand_register)
    pd.testing.assert_frame_equal(lookup.frame, batch.frame)
    assert np.array_equal(lookup.x, batch.x, equal_nan=True)
    assert np.array_equal(lookup.y, batch.y, equal_nan=True)
    for name in ("reason", "unmatched", "review", "precision"):
        assert getattr(lookup, name).tolist() == getattr(batch, name).tolist(), name
    assert lookup.notes == batch.notes and lookup.extents.what == batch.extents.what
    a = assign_addresses(lookup, square_study).table
    b = assign_addresses(batch, square_study).table
    pd.testing.assert_frame_equal(a, b)
