"""``geo serve``: the catchment service for the reception desk and for other systems.

:func:`create_app` builds the ASGI application (FastAPI); :func:`serve` runs it with uvicorn.
Safe by default: it binds to 127.0.0.1, refuses a non-local address without a bearer token,
and its access log holds method, path (never the query), status and time — no address or
coordinate is ever logged.
"""

from __future__ import annotations

from .app import create_app
from .run import serve

__all__ = ["create_app", "serve"]
