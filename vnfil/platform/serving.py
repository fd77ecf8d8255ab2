"""How the API is served in production (``vnfil serve``): uvicorn on uvloop and httptools.

One place for the server's options, so the container, ``infra/helm/vnfil`` and the
scale-out test start the API the same way.
"""

from __future__ import annotations

from typing import Any

from vnfil.platform.settings import Settings

APP = "api.main:app"
# In-flight requests get this long after SIGTERM; the pod's grace period is longer.
GRACEFUL_SHUTDOWN_SECONDS = 25


def uvicorn_options(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    access_log: bool = True,
) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run(APP, ...)``."""
    return {
        "host": host or settings.api_host,
        "port": port or settings.api_port,
        "workers": workers or settings.api_workers,
        "loop": "uvloop",
        "http": "httptools",
        # No websockets and no lifespan guessing: the app has a lifespan and no sockets.
        "ws": "none",
        "lifespan": "on",
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        # Longer than a load balancer's idle timeout (60 s on most), so the balancer
        # never sends a request down a connection the server is closing.
        "timeout_keep_alive": settings.api_keep_alive_seconds,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        "server_header": False,
        "access_log": access_log,
    }
