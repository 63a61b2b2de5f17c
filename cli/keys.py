"""``deep-research keys add|list|revoke``: manage client API keys in Redis (``REDIS_URL``).

``add`` prints the new key once; only its sha256 is stored, so a lost key cannot be shown again:
revoke it and add another. Once any key exists (even revoked), the API requires a key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from shared.apikeys import KeyStore
from shared.redis import REDIS_DOWN_ERRORS, create_redis, redact_url
from shared.settings import get_settings


async def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    redis = create_redis(settings)
    store = KeyStore(redis)
    try:
        if args.action == "add":
            key, info = await store.add(args.name)
            print(f"id:   {info.id}\nname: {info.name}\nkey:  {key}")
            print("Store the key now: it is not kept and cannot be shown again.", file=sys.stderr)
            return 0
        if args.action == "list":
            for info in await store.entries():
                state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
                print(f"{info.id}  {info.created_at}  {state:<28}  {info.name}")
            return 0
        revoked = await store.revoke(args.id)
        if revoked is None:
            print(f"No active key with id {args.id}.", file=sys.stderr)
            return 1
        print(f"revoked {revoked.id} ({revoked.name})")
        return 0
    except REDIS_DOWN_ERRORS as exc:
        url = redact_url(settings.redis_url.get_secret_value())
        print(f"Redis unreachable at {url} ({type(exc).__name__}); nothing changed.", file=sys.stderr)
        return 2
    finally:
        await redis.aclose()


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="manage client API keys (stored hashed in Redis)")
    actions = keys.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="make a key and print it once")
    add.add_argument("--name", required=True, help="who or what the key is for")
    actions.add_parser("list", help="list keys: id, created, state, name (never the key)")
    revoke = actions.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("id", help="the key's id, as `keys list` shows it")
    keys.set_defaults(handler=run)
