"""Public transport: GTFS timetables and travel time by bus and train to every base.

:func:`read_gtfs` reads a feed, :func:`load_transit` prepares a departure window on a service
day, and :meth:`Transit.costs` gives, from every address (or demand cell) to every base, the
median and 90th percentile travel time over the window, the transfers and the share of the
time spent waiting, with a status and a reason. The router is the reverse profile Connection
Scan Algorithm (:mod:`geo.transit.profile`): one scan of the day's connections per base, then
a vectorised evaluation for every address and departure minute.
"""

from __future__ import annotations

from .feed import Feed, Timetable, read_gtfs
from .profile import Journeys, Profiles, evaluate, profiles_to_target
from .times import Transit, TransitCosts, load_transit, parse_departure

__all__ = [
    "Feed",
    "Journeys",
    "Profiles",
    "Timetable",
    "Transit",
    "TransitCosts",
    "evaluate",
    "load_transit",
    "parse_departure",
    "profiles_to_target",
    "read_gtfs",
]
