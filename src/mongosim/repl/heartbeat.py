"""Heartbeats: every ``heartbeatIntervalMillis`` each member sends ``replSetHeartbeat`` to every other member.

Replies feed the member table (state, optimes, term, ping), carry newer configs to members that are behind
(a member learns the config it was added with this way), and reveal higher terms. A failed heartbeat is
retried at once, twice, within ``heartbeatTimeoutSecs``; then the member is DOWN, as mongod's topology
coordinator decides (``processHeartbeatResponse``).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.repl import codes
from mongosim.repl.config import ConfigError, ReplSetConfig
from mongosim.repl.format import now_ms
from mongosim.repl.optime import EPOCH, MemberState, OpTime
from mongosim.repl.peer import PeerError

if TYPE_CHECKING:
    from mongosim.repl.coordinator import ReplicationCoordinator
    from mongosim.repl.topology import MemberData

MAX_RETRIES = 2  # kMaxHeartbeatRetries


class HeartbeatManager:
    def __init__(self, coord: ReplicationCoordinator) -> None:
        self.coord = coord
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._wake: dict[int, asyncio.Event] = {}
        self._fetching: set[str] = set()

    # ------------------------------------------------------------------------------------------- loops
    def restart(self) -> None:
        """One heartbeat loop per other member of the current config."""
        coord = self.coord
        wanted = set(coord.members) if coord.config is not None else set()
        for member_id in list(self._tasks):
            if member_id not in wanted:
                self._tasks.pop(member_id).cancel()
                self._wake.pop(member_id, None)
        loop = asyncio.get_running_loop()
        for member_id in wanted:
            if member_id not in self._tasks:
                self._wake[member_id] = asyncio.Event()
                self._tasks[member_id] = loop.create_task(self._loop(member_id), name=f"ReplCoordHB-{member_id}")
            else:
                self._wake[member_id].set()  # new settings or config: beat at once

    def stop(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        self._tasks.clear()

    def beat_now(self, member_id: int | None = None) -> None:
        for key, event in self._wake.items():
            if member_id is None or key == member_id:
                event.set()

    async def _loop(self, member_id: int) -> None:
        from mongosim.repl.coordinator import wait_event

        coord = self.coord
        while not coord.server.shutting_down:
            data = coord.members.get(member_id)
            config = coord.config
            if data is None or config is None:
                return
            ok = await self._beat(data, config)
            if not ok:
                now = time.monotonic()
                if data.round_started is not None and (now - data.round_started < config.heartbeat_timeout_s
                                                       and data.round_failures <= MAX_RETRIES):
                    continue  # retry at once, as mongod does, within the heartbeat timeout
                if data.mark_down(data.last_heartbeat_message):
                    self._member_changed(data)
                data.round_started, data.round_failures = None, 0
            wake = self._wake.get(member_id)
            if wake is None:
                return
            await wait_event(wake, config.heartbeat_interval_s)
            wake.clear()

    # ------------------------------------------------------------------------------------------- sending
    def request(self) -> dict[str, Any]:
        coord = self.coord
        config = coord.config
        return {"replSetHeartbeat": coord.set_name, "configVersion": config.version if config else -2,
                "configTerm": config.term if config else -1, "hbv": 1, "from": coord.self_host,
                "fromId": coord.self_id if coord.self_id is not None else -1, "term": coord.term}

    async def _beat(self, data: MemberData, config: ReplSetConfig) -> bool:
        coord = self.coord
        started = time.monotonic()
        if data.round_started is None:
            data.round_started = started
        remaining = max(0.05, config.heartbeat_timeout_s - (started - data.round_started))
        client = coord.peers.get(data.host, "heartbeat")
        data.last_heartbeat = now_ms()
        try:
            reply = await client.command("admin", self.request(), remaining)
        except PeerError as exc:
            data.round_failures += 1
            data.last_heartbeat_message = str(exc)
            return False
        if reply.get("ok") != 1:
            data.round_failures += 1
            data.last_heartbeat_message = str(reply.get("errmsg", ""))
            return False
        if coord.config is not config or coord.members.get(data.id) is not data:
            return True  # the config changed while this heartbeat was in flight
        data.ping_ms = int((time.monotonic() - started) * 1000)
        data.round_started, data.round_failures = None, 0
        self.process_reply(data, reply)
        return True

    def process_reply(self, data: MemberData, reply: dict[str, Any]) -> None:
        coord = self.coord
        new_config = reply.get("config")
        if isinstance(new_config, dict):
            self.adopt(new_config, data.host)
            if coord.members.get(data.id) is not data:
                return
        old_state = data.state
        data.health = 1.0
        data.heard_from_ever = True
        data.last_update = time.monotonic()
        data.last_heartbeat_message = ""
        if data.up_since is None:
            data.up_since = time.monotonic()
        version = int(reply.get("v", -2))
        data.config_version, data.config_term = version, int(reply.get("configTerm", -1))
        data.state = MemberState(int(reply.get("state", 0))) if version != -2 else MemberState.STARTUP
        data.term = int(reply.get("term", -1))
        applied = OpTime.from_document(reply.get("opTime"))
        durable = OpTime.from_document(reply.get("durableOpTime"))
        data.applied, data.applied_wall = applied, reply.get("wallTime", EPOCH)
        data.durable, data.durable_wall = durable, reply.get("durableWallTime", EPOCH)
        data.election_time = reply.get("electionTime")
        data.sync_source = str(reply.get("syncingTo", ""))
        source = coord.config.find_host(data.sync_source) if coord.config and data.sync_source else None
        data.sync_source_id = source.id if source is not None else -1
        if data.term > coord.term:
            coord.update_term(data.term, f"heartbeat from {data.host}")
        if data.state is MemberState.PRIMARY and data.term >= coord.term:
            if coord.primary_id != data.id:
                coord.primary_id = data.id
                coord.server.bump_topology()
            coord.last_heard_primary = time.monotonic()
            coord.elections.reset_timer()
        elif coord.primary_id == data.id:
            coord.primary_id = None
            coord.server.bump_topology()
        repl_data = reply.get("$replData")
        if isinstance(repl_data, dict) and int(repl_data.get("term", -1)) == coord.term:
            coord.learn_commit_point(OpTime.from_document(repl_data.get("lastOpCommitted")),
                                     repl_data.get("lastCommittedWall", EPOCH))
        if data.state is not old_state:
            self._member_changed(data)
        coord._update_commit_point()
        coord.notify_progress()

    def _member_changed(self, data: MemberData) -> None:
        coord = self.coord
        if data.state is MemberState.DOWN:
            coord.log_repl(codes.MEMBER_DOWN, "Heartbeat failed after max retries",
                           {"target": data.host, "maxHeartbeatRetries": MAX_RETRIES,
                            "error": {"code": 6, "codeName": "HostUnreachable",
                                      "errmsg": data.last_heartbeat_message}})
            if coord.primary_id == data.id:
                coord.primary_id = None
        else:
            coord.log_repl(codes.MEMBER_STATE, "Member is in new state",
                           {"hostAndPort": data.host, "newState": data.state.name})
        coord.server.bump_topology()

    # ------------------------------------------------------------------------------------------- configs
    def adopt(self, raw: dict[str, Any], from_host: str) -> bool:
        """Install a config received from a peer when it is newer than ours (or we have none)."""
        coord = self.coord
        try:
            config = ReplSetConfig.parse(raw)
        except ConfigError as exc:
            coord.log.log("W", "REPL", 21476, "ReplCoord-0", "Not persisting new configuration in heartbeat "
                          "response to disk because it is invalid", {"error": exc.reason})
            return False
        if config.name != coord.set_name:
            return False
        current = coord.config
        if current is not None and (config.replica_set_id != current.replica_set_id
                                    or not config.newer_than(current)):
            return False
        coord.log_repl(21401, "Scheduling heartbeat to fetch a newer config", {"target": from_host,
                       "newConfigVersionAndTerm": config.version_term_string()})
        coord.install_config(config)
        return True

    def fetch_config_from(self, host: str) -> None:
        """A peer with a newer config contacted us: ask it for the config now (mongod schedules a heartbeat
        back to the sender)."""
        if host in self._fetching or not host:
            return
        coord = self.coord
        data = next((d for d in coord.members.values() if d.host == host), None)
        if data is not None:
            self.beat_now(data.id)
            return
        self._fetching.add(host)

        async def fetch() -> None:
            try:
                reply = await coord.peers.get(host, "heartbeat").command("admin", self.request(), 10.0)
                if reply.get("ok") == 1 and isinstance(reply.get("config"), dict):
                    self.adopt(reply["config"], host)
            except PeerError:
                pass
            finally:
                self._fetching.discard(host)

        asyncio.get_running_loop().create_task(fetch(), name="ReplCoordFetchConfig")

    # ------------------------------------------------------------------------------------------- receiving
    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """The ``replSetHeartbeat`` command: this node's view for the sender, and its config if the sender's
        is older."""
        coord = self.coord
        set_name = cmd.get("replSetHeartbeat")
        if set_name != coord.set_name:
            raise CommandError("InconsistentReplicaSetNames", f"Our set name of {coord.set_name} does not match "
                               f"name {set_name} reported by remote node")
        sender_version = int(cmd.get("configVersion", -2))
        sender_term = int(cmd.get("configTerm", -1))
        sender = str(cmd.get("from", ""))
        config = coord.config
        term = int(cmd.get("term", -1))
        if term > coord.term and config is not None:
            coord.update_term(term, f"heartbeat from {sender}")
        data = coord.members.get(int(cmd.get("fromId", -1)))
        if data is not None and data.host == sender:
            data.last_heartbeat_recv = now_ms()
        if not cmd.get("checkEmpty") and sender_version > 0:
            sender_newer = config is None or sender_version > config.version or (
                sender_version == config.version and sender_term > config.term and config.term != -1)
            if sender_newer:
                self.fetch_config_from(sender)
        out = self.reply(sender_version, sender_term)
        if cmd.get("checkEmpty"):
            storage = coord.server.storage
            out["hasData"] = storage is not None and any(
                db not in ("local", "admin", "config") for db in storage.list_databases())
        return out

    def reply(self, sender_version: int, sender_term: int) -> dict[str, Any]:
        coord = self.coord
        config = coord.config
        out: dict[str, Any] = {}
        if coord.is_primary and coord.election_time is not None:
            out["electionTime"] = coord.election_time
        out["durableOpTime"] = coord.durable.to_document()
        out["durableWallTime"] = coord.durable_wall
        out["opTime"] = coord.applied.to_document()
        out["wallTime"] = coord.applied_wall
        out["electable"] = coord.elections.electable_reason() is None
        out["set"] = coord.set_name if config is not None else ""
        out["syncingTo"] = coord.sync_source_host
        out["state"] = int(coord.state)
        out["v"] = config.version if config is not None else -2
        out["configTerm"] = config.term if config is not None else -1
        out["term"] = coord.term
        if config is not None:
            me = coord.self_member
            out["primaryId"] = coord.primary_id if coord.primary_id is not None else -1
            behind = sender_version < config.version or (sender_version == config.version
                                                        and -1 < sender_term < config.term)
            if behind or sender_version == -2:
                out["config"] = config.to_document()
            out["$replData"] = {"term": coord.term, "lastOpCommitted": coord.last_committed.to_document(),
                                "lastCommittedWall": coord.last_committed_wall,
                                "lastOpVisible": coord.applied.to_document(), "configVersion": config.version,
                                "configTerm": config.term, "replicaSetId": config.replica_set_id,
                                "primaryIndex": config.index_of(coord.primary_id) if coord.primary_id is not None
                                else -1,
                                "syncSourceIndex": -1, "isPrimary": coord.is_primary,
                                "memberId": me.id if me is not None else -1}
        return out
