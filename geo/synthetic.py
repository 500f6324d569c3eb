"""Synthetic address registers for demos, tests and benchmarks.

Real addresses of social-service clients are sensitive and not available offline, so demos draw
**synthetic** addresses from the SCB 1 km population grid: each cell receives addresses in
proportion to its population inside the municipality, placed uniformly at random inside the
part of the cell that lies in the municipality — or, for a cell that holds part of Linköping
city or a locality (its class in the demand layer), inside that part. Every row carries
``synthetic = True`` and a ``source`` saying how it was made.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .crs import SWEREF99TM, from_sweref
from .errors import GeoValueError
from .polygons import OUTSIDE, PolygonIndex
from .schema import CELL_POPULATION_IN_STUDY
from .study import Study, load_study

__all__ = [
    "INHABITANTS_PER_ADDRESS",
    "national_addresses",
    "synthetic_addresses",
    "synthetic_feed",
    "synthetic_register",
    "varied_addresses",
]

#: About one address (dwelling) per 2.2 inhabitants, the average Swedish household size.
INHABITANTS_PER_ADDRESS = 2.2
SOURCE = "synthetic: drawn from SCB 1 km population grid 2024 inside the municipality"
#: Side of an SCB grid cell (m).
CELL_M = 1000.0


def synthetic_xy(
    n: int | None = None, *, seed: int = 580, study: Study | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic address points (EPSG:3006 easting, northing), population-weighted.

    Parameters
    ----------
    n : int, optional
        Number of points; default one per 2.2 inhabitants of the grid (≈ 76 000 for Linköping).
    seed : int
        Random seed; the same seed gives the same points.
    study : Study, optional
        Provides the demand grid and the municipality (RegSO) polygons.
    """
    study = study if study is not None else load_study()
    if study.demand is None or study.regso is None or study.regso_index is None:
        raise GeoValueError("study: synthetic addresses need the demand grid and RegSO layers")
    cells = study.demand
    weight = cells[CELL_POPULATION_IN_STUDY].to_numpy(dtype="float64")
    if n is None:
        n = int(round(weight.sum() / INHABITANTS_PER_ADDRESS))
    if n < 0:
        raise GeoValueError(f"n: the number of addresses must be 0 or more; received {n}")
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, weight / weight.sum())
    cell_of = np.repeat(np.arange(len(cells)), counts)
    # Where people live inside a cell is not published. A cell classed city or locality in the
    # demand layer holds part of a tätort, and its people live mostly there: draw its points
    # inside that settlement polygon. Other cells: anywhere in the municipality.
    region = shapely.intersection(
        cells.geometry.values, shapely.union_all(study.regso.geometry.values)
    )
    target = np.full(len(cells), OUTSIDE, dtype=np.int32)
    sidx = study.settlement_index
    if sidx is not None and study.settlement is not None and "settlement_name" in cells:
        polys = study.settlement
        key = polys["settlement_class"].astype(str) + "|" + polys["settlement_name"].fillna("")
        lookup = {k: i for i, k in enumerate(key) if not k.startswith("countryside")}
        ckey = cells["settlement_class"].astype(str) + "|" + cells["settlement_name"].fillna("")
        target = np.array([lookup.get(k, OUTSIDE) for k in ckey], dtype=np.int32)
        urban = target != OUTSIDE
        region[urban] = shapely.intersection(region[urban], polys.geometry.values[target[urban]])
        empty = shapely.is_empty(region)
        target[empty] = OUTSIDE  # no overlap after all: fall back to the whole cell
        region[empty] = shapely.intersection(
            cells.geometry.values[empty], shapely.union_all(study.regso.geometry.values)
        )
    # Sample in the bounding box of each cell's region and reject points outside the region,
    # so cells that barely touch the border still fill quickly.
    box = shapely.bounds(region)
    x0, y0 = box[:, 0], box[:, 1]
    w, h = box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]
    e = np.empty(n)
    nn = np.empty(n)
    todo = np.arange(n)
    index = study.regso_index
    for _ in range(1000):
        if todo.size == 0:
            break
        c = cell_of[todo]
        e[todo] = x0[c] + rng.random(todo.size) * w[c]
        nn[todo] = y0[c] + rng.random(todo.size) * h[c]
        miss = index.locate(e[todo], nn[todo]) == OUTSIDE
        urban = target[c] != OUTSIDE
        if sidx is not None and urban.any():
            got = sidx.locate(e[todo[urban]], nn[todo[urban]])
            miss[urban] |= got != target[c[urban]]
        # a point must also lie in its own cell (regions are clipped to it)
        todo = todo[miss]
    else:  # pragma: no cover - every region has area by construction
        raise GeoValueError("synthetic: could not place points inside the municipality")
    return e, nn


