"""The table: each figure as median (min-max) over runs, with its ratio to a baseline system
computed run by run; and ``BENCHMARKS.md`` around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.runner import Measured
from bench.stats import Spread


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    ratio: bool = True
    integer: bool = False


METRICS: tuple[Metric, ...] = (
    Metric("pickup_p50", "pickup p50 (ms)"),
    Metric("pickup_p95", "pickup p95 (ms)"),
    Metric("pickup_p99", "pickup p99 (ms)"),
    Metric("e2e_p50", "end-to-end p50 (ms)"),
    Metric("e2e_p95", "end-to-end p95 (ms)"),
    Metric("e2e_p99", "end-to-end p99 (ms)"),
    Metric("latency_n", "latency samples per run", ratio=False, integer=True),
    Metric("drain1", "drain, 1 worker (jobs/s)"),
    Metric("drain1_done", "jobs finished in that drain", ratio=False, integer=True),
    Metric("drain2", "drain, 2 workers (jobs/s)"),
    Metric("drain2_done", "jobs finished in that drain", ratio=False, integer=True),
    Metric("scale_2v1", "2 workers / 1 worker", ratio=False),
    Metric("cmds_per_job", "Redis commands per job"),
    Metric("trips_per_job", "Redis round trips per job"),
    Metric("redis_cpu_us", "Redis CPU per job (µs)"),
    Metric("worker_cpu_us", "worker CPU per job (µs)"),
    Metric("record_bytes", "bytes per stored job record"),
    Metric("rss_mb", "worker RSS after drain (MiB)"),
    *(
        Metric(f"http_{mode}_{clients}_{figure}", f"HTTP {mode}, {clients} client(s): {label}")
        for mode in ("submit", "status")
        for clients in (1, 32)
        for figure, label in (("rate", "req/s"), ("p50", "p50 (ms)"), ("p99", "p99 (ms)"))
    ),
    Metric("growth_small_drain", "growth: drain, small backlog (jobs/s)"),
    Metric("growth_large_drain", "growth: drain, large backlog (jobs/s)"),
    Metric("growth_drain_ratio", "growth: drain large / small", ratio=False),
    Metric("growth_small_status_p50", "growth: status p50, small store (ms)"),
    Metric("growth_large_status_p50", "growth: status p50, large store (ms)"),
    Metric("growth_status_p50_ratio", "growth: status p50 large / small", ratio=False),
    Metric("growth_small_status_p99", "growth: status p99, small store (ms)"),
    Metric("growth_large_status_p99", "growth: status p99, large store (ms)"),
    Metric("growth_status_p99_ratio", "growth: status p99 large / small", ratio=False),
    Metric("growth_small_list_p50", "growth: listing p50, small store (ms)"),
    Metric("growth_large_list_p50", "growth: listing p50, large store (ms)"),
    Metric("growth_list_p50_ratio", "growth: listing p50 large / small", ratio=False),
    Metric("growth_small_list_p99", "growth: listing p99, small store (ms)"),
    Metric("growth_large_list_p99", "growth: listing p99, large store (ms)"),
    Metric("growth_list_p99_ratio", "growth: listing p99 large / small", ratio=False),
    Metric("research_10_ms", "research pipeline CPU, 10 ingredients (ms)"),
    Metric("research_100_ms", "research pipeline CPU, 100 ingredients (ms)"),
    Metric("research_500_ms", "research pipeline CPU, 500 ingredients (ms)"),
)


def number(value: float, integer: bool = False) -> str:
    size = abs(value)
    if integer:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def spread_text(values: Sequence[float], integer: bool = False) -> str:
    if not values:
        return "-"
    spread = Spread.of(values)
    mid, low, high = (number(v, integer) for v in (spread.median, spread.low, spread.high))
    return mid if spread.runs == 1 else f"{mid} ({low}-{high})"


def cell(runs: Sequence[dict[str, Measured]], system: str, metric: Metric, baseline: str) -> str:
    values = [v for r in runs if (v := r[system].metrics.get(metric.key)) is not None]
    text = spread_text(values, metric.integer)
    if not metric.ratio or system == baseline or not values:
        return text
    ratios = []
    for r in runs:
        mine, base = (
            r[system].metrics.get(metric.key),
            r.get(baseline, Measured()).metrics.get(metric.key),
        )
        if mine is not None and base:
            ratios.append(mine / base)
    if not ratios:
        return text
    return f"{text} x{number(Spread.of(ratios).median)}"


def table(runs: Sequence[dict[str, Measured]], baseline: str) -> str:
    systems = list(runs[0])
    head = ["figure", *systems]
    lines = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---", *["---:" for _ in systems]]) + "|",
    ]
    for metric in METRICS:
        cells = [cell(runs, s, metric, baseline) for s in systems]
        lines.append("| " + " | ".join([metric.label, *cells]) + " |")
    return "\n".join(lines)


def notes(runs: Sequence[dict[str, Measured]]) -> str:
    """What could not be measured, said once per system."""
    seen: dict[str, None] = {}
    for run in runs:
        for name, measured in run.items():
            for note in measured.notes:
                seen[f"- **{name}**: {note}"] = None
    return "Not measured in this run:\n" + "\n".join(seen) + "\n\n" if seen else ""


def legend(baseline: str, runs: int, drain_jobs: int) -> str:
    return f"""\
