"""Running the service: address checks, the token, and uvicorn with graceful shutdown."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from ..errors import UsageError

__all__ = ["is_local", "serve"]

logger = logging.getLogger(__name__)

#: Seconds requests in flight may take to finish after SIGTERM or Ctrl-C.
GRACEFUL_SHUTDOWN_S = 10


def is_local(host: str) -> bool:
    """Whether ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    workers: int = 1,
    config: dict[str, Any] | None = None,
) -> None:
    """Run ``app`` with uvicorn until SIGTERM or Ctrl-C (requests in flight finish).

    Refuses a non-local ``host`` without a ``token``: the service answers questions about
    where people live. With ``workers`` > 1, each worker process builds the application
    again from ``config`` (see :func:`geo.service.factory.app_from_config`).
    """
    import uvicorn

    if not is_local(host) and token is None:
        raise UsageError(
            f"host: {host!r} is reachable from other machines; give --token-file with a bearer "
            "token (or bind to 127.0.0.1)"
        )
    if not 0 < port < 65536:
        raise UsageError(f"port: must be 1-65535; received {port}")
    logger.info(
        "geo serve on http://%s:%d (reception page at /, API description at /docs)", host, port
    )
    if workers < 1:
        raise UsageError(f"workers: at least 1; received {workers}")
    target: Any = app
    extra: dict[str, Any] = {}
    if workers == 1 and config is not None:
        target = _reload_on_hangup(app, config)
    if workers > 1:  # uvicorn's supervisor: SIGHUP replaces each worker, new one first
        import json
        import os

        from .factory import CONFIG_VARIABLE

        if config is None:
            raise UsageError("workers: more than one worker needs the service's configuration")
        os.environ[CONFIG_VARIABLE] = json.dumps(config)
        target = "geo.service.factory:app_from_environment"
        # a new worker builds the study and reads the register (from a file or PostgreSQL)
        # before it is ready: give it time, or uvicorn keeps the old one after SIGHUP
        extra = {"factory": True, "workers": workers, "timeout_worker_healthcheck": 300}
    uvicorn.run(
        target,
        **extra,
        host=host,
        port=port,
        access_log=False,  # uvicorn's access log holds the query string: ours does not
        log_config=None,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
    )


class Reloadable:
    """An ASGI application that can be replaced while it serves: requests in flight finish on
    the application they started on, new ones go to the new one."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


def _reload_on_hangup(app: Any, config: dict[str, Any]) -> Reloadable:
    """SIGHUP rebuilds the application from ``config`` — the register read again (e.g. from
    PostgreSQL), the study and network too — in a thread, and swaps it in when it is ready; a
    failure keeps the old one and says why."""
    import signal
    import threading

    from .factory import app_from_config

    holder = Reloadable(app)
    lock = threading.Lock()

    def rebuild() -> None:
        if not lock.acquire(blocking=False):
            logger.info("SIGHUP: a reload is already running")
            return
        try:
            holder.app = app_from_config(config)
            logger.info("SIGHUP: reloaded the register and the study")
        except Exception as exc:  # noqa: BLE001 - the service goes on with what it has
            logger.error("SIGHUP: reload failed, still serving the previous data: %s", exc)
        finally:
            lock.release()

    if hasattr(signal, "SIGHUP"):
        signal.signal(
            signal.SIGHUP,
            lambda *_: threading.Thread(target=rebuild, name="geo-reload", daemon=True).start(),
        )
    return holder
