"""Every error renders as one message: what, why, and an indented fix line."""

from __future__ import annotations

import pytest

from mongo_admin.errors import MongoAdminError, PortInUseError


@pytest.mark.parametrize(
    ("what", "why", "fix", "expected"),
    [
        ("port 1 is busy", "held by pid 9", "use another", "port 1 is busy: held by pid 9\n  fix: use another"),
        ("no sandbox named 'x'", "", "start it", "no sandbox named 'x'\n  fix: start it"),
        ("cannot run mongod", "permission denied", "", "cannot run mongod: permission denied"),
        ("just what", "", "", "just what"),
    ],
)
def test_message_joins_what_why_fix(what: str, why: str, fix: str, expected: str) -> None:
    error = MongoAdminError(what, why, fix)
    assert error.message() == expected
    assert str(error) == expected


def test_port_in_use_names_the_holder() -> None:
    error = PortInUseError(27017, "pid 42 (mongod --port 27017)")
    assert (error.port, error.holder) == (27017, "pid 42 (mongod --port 27017)")
    assert error.message() == ("port 27017 is already in use: held by pid 42 (mongod --port 27017)\n"
                               "  fix: choose another port with --port, or stop pid 42 (mongod --port 27017)")
    assert isinstance(error, MongoAdminError)
