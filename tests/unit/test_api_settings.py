"""API settings: insecure secrets are refused outside development and accepted in development."""

from __future__ import annotations

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
