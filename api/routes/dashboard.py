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
router = APIRouter(tags=["dashboard"], include_in_schema=False)


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    return FileResponse(STATIC / "dashboard.html", headers={"Cache-Control": "no-cache"})


def assets() -> StaticFiles:
    """Mounted at ``/dashboard/static``."""
    return StaticFiles(directory=STATIC)
