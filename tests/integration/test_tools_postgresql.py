"""tools/postgresql.sh, which tools/test.sh (and so CI) runs before pytest: silent when the PostgreSQL server
programs are installed, installs Debian's package with apt-get when it may, and otherwise says what to do.
apt-get, sudo and id are stand-ins on a PATH of their own: nothing is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.stand_ins import StandInMachine

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "tools" / "postgresql.sh"
SERVER_PROGRAMS = ("initdb", "pg_ctl", "postgres")
APT_CALLS = ["noninteractive update -qq", "noninteractive install -y -qq --no-install-recommends postgresql"]


class Machine(StandInMachine):
    """Stand-ins, and a Debian PostgreSQL directory of its own."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.lib = root / "usr-lib-postgresql"
        self.lib.mkdir()

    def install_server(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in SERVER_PROGRAMS:
            (directory / name).write_text("#!/bin/sh\n")
            (directory / name).chmod(0o755)

    def apt_get_postgresql(self, *, installs: bool) -> None:
        """apt-get whose install, when ``installs``, puts the programs where Debian does."""
        self.apt_get(f'/bin/mkdir -p {self.lib}/16/bin && for p in {" ".join(SERVER_PROGRAMS)}; '
                     f'do echo > {self.lib}/16/bin/$p; /bin/chmod 755 {self.lib}/16/bin/$p; done' if installs else "")

    def run_script(self, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run(SCRIPT, MONGO_ADMIN_POSTGRESQL_LIB=str(self.lib), **env)


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def test_silent_when_debian_installed_the_server(machine: Machine) -> None:
    machine.install_server(machine.lib / "15" / "bin")
    machine.apt_get_postgresql(installs=True)
    done = machine.run_script()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert machine.logged() == []


def test_silent_when_the_server_is_on_path(machine: Machine) -> None:
    machine.install_server(machine.bin)
    done = machine.run_script()
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_silent_with_a_server_of_your_own(machine: Machine) -> None:
    done = machine.run_script(MONGO_ADMIN_TEST_POSTGRES_URL="postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_root_installs_debians_package_non_interactively(machine: Machine) -> None:
    machine.apt_get_postgresql(installs=True)
    done = machine.run_script()
    assert done.returncode == 0, done.stderr
    assert "installing Debian's postgresql package" in done.stderr
    assert machine.logged() == APT_CALLS


def test_a_user_with_passwordless_sudo_installs_through_it(machine: Machine) -> None:
    machine.passwordless_sudo()
    machine.apt_get_postgresql(installs=True)
    done = machine.run_script()
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
        machine.apt_get_postgresql(installs=False)
    if setup in ("no sudo", "sudo asks"):
        machine.command("id", "echo 1000")
    if setup == "sudo asks":
        machine.command("sudo", "exit 1")
    done = machine.run_script()
    assert done.returncode == 1
    assert f"the PostgreSQL server is not installed and {reason}." in done.stderr
    assert "`sudo apt-get install postgresql`" in done.stderr
    assert "MONGO_ADMIN_TEST_POSTGRES_URL" in done.stderr
