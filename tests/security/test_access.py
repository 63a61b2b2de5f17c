"""Client API keys, job ownership, the admin token, and rate limits, on a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from shared import keys
from shared.apikeys import KeyStore, hash_key, key_id
from shared.settings import Settings
from shared.store import JobStore
from tests.security.conftest import SEED, SUBMIT, ApiFactory, assert_error
from tests.support.processes import ROOT

pytestmark = pytest.mark.redis
ALICE, BOB = "alice-key-0123456789", "bob-key-9876543210"


async def submit(client: httpx.AsyncClient, key: str | None = None) -> str:
    response = await client.post(SUBMIT, json=SEED, headers={"X-API-Key": key} if key else {})
    assert response.status_code == 202, response.text
    return str(response.json()["job_id"])


class TestKeysFromSettings:
    async def test_missing_or_wrong_key_is_401(self, api: ApiFactory) -> None:
        client = await api(api_keys=f"{ALICE},{BOB}")
        missing = assert_error(await client.post(SUBMIT, json=SEED), 401, "unauthorized")
        assert "missing" in missing["error"]["message"]
        wrong = await client.post(SUBMIT, json=SEED, headers={"X-API-Key": "guess"})
        assert_error(wrong, 401, "unauthorized")
        assert wrong.headers["www-authenticate"] == "ApiKey"
        job = await submit(client, ALICE)
        assert_error(await client.get(f"/api/v4/job/{job}"), 401)

    async def test_a_job_belongs_to_the_key_that_made_it(self, api: ApiFactory, store: JobStore) -> None:
        client = await api(api_keys=f"{ALICE},{BOB}")
        job = await submit(client, ALICE)
        record = await store.get(job)
        assert record is not None
        assert record.owner == key_id(hash_key(ALICE))
        assert ALICE not in (await store.redis.get(keys.job(job))).decode()
        assert (await client.get(f"/api/v4/job/{job}", headers={"X-API-Key": ALICE})).status_code == 200

    async def test_another_keys_job_is_404_for_read_and_cancel(self, api: ApiFactory, store: JobStore) -> None:
        client = await api(api_keys=f"{ALICE},{BOB}")
        job = await submit(client, ALICE)
        bob = {"X-API-Key": BOB}
        assert_error(await client.get(f"/api/v4/job/{job}", headers=bob), 404, "not_found")
        assert_error(await client.post(f"/api/v4/job/{job}/cancel", headers=bob), 404, "not_found")
        record = await store.get(job)
        assert record is not None
        assert record.status == "pending", "bob's cancel must not have touched alice's job"

    async def test_jobs_made_before_keys_were_configured_are_hidden(self, api: ApiFactory) -> None:
        open_client = await api()
        job = await submit(open_client)
        keyed = await api(api_keys=ALICE)
        assert_error(await keyed.get(f"/api/v4/job/{job}", headers={"X-API-Key": ALICE}), 404)

    async def test_without_keys_anyone_with_the_id_reads_the_job(self, api: ApiFactory) -> None:
        client = await api()
        job = await submit(client)
        assert (await client.get(f"/api/v4/job/{job}", headers={"X-API-Key": "ignored"})).status_code == 200


class TestKeysInRedis:
    async def test_added_key_works_and_revoked_key_is_refused(self, api: ApiFactory, store: JobStore) -> None:
        client = await api()
        assert (await client.post(SUBMIT, json=SEED)).status_code == 202  # no keys yet: open
        key, info = await KeyStore(store.redis).add("mobile app")
        assert_error(await client.post(SUBMIT, json=SEED), 401)
        job = await submit(client, key)
        record = await store.get(job)
        assert record is not None
        assert record.owner == info.id
        assert await KeyStore(store.redis).revoke(info.id) is not None
        assert_error(await client.get(f"/api/v4/job/{job}", headers={"X-API-Key": key}), 401)
        assert_error(await client.post(SUBMIT, json=SEED), 401, "unauthorized")  # revoking the last key keeps auth on

    async def test_only_hashes_are_stored(self, store: JobStore) -> None:
        key, info = await KeyStore(store.redis).add("ci")
        stored = await store.redis.hgetall(keys.API_KEYS)
        assert list(stored) == [hash_key(key).encode()]
        assert key.encode() not in b"".join(stored.values())
        assert info.id == hash_key(key)[:16]

    def test_the_admin_command_adds_lists_and_revokes(self, settings: Settings) -> None:
        env = {**os.environ, "REDIS_URL": settings.redis_url.get_secret_value()}

        def keys_cmd(*args: str) -> subprocess.CompletedProcess[str]:
            command = [sys.executable, "-m", "cli", "keys", *args]
            return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=30, check=False)

        added = keys_cmd("add", "--name", "partner A")
        assert added.returncode == 0, added.stderr
        lines = dict(line.split(":", 1) for line in added.stdout.splitlines())
        key, kid = lines["key"].strip(), lines["id"].strip()
        assert kid == hash_key(key)[:16]
        listed = keys_cmd("list")
        assert kid in listed.stdout
        assert "active" in listed.stdout
        assert key not in listed.stdout
        assert keys_cmd("revoke", kid).returncode == 0
        assert "revoked" in keys_cmd("list").stdout
        assert keys_cmd("revoke", kid).returncode == 1  # already revoked


class TestAdminToken:
    @pytest.mark.parametrize(
        ("headers", "status"),
        [
            ({}, 401),
            ({"Authorization": "Bearer wrong"}, 403),
            ({"Authorization": "Basic c2VjcmV0"}, 401),
            ({"X-Admin-Token": "admin-secret-tokenX"}, 403),
            ({"X-Admin-Token": ""}, 401),
            ({"X-API-Key": ALICE}, 401),  # a client key is not an admin token
        ],
    )
    async def test_bad_or_missing_admin_tokens_are_refused(
        self, api: ApiFactory, headers: dict[str, str], status: int
    ) -> None:
        client = await api(admin_token="admin-secret-token", api_keys=ALICE)
        response = await client.delete("/api/v4/admin/cleanup-jobs", headers=headers)
        body = assert_error(response, status)
        assert "admin-secret-token" not in response.text
        assert body["error"]["code"] in {"unauthorized", "forbidden"}

    async def test_admin_endpoints_are_off_without_a_token(self, api: ApiFactory) -> None:
        client = await api()
        assert_error(await client.delete("/api/v4/admin/cleanup-jobs", headers={"X-Admin-Token": ""}), 403)

    async def test_the_right_token_works(self, api: ApiFactory) -> None:
        client = await api(admin_token="admin-secret-token")
        response = await client.delete(
            "/api/v4/admin/cleanup-jobs", headers={"Authorization": "Bearer admin-secret-token"}
        )
        assert response.status_code == 200


class TestRateLimits:
    async def test_defaults_are_on(self) -> None:
        fields = Settings.model_fields
        assert fields["rate_limit_submits_per_minute"].default == 60
        assert fields["rate_limit_reads_per_minute"].default == 600

    async def test_submits_over_the_limit_get_429_with_retry_after(self, api: ApiFactory) -> None:
        client = await api(rate_limit_submits_per_minute=3)
        for _ in range(3):
            await submit(client)
        refused = await client.post(SUBMIT, json=SEED)
        body = assert_error(refused, 429, "too_many_requests")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "3 submit requests per 60 s" in body["error"]["message"]

    async def test_reads_have_their_own_limit(self, api: ApiFactory) -> None:
        client = await api(rate_limit_submits_per_minute=1, rate_limit_reads_per_minute=2)
        job = await submit(client)
        for _ in range(2):
            assert (await client.get(f"/api/v4/job/{job}")).status_code == 200
        assert_error(await client.get(f"/api/v4/job/{job}"), 429)
        assert (await client.get("/healthz")).status_code == 200  # health is never limited
        assert (await client.get("/readyz")).status_code in {200, 503}

    async def test_limits_are_per_key_and_shared_across_api_instances(self, api: ApiFactory) -> None:
        first = await api(api_keys=f"{ALICE},{BOB}", rate_limit_submits_per_minute=2)
        second = await api(api_keys=f"{ALICE},{BOB}", rate_limit_submits_per_minute=2)
        await submit(first, ALICE)
        await submit(second, ALICE)
        assert_error(await first.post(SUBMIT, json=SEED, headers={"X-API-Key": ALICE}), 429)
        assert_error(await second.post(SUBMIT, json=SEED, headers={"X-API-Key": ALICE}), 429)
        await submit(second, BOB)  # bob has his own budget

    async def test_the_window_expires_in_redis(self, api: ApiFactory, store: JobStore) -> None:
        client = await api(rate_limit_submits_per_minute=1)
        await submit(client)
        counters = [key async for key in store.redis.scan_iter(match="ratelimit:*")]
        assert counters == [b"ratelimit:submit:ip:127.0.0.1"]
        assert 0 < await store.redis.pttl(counters[0]) <= 60_000
