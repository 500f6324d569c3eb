"""Building the service from a plain configuration: in ``geo serve`` and in each worker.

The configuration is JSON-able (paths as text), so worker processes get it through the
environment variable :data:`CONFIG_VARIABLE` and build the same application.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import InputFileError
from ..io.postgis import as_source

__all__ = ["CONFIG_VARIABLE", "app_from_config", "app_from_environment", "read_token"]

#: The environment variable that carries the configuration to the workers.
CONFIG_VARIABLE = "GEO_SERVE_CONFIG"
logger = logging.getLogger(__name__)


def read_token(path: str | Path) -> str:
    """The bearer token in ``path`` (its first line); at least 16 characters."""
    path = Path(path)
    try:
        token = path.read_text(encoding="utf-8").splitlines()[0].strip()
    except (OSError, IndexError, UnicodeDecodeError) as exc:
        raise InputFileError(f"token-file: cannot read a token from {str(path)!r}") from exc
    if len(token) < 16:
        raise InputFileError(
            f"token-file: the token in {str(path)!r} is shorter than 16 characters; use a long "
            "random one (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return token


def app_from_config(config: dict[str, Any]) -> Any:
    """The application for ``config``: ``study`` (keyword arguments of
    :func:`geo.study.load_study`), ``register``, ``register_crs``, ``register_columns``,
    ``network``, ``token_file``, ``max_upload_bytes``, ``max_rows``, ``max_columns``,
    ``allow_far_inputs``
    (else a register or network none of whose points lies in or near the study stops)."""
    from ..geocoding import read_register
    from ..network import read_network
    from ..study import load_study
    from .app import create_app

    study = load_study(**config.get("study", {}))
    register = None
    if config.get("register"):
        register = read_register(
            as_source(config["register"]),  # type: ignore[arg-type]
            crs=config.get("register_crs"),
            columns=config.get("register_columns") or {},
        )
    network = read_network(config["network"]) if config.get("network") else None
    if config.get("gtfs"):  # public transport: walking along --network when given
        network = _transit(config, walk=network, study=study)
    if not config.get("allow_far_inputs"):
        fix = "give the study region's file, another --study, or --allow-far-inputs"
        if register is not None:
            study.require_near(
                register.table["e"].to_numpy(),
                register.table["n"].to_numpy(),
                "the register's nearest address",
                within_m=settings.transit_max_walk_m, fix=fix,
            )  # fmt: skip
        if network is not None and not config.get("gtfs"):
            study.require_near(
                network.node_e, network.node_n, "the network's nearest node",
                within_m=settings.max_snap_m, fix=fix,
            )  # fmt: skip
    token = read_token(config["token_file"]) if config.get("token_file") else None
    return create_app(
        study,
        register=register,
        network=network,
        token=token,
        max_upload_bytes=config.get("max_upload_bytes"),
        max_rows=config.get("max_rows"),
        max_columns=config.get("max_columns"),
    )


def _transit(config: dict[str, Any], *, walk: Any, study: Any) -> Any:
    """The timetable of ``--gtfs``, checked against the study, with every base's profiles
    made now (start-up) so that a lookup only evaluates them."""
    import time

    from ..transit import load_transit

    t0 = time.perf_counter()
    transit = load_transit(
        config["gtfs"], depart=config.get("depart"),
        window_min=config.get("window_min") or settings.transit_window_min, walk_network=walk,
    )  # fmt: skip
    tt = transit.timetable
    if not config.get("allow_far_inputs"):
        study.require_near(
            tt.stop_e, tt.stop_n, "the feed's nearest stop", within_m=settings.transit_max_walk_m,
            fix="give the study region's feed, another --study, or --allow-far-inputs",
        )  # fmt: skip
    e, n = study.base_xy
    for be, bn in zip(e, n, strict=True):
        transit.profiles(float(be), float(bn))
    logger.info(
        "transit: %s; profiles to %d bases made in %.1f s (start-up)",
        transit.window_text, len(e), time.perf_counter() - t0,
    )  # fmt: skip
    return transit


def app_from_environment() -> Any:
    """The application for the configuration in ``$GEO_SERVE_CONFIG`` (a worker's)."""
    return app_from_config(json.loads(os.environ[CONFIG_VARIABLE]))
