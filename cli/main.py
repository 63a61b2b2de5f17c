"""``deep-research``: the one command people, the Procfile and ``make run`` use.

    deep-research api [--host H] [--port P]   the HTTP API (uvicorn)
    deep-research worker [--burst]            one worker process
    deep-research dev                         Redis (if REDIS_URL is unset) + API + a worker
    deep-research research --input FILE       run the research pipeline offline, print the result
    deep-research keys add|list|revoke        manage client API keys (see cli/keys.py)
    deep-research submit|status|cancel|jobs   a client of a running API (see cli/client.py)

This package sits above the others: it may import ``api``, ``worker`` and ``shared``; they never
import it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _api(args: argparse.Namespace) -> int:
    import uvicorn

    from shared.logs import setup_logging
    from shared.settings import get_settings

    setup_logging(get_settings(), "api")
    uvicorn.run(
        "cli.serve:create",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        timeout_graceful_shutdown=10,
    )
    return 0


def _worker(args: argparse.Namespace) -> int:
    from worker.main import run

    run(burst=args.burst)
    return 0


def _dev(args: argparse.Namespace) -> int:
    from cli.dev import run_stack

    return run_stack(host=args.host, port=args.port)


def _research(args: argparse.Namespace) -> int:
    from cli.research import run_offline

    return run_offline(args.input, args.format)


def _profile(args: argparse.Namespace) -> int:
    from cli.profile import run

    return run(args.sizes, args.repeats, args.warm_up)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deep-research", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    api = sub.add_parser("api", help="run the HTTP API")
    api.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    api.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    api.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY", "1")),
        help="API processes sharing the port (default $WEB_CONCURRENCY, else 1)",
    )
    api.set_defaults(handler=_api)

    worker = sub.add_parser("worker", help="run a worker process")
    worker.add_argument("--burst", action="store_true", help="exit when the queue is empty")
    worker.set_defaults(handler=_worker)

    dev = sub.add_parser("dev", help="run the whole stack locally")
    dev.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    dev.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    dev.set_defaults(handler=_dev)

    research = sub.add_parser("research", help="research one product offline (no Redis)")
    research.add_argument("--input", required=True, help="request JSON file, or - for stdin")
    research.add_argument("--format", choices=("json", "markdown"), default="json")
    research.set_defaults(handler=_research)

    profile = sub.add_parser("profile-research", help="CPU time per research job (10/100/500 ingredients)")
    profile.add_argument("--repeats", type=int, default=30, help="jobs per size (median reported)")
    profile.add_argument("--warm-up", type=int, help="ingredients researched first (default 20,000)")
    profile.add_argument("sizes", type=int, nargs="*", help="ingredients per job (default 10 100 500)")
    profile.set_defaults(handler=_profile)

    from cli import keys

    keys.add_parser(sub)

    from cli import client

    client.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
