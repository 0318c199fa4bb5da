"""The worker's HTTP server: /metrics for Prometheus, /healthz and /readyz for Kubernetes probes."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable
from typing import Any

import mode
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from agents.health import Check, Health
from newsflow.errors import OperatorError

log = logging.getLogger(__name__)


def _probe(check: Check) -> web.Response:
    return web.Response(
        status=200 if check.ok else 503,
        text=json.dumps({"ok": check.ok, **check.details}),
        content_type="application/json",
    )


def make_web_app(
    health: Health,
    registry: CollectorRegistry = REGISTRY,
    before_scrape: Callable[[], None] | None = None,
) -> web.Application:
    """Return the aiohttp application serving /metrics, /healthz and /readyz.

    `before_scrape()` runs on every scrape of /metrics, to refresh gauges computed on demand.
    """

    async def metrics(_: web.Request) -> web.Response:
        if before_scrape is not None:
            before_scrape()
        return web.Response(
            body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def healthz(_: web.Request) -> web.Response:
        return _probe(health.liveness())

    async def readyz(_: web.Request) -> web.Response:
        return _probe(health.readiness())

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


class MetricsPortError(OperatorError):
    """The metrics and probes address cannot be listened on."""


def bind_listener(host: str, port: int) -> socket.socket | None:
    """Return a socket bound to host:port and listening (None for port 0: no server), or raise
    MetricsPortError saying which setting to change."""
    if not port:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        listener = socket.socket(family, kind, proto)
    except OSError as exc:
        raise MetricsPortError(
            f"cannot listen on {host}:{port} ({exc}): check NEWSFLOW_METRICS_HOST"
        ) from exc
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(128)
    except OSError as exc:
        listener.close()
        raise MetricsPortError(
            f"cannot serve metrics on {host}:{port}: {exc.strerror or exc} (another worker or "
            "program listens there?); set NEWSFLOW_METRICS_PORT to a free port, or 0 for none"
        ) from exc
    listener.setblocking(False)
    return listener


class HttpServer(mode.Service):
    """Serves the worker's web app on host:port from the worker's event loop (on `listener`,
    a socket bound beforehand by `bind_listener`, when given)."""

    def __init__(
        self,
        web_app: web.Application,
        host: str,
        port: int,
        listener: socket.socket | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.web_app = web_app
        self.host = host
        self.port = port
        self.listener = listener
        self._runner: web.AppRunner | None = None

    async def on_start(self) -> None:
        """Start listening."""
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site: web.BaseSite
        if self.listener is not None:
            site = web.SockSite(self._runner, self.listener)
        else:
            site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        log.info("Metrics and probes served on http://%s:%d/", self.host, self.port)

    async def on_stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
