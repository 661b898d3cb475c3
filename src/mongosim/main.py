"""Process entry points for the ``mongod`` and ``mongos`` executables."""

from __future__ import annotations

import asyncio
import signal
import sys

from mongosim import logs
from mongosim.cli import ServerConfig, parse_args
from mongosim.server import Server, StartupError


async def _serve(config: ServerConfig) -> int:
    logger = logs.Logger(config.logpath, append=config.log_append, quiet=config.quiet,
                         verbosity=config.verbosity, service="R" if config.process == "mongos" else "S")
    server = Server(config, logger)
    try:
        await server.start()
    except StartupError as exc:
        logger.close()
        print(str(exc), file=sys.stderr)
        return exc.exit_code
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, server.request_shutdown, f"received signal {sig.name}")
    await server.wait_stopped()
    logger.close()
    return 0


def run(process: str, argv: list[str]) -> int:
    config = parse_args(process, argv)
    return asyncio.run(_serve(config))


def mongod_main() -> int:
    return run("mongod", sys.argv)


def mongos_main() -> int:
    return run("mongos", sys.argv)