def synthetic_addresses(
    n: int | None = None, *, seed: int = 580, study: Study | None = None
) -> pd.DataFrame:
    """A synthetic address register (WGS 84 lon/lat), every row flagged ``synthetic``.

    Returns
    -------
    pandas.DataFrame
        Columns ``address_id`` (``SYN0000001`` ...), ``lon``, ``lat`` (EPSG:4326, 7 decimals,
        about 1 cm), ``synthetic`` (always True) and ``source``.
    """
    e, nn = synthetic_xy(n, seed=seed, study=study)
    lon, lat = from_sweref(e, nn)
    size = e.size
    return pd.DataFrame(
        {
            "address_id": [f"SYN{i:07d}" for i in range(1, size + 1)],
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "synthetic": np.ones(size, dtype=bool),
            "source": SOURCE,
        }
    )


#: Stems and endings of Swedish street names for the synthetic register (invented streets).
STREET_STEMS = (
    "Björk", "Ek", "Lind", "Gran", "Tall", "Asp", "Rönn", "Hassel", "Lönn", "Al", "Sjö", "Berg",
    "Dal", "Äng", "Kyrk", "Skol", "Kvarn", "Torg", "Park", "Solros", "Blåklint", "Prästgårds",
    "Smed", "Snickar", "Fabriks", "Vall", "Hamn", "Bygd", "Mjölnar", "Tegel", "Bruks", "Skogs",
    "Åker", "Mosse", "Källar", "Lärk", "Syren", "Vide", "Hägg", "Häst", "Stall", "Gård", "Ring",
    "Kanal", "Slussen", "Lejon", "Falk", "Tran", "Svan", "Hjort", "Rosen", "Tulpan", "Lilje",
    "Nejlik", "Mästar", "Gesäll", "Drottning", "Kungs", "Prins", "Väster", "Öster", "Norr",
)  # fmt: skip
STREET_ENDINGS = ("gatan", "vägen", "stigen", "gränd", "backen", "allén", "leden", "slingan")
STREET_PREFIXES = ("", "Norra ", "Södra ", "Östra ", "Västra ", "Lilla ", "Stora ")
REGISTER_SOURCE = "synthetic register: invented streets on synthetic points (not real addresses)"


