"""The worker's HTTP server: /metrics for Prometheus, /healthz and /readyz for Kubernetes probes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import mode
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from agents.health import Check, Health

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


class HttpServer(mode.Service):
    """Serves the worker's web app on host:port from the worker's event loop."""

    def __init__(self, web_app: web.Application, host: str, port: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.web_app = web_app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def on_start(self) -> None:
        """Start listening."""
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        log.info("Metrics and probes served on http://%s:%d/", self.host, self.port)

    async def on_stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
