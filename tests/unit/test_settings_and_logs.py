"""Settings defaults, URL redaction and the log filter that keeps secrets out of every line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from shared.logs import JsonFormatter, RedactSecrets, setup_logging
from shared.redis import redact_url
from shared.settings import Settings

SETTINGS_ENV = ("REDIS_URL", "JOB_TTL_SECONDS", "ADMIN_TOKEN", "PIPELINE", "WORKER_CONCURRENCY", "LOG_FORMAT")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in SETTINGS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))  # no stray .env file


@pytest.mark.usefixtures("clean_env")
class TestSettings:
    def test_defaults_match_the_seed(self) -> None:
        settings = Settings()
        assert settings.redis_url.get_secret_value() == "redis://localhost:6379"
        assert settings.job_ttl_seconds == 86400
        assert settings.admin_token is None

    def test_read_from_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("REDIS_URL", "redis://:pw@example:6380/2")
        monkeypatch.setenv("JOB_TTL_SECONDS", "3600")
        monkeypatch.setenv("ADMIN_TOKEN", "tok-123456")
        settings = Settings()
        assert settings.redis_url.get_secret_value() == "redis://:pw@example:6380/2"
        assert settings.job_ttl_seconds == 3600
        assert settings.admin_token is not None
        assert settings.admin_token.get_secret_value() == "tok-123456"

    def test_blank_admin_token_means_disabled(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ADMIN_TOKEN", "")
        assert Settings().admin_token is None

    def test_secrets_do_not_show_in_repr(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("REDIS_URL", "redis://:s3cret-pw-123@example:6379")
        assert "s3cret-pw-123" not in repr(Settings())

    @pytest.mark.parametrize(("name", "value"), [("JOB_TTL_SECONDS", "0"), ("WORKER_CONCURRENCY", "0")])
    def test_rejects_nonsense(self, monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        with pytest.raises(ValueError, match=name.lower()):
            Settings()


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("redis://localhost:6379", "redis://localhost:6379"),
        ("redis://default:secret@redis.railway.internal:6379", "redis://default:****@redis.railway.internal:6379"),
        ("redis://:s3cret@127.0.0.1:6379/0", "redis://:****@127.0.0.1:6379/0"),
        ("rediss://user:p%40ss@host/1", "rediss://user:****@host/1"),
        ("redis://host", "redis://host"),
        ("redis://user@host:6379", "redis://user@host:6379"),
        ("redis://:pw@[::1]:6379/0", "redis://:****@[::1]:6379/0"),
        ("rediss://u:p@h:6380/0?ssl_cert_reqs=none", "rediss://u:****@h:6380/0?ssl_cert_reqs=none"),
    ],
)
def test_redact_url(url: str, safe: str) -> None:
    assert redact_url(url) == safe


class TestRedactSecrets:
    @staticmethod
    def emit(filter_: RedactSecrets, msg: str, *args: object, exc: BaseException | None = None) -> str:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(filter_)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("tests.redact")
        logger.handlers[:] = [handler]
        logger.propagate = False
        try:
            if exc is None:
                logger.warning(msg, *args)
            else:
                try:
                    raise exc
                except BaseException:
                    logger.exception(msg, *args)
        finally:
            logger.handlers[:] = []
        return stream.getvalue()

    def test_masks_url_passwords_in_messages_and_arguments(self) -> None:
        line = self.emit(RedactSecrets([]), "connecting to %s", "redis://default:hunter22@h:6379")
        assert "hunter22" not in line
        assert "redis://default:****@h:6379" in line

    def test_masks_configured_secrets_anywhere(self) -> None:
        line = self.emit(RedactSecrets(["s3cret-pw-123", ""]), "auth failed with s3cret-pw-123 (%d)", 3)
        assert line.strip() == "auth failed with **** (3)"

    def test_masks_secrets_in_tracebacks(self) -> None:
        line = self.emit(RedactSecrets(["s3cret-pw-123"]), "boom", exc=RuntimeError("bad password s3cret-pw-123"))
        assert "RuntimeError" in line
        assert "s3cret-pw-123" not in line

    def test_ignores_secrets_too_short_to_mask_safely(self) -> None:
        assert RedactSecrets(["ab"]).secrets == []


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("restore_root_logging")
def test_setup_logging_writes_json_lines_without_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(redis_url="redis://:s3cret-pw-123@h:6379", log_format="json", admin_token="admin-tok-99")
    setup_logging(settings, "api")
    logging.getLogger("arq.worker").warning("url %s token %s", "redis://:s3cret-pw-123@h:6379", "admin-tok-99")
    err = capsys.readouterr().err
    entry = json.loads(err.strip().splitlines()[-1])
    assert entry["process"] == "api"
    assert entry["msg"] == "url redis://:****@h:6379 token ****"
    assert "s3cret-pw-123" not in err
    assert "admin-tok-99" not in err


def test_json_formatter_adds_extra_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "job %s done", ("j1",), None)
    record.job_id = "j1"
    entry = json.loads(JsonFormatter("worker").format(record))
    assert entry["msg"] == "job j1 done"
    assert entry["job_id"] == "j1"
    assert entry["level"] == "info"


def test_secrets_in_extra_fields_are_masked_too() -> None:
    import logging

    from shared.logs import RedactSecrets

    record = logging.LogRecord("t", logging.INFO, __file__, 1, "connecting", (), None)
    record.url = "redis://default:hunter2-secret@host:6379"
    record.token = "tok-abcdef-123"
    RedactSecrets(["tok-abcdef-123"]).filter(record)
    assert record.url == "redis://default:****@host:6379"
    assert record.token == "****"
