"""API settings: insecure secrets are refused outside development and accepted in development."""

from __future__ import annotations

from pathlib import Path

import pytest

from mongo_admin.api.settings import load_settings
from mongo_admin.errors import ApiConfigError

GOOD_SECRET = "s" * 20 + "-random-enough-" + "t" * 20


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("MONGO_ADMIN_SECRET_KEY", "MONGO_ADMIN_ENVIRONMENT", "MONGO_ADMIN_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(tmp_path))


@pytest.mark.parametrize(("secret", "problem"), [
    (None, "secret_key is not set"),
    ("", "secret_key is not set"),
    ("changethis", "secret_key is a well-known default"),
    ("too-short", "secret_key is shorter than 32 characters"),
])
def test_production_refuses_a_missing_default_or_short_secret(secret: str | None, problem: str) -> None:
    overrides = {} if secret is None else {"secret_key": secret}
    with pytest.raises(ApiConfigError) as raised:
        load_settings(**overrides)
    assert raised.value.why == problem
    assert "MONGO_ADMIN_SECRET_KEY" in raised.value.fix


def test_production_accepts_a_strong_secret_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: object) -> None:
    monkeypatch.setenv("MONGO_ADMIN_SECRET_KEY", GOOD_SECRET)
    settings = load_settings()
    assert settings.signing_key() == GOOD_SECRET
    assert settings.database_url == f"sqlite:///{tmp_path}/platform.db"
    assert GOOD_SECRET not in repr(settings)


def test_development_accepts_a_missing_or_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_ADMIN_ENVIRONMENT", "development")
    generated = load_settings()
    assert len(generated.signing_key()) >= 32
    assert load_settings().signing_key() != generated.signing_key()  # random per process, never a fixed default
    assert load_settings(secret_key="changethis").signing_key() == "changethis"


def test_other_invalid_settings_are_reported_with_their_name() -> None:
    with pytest.raises(ApiConfigError) as raised:
        load_settings(secret_key=GOOD_SECRET, access_token_minutes=0, environment="staging")
    assert "access_token_minutes" in raised.value.why
    assert "environment" in raised.value.why


def test_session_cookies_without_the_secure_flag_are_refused_outside_development(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ApiConfigError) as raised:
        load_settings(secret_key=GOOD_SECRET, session_cookie_secure=False)
    assert raised.value.why == "session_cookie_secure is false (session cookies would be sent over plain http)"
    assert "MONGO_ADMIN_SESSION_COOKIE_SECURE" in raised.value.fix
    # Both insecure settings at once, each with its fix.
    with pytest.raises(ApiConfigError) as both:
        load_settings(session_cookie_secure=False)
    assert both.value.why == ("secret_key is not set; session_cookie_secure is false (session cookies would be "
                              "sent over plain http)")
    assert "MONGO_ADMIN_SECRET_KEY" in both.value.fix and "MONGO_ADMIN_SESSION_COOKIE_SECURE" in both.value.fix
    monkeypatch.setenv("MONGO_ADMIN_ENVIRONMENT", "development")
    assert load_settings(session_cookie_secure=False).session_cookie_secure is False


def test_session_and_retention_settings_are_validated() -> None:
    with pytest.raises(ApiConfigError) as raised:
        load_settings(secret_key=GOOD_SECRET, audit_retention_days=-1, session_idle_minutes=0)
    assert raised.value.why == ("session_idle_minutes: Input should be greater than or equal to 1; "
                                "audit_retention_days: Input should be greater than or equal to 0")
    assert raised.value.fix == "correct the MONGO_ADMIN_* environment variables named above"
    defaults = load_settings(secret_key=GOOD_SECRET)
    assert (defaults.session_idle_minutes, defaults.session_max_hours, defaults.session_cookie_secure,
            defaults.audit_retention_days) == (30, 12, True, 365)


def test_the_job_stale_threshold_comes_from_the_environment_and_is_at_least_two_heartbeats(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_ADMIN_JOB_STALE_AFTER_S", "12")
    assert load_settings(secret_key=GOOD_SECRET).job_stale_after_s == 12
    monkeypatch.setenv("MONGO_ADMIN_JOB_STALE_AFTER_S", "5")
    with pytest.raises(ApiConfigError) as raised:
        load_settings(secret_key=GOOD_SECRET)
    assert "job_stale_after_s: Input should be greater than or equal to 10" in raised.value.why


def test_the_dashboard_build_defaults_to_the_checkout_and_comes_from_the_environment(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MONGO_ADMIN_WEB_DIR", raising=False)
    checkout = Path(__file__).resolve().parents[2]
    assert (checkout / "web" / "package.json").is_file()
    assert load_settings(secret_key=GOOD_SECRET).web_dir == checkout / "web" / "dist"
    monkeypatch.setenv("MONGO_ADMIN_WEB_DIR", str(tmp_path / "dashboard"))
    assert load_settings(secret_key=GOOD_SECRET).web_dir == tmp_path / "dashboard"
    # Empty: no dashboard (never the working directory, which Path("") would be).
    monkeypatch.setenv("MONGO_ADMIN_WEB_DIR", "")
    assert load_settings(secret_key=GOOD_SECRET).web_dir is None
