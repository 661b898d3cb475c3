"""Binary resolution: --binary-dir, then MONGO_ADMIN_BINARY_DIR, then PATH, then the sandbox simulator."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from mongo_admin.errors import BinaryNotFoundError
from mongo_admin.providers import binaries
from mongo_admin.providers.binaries import BinarySource, describe, parse_version, resolve_binaries


def fake_server_dir(root: Path, first_line: str = "db version v8.0.4", *, exit_code: int = 0,
                    mongos: bool = True, extra: str = "") -> Path:
    """A directory with tiny mongod/mongos scripts that answer --version like the real ones."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("mongod", "mongos") if mongos else ("mongod",):
        script = root / name
        script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{first_line}' 'Build Info: {{{extra}}}'\nexit {exit_code}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return root


@pytest.mark.parametrize(
    ("line", "version"),
    [("db version v8.0.4", "8.0.4"), ("mongos version v7.0.12", "7.0.12"), ("db version v8.1.0-rc2", "8.1.0"),
     ("db version v7.0.12\n", "7.0.12"), ("Build Info: {", None), ("", None)],
)
def test_parse_version(line: str, version: str | None) -> None:
    assert parse_version(line) == version


def test_explicit_directory_wins_over_environment_and_path(tmp_path: Path) -> None:
    given = fake_server_dir(tmp_path / "given", "db version v8.0.1")
    env_dir = fake_server_dir(tmp_path / "env", "db version v7.0.2")
    path_dir = fake_server_dir(tmp_path / "path", "db version v6.0.3")
    environ = {"MONGO_ADMIN_BINARY_DIR": str(env_dir), "PATH": str(path_dir)}
    found = resolve_binaries(given, environ=environ)
    assert (found.source, found.mongod, found.mongos, found.version, found.simulator) == (
        BinarySource.OPTION, given / "mongod", given / "mongos", "8.0.1", False)
    assert resolve_binaries(None, environ=environ).version == "7.0.2"
    assert resolve_binaries(None, environ={"PATH": str(path_dir)}).source is BinarySource.PATH


def test_falls_back_to_the_simulator_when_nothing_is_installed(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    sim_dir = fake_server_dir(tmp_path / "sim", extra='"mongosim": "0.1.0"')
    monkeypatch.setattr(binaries, "sandbox_bin_dir", lambda: sim_dir)
    found = resolve_binaries(None, environ={"PATH": str(tmp_path / "empty"), "MONGO_ADMIN_HOME": str(tmp_path)})
    assert (found.source, found.simulator, found.server_label) == (BinarySource.SANDBOX, True,
                                                                   "sandbox (mongosim)")


def test_a_build_that_says_mongosim_is_reported_as_the_simulator(tmp_path: Path) -> None:
    directory = fake_server_dir(tmp_path / "bin", extra='"mongosim": {"simulator": true}')
    assert resolve_binaries(directory, environ={}).simulator is True


@pytest.mark.parametrize(
    ("make", "what"),
    [
        (lambda root: root / "missing", "binary directory {root}/missing does not exist"),
        (lambda root: root, "no mongod executable in {root}"),
        (lambda root: fake_server_dir(root / "bad", "garbage"), "{root}/bad/mongod is not a usable mongod"),
        (lambda root: fake_server_dir(root / "fail", exit_code=3), "{root}/fail/mongod is not a usable mongod"),
    ],
)
def test_unusable_directories_say_what_is_wrong(tmp_path: Path, make: Callable[[Path], Path], what: str) -> None:
    directory = make(tmp_path)
    with pytest.raises(BinaryNotFoundError) as caught:
        resolve_binaries(directory, environ={})
    assert caught.value.what == what.format(root=tmp_path)
    assert caught.value.fix


def test_environment_directory_errors_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(BinaryNotFoundError) as caught:
        resolve_binaries(None, environ={"MONGO_ADMIN_BINARY_DIR": str(tmp_path / "nope")})
    assert caught.value.why == "it was given by MONGO_ADMIN_BINARY_DIR"


def test_describe_says_what_would_be_launched(tmp_path: Path) -> None:
    directory = fake_server_dir(tmp_path / "bin", mongos=False)
    report = describe(resolve_binaries(directory, environ={}))
    assert report.message == f"would launch MongoDB mongod 8.0.4 from {directory} (found via --binary-dir)"
    assert (report.server, report.source, report.mongos, report.simulator) == ("MongoDB", "--binary-dir", None,
                                                                               False)
