"""The backup and restore scripts under scripts/backup and scripts/restore, and `mongo-admin backup schedule`, run
as an operator or cron would run them against two small deployed clusters (access control on): one whose spec
enables point-in-time recovery, one whose spec does not. The crontab is always a fake one in a temporary
directory: the real user's crontab is never read or written."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mongo_admin.ops.backup.engine import BackupOptions, create_backup
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
from mongo_admin.ops.cluster.lifecycle import destroy_cluster
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.spec.load import parse_spec
from tests.integration.test_scripts import BIN, MONGO_ADMIN, SCRIPTS, log_files, script_env
from tests.support.clusters import kill_cluster_leftovers
from tests.support.simproc import free_port_block, wait_until

pytestmark = pytest.mark.timeout(600)
FULL_BACKUP = SCRIPTS / "backup" / "full-backup.sh"
CONFIG_BACKUP = SCRIPTS / "backup" / "config-backup.sh"
SHARD_BACKUP = SCRIPTS / "backup" / "shard-backup.sh"
INCREMENTAL_BACKUP = SCRIPTS / "backup" / "incremental-backup.sh"
PRUNE_BACKUPS = SCRIPTS / "backup" / "prune-backups.sh"
RESTORE_CLUSTER = SCRIPTS / "restore" / "restore-cluster.sh"
RESTORE_SHARD = SCRIPTS / "restore" / "restore-shard.sh"
POINT_IN_TIME = SCRIPTS / "restore" / "point-in-time-restore.sh"
SELECTIVE_RESTORE = SCRIPTS / "restore" / "selective-restore.sh"
BACKUP_SCRIPTS = (FULL_BACKUP, CONFIG_BACKUP, SHARD_BACKUP, INCREMENTAL_BACKUP, PRUNE_BACKUPS)
RESTORE_SCRIPTS = (RESTORE_CLUSTER, RESTORE_SHARD, POINT_IN_TIME, SELECTIVE_RESTORE)
PITR = "sb"      # backup.pitr enabled
NO_PITR = "nb"   # backup.pitr left off
SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}]
  routers: 1
ports: {{base: {base}}}
{backup}"""
FAKE_CRONTAB = """\
#!/bin/sh
here=$(dirname "$0")
case $1 in
  -l) if [ -f "$here/table" ]; then cat "$here/table"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat >"$here/table" ;;
  *) exit 1 ;;
esac
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two secure clusters, each a 1-member config server set, one 1-member shard and one router, with a
    collection on the shard; every process stopped afterwards."""
    home = tmp_path_factory.mktemp("backup-scripts-home")
    try:
        for name, backup in ((PITR, "backup: {pitr: {enabled: true, slice_seconds: 5}}\n"), (NO_PITR, "")):
            text = SPEC.format(name=name, base=free_port_block(10), backup=backup)
            deploy(parse_spec(text), text, DeployOptions(home=home))
            with ClusterAccess(*open_cluster(name, home)).routers() as client:
                client.app.items.insert_many([{"i": i, "name": f"item {i}"} for i in range(50)])
        yield home
    finally:
        try:
            for name in (PITR, NO_PITR):
                # One that never deployed fails here; whatever survives is killed below.
                with contextlib.suppress(Exception):
                    destroy_cluster(name, home)
        finally:
            kill_cluster_leftovers(home)


def env_for(home: Path, **extra: str) -> dict[str, str]:
    return script_env(MONGO_ADMIN_HOME=str(home), **extra)


def run(home: Path, script: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(script), *args], capture_output=True, text=True, env=env_for(home, **extra),
                          stdin=subprocess.DEVNULL, timeout=240, check=False)


def cli(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MONGO_ADMIN, *args], capture_output=True, text=True, env=env_for(home, **extra),
                          stdin=subprocess.DEVNULL, timeout=240, check=False)


