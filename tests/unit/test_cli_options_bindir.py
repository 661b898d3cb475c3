"""The bin directory of ``mongod`` / ``mongos`` executables: location, content, idempotence, fallback."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from mongosim import bindir


def test_created_under_the_cache_home_with_interpreter_shebang(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    directory = bindir.ensure_bin_dir()
    assert directory.parent == tmp_path / "mongosim"
    assert directory.name.startswith("bin-")
    for name in ("mongod", "mongos"):
        script = directory / name
        assert os.access(script, os.X_OK)
        text = script.read_text()
        assert text.startswith(f"#!{sys.executable}\n")
        assert f"from mongosim.main import {name}_main" in text
    assert sorted(p.name for p in directory.iterdir()) == ["mongod", "mongos"]  # no temp files left behind


def test_second_call_rewrites_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = bindir.ensure_bin_dir()
    inode = (first / "mongod").stat().st_ino
    assert bindir.ensure_bin_dir() == first
    assert (first / "mongod").stat().st_ino == inode


def test_stale_script_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    directory = bindir.ensure_bin_dir()
    (directory / "mongos").write_text("#!/bin/sh\nexit 3\n")
    bindir.ensure_bin_dir()
    assert (directory / "mongos").read_text() == bindir.script_text("mongos")


def test_unwritable_cache_falls_back_to_the_temp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    directory = bindir.ensure_bin_dir()
    assert directory.parent == tmp_path / "tmp" / f"mongosim-{os.getuid()}"
    assert os.access(directory / "mongod", os.X_OK)


def test_long_interpreter_paths_use_a_shell_wrapper(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/opt/" + "x" * 300 + "/python3")
    text = bindir.script_text("mongod")
    assert text.startswith("#!/bin/sh\n")
    assert 'exec /opt/' in text and '-m mongosim mongod "$@"' in text
