"""``/dashboard``: the operators' page, plain HTML/CSS/JS served as static files.

The files hold no data and are public; everything the page shows comes from the admin endpoints
(``api/routes/ops.py``), which its script calls with the admin token the operator types in (kept
in ``sessionStorage``, sent as ``X-Admin-Token``). Live progress uses a fetch-based SSE reader,
because ``EventSource`` cannot send that header.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC: Final = Path(str(files("api").joinpath("static")))
CSP: Final = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The page runs only its own script: a report's text can never run code in the operator's page."""
router = APIRouter(tags=["dashboard"], include_in_schema=False)


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    headers = {"Cache-Control": "no-cache", "Content-Security-Policy": CSP, "Referrer-Policy": "no-referrer"}
    return FileResponse(STATIC / "dashboard.html", headers=headers)


def assets() -> StaticFiles:
    """Mounted at ``/dashboard/static``."""
    return StaticFiles(directory=STATIC)
