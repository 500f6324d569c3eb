"""Match text addresses ("Storgatan 12 B, 582 23 Linköping") to an address register.

Offline and local: no address is sent to any service. Each input row gets a ``match_level``
(how it matched) and a ``location_precision`` (how precisely its place is then known):

``exact`` (precision ``address``)
    Street, number (and letter) and postcode or locality as in the register.
``fuzzy`` (``address``)
    The street name is a *typo* of a register street in the same postcode or locality (see
    :func:`is_typo`), and the house number exists on that street.
``several`` (``address``)
    Several register rows fit (the house letter is missing, or the register repeats an
    address): located at the one nearest their middle; their extent decides the area.
``street_level`` (``street``)
    The street is known there but not the number: located on the street, whose register
    points are the extent.
``locality_level`` (``postcode`` or ``locality``)
    The street is not in the register: only the postcode (or locality) is known, whose
    register points are the extent.
``needs_review``
    The street resembles a *different* register street ("Storgatan" for Torggatan,
    "Nygatan" for Nyagatan), or two equally: not located; the reason says "did you mean …?"
    and ``suggestions`` lists the register addresses meant.
``unmatched``
    Nothing usable; the reason says why.

An *extent* (the register points a row may lie among) lets the assignment give an area only
where the whole extent lies in one area (:mod:`geo.areas`: status ``ambiguous`` otherwise).

Normalisation: case, white space, punctuation, "S:t"/"St." → "sankt", "g."/"gat." → "gatan",
"v." → "vägen", "pl." → "platsen", house letters ("12B", "12 B", "12 b"), number ranges
("12-14" → 12), postcodes with or without space; å/ä/ö are kept for exact matching and folded
to a/a/o for fuzzy matching.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .addresses import AddressTable, Extents
from .crs import SWEREF99TM, parse_crs
from .errors import GeoValueError, MissingColumnError
from .io.tables import find_column
from .schema import (
    PRECISION_ADDRESS,
    PRECISION_LOCALITY,
    PRECISION_POSTCODE,
    PRECISION_STREET,
    SUGGESTION_SEPARATOR,
)

__all__ = [
    "LEVELS",
    "Register",
    "address_table",
    "exact_matches",
    "geocode",
    "is_typo",
    "normalize_street",
    "parse_address",
    "street_words",
]

LEVELS = (
    "exact",
    "fuzzy",
    "several",
    "street_level",
    "locality_level",
    "needs_review",
    "unmatched",
)
#: Lowest score (0–100) of a register street offered as a suggestion for an unknown street.
SUGGEST_SCORE = 60.0
#: Most suggestions per row.
MAX_SUGGESTIONS = 3

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


@functools.cache
def _word_file() -> tuple[frozenset[str], tuple[str, ...]]:
    """The package's street words and generic endings (folded), longest ending first."""
    text = resources.files("geo").joinpath("data", "street_words_sv.txt").read_text("utf-8")
    words: set[str] = set()
    endings: set[str] = set()
    target = words
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line in ("[endings]", "[words]"):
            target = endings if line == "[endings]" else words
            continue
        target.update(fold(w) for w in line.split())
    return frozenset(words | endings), tuple(sorted(endings, key=len, reverse=True))


def street_words(streets: Iterable[str] = ()) -> frozenset[str]:
    """Words that name something in Swedish street names (folded): the package's list (see
    ``geo/data/street_words_sv.txt``) plus every word and stem of ``streets``."""
    words, endings = _word_file()
    extra: set[str] = set()
    for name in streets:
        for token in fold(name).split():
            extra.add(token)
            stem, ending = _split_ending(token, endings)
            if ending and stem:
                extra.add(stem)
    return words | extra


def _split_ending(token: str, endings: tuple[str, ...]) -> tuple[str, str]:
    """``"storgatan"`` -> ``("stor", "gatan")``; ``("x", "")`` without a known ending.

    ``endings`` longest first (as :func:`_word_file` gives them); the longest that fits wins.
    """
    known, lengths = _ending_lookup(endings)
    for size in lengths:
        if len(token) > size and token[-size:] in known:
            return token[:-size], token[-size:]
    return token, ""


@functools.cache
def _ending_lookup(endings: tuple[str, ...]) -> tuple[frozenset[str], tuple[int, ...]]:
    return frozenset(endings), tuple(sorted({len(x) for x in endings}, reverse=True))


