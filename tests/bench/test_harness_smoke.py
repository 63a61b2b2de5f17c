"""The harness runs end to end with tiny counts and reports a figure for every system.

This checks behaviour only (the table is produced, the figures are sane); it asserts no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("saq", reason="the bench extra is not installed: pip install -e '.[bench]'")

from bench.redis_server import PrivateRedis
from bench.registry import REGISTRY
from bench.report import METRICS

REPO = Path(__file__).resolve().parents[2]
MEASURED_BY_PHASE = {
    "latency": ("e2e_p50", "pickup_p50"),
    "drain": ("drain1", "drain2", "cmds_per_job", "trips_per_job", "redis_cpu_us", "record_bytes", "rss_mb"),
    "http": ("http_submit_32_rate", "http_status_32_p99"),
    "growth": ("growth_small_drain", "growth_large_status_p50"),
}


@pytest.mark.bench
@pytest.mark.timeout(150)
def test_quick_run_measures_every_system_and_writes_the_table(tmp_path: Path) -> None:
    out, dump = tmp_path / "BENCHMARKS.md", tmp_path / "runs.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(out), "--json", str(dump)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=140,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(dump.read_text())["runs"]
    assert len(runs) == 1
    assert set(runs[0]) == set(REGISTRY)
    for name, measured in runs[0].items():
        metrics = measured["metrics"]
        for phase in REGISTRY[name]().phases & MEASURED_BY_PHASE.keys():
            for key in MEASURED_BY_PHASE[phase]:
                assert metrics.get(key) is not None, (name, key)
                assert metrics[key] > 0, (name, key)
        if "drain" in REGISTRY[name]().phases:
            assert metrics["drain1_done"] == measured["details"]["drain_1w"]["queued"], name
    text = out.read_text()
    assert "python -m bench --quick" in text
    for metric in METRICS:
        assert metric.label in text


@pytest.mark.bench
@pytest.mark.timeout(60)
def test_private_redis_is_stopped_by_pid_when_the_run_ends() -> None:
    with PrivateRedis() as server:
        pid = server.pid
        assert server.port != 6379
        assert Path(f"/proc/{pid}").exists()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