def synthetic_register(
    n: int | None = None, *, seed: int = 580, study: Study | None = None
) -> pd.DataFrame:
    """A synthetic address register with street names, house numbers and postcodes.

    Points as :func:`synthetic_xy`; streets are invented (points within the same 200 m block
    of a postcode area share a street), numbered along the street, some with house letters;
    postcodes are synthetic (58xxx by RegSO, not Posten's), the postal town is the city, the
    locality or the nearest locality. Every row is flagged ``synthetic``.

    Returns
    -------
    pandas.DataFrame
        ``address_id``, ``gatunamn``, ``adressplatsnummer``, ``bokstavstillagg``,
        ``postnummer``, ``postort``, ``address`` (as one line of text), ``lon``, ``lat``,
        ``synthetic``, ``source``.
    """
    study = study if study is not None else load_study()
    e, nn = synthetic_xy(n, seed=seed, study=study)
    rng = np.random.default_rng(seed + 1)
    size = e.size
    regso = (
        study.regso_index.locate(e, nn) if study.regso_index is not None else np.zeros(size, int)
    )
    postcode = np.array([f"{58100 + 10 * int(r) + int(k):05d}" for r, k in
                         zip(regso, (nn // 1500).astype(int) % 10, strict=True)])  # fmt: skip
    town = np.full(size, study.town, dtype=object)
    if (
        study.settlement_index is not None
        and study.settlement is not None
        and study.localities is not None
    ):
        s_idx = study.settlement_index.locate(e, nn)
        names = study.settlement["settlement_name"].fillna("").to_numpy()
        cls = study.settlement["settlement_class"].to_numpy()
        loc = study.localities
        lx, ly = loc.geometry.x.to_numpy(), loc.geometry.y.to_numpy()
        for i in np.flatnonzero(s_idx >= 0):
            if cls[s_idx[i]] == "locality":
                town[i] = names[s_idx[i]]
            elif cls[s_idx[i]] == "countryside":
                town[i] = str(loc["name"].iloc[int(np.argmin(np.hypot(lx - e[i], ly - nn[i])))])
    # one postal town per postcode, as in Sweden: number the (town, area) pairs
    pairs = pd.Series(list(zip(town, postcode, strict=True)))
    codes, _ = pd.factorize(pairs.astype(str), sort=True)
    postcode = np.array([f"{58100 + int(c):05d}" for c in codes])
    block = (e // 200).astype(np.int64) * 100_000 + (nn // 200).astype(np.int64)
    frame = pd.DataFrame({"e": e, "n": nn, "postcode": postcode, "block": block})
    street = np.empty(size, dtype=object)
    number = np.zeros(size, dtype=np.int64)
    letter = np.full(size, "", dtype=object)
    frame["town"] = town
    used_in: dict[str, set[str]] = {}  # street names are unique within a postal town
    for (town_name, _pc), grp in frame.groupby(["town", "postcode"], sort=True):
        used = used_in.setdefault(str(town_name), set())
        for j, (_b, st) in enumerate(grp.groupby("block", sort=True)):
            name = ""
            for attempt in range(len(STREET_STEMS) * len(STREET_ENDINGS) * len(STREET_PREFIXES)):
                h = (
                    int(rng.integers(0, 1 << 30))
                    if attempt
                    else (j * 7919 + int(st["block"].iloc[0])) % (1 << 30)
                )
                name = (
                    STREET_PREFIXES[(h // 7919) % len(STREET_PREFIXES)]
                    + STREET_STEMS[h % len(STREET_STEMS)]
                    + STREET_ENDINGS[(h // 97) % len(STREET_ENDINGS)]
                )
                if name not in used:
                    break
            used.add(name)
            order = st.sort_values(["e", "n"]).index.to_numpy()
            street[order] = name
            nums = np.arange(1, order.size + 1)
            if order.size >= 6 and rng.random() < 0.3:  # a block of flats: entrances A, B
                nums = (np.arange(order.size) // 2) + 1
                letter[order] = np.where(np.arange(order.size) % 2 == 0, "A", "B")
            number[order] = nums
    lon, lat = from_sweref(e, nn)
    pc_text = [f"{p[:3]} {p[3:]}" for p in postcode]
    address = [
        f"{s} {num}{let}, {p} {t}"
        for s, num, let, p, t in zip(street, number, letter, pc_text, town, strict=True)
    ]
    return pd.DataFrame(
        {
            "address_id": [f"SYN{i:07d}" for i in range(1, size + 1)],
            "gatunamn": street,
            "adressplatsnummer": number.astype(str),
            "bokstavstillagg": letter,
            "postnummer": pc_text,
            "postort": town,
            "address": address,
            "lon": np.round(lon, 7),
            "lat": np.round(lat, 7),
            "synthetic": np.ones(size, dtype=bool),
            "source": REGISTER_SOURCE,
        }
    )


#: Ways a person writes an address differently from the register (see :func:`varied_addresses`).
VARIANTS = ("exact", "case", "typo", "abbrev", "no_postcode")


def varied_addresses(
    register: pd.DataFrame, n: int, *, seed: int = 1, share_varied: float = 1.0
) -> pd.DataFrame:
    """Text addresses with known right answers, for testing address matching.

    Draws ``n`` rows of a :func:`synthetic_register` and writes each as text: ``exact`` (as
    the register), ``case`` (lower case, postcode without space, town in capitals), ``typo``
    (two neighbouring letters of the street swapped), ``abbrev`` ("g."/"v." for
    gatan/vägen, no town) or ``no_postcode`` (town only). A share ``share_varied`` of the rows
    is varied, cycling through the four kinds; the rest are exact.

    Returns
    -------
    pandas.DataFrame
        ``address`` (text), ``register_row`` (1-based row of ``register`` it must match) and
        ``variant``.
    """
    rnd = np.random.default_rng(seed)
    pick = rnd.integers(0, len(register), n)
    varied = rnd.random(n) < share_varied
    texts, kinds = [], []
    cols = ["gatunamn", "adressplatsnummer", "bokstavstillagg", "postnummer", "postort"]
    rows = register[cols].astype(str).to_numpy()[pick]
    for k, (st, num, let, pc, town) in enumerate(rows):
        kind = VARIANTS[1 + k % 4] if varied[k] else "exact"
        if kind == "case":
            text = f"{st.lower()} {num} {let.lower()} {pc.replace(' ', '')} {town.upper()}"
        elif kind == "typo":
            j = int(rnd.integers(1, max(2, len(st) - 2)))
            text = f"{st[:j]}{st[j + 1]}{st[j]}{st[j + 2 :]} {num}{let}, {pc} {town}"
        elif kind == "abbrev":
            text = f"{st.replace('gatan', 'g.').replace('vägen', 'v.')} {num}{let}, {pc}"
        elif kind == "no_postcode":
            text = f"{st} {num}{let}, {town}"
        else:
            text = f"{st} {num}{let}, {pc} {town}"
        texts.append(text)
        kinds.append(kind)
    return pd.DataFrame({"address": texts, "register_row": pick + 1, "variant": kinds})


NATIONAL_SOURCE = "synthetic: drawn from SCB 1 km population grid 2024 (national)"
#: Redraws of a point that fell outside every area (sea, a neighbouring country).
_REDRAWS = 20


def national_addresses(
    grid: pd.DataFrame,
    n: int,
    *,
    seed: int = 752,
    partition_rows: int = 1_000_000,
    areas: PolygonIndex | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Synthetic addresses for a whole country or region, one partition at a time.

    Each partition draws its share of ``n`` over the grid cells in proportion to their
    population (a multinomial draw), uniformly inside each 1 km cell. With ``areas`` a point
    that falls outside every polygon (sea, lakes outside the areas, a neighbouring country) is
    drawn again inside the same cell, up to 20 times.

    Parameters
    ----------
    grid : pandas.DataFrame
        ``east``, ``north`` (south-west cell corner, EPSG:3006, metres) and ``population``,
        e.g. from :func:`geo.io.read_population_grid`.
    n : int
        Number of addresses in all.
    seed : int
        Random seed; the same seed, ``n`` and ``partition_rows`` give the same points.
    partition_rows : int
        Addresses per partition.
    areas : PolygonIndex, optional
        Polygons (EPSG:3006) the points should fall in.

    Yields
    ------
    geopandas.GeoDataFrame
        ``address_id`` (1..n), ``synthetic`` (always ``True``), ``source`` and point
        geometry in EPSG:3006.
    """
    if n < 0:
        raise GeoValueError(f"n: the number of addresses must be 0 or more; received {n}")
    if partition_rows < 1:
        raise GeoValueError(f"partition_rows: must be at least 1; received {partition_rows}")
    weight = grid["population"].to_numpy(dtype="float64")
    if weight.sum() <= 0:
        raise GeoValueError("grid: the population sums to zero; nothing to draw from")
    prob = weight / weight.sum()
    east = grid["east"].to_numpy(dtype="float64")
    north = grid["north"].to_numpy(dtype="float64")
    sizes = [partition_rows] * (n // partition_rows) + (
        [n % partition_rows] if n % partition_rows else []
    )
    first = 1
    for k, size in enumerate(sizes):
        rng = np.random.default_rng([seed, k])
        cell = np.repeat(np.arange(prob.size), rng.multinomial(size, prob))
        x = east[cell] + rng.random(size) * CELL_M
        y = north[cell] + rng.random(size) * CELL_M
        if areas is not None:
            for _ in range(_REDRAWS):
                out = np.flatnonzero(areas.locate(x, y) == OUTSIDE)
                if out.size == 0:
                    break
                x[out] = east[cell[out]] + rng.random(out.size) * CELL_M
                y[out] = north[cell[out]] + rng.random(out.size) * CELL_M
        yield gpd.GeoDataFrame(
            {
                "address_id": np.arange(first, first + size, dtype=np.int64),
                "synthetic": np.ones(size, dtype=bool),
                "source": pd.Categorical.from_codes(
                    np.zeros(size, dtype=np.int8), categories=pd.Index([NATIONAL_SOURCE])
                ),
            },
            geometry=shapely.points(np.round(x, 2), np.round(y, 2)),
            crs=SWEREF99TM,
        )
        first += size


def synthetic_feed(
    study: Study,
    path: str | Path,
    *,
    day: str = "20240312",
    headway_min: int = 10,
    start_min: int = 6 * 60,
    end_min: int = 10 * 60,
) -> Path:
    """A SYNTHETIC GTFS feed (zip) for demos and benchmarks: bus lines from each locality
    of the study to the nearest base and a ring through the bases, every ``headway_min``
    minutes between ``start_min`` and ``end_min`` on ``day``; stops every 800 m along each
    line at 30 km/h. Every stop and route name says ``synthetic``; no real timetable.
    """
    import zipfile

    e0, n0 = study.base_xy
    bases = list(zip(e0.tolist(), n0.tolist(), strict=True))
    loc = study.localities
    if loc is None or len(loc) == 0:
        raise GeoValueError("synthetic_feed: the study has no localities to run buses from")
    lines: list[list[tuple[float, float]]] = []
    for x, y in zip(loc.geometry.x.tolist(), loc.geometry.y.tolist(), strict=True):
        d = [np.hypot(x - bx, y - by) for bx, by in bases]
        lines.append([(x, y), bases[int(np.argmin(d))]])
    lines.append([*bases, bases[0]])
    stops: list[tuple[float, float]] = []
    stop_of: dict[tuple[int, int], int] = {}
    routes: list[list[tuple[int, float]]] = []  # (stop, seconds from the line's start)
    for line in lines:
        seq: list[tuple[int, float]] = []
        t = 0.0
        for (ax, ay), (bx, by) in zip(line[:-1], line[1:], strict=True):
            length = float(np.hypot(bx - ax, by - ay))
            parts = max(1, int(length // 800))
            for k in range(parts + (1 if (bx, by) == line[-1] else 0)):
                f = k / parts
                x, y = ax + f * (bx - ax), ay + f * (by - ay)
                key = (round(x / 50), round(y / 50))
                if key not in stop_of:
                    stop_of[key] = len(stops)
                    stops.append((x, y))
                if not seq or seq[-1][0] != stop_of[key]:
                    seq.append((stop_of[key], t + f * length / (30 / 3.6)))
            t += length / (30 / 3.6)
        routes.append(seq)
    lon, lat = from_sweref(np.array([s[0] for s in stops]), np.array([s[1] for s in stops]))
    rows, trips = [], []
    for r, seq in enumerate(routes):
        for direction, order in enumerate((seq, [(s, seq[-1][1] - t) for s, t in seq[::-1]])):
            for dep in range(start_min, end_min, headway_min):
                trip = f"r{r}d{direction}t{dep}"
                trips.append((f"R{r}", trip))
                for k, (stop, sec) in enumerate(order):
                    at = dep * 60 + int(round(sec))
                    hhmmss = f"{at // 3600:02d}:{at % 3600 // 60:02d}:{at % 60:02d}"
                    rows.append(f"{trip},{hhmmss},{hhmmss},s{stop},{k + 1}")
    files = {
        "agency.txt": "agency_id,agency_name,agency_url,agency_timezone\n"
        "A,Synthetic buses (not a real timetable),https://example.invalid,Europe/Stockholm\n",
        "stops.txt": "stop_id,stop_name,stop_lat,stop_lon\n" + "".join(
            f"s{k},Stop {k} (synthetic),{la:.7f},{lo:.7f}\n"
            for k, (la, lo) in enumerate(zip(lat.tolist(), lon.tolist(), strict=True))
        ),
        "routes.txt": "route_id,agency_id,route_short_name,route_type\n" + "".join(
            f"R{r},A,{r + 1} (synthetic),3\n" for r in range(len(routes))
        ),
        "trips.txt": "route_id,service_id,trip_id\n" + "".join(
            f"{route},S,{trip}\n" for route, trip in trips
        ),
        "stop_times.txt": "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + "\n".join(rows) + "\n",
        "calendar_dates.txt": f"service_id,date,exception_type\nS,{day},1\n",
    }  # fmt: skip
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return path
