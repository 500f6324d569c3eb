"""The service's contract: what each route answers, as models for ``/openapi.json``.

The routes return JSON built by the library (:mod:`geo.lookup`, :func:`geo.report.area_figures`)
without a second validation pass on the hot path; these models describe that JSON, field by
field, so ``/docs`` shows every answer and a client can be generated from the schema.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ..report import POPULATION_EST_BASIS

__all__ = [
    "AreaRow",
    "ErrorAnswer",
    "LookupAnswer",
    "SuggestAnswer",
    "SummaryAnswer",
]


class ErrorAnswer(BaseModel):
    """A request that cannot be answered: the same one-line reason the command line gives."""

    error: str = Field(description="Why, and how to ask instead.")


class BaseRef(BaseModel):
    id: str = Field(description="The base's id (ASCII), as in the column names of geo assign.")
    name: str
    distance_m: float | None = Field(description="Straight-line distance (m, SWEREF 99 TM).")
    location_status: str | None = Field(
        None, description="`confirmed` or `assumed`: how sure the base's own place is."
    )


class NearestBase(BaseModel):
    name: str | None
    distance_m: float | None


class Regso(BaseModel):
    code: str | None = Field(description="SCB RegSO code.")
    name: str | None


class Point(BaseModel):
    lat: float = Field(description="WGS 84.")
    lon: float


class Settlement(BaseModel):
    class_: str | None = Field(alias="class", description="`city`, `locality` or `countryside`.")
    name: str | None


class Travel(BaseModel):
    mode: str | None = Field(description="`walk`, `bike`, `car` or `transit` (`geo serve --gtfs`).")
    status: str | None = Field(
        description="`ok`, `estimated`, `too_far_from_network`; public transport: `ok`, "
        "`walk_only`, `no_service`, `unreachable`"
    )
    reason: str | None = Field(None, description="Why, in words.")
    own_base_travel_time_s: float | None = Field(
        description="Seconds to the area's own base (public transport: the median over the "
        "departure window)."
    )
    own_base_travel_time_p90_s: float | None = Field(
        None, description="Public transport: the 90th percentile over the departure window."
    )
    quickest_base: str | None
    travel_times_s: dict[str, float | None] | None = Field(None, description="To every base.")
    travel_times_p90_s: dict[str, float | None] | None = Field(
        None, description="Public transport: 90th percentile to every base."
    )


class LookupAnswer(BaseModel):
    """The answer for one point or address: the row ``geo assign`` writes for it, named."""

    status: str = Field(
        description="`ok`; `outside` (no area); `ambiguous` (located only at a street, "
        "postcode or locality that meets several areas: no area); `needs_review` (the street "
        "resembles another: no area, see `suggestions`)."
    )
    reason: str = Field(description="Why, when the status is not `ok` (or what was assumed).")
    location_precision: str | None = Field(
        description="`address`, `street`, `postcode`, `locality` or `coordinates`."
    )
    distance_approximate: bool = Field(
        description="True when located at a street, postcode or locality that lies in one "
        "area: the area is certain, the distances approximate."
    )
    candidate_areas: list[str] = Field(
        description="The areas the place may lie in (one for `ok`; several for `ambiguous`)."
    )
    place: str | None = Field(
        description="The street, postcode or locality located at (below address precision)."
    )
    suggestions: list[str] = Field(
        description="Register addresses meant (for `needs_review` and `ambiguous`)."
    )
    area: str | None = Field(description="The catchment area; never set unless `ok`.")
    base: BaseRef | None = Field(description="The area's own base and the distance to it.")
    nearest_base: NearestBase
    distances_m: dict[str, float | None] = Field(description="Distance (m) to every base, by id.")
    regso: Regso
    point: Point | None = Field(description="The point answered for (WGS 84).")
    settlement: Settlement
    assign: dict[str, Any] = Field(description="Every column of the geo assign row.")
    travel: Travel | None = Field(None, description="With a network: the travel time.")


class SuggestAnswer(BaseModel):
    suggestions: list[str] = Field(description="Up to 8 register addresses, in order.")


class AreaRow(BaseModel):
    area: str
    base: str | None
    population_est: float | None = Field(description=f"Estimated: {POPULATION_EST_BASIS}.")
    by_settlement_class: dict[str, float] = Field(description="People per settlement class.")
    mean_distance_m: float | None = Field(
        description="Mean distance (m) from the people to the own base (geo.figures)."
    )
    p90_distance_m: float | None = Field(description="90th percentile (inverted CDF).")
    share_within_km: dict[str, float | None] = Field(
        description="Share of the people within each threshold (km)."
    )


class SummaryAnswer(BaseModel):
    study: str
    kommun: str = Field(description="SCB municipality code (empty for user areas).")
    travel_mode: str
    address_register: bool
    areas: list[AreaRow] = Field(description="One row per area, then `all`.")
