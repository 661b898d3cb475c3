"""tools/chromium.sh, which tools/test.sh (and so CI) runs before the dashboard's end-to-end tests: silent when
Debian's Chromium (or one named in MONGO_ADMIN_CHROMIUM) is there, installs Debian's package with apt-get when it
may, and otherwise says what to do. apt-get, sudo and id are stand-ins on a PATH of their own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.stand_ins import StandInMachine

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "chromium.sh"
INSTALL = "install -y -qq --no-install-recommends chromium fonts-noto-cjk"
APT_CALLS = ["noninteractive update -qq", f"noninteractive {INSTALL}"]


class Machine(StandInMachine):
    """Stand-ins, and the place of Debian's chromium of its own."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.chromium = root / "usr-bin" / "chromium"

    def install_chromium(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)

    def apt_get_chromium(self, *, installs: bool) -> None:
        self.apt_get(f"/bin/mkdir -p {self.chromium.parent} && echo > {self.chromium} && /bin/chmod 755 "
                     f"{self.chromium}" if installs else "")

    def run_script(self, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(SCRIPT, MONGO_ADMIN_DEBIAN_CHROMIUM=str(self.chromium), **env)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_silent_when_debians_chromium_is_there(machine: Machine) -> None:
    machine.install_chromium(machine.chromium)
    machine.apt_get_chromium(installs=True)
    done = machine.run_script()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert machine.logged() == []


def test_a_chromium_of_your_own(machine: Machine, tmp_path: Path) -> None:
    own = tmp_path / "opt" / "chrome"
    machine.install_chromium(own)
    done = machine.run_script(MONGO_ADMIN_CHROMIUM=str(own))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    missing = machine.run_script(MONGO_ADMIN_CHROMIUM=str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert f"MONGO_ADMIN_CHROMIUM={tmp_path / 'nowhere'} is not an executable file" in missing.stderr
    assert machine.logged() == []


def test_root_installs_debians_package_non_interactively(machine: Machine) -> None:
    machine.apt_get_chromium(installs=True)
    done = machine.run_script()
    assert done.returncode == 0, done.stderr
    assert "installing Debian's chromium package" in done.stderr
    assert machine.logged() == APT_CALLS


def test_a_user_with_passwordless_sudo_installs_through_it(machine: Machine) -> None:
    machine.passwordless_sudo()
    machine.apt_get_chromium(installs=True)
    done = machine.run_script()
    assert done.returncode == 0, done.stderr
    sudo = "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get"
    assert machine.logged() == ["sudo -n true", f"{sudo} update -qq", APT_CALLS[0], f"{sudo} {INSTALL}", APT_CALLS[1]]


@pytest.mark.parametrize(("setup", "reason"), [
    ("no apt-get", "this machine has no apt-get to install it with"),
    ("no sudo", "installing it needs root (sudo without a password is not available)"),
    ("install fails to deliver", "apt-get installed the chromium package but {chromium} is still missing"),
])
def test_otherwise_it_fails_saying_what_to_do(machine: Machine, setup: str, reason: str) -> None:
    if setup != "no apt-get":
        machine.apt_get_chromium(installs=False)
    if setup == "no sudo":
        machine.command("id", "echo 1000")
    done = machine.run_script()
    assert done.returncode == 1
    assert f"Chromium is not installed and {reason.format(chromium=machine.chromium)}." in done.stderr
    assert "`sudo apt-get install chromium`" in done.stderr
    assert "MONGO_ADMIN_CHROMIUM" in done.stderr
