"""Schemathesis against the app's own OpenAPI schema, on a real uvicorn process and a real Redis.

Every operation gets a bounded number of generated requests (valid and invalid); each answer must
be documented (status, content type, body schema, headers) and never a 5xx other than the
documented 503s. Excluded checks, and why:

- ``positive_data_acceptance``: the schema cannot say "not blank after control characters are
  removed", so a few schema-valid bodies (``"product_name": " "``) are rightly refused with 422.
- ``ignored_auth``: API keys are optional; this run has none configured, so nothing is required.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from api.main import create_app
from shared.settings import Settings
from tests.conftest import Stack

pytestmark = [pytest.mark.redis, pytest.mark.e2e]
MAX_EXAMPLES = 25


REJECTIONS = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]  # 413: a body over MAX_BODY_BYTES
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {"expected-statuses": REJECTIONS},
            "not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", 503]},  # 503: documented
        }
    }
)
# The seed's contract, health, the admin endpoints, the listing, the event streams and /metrics.
COVERED = (
    r"^/(healthz|readyz|metrics|api/v4/deep-research|api/v4/jobs|api/v4/job/\{job_id\}(/cancel|/events)?"
    r"|api/v4/admin/(cleanup-jobs|stats|jobs.*))$"
)
# Building the app connects to nothing (the lifespan does that), so the schema is read at import.
_app = create_app(Settings(redis_url="redis://unused:6379"))  # type: ignore[arg-type]
schema = schemathesis.openapi.from_dict(_app.openapi(), config=CONFIG).include(path_regex=COVERED)


@pytest.fixture
def api_url(stack: Stack) -> str:
    return stack.api(pipeline="noop", admin_token="schemathesis-admin-token").url


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_matches_its_schema(case: schemathesis.Case, api_url: str) -> None:
    case.call_and_validate(base_url=api_url, timeout=10, excluded_checks=[positive_data_acceptance, ignored_auth])