Each cell: median (min-max) over {runs} run(s); `xr` is the ratio to **{baseline}**, computed
within each run and then the median taken (so machine drift between runs cancels).
How each figure is measured:
- *pickup*: the job's own start time (`time.time_ns()` in the worker) minus the client's time
  just before it enqueued; *end-to-end*: the moment a polling client (one round trip every
  0.2 ms, so it adds up to 0.2 ms) saw the job complete, minus the same start. Sequential jobs,
  one worker process, idle system; the sample count is capped by a time limit per run, so a
  system that polls slowly (arq's default 0.5 s) gets fewer samples.
- *drain*: {drain_jobs:,} jobs enqueued while the worker(s) wait at a start gate, then released
  together; jobs/s is finished jobs over (last finish - first start), from the systems' own job
  records. A drain is cut at its time limit: fewer finished jobs than queued means the figure
  covers the part that ran.
- *Redis cost* (one-worker drain): commands from `INFO commandstats` after `CONFIG RESETSTAT`
  (each command a Lua script runs counts, as well as its `EVALSHA`: a script doing 10 writes in
  one round trip counts 11), round trips from `total_reads_processed`, CPU from `used_cpu_user +
  used_cpu_sys`; the harness's own calls are subtracted; enqueue cost is divided by jobs enqueued
  and work cost by jobs finished, then added. *worker CPU*: utime+stime of the worker process(es) over the drain.
- *bytes per record*: `MEMORY USAGE` of the record a client reads once the job is done
  (arq `arq:result:<id>`, SAQ `saq:job:<queue>:<key>`), median of 20.
- *RSS*: the worker process's VmRSS right after the one-worker drain.
- *HTTP* (ours-http): a load generator in its own process (asyncio + httpx, one connection per
  client) sends requests back to back for a fixed count or time; status reads first, over 100
  completed jobs, then submits with the worker stopped, so both load only the API and Redis.
- *growth* (ours-http; first run only, as seeding 100,000 jobs takes about a minute here): the
  store is seeded through `JobStore.create` (200 writes in flight, no HTTP) with the small, then
  the large backlog; status p50/p99 is one HTTP client reading random seeded jobs, listing
  p50/p99 one client reading `GET /api/v4/jobs?limit=50` (the newest page); drain is the first
  1,000 completions of one worker over that backlog.
- *research CPU* (ours): `process_time` of `worker.research.steps.STEPS` run in-process through
  `run_locally`, median of 5, after a warm-up that loads the knowledge base.

Systems: **arq** (0.28 defaults: `poll_delay` 0.5 s, `max_jobs` 10, results kept), **arq-10ms**
(`poll_delay` 0.01 s), **saq** (defaults: concurrency 10, BLMOVE dequeue), **ours** (queue level:
`JobStore.create`, the real worker running the `noop` pipeline, with its own defaults: leases,
reaper, reconciler, JSON logs), **ours-http** (the same through a uvicorn process: `POST
/api/v4/deep-research`, then `GET /api/v4/job/{{id}}` polled; rate limits raised out of the way,
`MAX_QUEUED_JOBS` 1,000,000, one API key), **ours-sse** (the same, but the client follows `GET
/api/v4/job/{{id}}/events` (SSE), opened right after the submit, until a frame says completed)."""


def command_breakdown(runs: Sequence[dict[str, Measured]], limit: int = 16) -> str:
    """Redis commands per job by command name (enqueue + work), from the first run's drain."""
    per_system: dict[str, dict[str, float]] = {}
    for name, measured in runs[0].items():
        drain = measured.details.get("drain_1w")
        if not drain:
            continue
        merged: dict[str, float] = dict(drain["enqueue_commands_per_job"])
        for command, count in drain["work_commands_per_job"].items():
            merged[command] = merged.get(command, 0.0) + count
        per_system[name] = merged
    if not per_system:
        return ""
    commands = sorted(
        {c for counts in per_system.values() for c in counts},
        key=lambda c: -max(counts.get(c, 0.0) for counts in per_system.values()),
    )[:limit]
    systems = list(per_system)
    lines = [
        "| command (per job) | " + " | ".join(systems) + " |",
        "|---|" + "|".join("---:" for _ in systems) + "|",
    ]
    for command in commands:
        cells = [number(per_system[s][command]) if command in per_system[s] else "" for s in systems]
        lines.append(f"| `{command}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
