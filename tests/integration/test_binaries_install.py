"""``binaries install`` against a fake download site on loopback: exact versions and series, checksum and
truncation failures that leave nothing installed, unknown versions, unsupported platforms, hostile archives,
reinstall, and the CLI's exit codes and messages."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mongo_admin.cli.main import cli
from mongo_admin.errors import BinaryInstallError
from mongo_admin.ops.binaries import install as install_module
from mongo_admin.ops.binaries.install import InstallEvent, install_binaries
from mongo_admin.ops.binaries.platform import Platform
from mongo_admin.providers.binaries import BinarySource, resolve_binaries
from tests.support.downloads import DownloadSite, fake_tarball, serve, sha256

UBUNTU = Platform("linux", "x86_64", "ubuntu", "22.04", ("debian",))


@pytest.fixture
def site() -> Iterator[DownloadSite]:
    with serve(DownloadSite()) as running:
        yield running


@pytest.fixture
def index(site: DownloadSite) -> dict[str, Any]:
    """8.0.3 and 8.0.4 for ubuntu2204 x86_64 (8.0.4 also for aarch64 and debian12), 7.0.12, and 8.1.0-rc0."""
    index: dict[str, Any] = {"versions": []}
    for version in ("8.0.4", "8.0.3", "7.0.12", "8.1.0-rc0"):
        site.add_release(index, version)
    site.add_release(index, "8.0.4", target="ubuntu2204", arch="aarch64")
    site.add_release(index, "8.0.4", target="debian12")
    index["versions"][-1]["production_release"] = False
    return index


@pytest.fixture
def env(site: DownloadSite, index: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    return {"MONGO_ADMIN_DOWNLOAD_INDEX": site.publish(index), "MONGO_ADMIN_HOME": str(tmp_path / "home"),
            "PATH": str(tmp_path / "empty")}


def home_of(env: dict[str, str]) -> Path:
    return Path(env["MONGO_ADMIN_HOME"])


def installed_entries(home: Path) -> list[str]:
    """Everything in the binaries directory except the install lock: staging leftovers would show here."""
    root = home / "binaries"
    return sorted(each.name for each in root.iterdir() if each.name != ".install.lock") if root.exists() else []


def test_install_an_exact_version(env: dict[str, str], site: DownloadSite) -> None:
    events: list[InstallEvent] = []
    result = install_binaries(home_of(env), "8.0.3", platform=UBUNTU, environ=env, progress=events.append)
    bin_dir = home_of(env) / "binaries" / "8.0.3" / "bin"
    assert (result.changed, result.version, result.path, result.target, result.arch) == (
        True, "8.0.3", str(bin_dir), "ubuntu2204", "x86_64")
    assert result.message == f"installed MongoDB 8.0.3 (ubuntu2204 x86_64) in {bin_dir}"
    assert result.files == ["install_compass", "mongod", "mongos"]
    assert sorted(each.name for each in bin_dir.iterdir()) == result.files  # no licence files, no archive
    done = subprocess.run([str(bin_dir / "mongod"), "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[0] == "db version v8.0.3"
    manifest = json.loads((bin_dir.parent / "install.json").read_text())
    tarball = site.files["/linux/mongodb-ubuntu2204-x86_64-8.0.3.tgz"]
    assert (manifest["version"], manifest["sha256"]) == ("8.0.3", sha256(tarball))
    assert installed_entries(home_of(env)) == ["8.0.3"]
    downloads = [each for each in events if each.done_bytes is not None]
    assert downloads[-1].done_bytes == downloads[-1].total_bytes == len(tarball)
    assert "mongod --version reports 8.0.3" in [each.message for each in events]


def test_a_series_installs_its_newest_production_release(env: dict[str, str]) -> None:
    assert install_binaries(home_of(env), "8.0", platform=UBUNTU, environ=env).version == "8.0.4"
    assert install_binaries(home_of(env), "8.1.0-rc0", platform=UBUNTU, environ=env).version == "8.1.0-rc0"
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.1", platform=UBUNTU, environ=env)  # only a release candidate
    assert caught.value.what == "MongoDB 8.1 is not in the downloads index"


def test_the_aarch64_and_debian_builds_are_chosen_for_those_machines(env: dict[str, str]) -> None:
    arm = install_binaries(home_of(env), "8.0.4", platform=Platform("linux", "aarch64", "ubuntu", "22.04"),
                           environ=env)
    assert (arm.target, arm.arch) == ("ubuntu2204", "aarch64")
    debian = install_binaries(home_of(env), "8.0.4", force=True, platform=Platform("linux", "x86_64", "debian", "12"),
                              environ=env)
    assert (debian.target, debian.changed) == ("debian12", True)


def test_an_installed_version_is_not_installed_again_unless_forced(env: dict[str, str], site: DownloadSite) -> None:
    install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    site.requests.clear()
    again = install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    bin_dir = home_of(env) / "binaries" / "8.0.4" / "bin"
    assert (again.changed, again.message) == (False, f"MongoDB 8.0.4 is already installed in {bin_dir} "
                                                     "(--force reinstalls it)")
    assert site.requests == []  # an exact installed version needs no network
    assert install_binaries(home_of(env), "8.0", platform=UBUNTU, environ=env).changed is False
    forced = install_binaries(home_of(env), "8.0.4", force=True, platform=UBUNTU, environ=env)
    assert forced.changed is True
    assert installed_entries(home_of(env)) == ["8.0.4"]


def test_a_checksum_mismatch_installs_nothing(env: dict[str, str], site: DownloadSite,
                                              index: dict[str, Any]) -> None:
    index["versions"][0]["downloads"][0]["archive"]["sha256"] = "0" * 64
    site.publish(index)
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    assert caught.value.what == f"checksum mismatch for {site.url('/linux/mongodb-ubuntu2204-x86_64-8.0.4.tgz')}"
    assert f"but the downloads index says {'0' * 64}" in caught.value.why
    assert caught.value.why.endswith("nothing was installed")
    assert installed_entries(home_of(env)) == []


def test_a_truncated_download_installs_nothing(env: dict[str, str], site: DownloadSite) -> None:
    path = "/linux/mongodb-ubuntu2204-x86_64-8.0.4.tgz"
    site.short[path] = 100
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    assert caught.value.what == f"the download of {site.url(path)} is truncated"
    assert caught.value.why.startswith(f"received 100 of {len(site.files[path])} bytes")
    assert "MONGO_ADMIN_DOWNLOAD_INDEX" in caught.value.fix
    assert installed_entries(home_of(env)) == []


def test_an_unknown_version_lists_the_known_ones(env: dict[str, str]) -> None:
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.99", platform=UBUNTU, environ=env)
    assert caught.value.why == "the 8.0 series has 8.0.4, 8.0.3"
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "6.0", platform=UBUNTU, environ=env)
    assert caught.value.why == "known release series (newest release): 8.0 (8.0.4), 7.0 (7.0.12)"


def test_an_unsupported_platform_names_itself_and_the_builds_that_exist(env: dict[str, str]) -> None:
    fedora = Platform("linux", "x86_64", "fedora", "40")
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=fedora, environ=env)
    assert caught.value.what == "no MongoDB 8.0.4 Community build for fedora 40 x86_64"
    assert caught.value.why == "builds of 8.0.4 exist for aarch64: ubuntu2204; x86_64: debian12, ubuntu2204"
    assert "--target" in caught.value.fix
    assert installed_entries(home_of(env)) == []
    # --target picks a compatible build on a distribution the index does not name
    assert install_binaries(home_of(env), "8.0.4", platform=fedora, target="debian12", environ=env).target == "debian12"


def test_an_archive_with_a_path_traversal_member_is_refused(env: dict[str, str], site: DownloadSite,
                                                             index: dict[str, Any]) -> None:
    hostile = fake_tarball("8.0.4", extra={"mongodb-8.0.4/../../evil": b"x"})
    site.files["/linux/mongodb-ubuntu2204-x86_64-8.0.4.tgz"] = hostile
    index["versions"][0]["downloads"][0]["archive"]["sha256"] = sha256(hostile)
    site.publish(index)
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    assert caught.value.what == f"the archive {site.url('/linux/mongodb-ubuntu2204-x86_64-8.0.4.tgz')} is unsafe"
    assert caught.value.why == "member 'mongodb-8.0.4/../../evil' points outside the archive; nothing was installed"
    assert installed_entries(home_of(env)) == []
    assert not (home_of(env).parent / "evil").exists()


def test_a_mongod_reporting_another_version_is_not_installed(env: dict[str, str], site: DownloadSite,
                                                              index: dict[str, Any]) -> None:
    wrong = fake_tarball("8.0.4", reports="7.0.1")
    site.files["/linux/mongodb-ubuntu2204-x86_64-8.0.4.tgz"] = wrong
    index["versions"][0]["downloads"][0]["archive"]["sha256"] = sha256(wrong)
    site.publish(index)
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    assert caught.value.what == "the downloaded mongod reports version 7.0.1, not 8.0.4"
    assert installed_entries(home_of(env)) == []


def test_network_errors_name_the_url_and_the_mirror_variable(env: dict[str, str], site: DownloadSite) -> None:
    env = {**env, "MONGO_ADMIN_DOWNLOAD_INDEX": site.url("/missing.json")}
    with pytest.raises(BinaryInstallError) as caught:
        install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    assert (caught.value.what, caught.value.why) == (f"cannot download {site.url('/missing.json')}",
                                                     "HTTP 404 Not Found")
    assert "MONGO_ADMIN_DOWNLOAD_INDEX" in caught.value.fix


def test_an_installed_version_is_what_resolution_picks(env: dict[str, str], tmp_path: Path) -> None:
    install_binaries(home_of(env), "8.0.3", platform=UBUNTU, environ=env)
    install_binaries(home_of(env), "8.0.4", platform=UBUNTU, environ=env)
    found = resolve_binaries(None, version="8.0", environ=env)
    assert (found.source, found.version, found.mongod) == (
        BinarySource.INSTALLED, "8.0.4", home_of(env) / "binaries" / "8.0.4" / "bin" / "mongod")
    assert resolve_binaries(None, version="8.0.3", environ=env).version == "8.0.3"


# --- the CLI --------------------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MONGO_ADMIN_BINARY_DIR", raising=False)
    monkeypatch.setattr(install_module, "detect_platform", lambda: UBUNTU)
    return env


def test_cli_install_then_list_then_which(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["binaries", "install", "8.0"])
    bin_dir = home_of(cli_env) / "binaries" / "8.0.4" / "bin"
    assert done.exit_code == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"installed MongoDB 8.0.4 (ubuntu2204 x86_64) in {bin_dir}"
    assert f"reading the downloads index {cli_env['MONGO_ADMIN_DOWNLOAD_INDEX']}" in done.stderr
    assert "(100%)" in done.stderr
    again = runner.invoke(cli, ["binaries", "install", "8.0.4"])
    assert (again.exit_code, again.stdout.splitlines()[0]) == (
        0, f"MongoDB 8.0.4 is already installed in {bin_dir} (--force reinstalls it)")

    listed = runner.invoke(cli, ["-o", "json", "binaries", "list"])
    assert listed.exit_code == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert data["versions"] == [{"version": "8.0.4", "path": str(bin_dir), "mongod_version": "8.0.4",
                                  "check": "ok", "mongos": True, "used": True}]
    assert (data["would_use"], data["would_use_source"]) == (f"MongoDB 8.0.4 from {bin_dir}", "binaries install")
    assert data["message"] == (f"1 installed version in {home_of(cli_env) / 'binaries'}; a deploy would launch "
                               f"MongoDB 8.0.4 from {bin_dir} (found via binaries install)")

    which = runner.invoke(cli, ["-o", "json", "binaries", "which", "--mongodb-version", "8.0"])
    assert which.exit_code == 0, which.stderr
    assert json.loads(which.stdout)["source"] == "binaries install"


def test_cli_errors_exit_1_with_what_why_fix(cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    done = runner.invoke(cli, ["binaries", "install", "9.9.9"])
    assert done.exit_code == 1
    assert done.stderr.splitlines()[-2:] == [
        "error: MongoDB 9.9.9 is not in the downloads index: known release series (newest release): 8.0 (8.0.4), "
        "7.0 (7.0.12)",
        "  fix: choose one of the versions above, or a series such as 8.0 for its newest release"]
    assert installed_entries(home_of(cli_env)) == []
    bad = runner.invoke(cli, ["binaries", "install", "latest"])
    assert (bad.exit_code, bad.stderr.splitlines()[-2]) == (1, "error: invalid MongoDB version 'latest': give a "
                                                               "release (8.0.4) or a release series (8.0)")
    usage = runner.invoke(cli, ["binaries", "which", "--mongodb-version", "eight"])
    assert usage.exit_code == 2
    assert "'eight' is not a MongoDB version such as 8.0 or 8.0.4" in usage.stderr
