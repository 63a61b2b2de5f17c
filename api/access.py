"""Who is calling, and may they: client API keys, object ownership, rate limits.

Use one of the aliases on every client endpoint (health and admin endpoints have their own rules):

    SubmitCallerDep   creating work: authenticates, counts against the submit limit
    JobCallerDep      one job by id: validates the id FIRST (422, no Redis call), then authenticates
                      and counts against the read limit (GET) or the submit limit (anything else)
    ReaderDep         other reads (listings...): authenticates, counts against the read limit

then pass ``caller.owner`` to the service, which answers 404 for another owner's job. Without
keys configured ``owner`` is None (the seed's behaviour: anyone holding a UUIDv4 may read it) and
rate limits apply per client address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Header, Path, Request
from redis.asyncio import Redis

from api.deps import SettingsDep, get_redis
from api.errors import Unauthorized
from api.ratelimit import RateLimiter
from shared.apikeys import KeyStore, configured_hashes, hash_key, key_id
from shared.models import ResearchRequest
from shared.settings import Settings

JobId = Annotated[UUID, Path(description="The job's id, as returned by the submit call.")]
# A plain optional header, not an OpenAPI security scheme: keys are optional (configured at run
# time, even in Redis), and a scheme would tell clients and fuzzers that one is always required.
ApiKey = Annotated[
    str | None,
    Header(alias="X-API-Key", max_length=200, description="A client API key; required once any key is configured."),
]


@dataclass(frozen=True, slots=True)
class Caller:
    owner: str | None
    """The key's id when keys are configured (what ``JobRecord.owner`` holds), else None."""
    client: str
    """Whom rate limits count: ``key:<id>`` or ``ip:<address>``."""


async def identify(request: Request, settings: Settings, redis: Redis, given: str | None) -> Caller:
    """The caller's identity; 401 when keys are configured and no valid key was sent."""
    from_settings = configured_hashes(settings)
    digest = hash_key(given) if given else ""
    if digest and digest in from_settings:
        return Caller(key_id(digest), f"key:{key_id(digest)}")
    store_has_keys, info = await KeyStore(redis).lookup(digest)
    if info is not None:
        return Caller(info.id, f"key:{info.id}")
    if from_settings or store_has_keys:
        problem = "is not valid (unknown or revoked)" if given else "is missing"
        raise Unauthorized(f"The API key {problem}: send it as X-API-Key.", headers={"WWW-Authenticate": "ApiKey"})
    address = request.client.host if request.client else "unknown"
    return Caller(None, f"ip:{address}")


async def submit_caller(
    body: ResearchRequest, request: Request, settings: SettingsDep, api_key: ApiKey = None
) -> Caller:
    # ``body`` is the endpoint's own (FastAPI parses it once): declared here so that a malformed
    # body is a 422 before this runs, and ``get_redis`` here, not as a dependency, for the same reason.
    return await _admit("submit", request, settings, api_key)


async def _admit(bucket: str, request: Request, settings: Settings, api_key: str | None) -> Caller:
    redis = get_redis(request)
    caller = await identify(request, settings, redis, api_key)
    limit = settings.rate_limit_submits_per_minute if bucket == "submit" else settings.rate_limit_reads_per_minute
    await RateLimiter(redis).check(bucket, caller.client, limit)
    return caller


async def reader(request: Request, settings: SettingsDep, api_key: ApiKey = None) -> Caller:
    return await _admit("read", request, settings, api_key)


async def job_caller(job_id: JobId, request: Request, settings: SettingsDep, api_key: ApiKey = None) -> Caller:
    # ``job_id`` is a parameter here, not only on the endpoint: FastAPI validates a dependency's
    # own parameters before calling it, so a malformed id is a 422 before any Redis call.
    return await _admit("read" if request.method in ("GET", "HEAD") else "submit", request, settings, api_key)


SubmitCallerDep = Annotated[Caller, Depends(submit_caller)]
JobCallerDep = Annotated[Caller, Depends(job_caller)]
ReaderDep = Annotated[Caller, Depends(reader)]
