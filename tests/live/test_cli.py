"""The ``deep-research`` client commands against a real stack (API and worker processes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import Stack
from tests.e2e.helpers import PACED, submit

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "NO_COLOR": "1"},
    )


def test_submit_watch_shows_live_progress_then_the_report(stack: Stack) -> None:
    api = stack.api(**PACED)
    stack.worker(**PACED, E2E_STEP_SECONDS=0.3)
    done = cli(
        "submit",
        "--api-url",
        api.url,
        "--product",
        "Dove Body Wash",
        "--brand",
        "Dove",
        "--category",
        "cosmetics",
        "--ingredients",
        "Water, Sodium Laureth Sulfate, Fragrance",
        "--watch",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    steps = [line for line in out.splitlines() if line.startswith("[")]
    labels = [line.split(": ", 1)[1] for line in steps]
    assert labels[-3:] == ["Paced step check", "Paced step report", "Complete"], out
    assert steps[-1].startswith("[100%] completed"), out
    assert "100%" in out
    assert "Dove Body Wash" in out.split(steps[-1], 1)[1], "the report follows the bar"


def test_submit_from_a_file_then_status_jobs_and_cancel(stack: Stack, tmp_path: Path) -> None:
    api = stack.api(**PACED)  # no worker: jobs stay pending, so one can be cancelled
    body = tmp_path / "request.json"
    body.write_text(json.dumps({"product_name": "Filed Cream", "ingredients": ["Water", "Glycerin"]}))
    made = cli("submit", "--api-url", api.url, "--input", str(body))
    assert made.returncode == 0, made.stderr
    job_id = made.stdout.split()[1]

    shown = cli("status", job_id, "--api-url", api.url)
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["queue_position"] == 1

    other = submit(api.url)
    listed = cli("jobs", "--api-url", api.url, "--status", "pending")
    assert listed.returncode == 0
    assert job_id in listed.stdout
    assert other in listed.stdout

    cancelled = cli("cancel", job_id, "--api-url", api.url)
    assert cancelled.returncode == 0
    assert "cancelled" in cancelled.stdout
    assert httpx.get(f"{api.url}/api/v4/job/{job_id}", timeout=5).json()["status"] == "cancelled"

    again = cli("cancel", job_id, "--api-url", api.url)
    assert again.returncode == 1
    assert "error 409" in again.stderr
