#!/usr/bin/env python3
"""Benchmark: matching text addresses to a register, ours vs plain pandas and pure Python.

100 000 text addresses (the synthetic register's own addresses, a fifth of them varied:
lower case, typos, abbreviations, missing postcode) against the 75 000-row synthetic register.
Peers, same input, same run: a plain pandas merge on normalised strings (the exact level) and
a pure-Python fuzzy loop (difflib over the streets of the postcode) on a sample. Prints rows/s,
``ratio`` lines and the accuracy on the known-answer set.
"""

from __future__ import annotations

import argparse
import difflib
import time

import numpy as np

from geo.crs import to_sweref
from geo.geocode import Register, fold, geocode, normalize_street, parse_many
from geo.synthetic import synthetic_register, varied_addresses


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--addresses", type=int, default=100_000)
    ap.add_argument("--register", type=int, default=75_000)
    ap.add_argument("--fuzzy-sample", type=int, default=2_000)
    args = ap.parse_args()

    reg = synthetic_register(args.register, seed=3)
    e, n = to_sweref(reg["lon"].to_numpy(), reg["lat"].to_numpy(), 4326)
    register = Register.from_frame(reg, e, n)
    known = varied_addresses(reg, args.addresses, seed=1, share_varied=0.16)
    texts, want = known["address"].tolist(), known["register_row"].to_numpy()

    t = time.perf_counter()
    ours = geocode(texts, register)
    t_ours = time.perf_counter() - t
    matched = ours["match_level"].isin(["exact", "fuzzy"]).to_numpy()
    right = ours["register_row"].to_numpy() == want
    print(f"== {len(texts):,} text addresses vs {len(register.table):,} register rows (synthetic)")
    print(f"ours (all levels): {t_ours:.2f} s, {len(texts) / t_ours:,.0f} rows/s")
    print("levels:", ours["match_level"].value_counts().to_dict())
    print(
        f"accuracy {right.mean():.4f} correct; wrong matches above the accept score: {int((matched & ~right).sum())}"
    )

    # peer 1: plain pandas merge on normalised strings (exact level only)
    t = time.perf_counter()
    p = parse_many(texts)
    r = register.table
    keys = ["street", "number", "letter", "postcode"]
    merged = p.assign(_i=np.arange(len(p))).merge(r.drop_duplicates(keys), on=keys, how="left")
    t_merge = time.perf_counter() - t
    print(f"pandas merge (exact level only): {t_merge:.2f} s, {len(texts) / t_merge:,.0f} rows/s, "
          f"matched {merged['row'].notna().mean():.4f}")  # fmt: skip
    print(f"ratio_vs_pandas_merge {t_merge / t_ours:.2f}")

    # peer 2: pure-Python fuzzy loop (difflib) over the non-exact rows, on a sample
    rest = np.flatnonzero(ours["match_level"].to_numpy() != "exact")[: args.fuzzy_sample]
    streets_by_pc: dict[str, list[str]] = (
        r.groupby("postcode")["street"].unique().map(list).to_dict()
    )
    t = time.perf_counter()
    for i in rest:
        q = p.iloc[int(i)]
        cands = streets_by_pc.get(q["postcode"], [])
        difflib.get_close_matches(
            fold(normalize_street(q["street"])), [fold(c) for c in cands], n=1, cutoff=0.85
        )
    t_py = time.perf_counter() - t
    t = time.perf_counter()
    geocode([texts[int(i)] for i in rest], register)
    t_ours_rest = time.perf_counter() - t
    print(f"fuzzy level on {rest.size:,} non-exact rows: ours {rest.size / t_ours_rest:,.0f} rows/s, "
          f"pure-Python difflib loop {rest.size / t_py:,.0f} rows/s")  # fmt: skip
    print(f"ratio_vs_python_fuzzy {t_py / t_ours_rest:.1f}")


if __name__ == "__main__":
    main()
