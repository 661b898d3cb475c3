"""Stopping the balancer for a backup or restore, and putting it back as it was.

A backup must not race chunk migrations: a chunk moving between two shards while both are dumped could be read
on both or on neither. ``pause`` records the balancer's mode, stops it and waits until no balancer round and no
migration is running; ``resume`` restores the recorded mode (only ``full`` is started again). The recorded mode
is also kept in the cluster lock, so a run that dies does not leave the balancer off for good: the next run, or
``backup status``, finds the stale lock and puts it back.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from mongo_admin.errors import MongoAdminError

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

QUIET_TIMEOUT_S = 300.0
POLL_S = 0.2


class BalancerError(MongoAdminError):
    """The balancer could not be stopped or restarted."""


def mode(client: Client) -> str:
    from mongo_admin.mongo import client as mongo

    return str(mongo.run_admin(client, {"balancerStatus": 1}).get("mode", "full"))


def pause(client: Client, timeout_s: float = QUIET_TIMEOUT_S) -> str:
    """Stop the balancer and wait for the cluster to be quiet; the mode it had."""
    from mongo_admin.mongo import client as mongo

    was = mode(client)
    if was != "off":
        mongo.run_admin(client, {"balancerStop": 1, "maxTimeMS": int(timeout_s * 1000)})
    deadline = time.monotonic() + timeout_s
    while True:
        status = mongo.run_admin(client, {"balancerStatus": 1})
        moving = client["config"]["migrations"].count_documents({})
        if not status.get("inBalancerRound") and moving == 0:
            return was
        if time.monotonic() >= deadline:
            raise BalancerError("the balancer did not go quiet", f"{moving} migrations still running after "
                                f"{timeout_s:g} s", "wait for the running migrations (sh.status()) and retry")
        time.sleep(POLL_S)


def resume(client: Client, was: str | None) -> None:
    """Put the balancer back to ``was`` (started again only if it was on)."""
    from mongo_admin.mongo import client as mongo

    if was == "full":
        mongo.run_admin(client, {"balancerStart": 1})
