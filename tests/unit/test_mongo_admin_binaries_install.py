"""Pure logic of ``binaries install`` / ``list``: platform detection, the downloads index, archive safety, and
how installed versions take part in binary resolution."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

import pytest

from mongo_admin.errors import BinaryInstallError, InvalidInputError
from mongo_admin.ops.binaries.feed import (
    DEFAULT_INDEX,
    choose_archive,
    choose_release,
    index_url,
    parse_index,
)
from mongo_admin.ops.binaries.install import unpack_bin
from mongo_admin.ops.binaries.listing import list_binaries
from mongo_admin.ops.binaries.platform import Platform, detect_platform
from mongo_admin.providers import binaries
from mongo_admin.providers.binaries import (
    BinarySource,
    describe,
    find_installed,
    installed_versions,
    resolve_binaries,
    version_matches,
)
from tests.support.downloads import download, fake_tarball, release
from tests.unit.test_mongo_admin_binaries import fake_server_dir

# --- platform -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("os_release", "machine", "expected"),
    [
        ('ID=ubuntu\nVERSION_ID="22.04"\n', "x86_64", Platform("linux", "x86_64", "ubuntu", "22.04")),
        ('ID=rocky\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.4"\n', "aarch64",
         Platform("linux", "aarch64", "rocky", "9.4", ("rhel", "centos", "fedora"))),
        ("# comment\nID='debian'\nVERSION_ID=12\n", "AMD64", Platform("linux", "x86_64", "debian", "12")),
        ("", "arm64", Platform("linux", "aarch64")),
    ],
)
def test_detect_platform_reads_os_release(tmp_path: Path, os_release: str, machine: str,
                                          expected: Platform) -> None:
    path = tmp_path / "os-release"
    path.write_text(os_release)
    assert detect_platform(path, system="linux", machine=machine) == expected


def test_detect_platform_on_macos_and_without_os_release(tmp_path: Path) -> None:
    assert detect_platform(tmp_path / "none", system="darwin", machine="arm64") == Platform("macos", "arm64")
    assert detect_platform(tmp_path / "none", system="linux", machine="x86_64") == Platform("linux", "x86_64")


TARGETS = ["ubuntu2004", "ubuntu2204", "ubuntu2404", "debian11", "debian12", "rhel80", "rhel90", "rhel93",
           "amazon2", "amazon2023", "suse15", "macos"]


@pytest.mark.parametrize(
    ("platform", "target"),
    [
        (Platform("linux", "x86_64", "ubuntu", "24.04"), "ubuntu2404"),
        (Platform("linux", "x86_64", "ubuntu", "23.10"), None),
        (Platform("linux", "x86_64", "debian", "11"), "debian11"),
        (Platform("linux", "x86_64", "rhel", "8.10"), "rhel80"),
        (Platform("linux", "x86_64", "almalinux", "9.2"), "rhel90"),
        (Platform("linux", "x86_64", "rocky", "9.4"), "rhel93"),
        (Platform("linux", "x86_64", "centos", "9"), "rhel93"),  # CentOS Stream gives no minor version
        (Platform("linux", "x86_64", "ol", "8.9", ()), "rhel80"),
        (Platform("linux", "x86_64", "someclone", "9.3", ("rhel",)), "rhel93"),
        (Platform("linux", "x86_64", "amzn", "2023"), "amazon2023"),
        (Platform("linux", "x86_64", "amzn", "2"), "amazon2"),
        (Platform("linux", "x86_64", "sles", "15.5"), "suse15"),
        (Platform("linux", "x86_64", "fedora", "40"), None),
        (Platform("linux", "x86_64"), None),
        (Platform("macos", "arm64"), "macos"),
    ],
)
def test_choose_target(platform: Platform, target: str | None) -> None:
    assert platform.choose_target(TARGETS) == target


# --- the downloads index --------------------------------------------------------------------------------------


def sample_index() -> dict[str, Any]:
    return {"versions": [
        release("8.0.4", [download("/a/ubuntu-8.0.4.tgz", "A" * 64),
                          download("/a/ubuntu-arm-8.0.4.tgz", "b" * 64, arch="aarch64"),
                          download("https://mirror.example/macos-8.0.4.tgz", "c" * 64, "macos", "arm64", "base"),
                          download("/a/enterprise-8.0.4.tgz", "d" * 64, edition="enterprise")]),
        release("8.0.10", [download("/a/ubuntu-8.0.10.tgz", "e" * 64)]),
        release("8.0.11-rc0", [download("/a/ubuntu-8.0.11-rc0.tgz", "f" * 64)], production=False),
        release("7.0.12", [download("/a/ubuntu-7.0.12.tgz", "1" * 64)]),
        {"version": "0.1", "downloads": "garbage"},
        "not a release",
    ]}


def test_parse_index_keeps_community_archives_with_absolute_urls() -> None:
    releases = parse_index(sample_index(), "http://127.0.0.1:9/feeds/full.json")
    first = releases[0]
    assert [(a.target, a.arch, a.edition, a.url, a.sha256) for a in first.archives] == [
        ("ubuntu2204", "x86_64", "targeted", "http://127.0.0.1:9/a/ubuntu-8.0.4.tgz", "a" * 64),
        ("ubuntu2204", "aarch64", "targeted", "http://127.0.0.1:9/a/ubuntu-arm-8.0.4.tgz", "b" * 64),
        ("macos", "arm64", "base", "https://mirror.example/macos-8.0.4.tgz", "c" * 64),
    ]
    assert [r.version for r in releases] == ["8.0.4", "8.0.10", "8.0.11-rc0", "7.0.12", "0.1"]
    with pytest.raises(BinaryInstallError, match="has no 'versions' list"):
        parse_index({"releases": []}, "http://x/full.json")


@pytest.mark.parametrize(("wanted", "chosen"), [("8.0", "8.0.10"), ("8.0.4", "8.0.4"), ("7.0", "7.0.12"),
                                                 ("8.0.11-rc0", "8.0.11-rc0")])
def test_choose_release_by_version_or_series(wanted: str, chosen: str) -> None:
    assert choose_release(parse_index(sample_index(), "http://x/"), wanted).version == chosen


def test_choose_release_rejects_malformed_versions() -> None:
    with pytest.raises(InvalidInputError):
        choose_release([], "8")


def test_choose_archive_by_platform_and_explicit_target() -> None:
    release_ = choose_release(parse_index(sample_index(), "http://x/"), "8.0.4")
    assert choose_archive(release_, Platform("macos", "arm64")).url == "https://mirror.example/macos-8.0.4.tgz"
    assert choose_archive(release_, Platform("linux", "aarch64", "ubuntu", "22.04")).arch == "aarch64"
    linux_mint = Platform("linux", "x86_64", "linuxmint", "21.3", ("ubuntu", "debian"))
    assert choose_archive(release_, linux_mint, target="ubuntu2204").target == "ubuntu2204"
    with pytest.raises(BinaryInstallError) as caught:
        choose_archive(release_, linux_mint)
    assert caught.value.what == "no MongoDB 8.0.4 Community build for linuxmint 21.3 x86_64"
    assert caught.value.why == "builds of 8.0.4 exist for aarch64: ubuntu2204; arm64: macos; x86_64: ubuntu2204"


def test_index_url_default_override_and_local_file(tmp_path: Path) -> None:
    assert index_url({}) == DEFAULT_INDEX
    assert index_url({"MONGO_ADMIN_DOWNLOAD_INDEX": "http://mirror/full.json"}) == "http://mirror/full.json"
    assert index_url({"MONGO_ADMIN_DOWNLOAD_INDEX": str(tmp_path / "full.json")}) == (
        (tmp_path / "full.json").as_uri())


# --- archive safety -------------------------------------------------------------------------------------------


def tarball_with(tmp_path: Path, *members: tarfile.TarInfo, base: bytes | None = None) -> Path:
    """``base`` (a good archive) plus hostile ``members``, written as a file."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as out:
        with tarfile.open(fileobj=io.BytesIO(base or fake_tarball()), mode="r:gz") as good:
            for member in good.getmembers():
                out.addfile(member, good.extractfile(member))
        for member in members:
            out.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    path = tmp_path / "archive.tgz"
    path.write_bytes(buffer.getvalue())
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, linkname, 1 if kind == tarfile.REGTYPE else 0
    return info


