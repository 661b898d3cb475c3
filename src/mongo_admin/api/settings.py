"""Typed settings of the API server, from ``MONGO_ADMIN_*`` environment variables (or keyword arguments).

Outside development a missing, default or short signing secret is refused at load, so a server can never run
with a key anyone can guess; in development a missing one is replaced by a random key (access tokens end with the
process). Session cookies without the Secure flag (for a dashboard over plain http) are refused outside
development too.
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mongo_admin.errors import ApiConfigError
from mongo_admin.home import platform_home
from mongo_admin.ops.platform_audit import DEFAULT_RETENTION_DAYS

log = logging.getLogger(__name__)

ENV_PREFIX = "MONGO_ADMIN_"
# Values found in tutorials and templates; never acceptable as a signing key outside development.
INSECURE_SECRETS = frozenset({"changethis", "changeme", "secret", "secret-key", "dev", "development", "insecure"})
MIN_SECRET_LENGTH = 32
SECRET_FIX = ("set MONGO_ADMIN_SECRET_KEY to a random value of at least 32 characters (for example "
              "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`), or set "
              "MONGO_ADMIN_ENVIRONMENT=development on a workstation")
COOKIE_FIX = ("serve the API over https and leave MONGO_ADMIN_SESSION_COOKIE_SECURE unset (true), or set "
              "MONGO_ADMIN_ENVIRONMENT=development on a workstation")


def default_database_url() -> str:
    return f"sqlite:///{platform_home() / 'platform.db'}"


def _default_key_file() -> Path:
    return platform_home() / "credentials.key"


def _checkout_web_build() -> Path | None:
    """``web/dist`` of the source checkout this package runs from (built or not yet); None for an installed
    package. The checkout is the directory holding ``src/mongo_admin`` and ``web/package.json``."""
    root = Path(__file__).resolve().parents[3]
    return root / "web" / "dist" if (root / "web" / "package.json").is_file() else None


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    environment: Literal["production", "development"] = "production"
    database_url: str = Field(default_factory=default_database_url)
    # Signs the access tokens (HS256). Required outside development.
    secret_key: SecretStr | None = None
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Where the key that encrypts the MongoDB credentials kept by the platform lives; overridden by credentials_key.
    credentials_key_file: Path = Field(default_factory=_default_key_file)
    credentials_key: SecretStr | None = None
    cors_origins: list[str] = Field(default_factory=list)
    # Where the clusters created by deploy live (MONGO_ADMIN_HOME, as for the CLI): the backups, restores and
    # schedules of deployed clusters run against it.
    home: Path = Field(default_factory=platform_home)
    # Seconds between metrics rounds of each deployed cluster; 0 turns collection off.
    metrics_interval_s: float = Field(default=10.0, ge=0)
    # Whether this process runs background threads (job workers, the scheduler, metrics pollers). Tests that only
    # exercise requests turn it off: jobs are then recorded and stay queued.
    background: bool = True
    # Whether this process runs due schedules (one process holds the scheduler lease at a time anyway).
    scheduler_enabled: bool = True
    job_workers: int = Field(default=4, ge=1, le=64)
    # Seconds without a heartbeat (sent every 5 s) after which a job's runner counts as dead: its job is failed
    # and cleaned up by the next API process to look. At least two heartbeats.
    job_stale_after_s: float = Field(default=30.0, ge=10.0)
    # Login throttling: after this many failures for one user from one client, refuse for the lockout.
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_s: int = Field(default=300, ge=1)
    # Browser sessions (the dashboard): ended after this many minutes without a request, and this many hours
    # after login whatever the activity.
    session_idle_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    session_max_hours: int = Field(default=12, ge=1, le=30 * 24)
    # The session cookie's Secure flag (sent over https only); false is accepted in development only.
    session_cookie_secure: bool = True
    # Audit events older than this many days are removed (hourly, by the background); 0 keeps them forever.
    audit_retention_days: int = Field(default=DEFAULT_RETENTION_DAYS, ge=0, le=36500)
    # The dashboard's production build served at every path outside /api (index.html, assets/); default: web/dist
    # of the source checkout, else none (the API alone). An empty value serves no dashboard.
    web_dir: Path | None = Field(default_factory=_checkout_web_build)

    @field_validator("web_dir", mode="before")
    @classmethod
    def _empty_web_dir_is_none(cls, value: object) -> object:
        # Path("") would be the working directory: every file in it served.
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def development(self) -> bool:
        return self.environment == "development"

    @model_validator(mode="after")
    def _refuse_insecure_outside_development(self) -> ApiSettings:
        value = self.secret_key.get_secret_value() if self.secret_key is not None else ""
        problem = ("is not set" if not value else
                   "is a well-known default" if value.lower() in INSECURE_SECRETS else
                   f"is shorter than {MIN_SECRET_LENGTH} characters" if len(value) < MIN_SECRET_LENGTH else "")
        if not self.development:
            problems = [f"secret_key {problem}"] if problem else []
            if not self.session_cookie_secure:
                problems.append("session_cookie_secure is false (session cookies would be sent over plain http)")
            if problems:
                raise ValueError("; ".join(problems))
            return self
        if not self.session_cookie_secure:
            log.warning("MONGO_ADMIN_SESSION_COOKIE_SECURE is false: accepted only because environment is "
                        "development")
        if not problem:
            return self
        if not value:
            self.secret_key = SecretStr(secrets.token_urlsafe(48))
            log.warning("MONGO_ADMIN_SECRET_KEY is not set: using a random key for this development process")
        else:
            log.warning("MONGO_ADMIN_SECRET_KEY %s: accepted only because environment is development", problem)
        return self

    def signing_key(self) -> str:
        assert self.secret_key is not None  # set or refused by the validator
        return self.secret_key.get_secret_value()


def load_settings(**overrides: Any) -> ApiSettings:
    """Settings from the environment (and ``overrides``), every problem reported at once as an ApiConfigError."""
    try:
        return ApiSettings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            # The insecure-setting check names its fields itself.
            problems.extend(message.split("; ") if not field else [f"{field}: {message}"])
        fixes = [fix for prefix, fix in (("secret_key ", SECRET_FIX), ("session_cookie_secure ", COOKIE_FIX))
                 if any(problem.startswith(prefix) for problem in problems)]
        if any(not problem.startswith(("secret_key ", "session_cookie_secure ")) for problem in problems):
            fixes.append(f"correct the {ENV_PREFIX}* environment variables named above")
        raise ApiConfigError("the API settings cannot be used", "; ".join(problems), "; ".join(fixes)) from exc
