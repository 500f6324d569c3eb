"""The service for worker processes: rebuilt in each from the command line that started it."""

from __future__ import annotations

import json
import os
from typing import Any

#: The environment variable that carries the ``geo serve`` arguments to the workers.
ARGV_VARIABLE = "GEO_SERVE_ARGV"


def app_from_environment() -> Any:
    """The application ``geo serve`` would build for the arguments in ``$GEO_SERVE_ARGV``."""
    from ..cli import parser
    from ..cli.serve import build_app

    argv = json.loads(os.environ[ARGV_VARIABLE])
    return build_app(parser().parse_args(argv))
