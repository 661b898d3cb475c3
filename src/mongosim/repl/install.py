"""Turn a started mongod into a replica-set member (``--replSet``): the coordinator, the oplog, the data
replication layer, and the server hooks through which they change what commands do and reply."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongosim import serverstatus
from mongosim.repl import codes as _codes  # noqa: F401 - registers replication's error code names
from mongosim.repl import waits
from mongosim.repl.coordinator import ReplicationCoordinator
from mongosim.repl.gate import Gate
from mongosim.repl.optime import MemberState
from mongosim.repl.status import hello_fields, oplog_section, repl_section, replset_status

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.server import Server
    from mongosim.writeconcern import WriteConcern


async def install(server: Server) -> None:
    coord = ReplicationCoordinator(server)
    server.repl = coord
    gate = Gate(coord)
    server.before_command.append(gate.before_command)
    server.reply_hooks.append(gate.reply_hook)

    def hello(ctx: CommandContext, use_hello: bool) -> dict[str, Any]:
        return hello_fields(coord, use_hello)

    def validate(ctx: CommandContext, wc: WriteConcern) -> None:
        waits.validate(coord, ctx, wc)

    async def wait(ctx: CommandContext, wc: WriteConcern) -> dict[str, Any] | None:
        return await waits.wait_for_write_concern(coord, ctx, wc)

    def status_for_diagnostics() -> dict[str, Any]:
        return replset_status(coord) if coord.config is not None else {}

    hooks: dict[str, Any] = {"hello_extension": hello, "write_concern_validator": validate,
                             "write_concern_waiter": wait,
                             "diagnostic_sections": {"replSetGetStatus": status_for_diagnostics}}
    for name, hook in hooks.items():
        setattr(server, name, hook)
    serverstatus.register_section("repl", lambda _server: repl_section(coord), processes=("mongod",))
    serverstatus.register_section("electionMetrics", lambda _server: coord.elections.metrics.server_status(),
                                  processes=("mongod",))
    serverstatus.register_section("oplog", lambda _server: oplog_section(coord), default=False,
                                  processes=("mongod",))

    def leave_primary(old: MemberState, new: MemberState) -> None:
        if old is MemberState.PRIMARY:
            coord.elections.metrics.clear_candidate()

    coord.state_listeners.append(leave_primary)
    _install_data_layer(server, coord)
    await coord.start()
    if coord.sync_manager is not None:
        coord.sync_manager.start()
    server.shutdown_hooks.append(coord.stop)


def _install_data_layer(server: Server, coord: ReplicationCoordinator) -> None:
    """The oplog and the sync manager subscribe to the coordinator before it loads its config, so a member
    restarting into STARTUP2 is already seen by the layer that decides about initial sync."""
    if server.storage is None:
        return
    from mongosim.repl.oplog import Oplog
    from mongosim.repl.sync import SyncManager

    server.oplog = Oplog(server)
    server.oplog.start()
    coord.sync_manager = SyncManager(server)
    server.shutdown_hooks.append(coord.sync_manager.stop)