def test_unpack_takes_only_the_bin_executables(tmp_path: Path) -> None:
    archive = tarball_with(tmp_path, member("mongodb-8.0.4/bin/link", tarfile.SYMTYPE, "mongod"),
                           member("mongodb-8.0.4/bin/notes", tarfile.SYMTYPE, "../README"),
                           member("mongodb-8.0.4/bin/sub/deep"), member("mongodb-8.0.4/bin/.hidden"))
    files = unpack_bin(archive, tmp_path / "bin", "http://x/a.tgz")
    assert files == ["install_compass", "mongod", "mongos"]
    assert sorted(each.name for each in (tmp_path / "bin").iterdir()) == files
    assert all((tmp_path / "bin" / name).stat().st_mode & 0o777 == 0o755 for name in files)


def test_unpack_accepts_an_archive_without_a_top_directory(tmp_path: Path) -> None:
    archive = tmp_path / "flat.tgz"
    archive.write_bytes(fake_tarball(top=None))
    assert unpack_bin(archive, tmp_path / "bin", "http://x/a.tgz") == ["install_compass", "mongod", "mongos"]


@pytest.mark.parametrize(
    "hostile",
    [member("../evil"), member("/etc/evil"), member("mongodb/bin/../../evil"),
     member("mongodb/bin/ln", tarfile.SYMTYPE, "/etc/passwd"),
     member("mongodb/bin/ln", tarfile.LNKTYPE, "../../outside"),
     member("mongodb/bin/ln", tarfile.SYMTYPE, "../../../outside")],
    ids=["parent", "absolute", "nested-parent", "symlink-absolute", "hardlink-parent", "symlink-parent"],
)
def test_unpack_refuses_members_outside_the_archive(tmp_path: Path, hostile: tarfile.TarInfo) -> None:
    with pytest.raises(BinaryInstallError) as caught:
        unpack_bin(tarball_with(tmp_path, hostile), tmp_path / "bin", "http://x/a.tgz")
    assert caught.value.what == "the archive http://x/a.tgz is unsafe"
    link = f" -> '{hostile.linkname}'" if hostile.linkname else ""
    assert caught.value.why == f"member '{hostile.name}'{link} points outside the archive; nothing was installed"
    assert not (tmp_path / "bin").exists()


