"""Match text addresses ("Storgatan 12 B, 582 23 Linköping") to an address register.

Offline and local: no address is sent to any service. Each input row gets a ``match_level``:

``exact``
    Street, number (and letter) and postcode or locality as in the register.
``fuzzy``
    The street name matched approximately (score ≥ ``min_score``) within the same postcode
    or locality, number exact.
``street_level``
    The street is known there but not the number: the street's centroid.
``locality_level``
    Only the postcode (or locality) is known: its centroid.
``ambiguous``
    Several register rows fit equally well: listed, never guessed.
``unmatched``
    Nothing usable; the reason says why.

Normalisation: case, white space, punctuation, "S:t"/"St." → "sankt", "g."/"gat." → "gatan",
"v." → "vägen", "pl." → "platsen", house letters ("12B", "12 B", "12 b"), number ranges
("12-14" → 12), postcodes with or without space; å/ä/ö are kept for exact matching and folded
to a/a/o for fuzzy matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .addresses import AddressTable
from .crs import SWEREF99TM, parse_crs
from .errors import GeoValueError, MissingColumnError
from .tables import find_column

__all__ = ["LEVELS", "Register", "geocode", "normalize_street", "parse_address"]

LEVELS = ("exact", "fuzzy", "street_level", "locality_level", "ambiguous", "unmatched")

_ABBREV = [
    (r"\bs:t\b\.?", "sankt"),
    (r"\bst\.(?=\s)", "sankt"),
    (r"\bs\.t\.?", "sankt"),
]
_SUFFIX = [
    (r"(\w)g(?:at)?\.$", r"\1gatan"),
    (r"(\w)v\.$", r"\1vägen"),
    (r"(\w)pl\.$", r"\1platsen"),
    (r"\bg(?:at)?\.$", "gatan"),
    (r"\bv\.$", "vägen"),
]
_ADDRESS = re.compile(
    r"""^\s*(?P<street>.*?[^\d\s,])\s*            # street name (ends in a non-digit)
        (?P<number>\d+)\s*(?:-\s*\d+)?\s*         # house number, maybe a range
        (?P<letter>[a-zåäö])?\b                   # house letter
        (?:\s*(?:lgh|lägenhet|uppg\.?|uppgång)\s*\w+)?  # flat or entrance, ignored
        \s*,?\s*(?P<postcode>\d{3}\s?\d{2})?      # postcode
        \s*,?\s*(?P<locality>[^\d,]*?)\s*$        # locality
    """,
    re.IGNORECASE | re.VERBOSE,
)


def fold(text: str) -> str:
    """Lower case, å/ä/ö and other accents folded to ASCII letters (for fuzzy comparison)."""
    norm = unicodedata.normalize("NFKD", str(text).casefold())
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


def normalize_street(text: str) -> str:
    """A street name in a canonical form: ``"S:t Larsg."`` -> ``"sankt larsgatan"``."""
    t = re.sub(r"\s+", " ", str(text).casefold().strip())
    for pat, rep in _ABBREV:
        t = re.sub(pat, rep, t)
    for pat, rep in _SUFFIX:
        t = re.sub(pat, rep, t)
    t = re.sub(r"[^\wåäö ]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def _postcode(text: object) -> str:
    digits = re.sub(r"\D", "", str(text)) if text is not None else ""
    return digits if len(digits) == 5 else ""


def parse_many(texts: list[str]) -> pd.DataFrame:
    """:func:`parse_address` for many texts at once (vectorised; names normalised once each)."""
    raw = pd.Series(texts, dtype="object").fillna("").astype(str)
    m = raw.str.extract(_ADDRESS)
    ok = m["street"].notna() & m["number"].notna()
    streets = m["street"].fillna("")
    uniq = {v: normalize_street(v) for v in streets.unique()}
    locs = m["locality"].fillna("")
    uniq_loc = {v: fold(v).strip() for v in locs.unique()}
    out = pd.DataFrame(
        {
            "street": streets.map(uniq),
            "number": m["number"].fillna("").map(lambda v: str(int(v)) if v else ""),
            "letter": m["letter"].fillna("").str.casefold(),
            "postcode": m["postcode"].fillna("").str.replace(" ", "", regex=False),
            "locality": locs.map(uniq_loc),
        }
    )
    out.loc[~ok, :] = ""
    out.loc[out["postcode"].str.len() != 5, "postcode"] = ""
    return out


def _exact_merge(parsed: pd.DataFrame, reg: pd.DataFrame) -> np.ndarray:
    """Register position of each parsed address that matches exactly one row; else -1.

    A plain merge on the normalised keys (street, number, letter and postcode, else
    locality); keys that occur more than once in the register are left to the careful path.
    """
    out = np.full(len(parsed), -1, dtype=np.int64)
    left = parsed.assign(_i=np.arange(len(parsed)))
    right = reg.assign(_k=np.arange(len(reg)))
    for area in ("postcode", "locality"):
        todo = left[(out[left["_i"]] < 0) & (left[area] != "") & (left["street"] != "")]
        if todo.empty:
            continue
        keys = ["street", "number", "letter", area]
        counts = right.groupby(keys)["_k"].agg(["first", "size"]).reset_index()
        unique = counts[counts["size"] == 1]
        joined = todo.merge(unique, on=keys, how="inner")
        out[joined["_i"].to_numpy()] = joined["first"].to_numpy()
    return out


def parse_address(text: str) -> dict[str, str]:
    """Split a text address into street, number, letter, postcode and locality.

    Returns empty strings for the parts that are missing; ``street`` empty means the text
    could not be read as an address.
    """
    m = _ADDRESS.match(str(text)) if text is not None else None
    if not m:
        return {"street": "", "number": "", "letter": "", "postcode": "", "locality": ""}
    return {
        "street": normalize_street(m.group("street")),
        "number": str(int(m.group("number"))),
        "letter": (m.group("letter") or "").casefold(),
        "postcode": _postcode(m.group("postcode")),
        "locality": fold(m.group("locality") or "").strip(),
    }


@dataclass
class Register:
    """An address register with coordinates (EPSG:3006), normalised for matching.

    Build it with :meth:`from_frame`. Columns of :attr:`table`: ``label`` (the address as the
    register writes it: street, number and letter, locality), ``street``, ``number``,
    ``letter``, ``postcode``, ``locality`` (normalised), ``e``, ``n``, ``row`` (the source row,
    1-based).
    """

    table: pd.DataFrame

    @cached_property
    def _labels(self) -> tuple[list[str], list[str]]:
        labels = sorted(set(self.table["label"].astype(str)), key=str.casefold)
        return [lab.casefold() for lab in labels], labels

    def suggest(self, text: str, *, limit: int = 8) -> list[str]:
        """Register addresses that begin with ``text`` (any case), in order, at most ``limit``."""
        import bisect

        keys, labels = self._labels
        start = bisect.bisect_left(keys, text.casefold())
        out: list[str] = []
        for key, label in zip(keys[start:], labels[start:], strict=True):
            if not key.startswith(text.casefold()) or len(out) >= limit:
                break
            out.append(label)
        return out

    @cached_property
    def index(self) -> _Index:
        """Dictionary indexes for matching, built once per register."""
        return _Index(self.table)

    STREET = ("gatunamn", "gata", "adressomrade", "adressomradesnamn", "street", "vag", "väg")
    NUMBER = ("adressplatsnummer", "nummer", "husnummer", "gatunummer", "number", "housenumber")
    LETTER = ("bokstavstillagg", "bokstav", "letter", "litt")
    POSTCODE = ("postnummer", "postnr", "postcode", "postal_code", "zip")
    LOCALITY = ("postort", "ort", "locality", "city", "tatort")

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        e: np.ndarray,
        n: np.ndarray,
        *,
        columns: dict[str, str] | None = None,
    ) -> Register:
        """Normalise a register table; ``e``/``n`` are its coordinates in EPSG:3006."""
        columns = dict(columns or {})
        for key, names in (("street", cls.STREET), ("number", cls.NUMBER), ("letter", cls.LETTER),
                           ("postcode", cls.POSTCODE), ("locality", cls.LOCALITY)):  # fmt: skip
            if key not in columns:
                found = find_column(frame, names)
                if found:
                    columns[key] = found
        for key in ("street", "number"):
            if key not in columns:
                raise MissingColumnError(
                    f"register: no {key} column found among {list(frame.columns)[:15]}; name it "
                    f"with --register-{key}-col"
                )
        if "postcode" not in columns and "locality" not in columns:
            raise MissingColumnError("register: needs a postcode or a locality column")
        num_raw = frame[columns["number"]].astype(str).str.strip()
        num = num_raw.str.extract(r"^(\d+)\s*([A-Za-zÅÄÖåäö]?)")
        letter = (
            frame[columns["letter"]].fillna("").astype(str).str.strip().str.casefold()
            if "letter" in columns
            else num[1].fillna("").str.casefold()
        )
        label = (
            frame[columns["street"]].fillna("").astype(str).str.strip()
            + " "
            + num_raw
            + (
                frame[columns["letter"]].fillna("").astype(str).str.strip()
                if "letter" in columns
                else ""
            )
        )
        if "locality" in columns:
            label = label + ", " + frame[columns["locality"]].fillna("").astype(str).str.strip()
        t = pd.DataFrame(
            {
                "label": label.to_numpy(dtype=object),
                "street": frame[columns["street"]].fillna("").map(normalize_street),
                "number": num[0].fillna("").map(lambda v: str(int(v)) if v else ""),
                "letter": letter,
                "postcode": frame[columns["postcode"]].map(_postcode)
                if "postcode" in columns
                else "",
                "locality": frame[columns["locality"]].fillna("").map(lambda v: fold(v).strip())
                if "locality" in columns
                else "",
                "e": np.asarray(e, dtype="float64"),
                "n": np.asarray(n, dtype="float64"),
                "row": np.arange(1, len(frame) + 1),
            }
        )
        t = t[(t["street"] != "") & (t["number"] != "") & np.isfinite(t["e"])].reset_index(
            drop=True
        )
        if t.empty:
            raise GeoValueError("register: no row with a street, a number and coordinates")
        return cls(t)


class _Index:
    """Dictionary indexes over a register for fast row-by-row matching."""

    def __init__(self, reg: pd.DataFrame) -> None:
        self.e = reg["e"].to_numpy()
        self.n = reg["n"].to_numpy()
        self.row = reg["row"].to_numpy()
        self.number = reg["number"].astype(str).tolist()
        self.letter = reg["letter"].astype(str).tolist()
        self.exact: dict[tuple[str, str, str, str, str], list[int]] = {}
        self.streets: dict[tuple[str, str], dict[str, list[int]]] = {}
        self.folded: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        cols = [
            reg[c].astype(str).tolist()
            for c in ("street", "number", "letter", "postcode", "locality")
        ]
        for k, (st, num, let, pc, loc) in enumerate(zip(*cols, strict=True)):
            for kind, area in (("postcode", pc), ("locality", loc)):
                if area:
                    self.exact.setdefault((kind, area, st, num, let), []).append(k)
                    self.streets.setdefault((kind, area), {}).setdefault(st, []).append(k)
        for key, streets in self.streets.items():
            names = list(streets)
            self.folded[key] = (names, [fold(x) for x in names])

    def centroid(self, idx: list[int]) -> tuple[float, float]:
        return float(self.e[idx].mean()), float(self.n[idx].mean())


def geocode(
    addresses: pd.Series | list[str], register: Register, *, min_score: float = 85.0
) -> pd.DataFrame:
    """Match text addresses to the register.

    Parameters
    ----------
    addresses : sequence of str
        One text address per row.
    register : Register
    min_score : float
        Lowest fuzzy score (0–100, rapidfuzz ratio on folded names) accepted for a street.

    Returns
    -------
    pandas.DataFrame
        Per input row, in order: ``input_row``, ``address``, ``match_level``, ``score``,
        ``register_row`` (1-based, or 0), ``e_3006``, ``n_3006``, ``reason``.
    """
    from rapidfuzz import fuzz, process

    ix = register.index
    texts = [str(t) for t in addresses]
    size = len(texts)
    level = np.full(size, "unmatched", dtype=object)
    score = np.full(size, np.nan)
    reg_row = np.zeros(size, dtype=np.int64)
    e_out = np.full(size, np.nan)
    n_out = np.full(size, np.nan)
    reason = np.full(size, "", dtype=object)
    fuzzy_cache: dict[tuple[str, str, str], tuple[str, float] | str | None] = {}
    parsed = parse_many(texts)
    exact_k = _exact_merge(parsed, register.table)
    hit = exact_k >= 0
    level[hit] = "exact"
    score[hit] = 100.0
    reg_row[hit] = ix.row[exact_k[hit]]
    e_out[hit] = ix.e[exact_k[hit]]
    n_out[hit] = ix.n[exact_k[hit]]
    records = parsed.to_dict("records")
    for i in np.flatnonzero(~hit):
        p = records[i]
        if not p["street"]:
            reason[i] = "could not read a street and house number"
            continue
        area = next(
            ((k, p[k]) for k in ("postcode", "locality") if p[k] and (k, p[k]) in ix.streets), None
        )
        if area is None:
            given = p["postcode"] or p["locality"] or "none given"
            reason[i] = f"postcode/locality not in the register ({given})"
            continue
        streets = ix.streets[area]
        street, sc = p["street"], 100.0
        if street not in streets:
            key = (*area, street)
            if key not in fuzzy_cache:
                names, folded = ix.folded[area]
                best = process.extract(fold(street), folded, scorer=fuzz.ratio, limit=2)
                if not best or best[0][1] < min_score:
                    fuzzy_cache[key] = None
                elif len(best) > 1 and best[1][1] == best[0][1]:
                    fuzzy_cache[key] = (
                        f"street matches {names[best[0][2]]!r} and {names[best[1][2]]!r} equally"
                    )
                else:
                    fuzzy_cache[key] = (names[best[0][2]], float(best[0][1]))
            found = fuzzy_cache[key]
            if found is None:
                level[i] = "locality_level"
                e_out[i], n_out[i] = ix.centroid([k for v in streets.values() for k in v])
                reason[i] = f"street {street!r} not found in {area[0]} {area[1]}"
                continue
            if isinstance(found, str):
                level[i], reason[i] = "ambiguous", found
                continue
            street, sc = found
        hits = ix.exact.get((*area, street, p["number"], p["letter"]), [])
        if not hits and not p["letter"]:  # no letter given: lettered entries fit, maybe several
            hits = [k for k in streets[street] if ix.number[k] == p["number"]]
        if len(hits) == 1:
            k = hits[0]
            level[i] = "exact" if sc == 100.0 else "fuzzy"
            score[i], reg_row[i], e_out[i], n_out[i] = sc, ix.row[k], ix.e[k], ix.n[k]
        elif len(hits) > 1:
            letters = ", ".join(
                sorted({str(register.table["letter"].iat[k]) or "(none)" for k in hits})
            )
            level[i] = "ambiguous"
            reason[i] = f"{len(hits)} register rows fit (letters: {letters}); add the house letter"
        else:
            level[i], score[i] = "street_level", sc
            e_out[i], n_out[i] = ix.centroid(streets[street])
            reason[i] = f"number {p['number']}{p['letter'].upper()} not on {street} in the register"
    return pd.DataFrame(
        {
            "input_row": np.arange(1, size + 1),
            "address": texts,
            "match_level": level,
            "score": score,
            "register_row": reg_row,
            "e_3006": e_out,
            "n_3006": n_out,
            "reason": reason,
        }
    )


def read_register(
    path: str | Path, *, crs: str | None = None, columns: dict[str, str] | None = None
) -> Register:
    """Read a register file (CSV/GeoPackage/GeoJSON/GeoParquet) with coordinates."""
    from .addresses import read_addresses
    from .crs import to_sweref

    table = read_addresses(path, crs=crs)
    e, n = to_sweref(table.x, table.y, table.crs)
    return Register.from_frame(table.frame, e, n, columns=columns)


def address_column(frame: pd.DataFrame, given: str | None = None) -> str:
    """The column with text addresses: ``given``, else one named ``adress``/``address``."""
    col = given or find_column(frame, ("adress", "address", "gatuadress"))
    if col is None or col not in frame.columns:
        raise MissingColumnError(
            f"addresses: no address column {given or ''} in {list(frame.columns)[:15]}; "
            "pass --address-col"
        )
    return col


def geocoded_table(
    frame: pd.DataFrame,
    register: Register,
    *,
    column: str | None = None,
    source: str = "addresses",
    min_score: float = 85.0,
) -> tuple[AddressTable, pd.DataFrame]:
    """Text addresses matched to the register, as an address table in EPSG:3006.

    Rows that matched no register row, or several equally, are marked ``unmatched`` (status
    ``unmatched_address`` once assigned) with the matcher's reason. Returns the table and the
    match of every row (:func:`geocode`).
    """
    col = address_column(frame, column)
    matched = geocode(frame[col].astype(str).tolist(), register, min_score=min_score)
    unmatched = matched["match_level"].isin(["unmatched", "ambiguous"]).to_numpy()
    reason = np.where(unmatched, "address: " + matched["reason"].astype(str), "").astype(object)
    extra = pd.DataFrame(
        {
            "match_level": matched["match_level"].to_numpy(),
            "match_score": matched["score"].to_numpy(),
            "register_row": matched["register_row"].to_numpy(),
            "match_reason": matched["reason"].to_numpy(),
        }
    )
    counts = matched["match_level"].value_counts().to_dict()
    note = "text addresses matched to the register: " + ", ".join(
        f"{k} {v}" for k, v in counts.items()
    )
    table = AddressTable(
        pd.concat([frame.reset_index(drop=True), extra], axis=1),
        matched["e_3006"].to_numpy(),
        matched["n_3006"].to_numpy(),
        parse_crs(SWEREF99TM),
        reason,
        ("e_3006", "n_3006"),
        source,
        [note],
        unmatched,
    )
    return table, matched


def match_summary(matched: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows per match level, and the 20 most common reasons (numbers and quoted text folded)."""
    counts = matched["match_level"].value_counts().reindex(list(LEVELS), fill_value=0)
    summary = counts.rename_axis("match_level").reset_index(name="rows")
    reasons = matched.loc[matched["reason"] != "", "reason"].str.replace(
        r"'[^']*'|\d+", "…", regex=True
    )
    top = reasons.value_counts().head(20).rename_axis("reason").reset_index(name="rows")
    return summary, top
