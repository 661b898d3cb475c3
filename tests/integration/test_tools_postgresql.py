"""tools/postgresql.sh, which tools/test.sh (and so CI) runs before pytest: silent when the PostgreSQL server
programs are installed, installs Debian's package with apt-get when it may, and otherwise says what to do.
apt-get, sudo and id are stand-ins on a PATH of their own: nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "postgresql.sh"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
APT_CALLS = ["noninteractive update -qq", "noninteractive install -y -qq --no-install-recommends postgresql"]


class Machine:
    """A PATH and a Debian PostgreSQL directory of its own, with stand-in commands that log their calls."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.lib = root / "usr-lib-postgresql"
        self.calls = root / "calls.log"
        self.bin.mkdir()
        self.lib.mkdir()
        self.calls.touch()
        (self.bin / "env").symlink_to(shutil.which("env") or "/usr/bin/env")
        self.command("id", 'echo 0')

    def command(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    def install_server(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in SERVER_PROGRAMS:
            (directory / name).write_text("#!/bin/sh\n")
            (directory / name).chmod(0o755)

    def apt_get(self, *, installs: bool) -> None:
        """apt-get that logs ``$DEBIAN_FRONTEND $*`` and, when ``installs``, puts the programs where Debian does."""
        install = (f'[ "$1" = install ] && /bin/mkdir -p {self.lib}/16/bin && for p in {" ".join(SERVER_PROGRAMS)}; '
                   f'do echo > {self.lib}/16/bin/$p; /bin/chmod 755 {self.lib}/16/bin/$p; done' if installs else "")
        self.command("apt-get", f'echo "$DEBIAN_FRONTEND $*" >> {self.calls}\n{install}\nexit 0')

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["/bin/bash", str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False,
                              env={"PATH": str(self.bin), "MONGO_ADMIN_POSTGRESQL_LIB": str(self.lib), **env})

    def logged(self) -> list[str]:
        return self.calls.read_text().splitlines()


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_silent_when_debian_installed_the_server(machine: Machine) -> None:
    machine.install_server(machine.lib / "15" / "bin")
    machine.apt_get(installs=True)
    done = machine.run()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert machine.logged() == []


def test_silent_when_the_server_is_on_path(machine: Machine) -> None:
    machine.install_server(machine.bin)
    done = machine.run()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_silent_with_a_server_of_your_own(machine: Machine) -> None:
    done = machine.run(MONGO_ADMIN_TEST_POSTGRES_URL="postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_root_installs_debians_package_non_interactively(machine: Machine) -> None:
    machine.apt_get(installs=True)
    done = machine.run()
    assert done.returncode == 0, done.stderr
    assert "installing Debian's postgresql package" in done.stderr
    assert machine.logged() == APT_CALLS


def test_a_user_with_passwordless_sudo_installs_through_it(machine: Machine) -> None:
    machine.command("id", "echo 1000")
    machine.command("sudo", f'echo "sudo $*" >> {machine.calls}\n[ "$1" = -n ] && shift\n[ "$1" = true ] || exec "$@"')
    machine.apt_get(installs=True)
    done = machine.run()
    assert done.returncode == 0, done.stderr
    sudo = "sudo -n env DEBIAN_FRONTEND=noninteractive apt-get"
    assert machine.logged() == ["sudo -n true", f"{sudo} update -qq", APT_CALLS[0],
                                f"{sudo} install -y -qq --no-install-recommends postgresql", APT_CALLS[1]]


@pytest.mark.parametrize(("setup", "reason"), [
    ("no apt-get", "this machine has no apt-get to install it with"),
    ("no sudo", "installing it needs root (sudo without a password is not available)"),
    ("sudo asks", "installing it needs root (sudo without a password is not available)"),
    ("install fails to deliver", "apt-get installed the postgresql package but initdb, pg_ctl and postgres are "
                                 "still missing"),
])
def test_otherwise_it_fails_saying_what_to_do(machine: Machine, setup: str, reason: str) -> None:
    if setup != "no apt-get":
        machine.apt_get(installs=False)
    if setup in ("no sudo", "sudo asks"):
        machine.command("id", "echo 1000")
    if setup == "sudo asks":
        machine.command("sudo", "exit 1")
    done = machine.run()
    assert done.returncode == 1
    assert f"the PostgreSQL server is not installed and {reason}." in done.stderr
    assert "`sudo apt-get install postgresql`" in done.stderr
    assert "MONGO_ADMIN_TEST_POSTGRES_URL" in done.stderr