def test_unpack_requires_mongod_and_mongos(tmp_path: Path) -> None:
    archive = tmp_path / "a.tgz"
    archive.write_bytes(fake_tarball(names=("mongod",)))
    with pytest.raises(BinaryInstallError, match="holds no bin/mongos"):
        unpack_bin(archive, tmp_path / "bin", "http://x/a.tgz")
    archive.write_bytes(b"not a tarball")
    with pytest.raises(BinaryInstallError, match="cannot unpack"):
        unpack_bin(archive, tmp_path / "bin", "http://x/a.tgz")


# --- resolution and listing -----------------------------------------------------------------------------------


def install_fake(home: Path, version: str, reports: str | None = None) -> Path:
    return fake_server_dir(home / "binaries" / version / "bin", f"db version v{reports or version}")


@pytest.mark.parametrize(("version", "wanted", "matches"),
                         [("8.0.4", "8.0", True), ("8.0.4", "8.0.4", True), ("8.0.40", "8.0.4", False),
                          ("8.0.4", "8", True), ("7.0.1", "8.0", False)])
def test_version_matches(version: str, wanted: str, matches: bool) -> None:
    assert version_matches(version, wanted) is matches


def test_installed_versions_newest_first_ignoring_staging_and_empty(tmp_path: Path) -> None:
    for version in ("8.0.4", "8.0.10", "7.0.12", "8.1.0-rc1", "8.1.0"):
        install_fake(tmp_path, version)
    (tmp_path / "binaries" / ".install-8.0.11-x" / "bin").mkdir(parents=True)
    (tmp_path / "binaries" / "8.0.12").mkdir()  # no bin/mongod: not a version
    assert [v for v, _ in installed_versions(tmp_path)] == ["8.1.0", "8.1.0-rc1", "8.0.10", "8.0.4", "7.0.12"]
    assert find_installed(tmp_path, "8.0") == ("8.0.10", tmp_path / "binaries" / "8.0.10" / "bin")
    assert find_installed(tmp_path, "6.0") is None
    assert installed_versions(tmp_path / "nowhere") == []


