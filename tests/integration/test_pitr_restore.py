"""Point-in-time restore, as the issue states it: writes tagged with their times on two shards; restore to T;
every write acknowledged before T is present and none made after T — through the library and through
scripts/restore/point-in-time-restore.sh."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mongo_admin.cli.main import cli
from mongo_admin.ops.backup.engine import BackupOptions, create_backup
from mongo_admin.ops.backup.pitr import PitrOptions, slice_once
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.restore.engine import RestoreOptions, base_for, preflight_restore, restore_cluster
from mongo_admin.ops.restore.preflight import RestoreRefusedError
from mongo_admin.ops.restore.record import list_restores
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block

pytestmark = pytest.mark.timeout(600)
ROOT = Path(__file__).resolve().parents[2]
SPEC = """\
name: tr
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
backup: {{pitr: {{enabled: true, slice_seconds: 5}}}}
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("pitr-restore-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        yield home


def client(home: Path) -> Any:
    paths, record = open_cluster("tr", home)
    return ClusterAccess(paths, record).router_client(timeout_s=30.0)


def tagged_writes(coll: Any, start: int, count: int) -> dict[int, tuple[float, float]]:
    """``count`` inserts, each with the time it was sent; returns id -> (sent, acknowledged)."""
    times = {}
    for i in range(start, start + count):
        sent = time.time()
        coll.insert_one({"_id": i, "sent": sent})
        times[i] = (sent, time.time())
    return times


def moment_between(times: dict[int, tuple[float, float]]) -> dt.datetime:
    """A moment after every write so far was acknowledged and before the next is sent."""
    last_ack = max(ack for _, ack in times.values())
    time.sleep(0.05)
    moment = dt.datetime.fromtimestamp(last_ack + 0.02, dt.UTC)
    time.sleep(0.05)
    return moment


def slice_past(home: Path, moment: dt.datetime) -> None:
    """Slicing rounds until every replica set's slices reach past ``moment``."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result = slice_once("tr", PitrOptions(home=home))
        if result.recovery_point is not None and result.recovery_point.time > moment + dt.timedelta(seconds=1):
            return
        time.sleep(0.5)
    raise AssertionError(f"the slices never reached {moment.isoformat()}")


def test_restore_to_a_point_in_time_keeps_exactly_the_writes_acknowledged_before_it(home: Path) -> None:
    with client(home) as mongo:
        mongo.admin.command("enableSharding", "app")
        mongo.admin.command("shardCollection", "app.events", key={"_id": "hashed"})
        events = mongo.app.events
        before_backup = tagged_writes(events, 0, 50)
        base = create_backup("tr", BackupOptions(home=home))
        slice_once("tr", PitrOptions(home=home))
        before_t = tagged_writes(events, 1000, 60)
        moment = moment_between({**before_backup, **before_t})
        after_t = tagged_writes(events, 2000, 60)
        slice_past(home, moment)
        events.delete_many({})  # the accident the restore repairs
        events.insert_one({"_id": "written after everything"})

    assert base_for("tr", moment, RestoreOptions(home=home)) == base.backup_id
    report = preflight_restore("tr", "full", None, RestoreOptions(home=home, point_in_time=moment))
    assert report.ok, report.message
    assert (report.backup_id, report.restore_to_time) == (base.backup_id, moment)
    assert [check.name for check in report.checks] == ["base backup", "backup", "topology", "key", "files",
                                                       "primaries", "space", "point in time", "lock"]
    assert list_restores("tr", home) == []  # a preflight records nothing
    result = restore_cluster("tr", base.backup_id, RestoreOptions(home=home, point_in_time=moment))
    assert result.state == "done" and result.restore_to_time == moment.isoformat()
    with client(home) as mongo:
        present = {doc["_id"] for doc in mongo.app.events.find({}, {"_id": 1})}
    expected = set(before_backup) | set(before_t)
    assert present == expected, (f"missing {sorted(expected - present)[:5]}, unexpected "
                                 f"{sorted(present - expected, key=str)[:5]}")
    assert all(sent > moment.timestamp() for sent, _ in after_t.values())


def test_point_in_time_refusals_name_what_is_wrong(home: Path) -> None:
    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(home)})
    naive = runner.invoke(cli, ["restore", "cluster", "--time", "2026-11-26T08:00:00", "--yes"])
    assert naive.exit_code == 2 and "has no timezone" in naive.output
    with pytest.raises(RestoreRefusedError, match="no full backup of cluster tr is older than"):
        base_for("tr", dt.datetime(2000, 1, 1, tzinfo=dt.UTC), RestoreOptions(home=home))
    base = create_backup("tr", BackupOptions(home=home))
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    with pytest.raises(RestoreRefusedError, match="cannot be restored to"):
        restore_cluster("tr", base.backup_id, RestoreOptions(home=home, point_in_time=future))
    report = preflight_restore("tr", "full", None, RestoreOptions(home=home, point_in_time=future))
    assert not report.ok and report.backup_id is not None
    assert [(check.name, check.ok) for check in report.checks][-2:] == [("space", True), ("point in time", False)]
    assert report.checks[-1].detail.startswith(f"cluster tr cannot be restored to {future.isoformat()}: the oplog "
                                               "slices of ")
    shard_in_time = preflight_restore("tr", "shard", base.backup_id, RestoreOptions(home=home, point_in_time=future),
                                      shard="shard0")
    assert shard_in_time.checks[-1].detail == ("a shard restore cannot go to a point in time: only whole-cluster and "
                                               "selective restores replay oplog slices")


def test_point_in_time_restore_script(home: Path) -> None:
    with client(home) as mongo:
        mongo.app.marks.insert_one({"_id": "kept"})
        create_backup("tr", BackupOptions(home=home))
        mongo.app.marks.insert_one({"_id": "also kept"})
        moment = moment_between({0: (time.time(), time.time())})
        mongo.app.marks.insert_one({"_id": "too late"})
        slice_past(home, moment)
    env = {**os.environ, "MONGO_ADMIN_HOME": str(home)}
    done = subprocess.run([str(ROOT / "scripts" / "restore" / "point-in-time-restore.sh"), "--cluster", "tr",
                           "--time", moment.isoformat(), "--yes"], env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    with client(home) as mongo:
        assert {doc["_id"] for doc in mongo.app.marks.find()} == {"kept", "also kept"}
