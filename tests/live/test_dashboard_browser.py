"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright).

A job submitted through the API appears and its progress bar, fed by the event stream, reaches
100%; a failed job's Retry button puts it back in the queue. The screenshot is kept as
``test-artifacts/dashboard.png`` (tests never write into the source tree; copy it to
``docs/dashboard.png`` by hand when the README's picture should change).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from shared import lifecycle
from shared.models import ErrorCode, JobStatus, ResearchRequest, utcnow
from shared.store import JobStore
from tests.conftest import Stack
from tests.e2e.helpers import PACED, SEED_REQUEST
from tests.live.helpers import ADMIN

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (apt-get install -y chromium)"),
]


async def failed_job(store: JobStore) -> str:
    """A job that failed, as the runner leaves one (pipeline noop, so that a retry can succeed)."""
    record = lifecycle.new_job(
        ResearchRequest(product_name="Broken Lotion", ingredients=["Water"]),
        store.settings,
        job_id=uuid4(),
        pipeline="noop",
    )
    await store.create(record)
    # Failed by hand before any worker starts; its stale queue entry is skipped by the worker.
    claimed = lifecycle.claimed(record, "test-worker", utcnow())
    await store.write(claimed, expect_attempt=0, allowed={JobStatus.PENDING})
    done = lifecycle.failed(claimed, ErrorCode.TIMEOUT, "The job ran past its time limit.", utcnow())
    await store.write(done, expect_attempt=1, allowed={JobStatus.PROCESSING})
    return str(record.job_id)


async def researched_job(store: JobStore) -> str:
    request = ResearchRequest(
        product_name="Everyday Shampoo",
        brand="Acme",
        category="cosmetics",
        ingredients=["Water", "Sodium Laureth Sulfate", "Fragrance", "Methylisothiazolinone"],
    )
    record = lifecycle.new_job(request, store.settings, job_id=uuid4(), pipeline="deep_research")
    await store.create(record)
    return str(record.job_id)


async def test_dashboard_shows_a_submitted_job_reaching_100_percent(stack: Stack, store: JobStore) -> None:
    from playwright.async_api import async_playwright

    api = stack.api(**PACED, **ADMIN)
    broken = await failed_job(store)
    stack.worker(**PACED, E2E_STEP_SECONDS=0.8)

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(f"{api.url}/dashboard")
            await page.fill("#token", "wrong-token")
            await page.click("#signin")
            await page.wait_for_selector("#login-error:has-text('not valid')", timeout=10_000)
            assert await page.is_hidden("#app"), "no data without the right token"

            await page.fill("#token", ADMIN["ADMIN_TOKEN"])
            await page.click("#signin")
            await page.wait_for_selector("#app:not([hidden])", timeout=10_000)

            submitted = await asyncio.to_thread(
                httpx.post, f"{api.url}/api/v4/deep-research", json=SEED_REQUEST, timeout=5
            )
            job_id = submitted.json()["job_id"]
            row = f'#jobs tr[data-job-id="{job_id}"]'
            await page.wait_for_selector(row, timeout=10_000)
            await page.wait_for_selector(f'{row} .bar[aria-valuenow="100"]', timeout=30_000)
            assert await page.get_attribute(f"{row}", "data-status") == "completed"

            await page.click(row)
            await page.wait_for_selector("#report-body h1", timeout=10_000)
            assert "Dove Body Wash" in await page.inner_text("#report-body")

            researched = await researched_job(store)  # the real research pipeline: a full report
            real_row = f'#jobs tr[data-job-id="{researched}"]'
            await page.wait_for_selector(f'{real_row} .bar[aria-valuenow="100"]', timeout=30_000)
            await page.click(real_row)
            await page.wait_for_selector("#report-body li", timeout=10_000)
            assert "Methylisothiazolinone" in await page.inner_text("#report-body")
            assert await page.inner_text("#s-workers") == "1"

            retry = f'#failed button.retry[data-job-id="{broken}"]'
            await page.wait_for_selector(retry, timeout=10_000)
            await page.click(retry)
            await page.wait_for_selector(retry, state="detached", timeout=20_000)

            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
        finally:
            await browser.close()
    retried = await store.get(broken)
    assert retried is not None
    assert retried.status in (JobStatus.PENDING, JobStatus.PROCESSING, JobStatus.COMPLETED)


async def test_dashboard_data_needs_the_admin_token(stack: Stack) -> None:
    api = stack.api(**ADMIN)
    async with httpx.AsyncClient(base_url=api.url, timeout=5) as client:
        page = await client.get("/dashboard")
        assert page.status_code == 200  # the page itself holds no data
        assert "script-src" not in page.headers["content-security-policy"]
        assert page.headers["content-security-policy"].startswith("default-src 'self'")
        assert (await client.get("/api/v4/admin/stats")).status_code == 401
        assert (await client.get("/api/v4/admin/jobs", headers={"X-Admin-Token": "nope"})).status_code == 403