def test_resolution_order_with_installed_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    path_dir = fake_server_dir(tmp_path / "path", "db version v7.0.2")
    install_fake(home, "8.0.3")
    install_fake(home, "8.0.4")
    on_path = {"PATH": str(path_dir), "MONGO_ADMIN_HOME": str(home)}
    no_path = {"PATH": str(tmp_path / "empty"), "MONGO_ADMIN_HOME": str(home)}
    # a version asked for: the newest matching installed version comes before PATH
    found = resolve_binaries(None, version="8.0", environ=on_path)
    assert (found.source, found.version) == (BinarySource.INSTALLED, "8.0.4")
    assert describe(found).message == (f"would launch MongoDB mongod 8.0.4 from {home}/binaries/8.0.4/bin "
                                       "(found via binaries install)")
    # not installed: PATH as before (the caller checks the version it needs)
    assert resolve_binaries(None, version="6.0", environ=on_path).source is BinarySource.PATH
    # nothing asked: PATH first, then the newest installed version, before the simulator
    assert resolve_binaries(None, environ=on_path).source is BinarySource.PATH
    assert resolve_binaries(None, environ=no_path).version == "8.0.4"
    # explicit directories still win
    assert resolve_binaries(path_dir, version="8.0", environ=on_path).source is BinarySource.OPTION
    monkeypatch.setattr(binaries, "sandbox_bin_dir", lambda: fake_server_dir(tmp_path / "sim"))
    assert resolve_binaries(None, version="6.0", environ=no_path).source is BinarySource.SANDBOX


def test_list_checks_each_installed_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    install_fake(home, "8.0.4")
    install_fake(home, "7.0.12", reports="7.0.1")
    sim = fake_server_dir(tmp_path / "sim", extra='"mongosim": "0.1.0"')
    monkeypatch.setattr(binaries, "sandbox_bin_dir", lambda: sim)
    environ = {"PATH": str(tmp_path / "empty"), "MONGO_ADMIN_HOME": str(home)}
    listing = list_binaries(home, "7.0", environ=environ)
    assert [(row.version, row.mongod_version, row.check, row.used) for row in listing.versions] == [
        ("8.0.4", "8.0.4", "ok", False), ("7.0.12", "7.0.1", "reports 7.0.1", True)]
    assert listing.would_use_source == "binaries install"
    assert listing.simulator == f"{sim} (the fallback when no real mongod is found)"
    empty = list_binaries(tmp_path / "other", environ={"PATH": str(tmp_path / "empty"),
                                                         "MONGO_ADMIN_HOME": str(tmp_path / "other")})
    assert empty.versions == []
    assert empty.message == (f"0 installed versions in {tmp_path / 'other' / 'binaries'}; a deploy would launch "
                             f"sandbox (mongosim) 8.0.4 from {sim} (found via sandbox)")
    assert empty.simulator == f"{sim} (in use: no real mongod was found)"


def test_a_deploy_plan_uses_the_installed_version_its_spec_asks_for(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from mongo_admin.errors import DeployError
    from mongo_admin.ops.cluster.deploy import DeployOptions, _binaries
    from mongo_admin.spec.load import parse_spec

    home = tmp_path / "home"
    install_fake(home, "8.0.4")
    install_fake(home, "7.0.12")
    monkeypatch.setenv("PATH", str(fake_server_dir(tmp_path / "path", "db version v6.0.3")))
    monkeypatch.delenv("MONGO_ADMIN_BINARY_DIR", raising=False)
    spec = parse_spec("name: x\nbinaries: {version: '8.0'}\n")
    chosen = _binaries(spec, DeployOptions(home=home))
    assert (chosen.source, chosen.version, chosen.mongod) == (
        "binaries install", "8.0.4", str(home / "binaries" / "8.0.4" / "bin" / "mongod"))
    assert _binaries(spec, DeployOptions(home=home, version="7.0")).version == "7.0.12"
    with pytest.raises(DeployError) as caught:
        _binaries(spec, DeployOptions(home=home, version="5.0"))
    assert caught.value.why == f"--mongodb-version asks for MongoDB 5.0 but {tmp_path}/path/mongod is 6.0.3"
    assert caught.value.fix.startswith("install it with 'mongo-admin binaries install 5.0'")
