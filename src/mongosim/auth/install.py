"""Wire authentication and authorization into a server (called from ``Server.start``).

Always: the user directory (``server.users``: local storage on mongod, a copy of the config servers' users on
mongos), the SASL commands' handshake fields, and on mongos the periodic refresh of its copy
(``userCacheInvalidationIntervalSecs``). Users can exist and clients can authenticate without access control,
as on mongod.

With access control (``--auth``, ``security.authorization: enabled`` or ``--keyFile``): the authorization check
runs first among the pre-command hooks, and the localhost exception applies while no user or role exists
(``AuthSession.localhost_exception``; logged once, when a connection first relies on it).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from mongosim.auth.users import LocalDirectory, RouterDirectory

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.server import Server

ID_LOCALHOST_EXCEPTION = 20248
USER_CACHE_INTERVAL_PARAMETER = "userCacheInvalidationIntervalSecs"


def install(server: Server) -> None:
    from mongosim.commands import auth as auth_commands

    if server.process == "mongos":
        directory = RouterDirectory(server)
        server.users = directory
        interval = float(server.parameters.get(USER_CACHE_INTERVAL_PARAMETER, 30))
        server.add_periodic("UserCacheInvalidator", max(1.0, interval), directory.refresh)
        directory.startup_task = asyncio.get_running_loop().create_task(directory.load_at_startup(),
                                                                        name="UserCacheInitialLoad")
    else:
        server.users = LocalDirectory(server)
    auth_commands.install(server)
    if server.config.auth:
        _enforce(server)


def _enforce(server: Server) -> None:
    from mongosim.auth import authz

    warned = False

    def note_localhost_exception(ctx: CommandContext, spec: Any) -> None:
        nonlocal warned
        if warned or ctx.conn is None or spec.no_auth or not ctx.conn.auth.localhost_exception:
            return
        warned = True
        server.log.info("ACCESS", ID_LOCALHOST_EXCEPTION, ctx.conn.ctx_name,
                        "note: no users configured in admin.system.users, allowing localhost access")

    server.before_command.insert(0, authz.check)
    server.before_command.insert(1, note_localhost_exception)