def is_typo(typed: str, candidate: str, words: frozenset[str] | None = None) -> bool:
    """Whether street name ``typed`` is a misspelling of ``candidate``, not another street.

    A typo differs by accents or spaces only, or by at most one edit (a letter wrong, missing,
    added, or two neighbours swapped; two edits in names of ten letters or more), and the
    words it changes are not themselves words of street names: "Drotninggatan" is a typo of
    Drottninggatan, but "Storgatan" is not one of Torggatan, nor "Nygatan" of Nyagatan, nor
    "Ågatan" of Aspgatan, nor "Kungsgränd" of Kungsgatan.

    Parameters
    ----------
    typed, candidate : str
        Normalised street names (:func:`normalize_street`).
    words : frozenset of str, optional
        Known words (:func:`street_words`); default the package's list.
    """
    from rapidfuzz.distance import OSA

    words = street_words() if words is None else words
    _, endings = _word_file()
    a, b = fold(typed), fold(candidate)
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    if OSA.distance(a, b) > (1 if len(b) < 10 else 2):
        return False
    ta, tb = a.split(), b.split()
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb, strict=True):
        if x == y:
            continue
        if x in words:
            return False
        sx, ex = _split_ending(x, endings)
        sy, ey = _split_ending(y, endings)
        if ex and ey and not (ex.startswith(ey) or ey.startswith(ex)):  # gata ~ gatan
            return False
        if ex and sx != sy and sx in words:
            return False
    return True


def _postcode(text: object) -> str:
    digits = re.sub(r"\D", "", str(text)) if text is not None else ""
    return digits if len(digits) == 5 else ""


def parse_many(texts: list[str]) -> pd.DataFrame:
    """:func:`parse_address` for many texts at once (one regex pass in a comprehension, names
    normalised once each)."""
    return pd.DataFrame(_parse_columns(texts))


def _parse_columns(texts: list[str]) -> dict[str, np.ndarray]:
    """:func:`parse_many` as object arrays by part (no frame: a lookup's path)."""
    search = _ADDRESS.search
    none = (None, None, None, None, None)
    found = [
        m.group("street", "number", "letter", "postcode", "locality")
        if (m := search("" if t is None or t != t else str(t)))
        else none
        for t in texts
    ]
    cols = list(zip(*found, strict=True)) if found else [(), (), (), (), ()]
    street, number, letter, postcode, locality = cols
    # each distinct value normalised once; a text without street and number is all empty
    ok = np.fromiter(
        (st is not None and nu is not None for st, nu in zip(street, number, strict=True)),
        dtype=bool, count=len(found),
    )  # fmt: skip
    st_map = {v: normalize_street(v) for v in set(street) if v is not None}
    nu_map = {v: str(int(v)) for v in set(number) if v}
    le_map = {v: v.casefold() for v in set(letter) if v}
    pc_map = {v: (w if len(w := v.replace(" ", "")) == 5 else "") for v in set(postcode) if v}
    lo_map = {v: fold(v or "").strip() for v in set(locality)}
    columns = {}
    for name, values, table in (
        ("street", street, st_map), ("number", number, nu_map), ("letter", letter, le_map),
        ("postcode", postcode, pc_map), ("locality", locality, lo_map),
    ):  # fmt: skip
        col = np.array([table.get(v, "") for v in values], dtype=object)
        col[~ok] = ""
        columns[name] = col
    return columns


