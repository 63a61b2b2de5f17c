"""Assembles the API: settings, lifespan, middleware, error handlers, routes. Nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry

from api import errors
from api.events import StreamCount
from api.lifespan import lifespan
from api.limits import BodyLimit
from api.metrics import RequestMetrics
from api.metrics import router as metrics_router
from api.middleware import RequestLog
from api.routes import admin, dashboard, events, health, jobs, listing, ops
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    docs = settings.docs_enabled
    app = FastAPI(
        title="Deep Research Job Service",
        version="4.0.0",
        description="Submit product deep-research jobs and follow them to a cited hazard report.",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    if origins := [o.strip() for o in settings.cors_origins.split(",") if o.strip()]:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "Idempotency-Key", "X-Request-ID"],
        )
    app.add_middleware(RequestLog)
    app.state.metrics_registry = CollectorRegistry()
    app.state.event_streams = StreamCount()
    app.add_middleware(RequestMetrics, registry=app.state.metrics_registry)
    for router in (jobs.router, admin.router, health.router):
        app.include_router(router)
    for router in (events.router, listing.router, ops.router, metrics_router, dashboard.router):
        app.include_router(router)
    app.mount("/dashboard/static", dashboard.assets(), name="dashboard-static")
    return app
