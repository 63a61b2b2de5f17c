"""Every error the API answers, and the one JSON shape they share.

    ApiError                      base: a status code, a machine code, a sentence
    ├── NotFound (404)            unknown or expired job
    ├── Conflict (409)            e.g. cancelling a finished job
    ├── Unauthorized (401)        no credentials where they are needed
    ├── Forbidden (403)           wrong credentials, or a disabled endpoint
    ├── TooManyRequests (429)     backpressure or rate limit; carries Retry-After
    └── ServiceUnavailable (503)  Redis unreachable; carries Retry-After

Request validation errors answer 422 and Redis failures 503, in the same shape::

    {"detail": "<sentence>", "error": {"code": "<code>", "message": "<sentence>", "details": ...}}

``detail`` is FastAPI's usual field, kept so clients written against the seed still read it.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.redis import REDIS_DOWN_ERRORS

log = logging.getLogger("api.errors")


class ApiError(Exception):
    status_code = 500
    code = "internal"

    def __init__(self, message: str, *, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        self.headers = headers or {}


class NotFound(ApiError):
    status_code, code = 404, "not_found"


class Conflict(ApiError):
    status_code, code = 409, "conflict"


class Unauthorized(ApiError):
    status_code, code = 401, "unauthorized"


class Forbidden(ApiError):
    status_code, code = 403, "forbidden"


class TooManyRequests(ApiError):
    status_code, code = 429, "too_many_requests"


class ServiceUnavailable(ApiError):
    status_code, code = 503, "service_unavailable"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"detail": message, "error": error}


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorBody(BaseModel):
    """The one error shape, for the OpenAPI schema."""

    detail: str
    error: ErrorInfo


_MEANINGS = {
    400: "The body is not readable JSON (malformed, truncated, invalid UTF-8, nested too deeply)",
    401: "An API key is configured and this request sent none, or one that is unknown or revoked",
    403: "Wrong admin token, or admin endpoints disabled",
    404: "Unknown or expired job (or one that belongs to another API key)",
    409: "Conflict with the job's current state",
    413: "The body is larger than MAX_BODY_BYTES",
    422: "A field is invalid; error.details names it",
    429: "Rate limit or backpressure; retry after Retry-After seconds",
    503: "Redis unreachable; retry after Retry-After seconds",
}


def documented(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error codes, each with the one error shape."""
    return {code: {"model": ErrorBody, "description": _MEANINGS[code]} for code in codes}


def _respond(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _respond(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(sorted({d["field"] for d in details})) or "request"
    return _respond(422, "validation_error", f"Invalid request: check {fields}.", details)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(
        exc.status_code, "http_error"
    )
    return _respond(exc.status_code, code, str(exc.detail), headers=getattr(exc, "headers", None))


async def _redis_down(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: Redis unavailable (%s)", request.method, request.url.path, type(exc).__name__)
    return _respond(
        503,
        "redis_unavailable",
        "The job store (Redis) is unreachable; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s: unhandled error", request.method, request.url.path, exc_info=exc)
    return _respond(500, "internal", "Internal error; it has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for error in REDIS_DOWN_ERRORS:
        app.add_exception_handler(error, _redis_down)
    app.add_exception_handler(Exception, _unexpected)