def _joined_keys(columns: list[Any]) -> Any:
    """The key columns joined into one Arrow string per row (unit separator between parts)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = [pa.array(c, type=pa.string(), from_pandas=True) for c in columns]
    return pc.binary_join_element_wise(*arrays, "\x1f")


#: Up to this many addresses, exact keys are looked up in a dict (an Arrow join builds its
#: hash table of the register's keys on every call: right for a batch, slow for one lookup).
SMALL_BATCH = 256


def _exact_small(parsed: Mapping[str, Any], register: Register) -> np.ndarray:
    names = ("street", "number", "letter", "postcode", "locality")
    st, nu, le, pc, lo = (list(parsed[c]) for c in names)
    by_pc, by_lo = register.exact_dicts["postcode"], register.exact_dicts["locality"]
    out = np.full(len(st), -1, dtype=np.int64)
    for i, (s, n, x, p, q) in enumerate(zip(st, nu, le, pc, lo, strict=True)):
        if not s:
            continue
        k = by_pc.get(f"{s}\x1f{n}\x1f{x}\x1f{p}", -1) if p else -1
        if k < 0 and q:
            k = by_lo.get(f"{s}\x1f{n}\x1f{x}\x1f{q}", -1)
        out[i] = k
    return out


def exact_matches(parsed: Mapping[str, Any], register: Register) -> np.ndarray:
    """Register position of each parsed address that matches exactly one row; else -1.

    ``parsed`` is :func:`parse_many`'s frame (or any mapping of its columns).

    A hash join in Arrow on the normalised keys (street, number, letter and postcode, else
    locality) against :attr:`Register.exact_keys` (built once per register); keys that occur
    more than once in the register are left to the careful path.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    size = len(parsed["street"])
    if size <= SMALL_BATCH:  # a lookup or a few: a dict, not an Arrow hash table
        return _exact_small(parsed, register)
    cols = {
        c: pa.array(parsed[c], type=pa.string(), from_pandas=True)
        for c in ("street", "number", "letter", "postcode", "locality")
    }
    given = {
        c: pc.not_equal(cols[c], "").to_numpy(zero_copy_only=False)
        for c in ("street", "postcode", "locality")
    }
    out = np.full(size, -1, dtype=np.int64)
    every = np.arange(size)
    for area in ("postcode", "locality"):  # the locality only for what the postcode left
        todo = every if area == "postcode" else np.flatnonzero(out < 0)
        take = pa.array(todo)
        part = [cols[c] if area == "postcode" else cols[c].take(take)
                for c in ("street", "number", "letter", area)]  # fmt: skip
        values, positions = register.exact_keys[area]
        found = pc.index_in(pc.binary_join_element_wise(*part, "\x1f"), value_set=values)
        k = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        hit = (k >= 0) & given["street"][todo] & given[area][todo] & (out[todo] < 0)
        out[todo[hit]] = positions[k[hit]]
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
    def words(self) -> frozenset[str]:
        """Known words of street names: the package's list plus this register's streets."""
        return street_words(self.table["street"].unique().tolist())

    @cached_property
    def exact_keys(self) -> dict[str, tuple[Any, np.ndarray]]:
        """Per ``postcode`` and ``locality``: the keys (street, number, letter, area) held by
        exactly one row, as an Arrow string array, and that row's table position."""
        import pyarrow.compute as pc

        t = self.table
        out = {}
        for area in ("postcode", "locality"):
            keys = _joined_keys([t[c].astype(str) for c in ("street", "number", "letter", area)])
            codes = pc.dictionary_encode(keys)
            index = codes.indices.to_numpy(zero_copy_only=False)
            counts = np.bincount(index, minlength=len(codes.dictionary))
            first = np.full(len(codes.dictionary), -1, dtype=np.int64)
            first[index[::-1]] = np.arange(len(index) - 1, -1, -1)  # the first row of each key
            once = np.flatnonzero(counts == 1)
            out[area] = (codes.dictionary.take(once), first[once])
        return out

    @cached_property
    def exact_dicts(self) -> dict[str, dict[str, int]]:
        """:attr:`exact_keys` as dicts (joined key -> table position), for single lookups."""
        return {
            area: dict(zip(values.to_pylist(), positions.tolist(), strict=True))
            for area, (values, positions) in self.exact_keys.items()
        }

    @cached_property
    def extent_memo(self) -> dict:
        """Areas of extents already located (see :class:`geo.addresses.Extents`)."""
        return {}

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
        elif "postcode" in columns:  # a label that finds its row again
            label = label + ", " + frame[columns["postcode"]].fillna("").astype(str).str.strip()
        t = pd.DataFrame(
            {
                "label": label.to_numpy(dtype=object),
                "street": frame[columns["street"]].fillna("").map(normalize_street),
                "street_name": frame[columns["street"]].fillna("").astype(str).str.strip(),
                "number": num[0].fillna("").map(lambda v: str(int(v)) if v else ""),
                "letter": letter,
                "postcode": frame[columns["postcode"]].map(_postcode)
                if "postcode" in columns
                else "",
                "locality": frame[columns["locality"]].fillna("").map(lambda v: fold(v).strip())
                if "locality" in columns
                else "",
                "locality_name": frame[columns["locality"]].fillna("").astype(str).str.strip()
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
        self.number = reg["number"].to_numpy(dtype=object).astype(str).tolist()
        self.letter = reg["letter"].to_numpy(dtype=object).astype(str).tolist()
        self.label = reg["label"].to_numpy(dtype=object).astype(str).tolist()
        self.exact: dict[tuple[str, str, str, str, str], list[int]] = {}
        self.streets: dict[tuple[str, str], dict[str, list[int]]] = {}
        self.folded: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        first = reg.drop_duplicates("street")
        #: Streets as the register writes them ("Sankt Larsgatan"), by normalised name.
        self.display: dict[str, str] = dict(
            zip(first["street"].tolist(), first["street_name"].tolist(), strict=True)
        )
        loc = reg.drop_duplicates("locality")
        #: Localities as the register writes them ("Linköping"), by kind and normalised name.
        self.places: dict[tuple[str, str], str] = {
            ("locality", k): v
            for k, v in zip(loc["locality"].tolist(), loc["locality_name"].tolist(), strict=True)
        }
        self.extents: dict[tuple, tuple[np.ndarray, int]] = {}
        cols = [
            reg[c].to_numpy(dtype=object).astype(str).tolist()
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

    def positions(self, key: tuple) -> np.ndarray:
        """Register positions of an extent key: ``("street", kind, area, street)``,
        ``("area", kind, area)`` or ``("rows", k1, k2, …)``."""
        if key[0] == "street":
            return np.asarray(self.streets[(key[1], key[2])][key[3]], dtype=np.int64)
        if key[0] == "area":
            pos = [k for v in self.streets[(key[1], key[2])].values() for k in v]
            return np.sort(np.asarray(pos, dtype=np.int64))
        return np.asarray(key[1:], dtype=np.int64)

    def extent(self, key: tuple) -> tuple[np.ndarray, int]:
        """Positions of an extent and the one among them nearest their mean (its point)."""
        if key not in self.extents:
            pos = self.positions(key)
            e, n = self.e[pos], self.n[pos]
            mid = int(pos[np.argmin(np.hypot(e - e.mean(), n - n.mean()))])
            self.extents[key] = (pos, mid)
        return self.extents[key]

    def address_label(self, street: str, number: str, letter: str, rows: list[int]) -> str:
        """The register's label of ``street number letter`` among ``rows`` ('' if none)."""
        hits = [k for k in rows if self.number[k] == number]
        exact = [k for k in hits if self.letter[k] == letter]
        found = exact or hits
        return self.label[found[0]] if found else ""


def _area_text(area: tuple[str, str], places: dict[tuple[str, str], str] | None = None) -> str:
    """``postcode 582 22`` or the locality as the register writes it."""
    if area[0] == "postcode":
        return f"postcode {area[1][:3]} {area[1][3:]}"
    return (places or {}).get(area, "") or area[1].title()


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
        Lowest fuzzy score (0–100, rapidfuzz ratio on folded names) for a register street
        to be taken as the one meant (a typo, accepted) or offered (``needs_review``).

    Returns
    -------
    pandas.DataFrame
        Per input row, in order: ``input_row``, ``address``, ``match_level`` (:data:`LEVELS`),
        ``location_precision`` (``address``, ``street``, ``postcode``, ``locality``; empty
        when not located), ``score``, ``register_row`` (1-based, or 0), ``e_3006``,
        ``n_3006`` (the register point; for a street, postcode or locality the point of the
        extent nearest its middle), ``reason``, ``suggestions`` (register addresses,
        separated by ``" | "``) and ``place`` (the street, postcode or locality located at,
        as the register writes it; empty at address precision).
    """
    return pd.DataFrame(_match(addresses, register, min_score=min_score)[0])


def _match(
    addresses: pd.Series | list[str], register: Register, *, min_score: float
) -> tuple[dict[str, Any], list[tuple | None]]:
    """:func:`geocode`'s columns (no frame: a lookup's path), and the extent key of every row
    (``None``: no extent)."""
    from rapidfuzz import fuzz, process

    ix = register.index
    texts = [str(t) for t in addresses]
    size = len(texts)
    level = np.full(size, "unmatched", dtype=object)
    precision = np.full(size, "", dtype=object)
    score = np.full(size, np.nan)
    reg_row = np.zeros(size, dtype=np.int64)
    e_out = np.full(size, np.nan)
    n_out = np.full(size, np.nan)
    reason = np.full(size, "", dtype=object)
    suggestions = np.full(size, "", dtype=object)
    place = np.full(size, "", dtype=object)
    keys: list[tuple | None] = [None] * size
    near_cache: dict[tuple[str, str, str], list[tuple[str, float]]] = {}
    parsed = _parse_columns(texts)
    exact_k = exact_matches(parsed, register)
    hit = exact_k >= 0
    level[hit] = "exact"
    precision[hit] = PRECISION_ADDRESS
    score[hit] = 100.0
    reg_row[hit] = ix.row[exact_k[hit]]
    e_out[hit] = ix.e[exact_k[hit]]
    n_out[hit] = ix.n[exact_k[hit]]
    todo = np.flatnonzero(~hit)
    # only the rows the exact merge left, as plain lists (iterating a whole frame costs more)
    rest = {c: v[todo].tolist() for c, v in parsed.items()}
    rows = [dict(zip(rest, vals, strict=True)) for vals in zip(*rest.values(), strict=True)]
    records = dict(zip(todo.tolist(), rows, strict=True))

    def located(i: int, key: tuple, lvl: str, prec: str, why: str, where: str) -> None:
        pos, mid = ix.extent(key)
        level[i], precision[i], reason[i], keys[i], place[i] = lvl, prec, why, key, where
        e_out[i], n_out[i] = ix.e[mid], ix.n[mid]

    for i in todo.tolist():
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
        street, number, letter = p["street"], p["number"], p["letter"]
        sc = 100.0
        if street not in streets:
            key = (*area, street)
            if key not in near_cache:
                names, folded = ix.folded[area]
                found = process.extract(
                    fold(street), folded, scorer=fuzz.ratio, limit=MAX_SUGGESTIONS,
                    score_cutoff=SUGGEST_SCORE,
                )  # fmt: skip
                near_cache[key] = [(names[j], float(v)) for _, v, j in found]
            near = near_cache[key]
            close = [(nm, v) for nm, v in near if v >= min_score]
            offered = [
                label
                for nm, _ in (close or near)
                if (label := ix.address_label(nm, number, letter, streets[nm]))
            ]
            if not close:
                located(
                    i, ("area", *area), "locality_level",
                    PRECISION_POSTCODE if area[0] == "postcode" else PRECISION_LOCALITY,
                    f"street {street!r} is not in the register in {_area_text(area, ix.places)}",
                    _area_text(area, ix.places).removeprefix("postcode "),
                )  # fmt: skip
                suggestions[i] = SUGGESTION_SEPARATOR.join(offered)
                continue
            best, sc = close[0]
            has_number = any(ix.number[k] == number for k in streets[best])
            tie = len(close) > 1 and close[1][1] == sc
            if tie or not has_number or not is_typo(street, best, register.words):
                level[i], score[i] = "needs_review", sc
                shown = [ix.display.get(nm, nm) for nm, _ in close[: 2 if tie else 1]]
                if has_number and offered:
                    shown = offered[: 2 if tie else 1]
                suggestions[i] = SUGGESTION_SEPARATOR.join(offered)
                missing = (
                    f"street {street!r} is not in the register in {_area_text(area, ix.places)}"
                )
                if not has_number and not tie:
                    reason[i] = (
                        f"{missing}; did you mean {ix.display.get(best, best)}? "
                        f"(it has no number {number})"
                    )
                else:
                    reason[i] = f"{missing}; did you mean {' or '.join(shown)}?"
                continue
            street = best
        hits = ix.exact.get((*area, street, number, letter), [])
        if not hits and not letter:  # no letter given: lettered entries fit, maybe several
            hits = [k for k in streets[street] if ix.number[k] == number]
        if len(hits) == 1:
            k = hits[0]
            level[i] = "exact" if sc == 100.0 else "fuzzy"
            precision[i] = PRECISION_ADDRESS
            score[i], reg_row[i], e_out[i], n_out[i] = sc, ix.row[k], ix.e[k], ix.n[k]
            if sc < 100.0:
                reason[i] = f"street read as {ix.display.get(street, street)} (a typo)"
        elif len(hits) > 1:
            letters = ", ".join(sorted({ix.letter[k].upper() or "(none)" for k in hits}))
            located(
                i, ("rows", *sorted(hits)), "several", PRECISION_ADDRESS,
                f"{len(hits)} register rows fit (letters: {letters}); add the house letter",
                f"{ix.display.get(street, street)} {number}",
            )  # fmt: skip
            score[i] = sc
        else:
            located(
                i, ("street", *area, street), "street_level", PRECISION_STREET,
                f"number {number}{letter.upper()} is not on {street} in the register",
                ix.display.get(street, street),
            )  # fmt: skip
            score[i] = sc
    columns = {
        "input_row": np.arange(1, size + 1),
        "address": texts,
        "match_level": level,
        "location_precision": precision,
        "score": score,
        "register_row": reg_row,
        "e_3006": e_out,
        "n_3006": n_out,
        "reason": reason,
        "suggestions": suggestions,
        "place": place,
    }
    return columns, keys


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

    Rows that matched nothing are marked ``unmatched`` (status ``unmatched_address`` once
    assigned) and rows whose street resembles another street ``review`` (``needs_review``),
    with the matcher's reason. Rows located at a street, postcode, locality or several
    register rows carry their extent, from which the assignment decides whether one area is
    certain (:class:`geo.addresses.Extents`). Returns the table and the match of every row
    (:func:`geocode`).
    """
    col = address_column(frame, column)
    matched, keys = _match(frame[col].astype(str).tolist(), register, min_score=min_score)
    table = _matched_table(frame.reset_index(drop=True), matched, keys, register, source)
    return table, pd.DataFrame(matched)


def address_table(
    texts: list[str], register: Register, *, source: str = "addresses", min_score: float = 85.0
) -> AddressTable:
    """Text addresses matched to the register, as :func:`geocoded_table` gives them for a
    frame of one column ``address``, without the match report (a lookup's path)."""
    matched, keys = _match(texts, register, min_score=min_score)
    return _matched_table(None, matched, keys, register, source)


def _matched_table(
    frame: pd.DataFrame | None,
    matched: dict[str, Any],
    keys: list[tuple | None],
    register: Register,
    source: str,
) -> AddressTable:
    """The address table of matched rows: ``frame``'s columns (or ``address``) and the
    match columns, the unmatched and review flags, the reasons and the extents."""
    lvl = matched["match_level"]
    unmatched = lvl == "unmatched"
    review = lvl == "needs_review"
    why = matched["reason"]
    reason = np.full(lvl.size, "", dtype=object)
    flagged = np.flatnonzero(unmatched | review)
    reason[flagged] = ["address: " + str(r) for r in why[flagged]]
    columns: dict[str, Any] = (
        {"address": matched["address"]}
        if frame is None
        else {c: frame[c].array for c in frame.columns}
    )
    extra = {
        "match_level": lvl,
        "match_score": matched["score"],
        "register_row": matched["register_row"],
        "match_reason": why,
        "suggestions": matched["suggestions"],
        "match_place": matched["place"],
    }
    if frame is not None and (not frame.columns.is_unique or any(c in columns for c in extra)):
        # keep every column, as a concatenation does
        rows = pd.concat([frame, pd.DataFrame(extra)], axis=1)
    else:
        rows = pd.DataFrame({**columns, **extra})
    counts = Counter(lvl.tolist()).most_common()
    note = "text addresses matched to the register: " + ", ".join(f"{k} {v}" for k, v in counts)
    ix = register.index
    groups: dict[tuple, int] = {}
    row_group = np.full(len(keys), -1, dtype=np.int64)
    for i, key in enumerate(keys):
        if key is not None:
            row_group[i] = groups.setdefault(key, len(groups))
    extents = Extents(
        ix.e,
        ix.n,
        [(key, ix.extent(key)[0]) for key in groups],
        row_group,
        [_extent_text(key, ix.places) for key in groups],
        register.extent_memo,
    )
    return AddressTable(
        rows,
        matched["e_3006"],
        matched["n_3006"],
        parse_crs(SWEREF99TM),
        reason,
        ("e_3006", "n_3006"),
        source,
        [note],
        unmatched,
        review,
        np.asarray(matched["location_precision"], dtype=object),
        extents,
    )


def _extent_text(key: tuple, places: dict[tuple[str, str], str]) -> str:
    """What an extent key matched, for a reason: "street 'ågatan' in postcode 582 22"."""
    if key[0] == "street":
        return f"street {key[3]!r} in {_area_text((key[1], key[2]), places)}"
    if key[0] == "area":
        return _area_text((key[1], key[2]), places)
    return f"{len(key) - 1} register rows"


def match_summary(matched: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows per match level, and the 20 most common reasons (numbers and quoted text folded)."""
    counts = matched["match_level"].value_counts().reindex(list(LEVELS), fill_value=0)
    summary = counts.rename_axis("match_level").reset_index(name="rows")
    reasons = matched.loc[matched["reason"] != "", "reason"].str.replace(
        r"'[^']*'|\d+", "…", regex=True
    )
    top = reasons.value_counts().head(20).rename_axis("reason").reset_index(name="rows")
    return summary, top
