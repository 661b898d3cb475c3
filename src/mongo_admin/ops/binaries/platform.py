"""Which MongoDB build this machine needs: the downloads index names a build by ``target`` and ``arch``.

Targets are MongoDB's names for the systems it builds for: ``ubuntu2204``, ``debian12``, ``rhel93``,
``amazon2023``, ``suse15``, ``macos``. The distribution comes from ``/etc/os-release`` (``ID``, ``ID_LIKE``,
``VERSION_ID``); RHEL rebuilds (Rocky, AlmaLinux, CentOS, Oracle Linux) use the RHEL build of their major
version.
"""

from __future__ import annotations

import platform as stdlib_platform
import re
import shlex
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

OS_RELEASE = Path("/etc/os-release")

# platform.machine() -> the index's arch; Linux ARM builds say aarch64, macOS ones arm64.
_ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_MACOS_ARCHES = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "arm64", "aarch64": "arm64"}
ARCH_ALIASES = {"aarch64": {"aarch64", "arm64"}, "arm64": {"aarch64", "arm64"}}

_RHEL_FAMILY = {"rhel", "centos", "rocky", "almalinux", "ol", "redhat"}


@dataclass(frozen=True)
class Platform:
    """This machine as the downloads index sees it. ``system`` is ``linux`` or ``macos``; ``distro`` and
    ``distro_version`` come from os-release (``ubuntu`` / ``22.04``), empty on macOS or when unknown."""

    system: str
    arch: str
    distro: str = ""
    distro_version: str = ""
    like: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.system == "macos":
            return f"macOS {self.arch}"
        name = f"{self.distro} {self.distro_version}".strip() or "an unknown Linux distribution"
        return f"{name} {self.arch}"

    def accepts_arch(self, arch: str) -> bool:
        return arch in ARCH_ALIASES.get(self.arch, {self.arch})

    def choose_target(self, available: Iterable[str]) -> str | None:
        """The build target for this machine among ``available`` ones, or None."""
        targets = set(available)
        if self.system == "macos":
            return next((each for each in ("macos", "osx") if each in targets), None)
        major, _, rest = self.distro_version.partition(".")
        minor = rest.split(".")[0]
        family = self._family()
        if family == "ubuntu" and minor:
            return _exact(targets, f"ubuntu{major}{minor.zfill(2)}")
        if family == "debian":
            return _highest_minor(targets, "debian", major, None)
        if family == "rhel":
            return _highest_minor(targets, "rhel", major, int(minor) if minor.isdigit() else None)
        if family == "amzn":
            return _exact(targets, {"2023": "amazon2023", "2": "amazon2"}.get(major, f"amazon{major}"))
        if family == "sles":
            return _exact(targets, f"suse{major}")
        return None

    def _family(self) -> str:
        if self.distro in _RHEL_FAMILY or "rhel" in self.like:
            return "rhel"
        if self.distro in {"sles", "opensuse-leap"}:
            return "sles"
        return self.distro


def _exact(targets: set[str], wanted: str) -> str | None:
    return wanted if wanted in targets else None


def _highest_minor(targets: set[str], prefix: str, major: str, minor: int | None) -> str | None:
    """``rhel9`` / ``rhel90`` / ``rhel93``: the build for this major version with the highest minor version not
    above the machine's (any minor when the machine does not say, as CentOS Stream does not)."""
    if not major.isdigit():
        return None
    pattern = re.compile(rf"^{prefix}{major}(\d?)$")
    candidates = []
    for target in targets:
        match = pattern.match(target)
        if match is None:
            continue
        built_for = int(match.group(1) or 0)
        if minor is None or built_for <= minor:
            candidates.append((built_for, target))
    return max(candidates)[1] if candidates else None


def parse_os_release(text: str) -> dict[str, str]:
    """``KEY=value`` lines (values may be quoted, as os-release(5) allows) into a dict."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if not sep or key.startswith("#"):
            continue
        try:
            parts = shlex.split(value)
        except ValueError:
            parts = [value.strip("\"'")]
        fields[key] = parts[0] if parts else ""
    return fields


def detect_platform(os_release: Path = OS_RELEASE, system: str | None = None,
                    machine: str | None = None) -> Platform:
    """This machine: ``sys.platform``, ``platform.machine()`` and os-release (an unreadable os-release leaves
    the distribution unknown; the caller then reports that no build matches)."""
    system = sys.platform if system is None else system
    machine = (stdlib_platform.machine() if machine is None else machine).lower()
    if system == "darwin":
        return Platform("macos", _MACOS_ARCHES.get(machine, machine))
    try:
        fields = parse_os_release(os_release.read_text())
    except OSError:
        fields = {}
    like = tuple(fields.get("ID_LIKE", "").lower().split())
    return Platform("linux" if system.startswith("linux") else system, _ARCHES.get(machine, machine),
                    fields.get("ID", "").lower(), fields.get("VERSION_ID", ""), like)
