"""``python -m bench``: run the benchmarks, print the table, write ``BENCHMARKS.md``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from bench.config import Config
from bench.machine import describe, load_average
from bench.redis_server import PrivateRedis
from bench.registry import REGISTRY, build
from bench.report import command_breakdown, legend, notes, table
from bench.runner import failures, log, run_all
from bench.targets import targets_table

REPO = Path(__file__).resolve().parent.parent


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=None, help="repeated runs (default 3)")
    parser.add_argument("--quick", action="store_true", help="tiny counts, for tests and CI")
    parser.add_argument(
        "--systems",
        default=",".join(REGISTRY),
        help=f"comma-separated, from {', '.join(REGISTRY)}",
    )
    parser.add_argument("--baseline", default="saq", help="ratios are to this system")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, default=None, help="also dump every run here")
    return parser.parse_args(argv)


def markdown(body: str, info: dict[str, str], command: str, when: datetime, took: float) -> str:
    machine = ", ".join([f"{info['cores']} cores", info["cpu"], info["kernel"]])
    machine += f"; 1-min load average {info['load before']} before the run, {info['load after']} after"
    versions = ", ".join(f"{name} {info[name]}" for name in ("python", "redis-server", "arq", "saq", "redis-py"))
    return (
        "# Benchmarks\n\n"
        f"Measured {when:%Y-%m-%d %H:%M} UTC with `{command}` ({took:.0f} s in all).\n\n"
        f"- Machine: {machine}\n- Versions: {versions}\n- Code measured: {info['revision']}\n"
        "- Loopback only; a private `redis-server` started for the run (no persistence); every\n"
        "  worker a separate process; the trivial job returns at once; results kept (arq's\n"
        "  `keep_result` 3600 s, SAQ's `ttl` 600 s, both defaults).\n\n"
        f"{body}\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    config = (Config.quick() if args.quick else Config()).with_runs(args.runs)
    systems = build([s.strip() for s in args.systems.split(",") if s.strip()])
    names = [s.name for s in systems]
    baseline = args.baseline if args.baseline in names else names[0]
    command = " ".join(["python -m bench", *(sys.argv[1:] if argv is None else argv)])
    began = time.monotonic()
    when = datetime.now(UTC)
    with PrivateRedis() as server:
        log(f"private redis-server {server.version()} on {server.url} (pid {server.pid})")
        info = describe(server.version())
        info["load before"] = load_average()
        runs = asyncio.run(run_all(systems, server.url, config))
    took = time.monotonic() - began
    info["load after"] = load_average()
    body = table(runs, baseline) + "\n\n" + notes(runs) + legend(baseline, config.runs, config.drain_jobs)
    body += "\n\n## Targets (issue 7)\n\n" + targets_table(runs)
    breakdown = command_breakdown(runs)
    if breakdown:
        body += "\n\n## Redis commands per job, by command (one-worker drain, first run)\n\n" + breakdown
    print(body)
    log(f"done in {took:.0f} s")
    if not args.no_write:
        args.output.write_text(markdown(body, info, command, when, took))
        log(f"wrote {args.output}")
    if args.json is not None:
        dump = {
            "when": when.isoformat(),
            "command": command,
            "machine": info,
            "config": asdict(config),
            "runs": [{name: asdict(m) for name, m in run.items()} for run in runs],
        }
        args.json.write_text(json.dumps(dump, indent=2))
    failed = failures(runs)
    if failed:
        log(f"{failed} system run(s) FAILED: see the notes under the table")
    return 1 if failed else 0
