"""A study: the areas, their bases and the reference layers of one municipality (or more).

* :mod:`geo.study.read` — :class:`Study`, :func:`load_study` (the embedded Linköping study or
  a folder written by ``geo study build``), the user's own areas and bases, topology checks,
  and whether an input lies in the study;
* :mod:`geo.study.sources` — SCB's files for one municipality (national or municipal layout);
* :mod:`geo.study.build` — a study folder built from them (``geo study build``).

No study's own names (Linköping's, or any column of SCB's files) appear outside these modules
and the study a user loads.
"""

from __future__ import annotations

from .read import (
    Study,
    check_topology,
    load_study,
    read_areas,
    read_bases,
    read_study_meta,
)

__all__ = ["Study", "check_topology", "load_study", "read_areas", "read_bases", "read_study_meta"]
