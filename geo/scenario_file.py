"""Scenario files: one schema that the studio and Python write and read, checked on reading.

A scenario is a set of open bases and how they are judged (weight, threshold, mode, demand),
made in one study. Its file follows one JSON Schema, ``geo/data/scenario.schema.json``,
which the planning studio embeds and checks when it opens a file, and which
:func:`write_scenario` and :func:`read_scenario` check here. On reading, the scenario is also
checked against the run (:func:`check_scenario`): another municipality's scenario, minutes
without a travel network, a demand other than the run's, an unknown version or a base outside
the study area each stop with one line that names the mismatch and the fix.

A CSV or Excel table of bases (``name`` and ``lat``/``lon`` or ``e``/``n``, optionally
``id``) is read too; it says nothing of its study or mode, so only its bases are checked.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .crs import from_sweref, to_sweref
from .errors import GeoValueError, ScenarioError, StudyMismatchError
from .numbers import parse_number
from .schema import TRAVEL_MODES, WEIGHTS
from .study import Study

__all__ = [
    "SCENARIO_VERSION",
    "Scenario",
    "ScenarioBase",
    "check_scenario",
    "demand_label",
    "read_scenario",
    "scenario_document",
    "scenario_problems",
    "scenario_schema",
    "write_scenario",
]

#: The version of the scenario schema this geo writes and reads.
SCENARIO_VERSION = 2
#: Demand of a scenario made on the SCB grid.
DEMAND_GRID = "grid"


@functools.cache
def _schema_text() -> str:
    return resources.files("geo").joinpath("data", "scenario.schema.json").read_text("utf-8")


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (a fresh copy)."""
    out: dict[str, Any] = json.loads(_schema_text())
    return out


def demand_label(cell_size_m: float | None) -> str:
    """How a scenario's demand is named: ``"grid"`` (SCB 1 km grid) or ``"addresses per
    500 m cell"`` (the user's addresses counted per cell)."""
    return DEMAND_GRID if cell_size_m is None else f"addresses per {cell_size_m:g} m cell"


def unit_of(mode: str) -> str:
    """``km`` for straight-line distance, ``min`` for travel time."""
    return "km" if mode == "straight" else "min"


@dataclass(frozen=True)
class ScenarioBase:
    """One open base of a scenario (EPSG:3006 metres).

    ``base_id`` is the id of one of today's bases (moved or not) and empty for a new base.
    """

    name: str
    e: float
    n: float
    base_id: str = ""


@dataclass(frozen=True)
class Scenario:
    """A set of open bases, the demand weight and the threshold it is judged by.

    Written by the planning studio ("Exportera scenario") and :func:`write_scenario`, read by
    :func:`read_scenario`; :func:`geo.siting.compare` gives its figures.

    Attributes
    ----------
    bases : tuple of ScenarioBase
        The open bases (today's bases that are not closed, moved ones at their new place,
        and new ones).
    name : str
    weight : str
        One of :data:`geo.schema.WEIGHTS`.
    threshold : float or None
        The headline "share within" threshold: km for straight line, minutes with a
        network (``None``: the setting).
    kommun, study_name : str
        The study it was made in (SCB code and name; empty when unknown, e.g. a CSV).
    mode : str
        How cost was measured (:data:`geo.schema.TRAVEL_MODES`; empty when unknown).
    demand : str
        :func:`demand_label` of the demand it was judged on (empty when unknown).
    """

    bases: tuple[ScenarioBase, ...]
    name: str = "scenario"
    weight: str = "population"
    threshold: float | None = None
    kommun: str = ""
    study_name: str = ""
    mode: str = ""
    demand: str = ""

    @classmethod
    def today(cls, study: Study, **kwargs: Any) -> Scenario:
        """Today's bases, unchanged."""
        e, n = study.base_xy
        bases = tuple(
            ScenarioBase(str(nm), float(x), float(y), str(b))
            for nm, x, y, b in zip(
                study.bases["base_name"], e, n, study.bases["base_id"], strict=True
            )
        )
        defaults = {"name": "today", "kommun": study.kommun, "study_name": study.name}
        return cls(bases, **(defaults | kwargs))

    def changed(
        self,
        study: Study,
        *,
        close: tuple[str, ...] = (),
        move: dict[str, tuple[float, float]] | None = None,
        add: dict[str, tuple[float, float]] | None = None,
    ) -> Scenario:
        """This scenario with bases closed (ids), moved (id -> lat, lon) or added.

        A moved or added base must lie in the study (:meth:`geo.study.Study.require_in_study`).
        """
        move = move or {}
        ids = [b.base_id for b in self.bases if b.base_id]
        unknown = [b for b in [*close, *move] if b not in ids]
        if unknown:
            raise GeoValueError(f"what-if: unknown base ids {unknown}; the bases are {ids}")
        placed = {**{f"--move {k}": v for k, v in move.items()}, **(add or {})}
        if placed:
            lat = np.array([v[0] for v in placed.values()], dtype="float64")
            lon = np.array([v[1] for v in placed.values()], dtype="float64")
            pe, pn = to_sweref(lon, lat, "EPSG:4326")
            study.require_in_study(
                pe, pn, list(placed), "what-if", "give LAT,LON in WGS 84 inside the study area"
            )
        bases = []
        for b in self.bases:
            if b.base_id in close:
                continue
            if b.base_id in move:
                m_lat, m_lon = move[b.base_id]
                me, mn = to_sweref(np.array([m_lon]), np.array([m_lat]), "EPSG:4326")
                b = ScenarioBase(b.name, float(me[0]), float(mn[0]), b.base_id)
            bases.append(b)
        for name, (a_lat, a_lon) in (add or {}).items():
            ae, an = to_sweref(np.array([a_lon]), np.array([a_lat]), "EPSG:4326")
            bases.append(ScenarioBase(name, float(ae[0]), float(an[0])))
        return replace(self, bases=tuple(bases))


