"""``mongo-admin sandbox``: a throwaway replica set (or one mongod) on this machine, for trying the platform
and for tests."""

from __future__ import annotations

from pathlib import Path

import click

from mongo_admin.cli.app import Application, pass_app

name_option = click.option("--name", default="default", show_default=True, help="Which sandbox.")


@click.group()
@pass_app
def sandbox(app: Application) -> None:
    """Run a throwaway replica set (or one mongod) on this machine.

    It listens on loopback and runs real MongoDB when installed, else the mongosim simulator.

    State lives in $MONGO_ADMIN_HOME/sandbox/<name> (default ~/.local/share/mongo-admin).
    """
    app.local_only("sandbox", "a sandbox is a throwaway replica set on this machine, not something the API manages")


@sandbox.command()
@name_option
@click.option("--replica-set", "replica_set", metavar="NAME",
              help="Replica set name for a new sandbox.  [default: rs0]")
@click.option("--members", type=click.IntRange(1, 7),
              help="Members of a new replica set (1-7, all voting).  [default: 3]")
@click.option("--standalone", is_flag=True, help="A single mongod without --replSet instead of a replica set.")
@click.option("--fast-elections", is_flag=True,
              help="Initiate with heartbeatIntervalMillis 200 and electionTimeoutMillis 1000 (failover in ~1 s).")
@click.option("--port", type=click.IntRange(1, 65535),
              help="Listen here; replica set members use PORT, PORT+1, ... (default: free ports).")
@click.option("--binary-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding mongod (default: $MONGO_ADMIN_BINARY_DIR, PATH, then the simulator).")
@pass_app
def start(app: Application, name: str, replica_set: str | None, members: int | None, standalone: bool,
          fast_elections: bool, port: int | None, binary_dir: Path | None) -> None:
    """Start the sandbox and print its connection string and members.

    A new sandbox is a 3-member replica set named rs0 unless told otherwise; the command waits for a primary
    and for every member to be healthy. An existing sandbox starts again as it was created (same ports, same
    data, the replica set with its stored config); a running one is reported, not restarted.
    """
    from mongo_admin.ops.sandbox import SandboxShape, start_sandbox

    shape = None
    if standalone or replica_set is not None or members is not None or fast_elections:
        shape = SandboxShape.from_options(replica_set=replica_set, members=members, standalone=standalone,
                                          fast_elections=fast_elections)
    app.detail(f"home: {app.home}")
    app.render(start_sandbox(app.home, name, shape=shape, port=port, binary_dir=binary_dir, progress=app.progress))


@sandbox.command()
@name_option
@pass_app
def status(app: Application, name: str) -> None:
    """Is it running? Every member's state, health, lag and uptime; version, simulator or real."""
    from mongo_admin.ops.sandbox import sandbox_status

    app.detail(f"home: {app.home}")
    app.render(sandbox_status(app.home, name))


@sandbox.command()
@name_option
@click.option("--purge", is_flag=True, help="Also delete the sandbox's data, log and record.")
@pass_app
def stop(app: Application, name: str, purge: bool) -> None:
    """Stop every member (secondaries first, the primary last); data is kept unless --purge."""
    from mongo_admin.ops.sandbox import stop_sandbox

    app.detail(f"home: {app.home}")
    app.render(stop_sandbox(app.home, name, purge=purge, progress=app.progress))


@sandbox.command("list")
@pass_app
def list_(app: Application) -> None:
    """Every sandbox on this machine and whether its process runs."""
    from mongo_admin.ops.sandbox import list_sandboxes

    app.render(list_sandboxes(app.home))
