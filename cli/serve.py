"""The app factory uvicorn imports in every API process it starts (one, or ``--workers N``).

Logging is set up here, not only in the parent, so that every process's lines have the same
format and the same secret masking.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from shared.logs import setup_logging
from shared.settings import get_settings


def create() -> FastAPI:
    settings = get_settings()
    setup_logging(settings, "api")
    return create_app(settings)