#: The largest scenario file read (bytes): a scenario names at most a few dozen bases.
MAX_SCENARIO_BYTES = 5_000_000
#: How far lat/lon may lie from e/n of the same base (m) before the two disagree.
COORDINATE_AGREEMENT_M = 5.0

#: What a scenario may not hold beyond its schema, as reason keys with their English text;
#: the studio's core (``studio_core.js``, ``scenarioProblems``) finds the same keys, and its
#: label files say them in Swedish and English.
SCENARIO_PROBLEMS = {
    "duplicate_id": "base id {id!r} is given for two bases",
    "closed_unknown": "closed id {id!r} is not one of today's bases",
    "closed_open": "base id {id!r} is both closed and open",
    "coordinates_disagree": "base {k} ({name}) has lat/lon {d:,.0f} m from its e/n; give one",
}


def scenario_problems(
    doc: dict[str, Any], *, today_ids: list[str] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The problems of a scenario document that follows the schema, as ``(reason, details)``
    pairs in document order (empty: none). ``today_ids`` (the study's base ids) checks the
    closed ids; without it they are not checked."""
    out: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    bases = doc.get("bases") or []
    for b in bases:
        bid = str(b.get("id") or "")
        if bid and bid in seen:
            out.append(("duplicate_id", {"id": bid}))
        seen.add(bid)
    for cid in doc.get("closed") or []:
        if today_ids is not None and cid not in today_ids:
            out.append(("closed_unknown", {"id": cid}))
        if cid in seen:
            out.append(("closed_open", {"id": cid}))
    for k, b in enumerate(bases, start=1):
        e, n = b.get("e"), b.get("n")
        if e is None or n is None:
            continue
        xe, xn = to_sweref(np.array([float(b["lon"])]), np.array([float(b["lat"])]), "EPSG:4326")
        d = float(np.hypot(xe[0] - float(e), xn[0] - float(n)))
        if not d <= COORDINATE_AGREEMENT_M:
            out.append(("coordinates_disagree", {"k": k, "name": b.get("name", ""), "d": d}))
    return out


def _check_problems(doc: dict[str, Any], source: str, today_ids: list[str] | None) -> None:
    problems = scenario_problems(doc, today_ids=today_ids)
    if problems:
        reason, details = problems[0]
        raise ScenarioError(
            f"scenario: {source}: {SCENARIO_PROBLEMS[reason].format(**details)}; export it "
            "again from the planning studio",
            reason,
        )


def _no_constants(name: str) -> float:
    raise GeoValueError(f"{name} is not a number JSON allows")


def _validate(doc: Any, source: str) -> None:
    """Check a document against the schema; one line naming the first problem."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(scenario_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda err: list(err.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = "/".join(str(p) for p in err.absolute_path)
    if isinstance(doc, dict) and err.validator == "enum" and list(err.absolute_path) == ["version"]:
        raise StudyMismatchError(
            f"scenario: {source} is version {doc.get('version')!r}, which this geo does not know "
            f"(it reads version {SCENARIO_VERSION}); export it again from a studio of this geo"
        )
    message = " ".join(err.message.split())
    if len(message) > 160:
        message = message[:157] + "..."
    raise GeoValueError(
        f"scenario: {source} does not follow the scenario schema"
        f"{' at ' + where if where else ''}: {message}; export it from the planning studio"
    )


def scenario_document(scenario: Scenario, *, mode: str | None = None) -> dict[str, Any]:
    """A scenario as the document the schema describes (what :func:`write_scenario` writes)."""
    mode = mode or scenario.mode or "straight"
    e = np.array([b.e for b in scenario.bases], dtype="float64")
    n = np.array([b.n for b in scenario.bases], dtype="float64")
    lon, lat = from_sweref(e, n)
    bases = []
    for b, la, lo in zip(scenario.bases, lat, lon, strict=True):
        row: dict[str, Any] = {"name": b.name, "lat": round(float(la), 6),
                               "lon": round(float(lo), 6), "e": b.e, "n": b.n}  # fmt: skip
        if b.base_id:
            row["id"] = b.base_id
        bases.append(row)
    return {
        "format": "geo-scenario",
        "version": SCENARIO_VERSION,
        "study": {"kommun": scenario.kommun, "name": scenario.study_name},
        "name": scenario.name,
        "unit": unit_of(mode),
        "mode": mode,
        "weight": scenario.weight,
        "threshold": scenario.threshold,
        "demand": scenario.demand or DEMAND_GRID,
        "bases": bases,
    }


def write_scenario(scenario: Scenario, path: str | Path, *, mode: str | None = None) -> Path:
    """Write a scenario as JSON that the studio opens and :func:`read_scenario` reads."""
    from .io.files import atomic_path

    doc = scenario_document(scenario, mode=mode)
    _validate(doc, "the scenario to write")
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def read_scenario(
    path: str | Path,
    *,
    study: Study | None = None,
    mode: str = "straight",
    demand: str = DEMAND_GRID,
) -> Scenario:
    """Read a scenario file (JSON) or a table of bases (CSV/xlsx).

    Parameters
    ----------
    path : path
        A JSON document following ``geo/data/scenario.schema.json`` (exported by the planning
        studio or :func:`write_scenario`), or a table with one row per open base: ``name``
        and ``lat``/``lon`` or ``e``/``n`` (optionally ``id``, today's base id).
    study : Study, optional
        The run's study: when given, the scenario is checked against the run
        (:func:`check_scenario` with ``mode`` and ``demand``).
    mode, demand : str
        The run's travel mode and :func:`demand_label`.

    Raises
    ------
    GeoValueError
        The file is not a scenario (not JSON, not the schema, no base).
    StudyMismatchError
        It belongs to another study, mode, demand or version, or a base lies outside.
    """
    from .io.files import check_file
    from .io.tables import read_table

    path = Path(path)
    check_file(path, "scenario")
    if path.stat().st_size > MAX_SCENARIO_BYTES:
        raise GeoValueError(
            f"scenario: {path.name} is larger than {MAX_SCENARIO_BYTES:,} bytes; a scenario "
            "names a few bases"
        )
    today_ids = list(study.base_ids) if study is not None else None
    if path.suffix.lower() == ".json":
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"), parse_constant=_no_constants)
        except (UnicodeDecodeError, json.JSONDecodeError, GeoValueError) as exc:
            raise GeoValueError(f"scenario: {path.name} is not valid JSON ({exc})") from None
        _validate(doc, path.name)
        _check_problems(doc, path.name, today_ids)
        rows = doc["bases"]
        meta = doc
    else:
        rows = read_table(path).to_dict("records")
        meta = {}
        _check_problems({"bases": rows}, path.name, None)
    bases = []
    for i, row in enumerate(rows, start=1):
        name = str(row.get("name") or f"base {i}")
        bid = row.get("id", row.get("base_id", ""))
        bid = "" if bid is None or (isinstance(bid, float) and np.isnan(bid)) else str(bid)
        if _given(row.get("e")) and _given(row.get("n")):
            e = parse_number(row["e"], f"scenario: base {i} e")
            n = parse_number(row["n"], f"scenario: base {i} n")
        elif _given(row.get("lat")) and _given(row.get("lon")):
            lat = parse_number(row["lat"], f"scenario: base {i} lat")
            lon = parse_number(row["lon"], f"scenario: base {i} lon")
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise GeoValueError(f"scenario: base {i} ({name}) lat/lon out of range")
            xe, xn = to_sweref(np.array([lon]), np.array([lat]), "EPSG:4326")
            e, n = float(xe[0]), float(xn[0])
        else:
            raise GeoValueError(f"scenario: base {i} ({name}) needs e/n or lat/lon")
        bases.append(ScenarioBase(name, e, n, bid))
    if not bases:
        raise GeoValueError(f"scenario: {path.name} opens no base")
    weight = str(meta.get("weight", "population"))
    if weight not in WEIGHTS:  # a table names no weight; the schema checks a document's
        raise GeoValueError(f"scenario: weight must be one of {WEIGHTS}; received {weight!r}")
    threshold = meta.get("threshold")
    sdoc = meta.get("study") or {}
    scenario = Scenario(
        tuple(bases),
        name=str(meta.get("name") or path.stem),
        weight=weight,
        threshold=None if threshold is None else parse_number(threshold, "scenario: threshold"),
        kommun=str(sdoc.get("kommun", "")),
        study_name=str(sdoc.get("name", "")),
        mode=str(meta.get("mode", "")),
        demand=str(meta.get("demand", "")),
    )
    if study is not None:
        check_scenario(scenario, study, mode=mode, demand=demand, source=path.name)
    return scenario


def _given(value: object) -> bool:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return str(value).strip() != ""


def _describe(mode: str) -> str:
    return "straight-line distance (km)" if mode == "straight" else f"{mode} travel time (minutes)"


def check_scenario(
    scenario: Scenario,
    study: Study,
    *,
    mode: str = "straight",
    demand: str = DEMAND_GRID,
    source: str = "scenario",
) -> None:
    """Stop with one line when a scenario cannot be judged by this run as it was made.

    Checked: the municipality (``kommun``), the travel mode (and so the unit of its
    threshold), the demand, and that every base lies in the study. What a scenario does not
    say (a table of bases says nothing of its study) is not checked.

    Raises
    ------
    StudyMismatchError
        Naming the mismatch and the fix.
    """
    if mode not in TRAVEL_MODES:
        raise GeoValueError(f"mode: must be one of {TRAVEL_MODES}; received {mode!r}")
    if scenario.kommun and study.kommun and scenario.kommun != study.kommun:
        raise StudyMismatchError(
            f"scenario: {source} was made for kommun {scenario.kommun} "
            f"({scenario.study_name or 'another study'}), but this run's study is "
            f"{study.kommun} ({study.name}); run it with --study DIR of kommun "
            f"{scenario.kommun}, or export a scenario from this study's studio"
        )
    if scenario.mode and scenario.mode != mode:
        if mode == "straight":
            fix = (
                f"pass --mode {scenario.mode} with the same "
                f"{'--gtfs FEED' if scenario.mode == 'transit' else '--network NPZ'} "
                "as the studio had"
            )
        elif scenario.mode == "straight":
            fix = "run without --mode and --network, as the studio had"
        else:
            fix = f"run with --mode {scenario.mode} and its network"
        raise StudyMismatchError(
            f"scenario: {source} measures {_describe(scenario.mode)} (threshold "
            f"{'default' if scenario.threshold is None else f'{scenario.threshold:g}'} "
            f"{unit_of(scenario.mode)}), but this run measures {_describe(mode)}; {fix}"
        )
    if scenario.demand and demand and scenario.demand != demand:
        fix = (
            "run without --addresses, as the studio had"
            if scenario.demand == DEMAND_GRID
            else f"pass the same --addresses FILE with --cell-size-m "
            f"{scenario.demand.split()[2]}, as the studio had"
        )
        raise StudyMismatchError(
            f"scenario: {source} was judged on demand '{scenario.demand}', this run on "
            f"'{demand}'; {fix}"
        )
    e = np.array([b.e for b in scenario.bases], dtype="float64")
    n = np.array([b.n for b in scenario.bases], dtype="float64")
    study.require_in_study(
        e, n, [b.name for b in scenario.bases], f"scenario: {source}",
        "move the base into the study area, or run with the study it was made for",
    )  # fmt: skip
