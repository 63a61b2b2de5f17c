"""The issue's targets, checked against the table: met, not met, or not measured.

Comparisons between systems use the ratio within each run (then the median over runs), like the
table; absolute targets use the median over runs.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.report import number
from bench.runner import Measured

Runs = Sequence[dict[str, Measured]]
OURS, HTTP = "ours", "ours-http"


@dataclass(frozen=True)
class Target:
    text: str
    system: str
    key: str
    test: Callable[[float], bool]
    versus: str | None = None  # a ratio to this system's same figure, within each run
    unit: str = ""


TARGETS: tuple[Target, ...] = (
    Target("queue-level end-to-end p50 <= 2 ms", OURS, "e2e_p50", lambda v: v <= 2, unit=" ms"),
    Target("queue-level end-to-end p99 <= 5 ms", OURS, "e2e_p99", lambda v: v <= 5, unit=" ms"),
    Target("1 worker drains at least as fast as SAQ", OURS, "drain1", lambda r: r >= 1, versus="saq"),
    Target("2 workers drain faster than 1", OURS, "scale_2v1", lambda r: r > 1),
    Target("Redis CPU per job <= SAQ's", OURS, "redis_cpu_us", lambda r: r <= 1, versus="saq"),
    Target("fewer round trips per job than raw arq", OURS, "trips_per_job", lambda r: r < 1, versus="arq"),
    Target("HTTP submit p99 <= 20 ms at 32 clients", HTTP, "http_submit_32_p99", lambda v: v <= 20, unit=" ms"),
    Target(
        "status reads cheaper than submits (1 client, p50)",
        HTTP,
        "http_status_1_p50",
        lambda r: r < 1,
        versus="http_submit_1_p50",
    ),
    Target("100-ingredient research < 5 ms pipeline CPU", OURS, "research_100_ms", lambda v: v < 5, unit=" ms"),
    Target("drain, 100x backlog: no more than 10% slower", HTTP, "growth_drain_ratio", lambda r: r >= 0.9),
    Target("status p50, 100x store: no more than 10% slower", HTTP, "growth_status_p50_ratio", lambda r: r <= 1.1),
    Target("status p99, 100x store: no more than 10% slower", HTTP, "growth_status_p99_ratio", lambda r: r <= 1.1),
    Target("listing p50, 100x store: no more than 10% slower", HTTP, "growth_list_p50_ratio", lambda r: r <= 1.1),
    Target("listing p99, 100x store: no more than 10% slower", HTTP, "growth_list_p99_ratio", lambda r: r <= 1.1),
)


def value(runs: Runs, target: Target) -> float | None:
    found: list[float] = []
    for run in runs:
        mine = run.get(target.system)
        if mine is None or (v := mine.metrics.get(target.key)) is None:
            continue
        if target.versus is None:
            found.append(v)
        elif target.versus in run:  # the same figure of another system
            other = run[target.versus].metrics.get(target.key)
            if other:
                found.append(v / other)
        elif (other := mine.metrics.get(target.versus)) is not None and other > 0:  # another figure
            found.append(v / other)
    return statistics.median(found) if found else None


def targets_table(runs: Runs) -> str:
    lines = ["| target | measured | met |", "|---|---:|:---:|"]
    for target in TARGETS:
        measured = value(runs, target)
        if measured is None:
            lines.append(f"| {target.text} | not measured | - |")
            continue
        shown = f"{number(measured)}{target.unit}" if target.unit else f"ratio {number(measured)}"
        lines.append(f"| {target.text} ({target.system}) | {shown} | {'yes' if target.test(measured) else 'no'} |")
    return "\n".join(lines)
