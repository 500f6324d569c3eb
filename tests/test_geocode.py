"""Text addresses matched to a register: known answers for exact, fuzzy and fallback levels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.errors import MissingColumnError
from geo.geocoding import Register, geocode, normalize_street, parse_address


@pytest.mark.parametrize(
    "text,street,number,letter,postcode,locality",
    [
        ("Storgatan 12 B, 582 23 Linköping", "storgatan", "12", "b", "58223", "linkoping"),
        ("storgatan 12b 58223 linköping", "storgatan", "12", "b", "58223", "linkoping"),
        ("S:t Larsg. 5, Linköping", "sankt larsgatan", "5", "", "", "linkoping"),
        ("Björkv. 3-5, 58591 Linköping", "björkvägen", "3", "", "58591", "linkoping"),
        ("Ågatan 7 lgh 1101, 582 22 LINKÖPING", "ågatan", "7", "", "58222", "linkoping"),
        ("Drottninggatan 010", "drottninggatan", "10", "", "", ""),
    ],
)
def test_parse(text, street, number, letter, postcode, locality):
    assert parse_address(text) == {
        "street": street, "number": number, "letter": letter, "postcode": postcode, "locality": locality,
    }  # fmt: skip


def test_normalize_street():
    assert normalize_street("  S:t  Larsgatan ") == "sankt larsgatan"
    assert normalize_street("St. Persg.") == "sankt persgatan"
    assert normalize_street("Storg.") == "storgatan" and normalize_street("Björkv.") == "björkvägen"
    assert parse_address("bara text")["street"] == ""


@pytest.fixture()
def register():
    reg = pd.DataFrame(
        {
            "gatunamn": [
                "Storgatan",
                "Storgatan",
                "Storgatan",
                "Sankt Larsgatan",
                "Björkvägen",
                "Ågatan",
                "Ågatan",
                "Storgatan",
            ],
            "adressplatsnummer": ["12", "12", "14", "5", "3", "7", "7", "1"],
            "bokstavstillagg": ["A", "B", "", "", "", "A", "B", ""],
            "postnummer": [
                "582 23",
                "582 23",
                "582 23",
                "58224",
                "58591",
                "58222",
                "58222",
                "59330",
            ],
            "postort": ["Linköping"] * 7 + ["Västervik"],
        }
    )
    return Register.from_frame(reg, 530_000 + 10.0 * np.arange(8), 6_470_000 + np.arange(8.0))


def test_levels_with_known_answers(register):
    out = geocode(
        [
            "Storgatan 12 B, 582 23 Linköping",  # exact, row 2
            "Stogratan 14, 58223 Linköping",  # misspelt street: fuzzy, row 3
            "Storgatan 99, 58223",  # unknown number: street level
            "S:t Larsg. 5, 58224 Linköping",  # abbreviations: exact, row 4
            "Ågatan 7, 582 22 Linköping",  # letter missing, two fit: ambiguous
            "Okändgatan 1, 58223",  # unknown street: locality level
            "Storgatan 1, 11111 Stockholm",  # unknown postcode and locality
            "Björkvägen 3, 58591",  # exact, row 5
            "Storgatan 1, Västervik",  # locality instead of postcode: row 8
            "hej",
        ],
        register,
    )
    assert out["match_level"].tolist() == [
        "exact", "fuzzy", "street_level", "exact", "several", "locality_level", "unmatched",
        "exact", "exact", "unmatched",
    ]  # fmt: skip
    assert out["location_precision"].tolist() == [
        "address", "address", "street", "address", "address", "postcode", "", "address",
        "address", "",
    ]  # fmt: skip
    assert out["register_row"].tolist()[:4] == [2, 3, 0, 4]
    assert out.loc[8, "register_row"] == 8 and out.loc[7, "register_row"] == 5
    assert 80 <= out.loc[1, "score"] < 100
    # a street without the number: the street's register point nearest its middle
    assert out.loc[2, "e_3006"] == 530_010.0 and out.loc[2, "n_3006"] == 6_470_001.0
    assert "add the house letter" in out.loc[4, "reason"]
    assert "11111" in out.loc[6, "reason"] and out.loc[9, "reason"]
    assert out["input_row"].tolist() == list(range(1, 11))
    # wrong matches are never accepted above the score: a different street stays unmatched
    far = geocode(["Kungsgatan 12, 58223"], register)
    assert far.loc[0, "match_level"] == "locality_level"


def test_register_columns_are_required():
    with pytest.raises(MissingColumnError, match="no street column"):
        Register.from_frame(pd.DataFrame({"a": ["x"]}), np.zeros(1), np.zeros(1))


def test_cli_geocode(tmp_path, capsys):
    reg = tmp_path / "reg.csv"
    pd.DataFrame(
        {"gatunamn": ["Storgatan", "Ågatan"], "nummer": ["12 B", "7"], "postnummer": ["58223", "58222"],
         "postort": ["Linköping", "Linköping"], "lat": [58.4108, 58.4120], "lon": [15.6214, 15.6250]}
    ).to_csv(reg, index=False)  # fmt: skip
    src = tmp_path / "adr.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3],
            "adress": ["Storgatan 12B, 582 23 Linköping", "Ågatan 7, 58222", "Nowhere 1"],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "geo.csv"
    assert (
        main(
            ["geocode", str(src), "--register", str(reg), "--address-col", "adress", "-o", str(out)]
        )
        == 0
    )
    t = pd.read_csv(out)
    assert t["match_level"].tolist() == ["exact", "exact", "unmatched"] and t["id"].tolist() == [
        1,
        2,
        3,
    ]
    assert (tmp_path / "geo_match_summary.csv").exists()
    assert "exact" in capsys.readouterr().out


@pytest.mark.slow
def test_accuracy_on_the_synthetic_register(study):
    from geo.crs import to_sweref
    from geo.synthetic import synthetic_register

    reg = synthetic_register(20_000, seed=3, study=study)
    assert reg["synthetic"].all()
    assert not reg.duplicated(["gatunamn", "adressplatsnummer", "bokstavstillagg", "postort"]).any()
    e, n = to_sweref(reg["lon"].to_numpy(), reg["lat"].to_numpy(), 4326)
    register = Register.from_frame(reg, e, n)
    from geo.synthetic import varied_addresses

    known = varied_addresses(reg, 2000, seed=1)
    assert set(known["variant"]) == {"case", "typo", "abbrev", "no_postcode"}
    texts, kinds = known["address"].tolist(), known["variant"].to_numpy()
    out = geocode(texts, register)
    matched = out["match_level"].isin(["exact", "fuzzy"]).to_numpy()
    right = out["register_row"].to_numpy() == known["register_row"].to_numpy()
    assert right.mean() >= 0.99  # target: >= 99 % correct
    assert (matched & ~right).sum() == 0  # and no wrong match above the accept score
    assert (out.loc[kinds == "typo", "match_level"] == "fuzzy").mean() > 0.9
    # the synthetic register's own one-line addresses all match exactly
    assert (geocode(reg["address"].head(500), register)["match_level"] == "exact").all()


@pytest.mark.slow
def test_assign_text_addresses_with_a_register(tmp_path, capsys):
    reg = tmp_path / "register.csv"
    assert (
        main(["demo-addresses", "--with-streets", "-n", "1500", "--seed", "2", "-o", str(reg)]) == 0
    )
    r = pd.read_csv(reg)
    assert {"gatunamn", "adressplatsnummer", "postnummer", "postort", "address"} <= set(r.columns)
    texts = list(r["address"].head(40)) + ["Påhittadgatan 99, 999 99 Ingenstans", ""]
    src = tmp_path / "klienter.csv"
    pd.DataFrame({"id": range(len(texts)), "adress": texts}).to_csv(src, index=False)
    out = tmp_path / "res.csv"
    assert main(["assign", str(src), "--register", str(reg), "-o", str(out), "-q"]) == 0
    t = pd.read_csv(out, keep_default_na=False)
    assert t["status"].tolist() == ["ok"] * 40 + ["unmatched_address"] * 2
    assert (t["match_level"].head(40) == "exact").all()
    assert t["reason"].iloc[40].startswith("address: postcode/locality not in the register")
    assert set(t["area"].head(40)) <= {"norr", "väster", "syd", "öster"}
    assert (tmp_path / "res_match_summary.csv").exists()


def test_parse_many_equals_parse_address():
    from geo.geocoding import parse_many

    texts = [
        "Storgatan 12 B, 582 23 Linköping",
        "S:t Larsg. 5, Linköping",
        "hej",
        "",
        "Ågatan 7 lgh 1101, 58222 X",
    ]
    many = parse_many(texts).to_dict("records")
    assert many == [parse_address(t) for t in texts]


def test_register_columns_by_flag(tmp_path):
    reg = tmp_path / "reg.csv"
    pd.DataFrame(
        {"g": ["Storgatan"], "nr": ["12"], "pn": ["58223"], "lat": [58.41], "lon": [15.62]}
    ).to_csv(reg, index=False)
    src = tmp_path / "a.csv"
    pd.DataFrame({"adress": ["Storgatan 12, 58223"]}).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    assert main(["geocode", str(src), "--register", str(reg), "-o", str(out)]) == 2  # names unknown
    assert main(["geocode", str(src), "--register", str(reg), "-o", str(out), "--register-street-col", "g",
                 "--register-number-col", "nr", "--register-postcode-col", "pn"]) == 0  # fmt: skip
    assert pd.read_csv(out)["match_level"].tolist() == ["exact"]
