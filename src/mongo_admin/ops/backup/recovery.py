"""Repairing what a backup or restore whose process died left behind: the cluster-side lock it held, the balancer
it stopped, and its record, left ``running`` because a dead process never writes its own failure.

A lock whose heartbeat went stale is taken over (``take_over_stale``: ``backup status``, and the job runner's
cleanup of a dead backup or restore job); a backup or restore that finds one when it starts takes it over itself.
Either way ``settle`` puts the balancer back as the dead holder found it and closes the holder's record as failed.
``recover_operation`` is the job runner's side: it waits for the dead job's lock to go stale, repairs it, then
closes the job's record with the job's own reason.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mongo_admin.ops.backup import balancer
from mongo_admin.ops.backup.lock import HEARTBEAT_S, STALE_AFTER_S, ClusterLock, Holder, LockHeldError, current_holder
from mongo_admin.ops.backup.manifest import TERMINAL_STATES, read_record, write_record
from mongo_admin.storage.base import Storage

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def dead_holder_reason(holder: Holder) -> str:
    """Why a holder found stale is failed, when nobody knows more about it."""
    return f"its process ({holder.host}, pid {holder.pid}) stopped sending heartbeats"


def close_record(storage: Storage, cluster: str, operation: str, operation_id: str, reason: str) -> bool:
    """Mark the record of backup or restore ``operation_id`` failed with ``reason`` (at the step it was at),
    unless it has ended or does not exist in ``storage``; whether it did."""
    from mongo_admin.ops.restore.record import read_restore_record, write_restore_record

    if operation == "backup":
        backup = read_record(storage, cluster, operation_id)
        if backup is None or backup.state in TERMINAL_STATES:
            return False
        backup.fail(reason, _now())
        write_record(storage, backup)
        return True
    if operation == "restore":
        restore = read_restore_record(storage, cluster, operation_id)
        if restore is None or restore.state in TERMINAL_STATES:
            return False
        restore.fail(reason, _now())
        write_restore_record(storage, restore)
        return True
    return False


def settle(router: Client, storage: Storage, cluster: str, holder: Holder, reason: str) -> str:
    """After taking over ``holder``'s stale lock: put the balancer back as it found it and close its record; what
    was done, as a sentence."""
    balancer.resume(router, holder.balancer_was)
    closed = close_record(storage, cluster, holder.operation, holder.operation_id, reason)
    return (f"released the stale lock of {holder.describe()}; " + ("marked it failed; " if closed else "") +
            f"balancer {'started again' if holder.balancer_was == 'full' else 'left as it was'}")


def is_stale(holder: Holder) -> bool:
    return (_now() - holder.heartbeat).total_seconds() >= STALE_AFTER_S


def take_over_stale(router: Client, storage: Storage, cluster: str, reason: str | None = None) -> str | None:
    """When the cluster's lock is stale: take it over, ``settle`` its holder (``reason`` for its record, else
    ``dead_holder_reason``) and release it. What was done, or None when the lock is free or its holder alive.
    LockHeldError when another live process took the lock over first."""
    holder = current_holder(router)
    if holder is None or not is_stale(holder):
        return None
    lock = ClusterLock(router, "status", f"recovery-{holder.operation_id}").acquire()
    try:
        taken = lock.taken_over
        return settle(router, storage, cluster, taken, reason or dead_holder_reason(taken)) if taken else None
    finally:
        lock.release()


def recover_operation(cluster: str, operation: str, operation_id: str | None, reason: str, storage: Storage, *,
                      home: Path | None = None, poll_s: float = HEARTBEAT_S,
                      patience_s: float = STALE_AFTER_S + 2 * HEARTBEAT_S) -> str:
    """Repair what backup or restore ``operation_id`` (None: not known yet) left when its process died: once the
    cluster-side lock goes stale it is taken over and settled, then the operation's record (in ``storage``) is
    closed with ``reason``. A dead process's lock goes stale ``STALE_AFTER_S`` after its last heartbeat, so this
    waits ``patience_s`` at most; a lock still alive then (or another operation's) is left alone. What was done,
    as a sentence."""
    from mongo_admin.ops.cluster.access import ClusterAccess
    from mongo_admin.ops.cluster.state import open_cluster

    paths, record = open_cluster(cluster, home)
    deadline = time.monotonic() + patience_s
    with ClusterAccess(paths, record).routers(timeout_s=10.0) as router:
        while True:
            holder = current_holder(router)
            mine = holder is not None and holder.operation_id == operation_id
            try:
                repaired = take_over_stale(router, storage, cluster, reason if mine else None)
            except LockHeldError:  # a live operation took the stale lock over first: look again
                repaired = None
                holder = current_holder(router)
                mine = False
            if repaired is not None:
                said = repaired
                break
            if holder is None:
                said = f"no lock left on cluster {cluster}"
                break
            if operation_id is not None and not mine:
                said = f"the cluster's lock belongs to another operation ({holder.describe()}); left alone"
                break
            if time.monotonic() >= deadline:
                return (f"the cluster's lock of {holder.describe()} is not stale yet; run `mongo-admin backup status "
                        f"--cluster {cluster}` later to release it and restore the balancer")
            time.sleep(poll_s)
    if operation_id is not None and close_record(storage, cluster, operation, operation_id, reason):
        said += f"; {operation} {operation_id} marked failed"
    return said
