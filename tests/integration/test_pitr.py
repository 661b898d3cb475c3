"""Point-in-time recovery slicing against a deployed sandbox cluster (access control on): contiguous slices under
continuous writes on two shards, the recovery point reaching the last acknowledged write, a gap after an oplog
rollover reported and the chain restarted from the next full backup, and the restore-side readers."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import Timestamp
from pymongo import WriteConcern

from mongo_admin.ops.backup import oplog
from mongo_admin.ops.backup.engine import BackupOptions, create_backup
from mongo_admin.ops.backup.lock import PITR_LOCK_ID, LockHeldError, current_holder
from mongo_admin.ops.backup.manifest import read_manifest
from mongo_admin.ops.backup.pitr import PitrOptions, RoundResult, run_slicer, slice_once
from mongo_admin.ops.backup.pitr_status import pitr_status
from mongo_admin.ops.backup.slices import PitrRangeError, list_slices, replay_entries, slices_for
from mongo_admin.ops.cluster import replsets
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.storage import open_storage
from mongo_admin.storage.base import Storage
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block, wait_until

pytestmark = pytest.mark.timeout(600)
NAME = "pt"
SETS = ["cfg", "shard0", "shard1"]
# A 1 MB oplog so a test can roll it over; the writers below stay far below that between slicing rounds.
SPEC = """\
name: pt
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 3}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
storage: {{oplog_size_mb: 1}}
backup: {{pitr: {{enabled: true}}}}
"""
OPTIONS_SLICE_S = 2.0


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One secure cluster: 1-member config servers, shard0 of 3 members (slices read a secondary), shard1 of 1,
    one router; database app lives on shard0, database other on shard1; every process stopped afterwards."""
    home = tmp_path_factory.mktemp("pitr-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        with access(home).routers() as client:
            client.admin.command("enableSharding", "app", primaryShard="shard0")
            client.admin.command("enableSharding", "other", primaryShard="shard1")
        yield home


def access(home: Path) -> ClusterAccess:
    return ClusterAccess(*open_cluster(NAME, home))


def storage_of(home: Path) -> Storage:
    return open_storage(str(home / "clusters" / NAME / "backups"))


def options(home: Path) -> PitrOptions:
    return PitrOptions(home=home, slice_seconds=OPTIONS_SLICE_S)


def restore_point(home: Path, backup_id: str) -> Timestamp:
    manifest = read_manifest(storage_of(home), NAME, backup_id)
    assert manifest is not None and manifest.restore_to_time is not None
    return manifest.restore_to_time.timestamp()


class Writer:
    """Inserts into app.a (shard0) and other.b (shard1) with majority write concern until stopped, keeping the
    acknowledged ids and the newest operationTime the router returned."""

    def __init__(self, home: Path) -> None:
        self.client = access(home).router_client(timeout_s=30.0)
        self.acknowledged: dict[str, list[int]] = {"app.a": [], "other.b": []}
        self.attempted = 0
        self.last_time: Timestamp | None = None
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        majority = WriteConcern("majority")
        targets = [("app.a", self.client.app.get_collection("a", write_concern=majority)),
                   ("other.b", self.client.other.get_collection("b", write_concern=majority))]
        try:
            with self.client.start_session() as session:
                i = 0
                while not self.stop.is_set():
                    for ns, collection in targets:
                        self.attempted = i + 1
                        collection.insert_one({"_id": i, "pad": "x" * 50}, session=session)
                        self.acknowledged[ns].append(i)
                        self.last_time = session.operation_time
                    i += 1
                    self.stop.wait(0.02)  # a steady trickle: the 1 MB oplog must hold several rounds of it
        except BaseException as exc:  # reported by the test
            self.error = exc

    def __enter__(self) -> Writer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(60)
        self.client.close()
        assert self.error is None, self.error


def fully_sliced(rounds: list[RoundResult]) -> int:
    return sum(1 for r in rounds if r.sets and all(s.action == "sliced" for s in r.sets))


def test_slices_stay_contiguous_under_writes_and_reach_the_last_acknowledged_write(home: Path) -> None:
    base = create_backup(NAME, BackupOptions(home=home)).backup_id
    start = restore_point(home, base)
    rounds: list[RoundResult] = []
    stop = threading.Event()
    outcome: dict[str, Any] = {}

    def slicer() -> None:
        try:
            outcome["result"] = run_slicer(NAME, options(home), stop, rounds.append)
        except BaseException as exc:  # reported by the test
            outcome["error"] = exc

    thread = threading.Thread(target=slicer, daemon=True)
    try:
        with Writer(home) as writer:
            thread.start()
            wait_until(lambda: fully_sliced(rounds) >= 2, "slice two rounds under writes", timeout=120)
            # One slicer per cluster; a backup still runs beside it and becomes a base inside the chain.
            with pytest.raises(LockHeldError, match="pitr slicer-"):
                slice_once(NAME, options(home))
            during = create_backup(NAME, BackupOptions(home=home)).backup_id
            seen = fully_sliced(rounds)
            wait_until(lambda: fully_sliced(rounds) >= seen + 2, "slice two more rounds", timeout=120)
        last_write = writer.last_time
        assert last_write is not None
        # The first round whose target is at or after the last acknowledged write covers it on every set.
        after = wait_until(lambda: next((r for r in list(rounds) if r.target and r.target.timestamp() >= last_write),
                                        None), "run a round after the last write", timeout=60)
    finally:
        stop.set()
        thread.join(120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"].rounds == len(rounds) and outcome["result"].gaps == 0
    assert all(s.covered_to is not None and s.covered_to.timestamp() >= last_write for s in after.sets), after
    assert after.recovery_point is not None and after.recovery_point.timestamp() >= last_write
    with access(home).routers() as client:
        assert current_holder(client, PITR_LOCK_ID) is None  # released on stop

    storage = storage_of(home)
    for rs in SETS:
        slices = list_slices(storage, NAME, rs)
        assert len(slices) >= 4, rs
        assert slices[0].start == start, rs  # the chain starts at the base backup's restore point
        assert all(b.start == a.end for a, b in itertools.pairwise(slices)), rs
        end = slices[-1].end
        keys = slices_for(storage, NAME, rs, start, end)
        assert keys == [s.key for s in slices]
        entries = list(replay_entries(storage, keys, start, end))
        stamps = [e["ts"] for e in entries]
        assert stamps == sorted(set(stamps)), f"{rs}: entries repeated or out of order"
        # Exactly what the set's oplog holds over that range, the platform's lock writes left out.
        primary = replsets.primary_of(access(home), rs)
        assert primary is not None
        with access(home).node(primary, timeout_s=30.0) as client:
            assert stamps == [e["ts"] for e in oplog.entries(client, start, end)], rs
        assert all(e["ns"] not in oplog.EXCLUDED_NAMESPACES for e in entries)
        for ns in writer.acknowledged:
            inserted = [e["o"]["_id"] for e in entries if e["ns"] == ns and e["op"] == "i"]
            if inserted:
                assert sorted(inserted) == list(range(len(inserted))), f"{rs} {ns}: an insert is missing or twice"
                assert set(writer.acknowledged[ns]) <= set(inserted) and len(inserted) <= writer.attempted

    status = pitr_status(NAME, home=home)
    assert status.open_gaps == 0 and status.slicer is None
    assert [(w.base_backup, w.backups) for w in status.windows] == [(base, [base, during])]
    assert status.restorable_from is not None and status.restorable_from.timestamp() == start
    assert status.restorable_to is not None and status.restorable_to.timestamp() >= last_write
    assert all(s.lag_s is not None and s.gaps == [] for s in status.replica_sets)


def roll_over(home: Path, set_name: str, past: Timestamp) -> None:
    """Write large documents to ``set_name`` (database other lives there) until its oplog no longer holds
    ``past``."""
    primary = replsets.primary_of(access(home), set_name)
    assert primary is not None
    with access(home).routers() as router, access(home).node(primary, timeout_s=30.0) as member:
        big = router.other.big
        batch = 0

        def rolled() -> bool:
            nonlocal batch
            if oplog.oldest_ts(member) > past:
                return True
            big.insert_many([{"_id": f"{batch}-{i}", "pad": "y" * 8192} for i in range(40)])
            batch += 1
            return False

        wait_until(rolled, f"roll {set_name}'s 1 MB oplog over", timeout=120)


def test_a_rolled_over_oplog_is_a_reported_gap_and_the_chain_restarts_from_the_next_backup(home: Path) -> None:
    storage = storage_of(home)
    first = create_backup(NAME, BackupOptions(home=home)).backup_id
    round1 = slice_once(NAME, options(home))
    assert [s.action for s in round1.sets] == ["sliced"] * 3, round1.message
    shard1_end = list_slices(storage, NAME, "shard1")[-1].end

    roll_over(home, "shard1", shard1_end)
    round2 = slice_once(NAME, options(home))
    actions = {s.set_name: s for s in round2.sets}
    assert actions["shard1"].action == "gap", round2.message
    assert actions["shard1"].gap_after is not None and actions["shard1"].gap_after.timestamp() == shard1_end
    assert actions["cfg"].action == actions["shard0"].action == "sliced"
    status = pitr_status(NAME, home=home)
    gaps = {s.set_name: s.gaps for s in status.replica_sets}
    assert gaps["cfg"] == gaps["shard0"] == [] and status.open_gaps == 1
    assert gaps["shard1"][0].after.timestamp() == shard1_end and gaps["shard1"][0].resumed_at is None
    assert "1 gaps (1 open)" in status.message
    assert status.restorable_to is not None and status.restorable_to.timestamp() == shard1_end

    # Still a gap on the next round (recorded once), until a new full backup gives the chain a new start.
    assert {s.set_name: s.action for s in slice_once(NAME, options(home)).sets}["shard1"] == "gap"
    second = create_backup(NAME, BackupOptions(home=home)).backup_id
    restart = restore_point(home, second)
    round3 = slice_once(NAME, options(home))
    shard1 = {s.set_name: s for s in round3.sets}["shard1"]
    assert shard1.action == "sliced" and shard1.start is not None and shard1.start.timestamp() == restart
    assert f"restarted from backup {second}" in shard1.message

    status = pitr_status(NAME, home=home)
    gap = {s.set_name: s.gaps for s in status.replica_sets}["shard1"]
    assert len(gap) == 1 and gap[0].resumed_from_backup == second
    assert gap[0].resumed_at is not None and gap[0].resumed_at.timestamp() == restart
    assert status.open_gaps == 0
    windows = status.windows
    assert windows[-2].end.timestamp() == shard1_end  # the gap ends the window before it
    assert (windows[-1].base_backup, windows[-1].start.timestamp()) == (second, restart)
    assert first in [b for w in windows for b in w.backups]

    # A restore across the gap is refused, naming the missing range.
    end = list_slices(storage, NAME, "shard1")[-1].end
    with pytest.raises(PitrRangeError) as refused:
        slices_for(storage, NAME, "shard1", restore_point(home, first), end)
    assert f"Timestamp({shard1_end.time}, {shard1_end.inc})) to" in str(refused.value)
    assert f"slicing resumed at {restart.as_datetime().strftime('%Y-%m-%dT%H:%M:%SZ')}" in str(refused.value)
    assert slices_for(storage, NAME, "shard1", restart, end)  # from the new base, the chain is whole


def test_disabled_pitr_is_refused(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mongo_admin.ops.backup import pitr

    real = pitr.open_cluster

    def disabled(name: str, home: Path | None = None) -> Any:
        paths, record = real(name, home)
        backup = record.backup.model_copy(update={"pitr": record.backup.pitr.model_copy(update={"enabled": False})})
        return paths, record.model_copy(update={"backup": backup})

    monkeypatch.setattr(pitr, "open_cluster", disabled)
    with pytest.raises(pitr.PitrError, match=r"backup\.pitr\.enabled"):
        slice_once(NAME, options(home))

