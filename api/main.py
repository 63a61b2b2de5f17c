"""Assembles the API: settings, lifespan, middleware, error handlers, routes. Nothing else."""

from __future__ import annotations

from fastapi import FastAPI

from api import errors
from api.lifespan import lifespan
from api.middleware import RequestLog
from api.routes import admin, health, jobs
from shared.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="Deep Research Job Service",
        version="4.0.0",
        description="Submit product deep-research jobs and follow them to a cited hazard report.",
        lifespan=lifespan,
    )
    app.state.settings = settings or get_settings()
    errors.install(app)
    app.add_middleware(RequestLog)
    for router in (jobs.router, admin.router, health.router):
        app.include_router(router)
    return app
