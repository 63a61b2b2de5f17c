"""Client API keys: made, hashed, stored, looked up and revoked. The key itself is never stored.

Two sources, one identity: keys from the ``API_KEYS`` setting and keys the admin command
(``deep-research keys add``) put in Redis. A key is known by its id, the first 16 hex digits of
its sha256; that id is what a job's ``owner`` holds. Revoking keeps the entry (marked revoked),
so a key store that once had keys keeps requiring them: removing the last key never opens the API.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass
from typing import Final

from redis.asyncio import Redis

from shared import keys
from shared.models import utcnow
from shared.settings import Settings

KEY_PREFIX: Final = "drk_"
ID_CHARS: Final = 16


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def key_id(key_hash: str) -> str:
    return key_hash[:ID_CHARS]


def new_key() -> str:
    """A fresh key: 32 random bytes, URL-safe, with a prefix that secret scanners can spot."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def configured_hashes(settings: Settings) -> frozenset[str]:
    """Hashes of the keys in the ``API_KEYS`` setting (comma-separated)."""
    if settings.api_keys is None:
        return frozenset()
    return frozenset(hash_key(k.strip()) for k in settings.api_keys.get_secret_value().split(",") if k.strip())


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    name: str
    created_at: str
    revoked_at: str | None = None


class KeyStore:
    """The Redis side: ``apikeys`` maps a key's sha256 to its :class:`KeyInfo` as JSON."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def add(self, name: str) -> tuple[str, KeyInfo]:
        """Make a key, store its hash; the key is returned once and cannot be recovered."""
        key = new_key()
        digest = hash_key(key)
        info = KeyInfo(id=key_id(digest), name=name, created_at=utcnow().isoformat(timespec="seconds"))
        await self.redis.hset(keys.API_KEYS, digest, json.dumps(asdict(info)))  # type: ignore[misc]
        return key, info

    async def entries(self) -> list[KeyInfo]:
        entries: dict[bytes, bytes] = await self.redis.hgetall(keys.API_KEYS)  # type: ignore[misc]
        return sorted((KeyInfo(**json.loads(raw)) for raw in entries.values()), key=lambda info: info.created_at)

    async def revoke(self, ident: str) -> KeyInfo | None:
        """Mark the key with this id revoked; None if no (live) key has it."""
        entries: dict[bytes, bytes] = await self.redis.hgetall(keys.API_KEYS)  # type: ignore[misc]
        for digest, raw in entries.items():  # bytes keys: decode_responses is off
            info = KeyInfo(**json.loads(raw))
            if info.id == ident and info.revoked_at is None:
                revoked = KeyInfo(info.id, info.name, info.created_at, utcnow().isoformat(timespec="seconds"))
                await self.redis.hset(keys.API_KEYS, digest.decode(), json.dumps(asdict(revoked)))  # type: ignore[misc]
                return revoked
        return None

    async def lookup(self, key_hash: str) -> tuple[bool, KeyInfo | None]:
        """``(store has entries, this key's live entry or None)``, in one round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.exists(keys.API_KEYS)
            pipe.hget(keys.API_KEYS, key_hash)
            exists, raw = await pipe.execute()
        if raw is None:
            return bool(exists), None
        info = KeyInfo(**json.loads(raw))
        return True, None if info.revoked_at else info
