"""Fixtures of the dashboard's end-to-end tests: the platform database template and cheap password hashing."""

from tests.support.platform_api import (  # noqa: F401  (API fixtures)
    cheap_password_hashing,
    migrated_db_template,
)
