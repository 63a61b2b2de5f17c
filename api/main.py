"""Assembles the API: settings, lifespan, middleware, error handlers, routes. Nothing else."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from api import errors
from api.lifespan import lifespan
from api.limits import BodyLimit
from api.middleware import RequestLog
from api.routes import admin, health, jobs
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
    for router in (jobs.router, admin.router, health.router):
        app.include_router(router)
    return app