def cli_json(home: Path, *args: str) -> Any:
    done = cli(home, "--output", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def newest_log(directory: Path, script: str) -> str:
    return max(log_files(directory, script), key=lambda path: path.stat().st_mtime_ns).read_text()


@pytest.mark.parametrize("script", BACKUP_SCRIPTS + RESTORE_SCRIPTS, ids=lambda path: path.name)
def test_help_needs_neither_the_cli_nor_a_log(script: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "MONGO_ADMIN_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: {script.name} ")
    assert "Exit codes: 0 " in done.stdout and "--log-dir DIR" in done.stdout
    assert done.stderr == ""
    assert list(tmp_path.iterdir()) == []
    assert os.access(script, os.X_OK)


def test_full_backup_takes_and_verifies_a_backup_and_logs_the_run(home: Path, tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    done = run(home, FULL_BACKUP, "--cluster", PITR, "--log-dir", str(logs), "--parallel", "2")
    assert done.returncode == 0, done.stderr
    # The backup's result (a table, unwrapped) on stdout; its id is the one verified.
    first = done.stdout.splitlines()[0]
    assert first.startswith("backup ") and f" of cluster {PITR} done: full" in first
    backup_id = first.split()[1]
    assert f"full-backup.sh: verifying backup {backup_id}" in done.stderr
    assert f"full-backup.sh: backup {backup_id} taken and verified" in done.stderr
    listed = cli_json(home, "backup", "list", "--cluster", PITR)["backups"]
    entry = next(b for b in listed if b["backup_id"] == backup_id)
    assert entry["state"] == "done"
    verified = cli_json(home, "backup", "verify", backup_id, "--cluster", PITR)
    assert verified["ok"] is True and verified["documents"] >= 50

    [log] = log_files(logs, "full-backup")
    text = log.read_text()
    assert f"full-backup.sh: log file {log}" in text
    assert first in text and f"backup {backup_id} taken and verified" in text
    assert text.rstrip().endswith("full-backup.sh: exit code 0")


def test_full_backup_json_and_no_verify(home: Path) -> None:
    done = run(home, FULL_BACKUP, f"--cluster={PITR}", "-o", "json", "--no-verify", "--compression", "zstd")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["type"], result["state"], result["cluster_consistent"]) == ("full", "done", True)
    assert f"backup {result['backup_id']} taken; not verified (--no-verify)" in done.stderr
    assert "verifying" not in done.stderr
    # Without --log-dir the log goes where `mongo-admin paths script-logs` says.
    assert "taken; not verified" in newest_log(home / "logs" / "scripts", "full-backup")


def test_config_and_shard_backups(home: Path) -> None:
    config = run(home, CONFIG_BACKUP, "--cluster", NO_PITR, "-o", "json")
    assert config.returncode == 0, config.stderr
    taken = json.loads(config.stdout)
    assert (taken["type"], taken["cluster_consistent"]) == ("config", False)
    assert f"config-backup.sh: backup {taken['backup_id']} taken and verified" in config.stderr

    shard = run(home, SHARD_BACKUP, "--cluster", NO_PITR, "--shard", "shard0", "-o", "json")
    assert shard.returncode == 0, shard.stderr
    taken = json.loads(shard.stdout)
    assert taken["type"] == "shard"
    shown = cli_json(home, "backup", "show", taken["backup_id"], "--cluster", NO_PITR)
    assert [rs["name"] for rs in shown["manifest"]["replica_sets"]] == ["shard0"]

    missing = run(home, SHARD_BACKUP, "--cluster", NO_PITR)
    assert missing.returncode == 2
    assert missing.stderr.startswith("shard-backup.sh: missing --shard NAME: which shard to back up\n")
    unknown = run(home, SHARD_BACKUP, "--cluster", NO_PITR, "--shard", "nope")
    assert unknown.returncode == 1
    assert "no shard named 'nope'" in unknown.stderr
    assert run(home, CONFIG_BACKUP, "--shard", "shard0").returncode == 2
    assert run(home, FULL_BACKUP, "-o", "yaml").returncode == 2


def test_incremental_backup_refuses_when_the_spec_has_pitr_off(home: Path) -> None:
    refused = run(home, INCREMENTAL_BACKUP, "--once", "--cluster", NO_PITR)
    assert refused.returncode == 1
    assert f"error: point-in-time recovery is not enabled for cluster {NO_PITR}" in refused.stderr
    assert "fix: set backup.pitr.enabled: true in the cluster spec and deploy it" in refused.stderr
    assert "incremental-backup.sh: mongo-admin backup pitr run failed with exit code 1" in refused.stderr
    assert newest_log(home / "logs" / "scripts", "incremental-backup").rstrip().endswith(
        "incremental-backup.sh: exit code 1")


def test_incremental_backup_once_slices_every_replica_set(home: Path) -> None:
    create_backup(PITR, BackupOptions(home=home))
    with ClusterAccess(*open_cluster(PITR, home)).routers() as client:
        client.app.items.insert_many([{"i": i} for i in range(100, 120)])
    done = run(home, INCREMENTAL_BACKUP, "--once", "--cluster", PITR, "-o", "json")
    assert done.returncode == 0, done.stderr
    round_ = json.loads(done.stdout)
    assert round_["cluster"] == PITR and round_["recovery_point"] is not None
    assert {each["set_name"]: each["action"] for each in round_["sets"]} == {"cfg": "sliced", "shard0": "sliced"}
    status = cli_json(home, "backup", "pitr", "status", "--cluster", PITR)
    assert status["cluster"] == PITR
    assert "incremental-backup.sh: slicing done" in done.stderr


def test_incremental_backup_runs_until_sigterm_and_stops_cleanly(home: Path, tmp_path: Path) -> None:
    create_backup(PITR, BackupOptions(home=home))
    logs = tmp_path / "logs"
    proc = subprocess.Popen([str(INCREMENTAL_BACKUP), "--cluster", PITR, "--slice-seconds", "1", "--log-dir",
                             str(logs)], env=env_for(home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        def rounds_logged() -> bool:
            found = log_files(logs, "incremental-backup")
            return bool(found) and f"round 2 of cluster {PITR}" in found[0].read_text()

        wait_until(rounds_logged, "see the slicer log two rounds", timeout=120, interval=0.2)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "incremental-backup.sh: slicing done" in err
    [log] = log_files(logs, "incremental-backup")
    assert log.read_text().rstrip().endswith("incremental-backup.sh: exit code 0")
    assert out.strip()  # the slicer's summary


def test_prune_backups_dry_run(home: Path) -> None:
    done = run(home, PRUNE_BACKUPS, "--cluster", NO_PITR, "--dry-run", "-o", "json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["dry_run"] is True and result["cluster"] == NO_PITR and result["deleted"] == 0


@pytest.mark.parametrize(("script", "args", "message"), [
    (RESTORE_CLUSTER, ["--yes"], "restore-cluster.sh: missing BACKUP_ID: which backup to restore"),
    (RESTORE_SHARD, ["--shard", "shard0", "--yes"], "restore-shard.sh: missing BACKUP_ID: which backup to restore"),
    (RESTORE_SHARD, ["2026-01-01T00:00:00Z", "--yes"], "restore-shard.sh: missing --shard NAME"),
    (SELECTIVE_RESTORE, ["--ns", "app.items", "--yes"], "selective-restore.sh: missing BACKUP_ID"),
    (SELECTIVE_RESTORE, ["X", "--yes"], "selective-restore.sh: missing --ns DB.COLL: which collections to restore"),
    (SELECTIVE_RESTORE, ["X", "--ns", "items", "--yes"], "selective-restore.sh: --ns items: write DB.COLL"),
    (SELECTIVE_RESTORE, ["X", "--ns", "app.items", "--ns-from", "app.", "--yes"],
     "selective-restore.sh: --ns-from and --ns-to go together"),
    (RESTORE_CLUSTER, ["X", "--map", "shard0", "--yes"], "restore-cluster.sh: --map shard0: write FROM=TO"),
    (RESTORE_CLUSTER, ["X", "Y", "--yes"], "restore-cluster.sh: one backup at a time: X, then Y"),
    (POINT_IN_TIME, ["--yes"], "point-in-time-restore.sh: missing --time TIME"),
    (POINT_IN_TIME, ["--time", "2026-11-26T04:10:00", "--yes"],
     "point-in-time-restore.sh: the time 2026-11-26T04:10:00 has no timezone, so it is ambiguous: add one, e.g. "
     "2026-11-26T04:10:00Z for UTC or 2026-11-26T04:10:00+01:00"),
    (POINT_IN_TIME, ["--time", "yesterday", "--yes"],
     "point-in-time-restore.sh: the time yesterday is not an ISO 8601 date and time with a timezone"),
    (POINT_IN_TIME, ["--time", "2026-11-26T04:10:00Z", "BACKUP"],
     "point-in-time-restore.sh: unknown option or argument: BACKUP"),
])
def test_restore_scripts_check_their_command_line_before_anything(home: Path, script: Path, args: list[str],
                                                                  message: str, tmp_path: Path) -> None:
    done = run(home, script, *args, "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(message)
    assert f"Try '{script.name} --help' for the options." in done.stderr
    assert not (tmp_path / "logs").exists()


@pytest.mark.parametrize(("script", "args", "dropped"), [
    (RESTORE_CLUSTER, ["2026-01-01T00:00:00Z", "--cluster", PITR],
     f"restoring backup 2026-01-01T00:00:00Z drops, on every shard and the config servers of cluster {PITR}, every "
     "collection of each database the backup holds"),
    (RESTORE_CLUSTER, ["B", "--to-cluster", NO_PITR], f"on every shard and the config servers of cluster {NO_PITR}"),
    (RESTORE_SHARD, ["B", "--shard", "shard0"], "restoring shard shard0 from backup B drops, on shard shard0 of the "
                                                "default cluster, every collection"),
    (POINT_IN_TIME, ["--time", "2026-11-26T05:10:00+01:00"], "restoring to 2026-11-26T05:10:00+01:00 drops"),
    (SELECTIVE_RESTORE, ["B", "--ns", "app.items", "--ns", "app.other", "--ns-from", "app.", "--ns-to", "copy."],
     "restoring app.items app.other from backup B drops those collections on the default cluster under their new "
     "names (app. becomes copy.)"),
])
def test_restore_scripts_say_what_they_drop_and_need_yes(home: Path, script: Path, args: list[str], dropped: str,
                                                         tmp_path: Path) -> None:
    done = run(home, script, *args, "--log-dir", str(tmp_path / "logs"))
    assert done.returncode == 2
    assert dropped in done.stderr
    assert (f"{script.name}: a restore drops data and cannot be undone: confirm with --yes (or run it at a "
            "terminal)") in done.stderr
    assert not (tmp_path / "logs").exists()


def test_at_a_terminal_a_restore_asks_and_anything_but_yes_restores_nothing(home: Path, tmp_path: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen([str(RESTORE_CLUSTER), "B", "--cluster", PITR, "--log-dir", str(tmp_path / "logs")],
                                stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env_for(home))
        os.write(controller, b"no\n")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    assert proc.returncode == 1, err
    assert "restore-cluster.sh: restoring backup B drops" in err
    assert "This cannot be undone. Type yes to restore: " in err
    assert "restore-cluster.sh: error: not confirmed: nothing was restored" in err
    assert out == "" and not (tmp_path / "logs").exists()


def fake_crontab(tmp_path: Path) -> Path:
    path = tmp_path / "fake-cron" / "crontab"
    path.parent.mkdir()
    path.write_text(FAKE_CRONTAB)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_schedule_prints_lines_that_cron_can_run(home: Path, tmp_path: Path) -> None:
    done = cli(home, "backup", "schedule", "--cluster", PITR, "--pitr", "--config", "15 1 * * *")
    assert done.returncode == 0, done.stderr
    assert done.stderr == f"4 cron jobs for cluster {PITR}\n"
    lines = done.stdout.splitlines()
    assert lines[0] == f"# mongo-admin {PITR} begin" and lines[-1] == f"# mongo-admin {PITR} end"
    assert [" ".join(line.split(" ", 5)[:5]) for line in lines[1:-1]] == [
        "0 2 * * *", "15 1 * * *", "* * * * *", "30 3 * * *"]
    env = f"MONGO_ADMIN_HOME={home} PATH={BIN}:/usr/local/bin:/usr/bin:/bin"
    assert lines[3] == (f"* * * * * {env} {SCRIPTS}/backup/incremental-backup.sh --cluster {PITR} --once "
                        ">/dev/null 2>&1")

    # Run the config-backup line as cron would: /bin/sh, an almost empty environment, from another directory.
    command = lines[2].split(" ", 5)[5]
    ran = subprocess.run(["/bin/sh", "-c", command], env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                         cwd=tmp_path, capture_output=True, text=True, timeout=240, check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "", "")
    text = newest_log(home / "logs" / "scripts", "config-backup")
    assert "taken and verified" in text and text.rstrip().endswith("config-backup.sh: exit code 0")

    as_json = cli_json(home, "backup", "schedule", "--cluster", NO_PITR, "--full", "off", "--health", "*/5 * * * *")
    assert as_json["action"] == "print" and not as_json["changed"]
    assert [(job["job"], job["schedule"]) for job in as_json["jobs"]] == [("prune", "30 3 * * *"),
                                                                          ("health check", "*/5 * * * *")]


def test_schedule_refuses_bad_expressions_and_pitr_when_off(home: Path) -> None:
    bad = cli(home, "backup", "schedule", "--cluster", PITR, "--full", "0 24 * * *")
    assert bad.returncode == 2
    assert ("Invalid value for '--full': '0 24 * * *': the hour field's value 24 is out of range 0-23"
            in bad.stderr)
    short = cli(home, "backup", "schedule", "--cluster", PITR, "--prune", "0 3 * *")
    assert short.returncode == 2
    assert "Invalid value for '--prune': '0 3 * *': it has 4 fields, cron needs 5" in short.stderr
    off = cli(home, "backup", "schedule", "--cluster", NO_PITR, "--pitr")
    assert off.returncode == 1
    assert off.stderr.startswith(f"error: cannot schedule PITR slicing for cluster {NO_PITR}: point-in-time "
                                 "recovery is not enabled")
    both = cli(home, "backup", "schedule", "--cluster", PITR, "--install", "--remove")
    assert both.returncode == 2 and "--install and --remove go separately" in both.stderr
    unknown = cli(home, "backup", "schedule", "--cluster", "ghost")
    assert unknown.returncode == 1 and "no cluster named 'ghost'" in unknown.stderr


def test_schedule_install_and_remove_with_a_fake_crontab(home: Path, tmp_path: Path) -> None:
    crontab = fake_crontab(tmp_path)
    table = crontab.parent / "table"
    table.write_text("MAILTO=dba@example.com\n0 0 * * * /usr/local/bin/rotate-logs\n")
    fake = {"MONGO_ADMIN_CRONTAB": str(crontab)}
    for cluster in (PITR, NO_PITR):
        done = cli(home, "backup", "schedule", "--cluster", cluster, "--install", **fake)
        assert done.returncode == 0, done.stderr
        assert done.stderr.startswith(f"2 cron jobs for cluster {cluster} installed in the crontab ({crontab})")
    installed = table.read_text()
    assert installed.startswith("MAILTO=dba@example.com\n0 0 * * * /usr/local/bin/rotate-logs\n"
                                f"# mongo-admin {PITR} begin\n")
    assert installed.count(" begin\n") == 2 and installed.count(" end\n") == 2

    again = cli(home, "-o", "json", "backup", "schedule", "--cluster", PITR, "--install", "--pitr", **fake)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["changed"] is True
    same = cli(home, "-o", "json", "backup", "schedule", "--cluster", PITR, "--install", "--pitr", **fake)
    assert json.loads(same.stdout)["changed"] is False
    assert table.read_text().count("incremental-backup.sh") == 1

    removed = cli(home, "backup", "schedule", "--cluster", PITR, "--remove", **fake)
    assert removed.returncode == 0, removed.stderr
    assert removed.stderr.startswith(f"removed the cron jobs of cluster {PITR} from the crontab")
    left = table.read_text()
    assert PITR + " begin" not in left and f"# mongo-admin {NO_PITR} begin" in left
    assert left.startswith("MAILTO=dba@example.com\n0 0 * * * /usr/local/bin/rotate-logs\n")
    assert cli(home, "backup", "schedule", "--cluster", NO_PITR, "--remove", **fake).returncode == 0
    assert table.read_text() == "MAILTO=dba@example.com\n0 0 * * * /usr/local/bin/rotate-logs\n"


def test_schedule_install_without_crontab_says_what_to_do(home: Path, tmp_path: Path) -> None:
    # No crontab command anywhere on PATH (mongo-admin itself is run by its absolute path).
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    done = cli(home, "backup", "schedule", "--cluster", PITR, "--install", PATH=str(empty))
    assert done.returncode == 1
    assert done.stderr == ("error: crontab not found: this machine has no crontab command on PATH\n"
                           "  fix: print the lines with `mongo-admin backup schedule` and install them your way\n")


def test_schedule_lines_quote_what_the_shell_would_split(home: Path) -> None:
    done = cli(home, "backup", "schedule", "--cluster", NO_PITR, "--prune", "off")
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()[1:-1]
    words = shlex.split(line.split(" ", 5)[5])
    assert words[:2] == [f"MONGO_ADMIN_HOME={home}", f"PATH={BIN}:/usr/local/bin:/usr/bin:/bin"]
    assert words[2:] == [str(SCRIPTS / "backup" / "full-backup.sh"), "--cluster", NO_PITR, ">/dev/null", "2>&1"]
