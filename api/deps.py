"""Request dependencies as ``Annotated`` aliases, so handlers read like prose."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Header, Request
from redis.asyncio import Redis

from api.errors import Forbidden, Unauthorized
from shared.settings import Settings
from shared.store import JobStore


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> JobStore:
    return request.app.state.store  # type: ignore[no-any-return]


def get_redis(request: Request) -> Redis:
    return request.app.state.store.redis  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[JobStore, Depends(get_store)]
RedisDep = Annotated[Redis, Depends(get_redis)]


def require_admin(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_admin_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    """Admin endpoints need ``ADMIN_TOKEN``: as ``Authorization: Bearer <token>`` or ``X-Admin-Token``."""
    if settings.admin_token is None:
        raise Forbidden("Admin endpoints are disabled: set ADMIN_TOKEN to enable them.")
    given = x_admin_token
    if given is None and authorization and authorization.lower().startswith("bearer "):
        given = authorization[7:].strip()
    if not given:
        raise Unauthorized("This endpoint needs the admin token.", headers={"WWW-Authenticate": "Bearer"})
    expected = settings.admin_token.get_secret_value()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("The admin token is not valid.")


AdminDep = Depends(require_admin)
