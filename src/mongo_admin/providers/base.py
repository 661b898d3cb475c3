"""The provider interface: where a cluster's processes run. The deploy engine and the lifecycle commands speak only
to this; ``local`` runs processes on this machine, and remote hosts (SSH) and GCP implement the same contract.

Every method names the host it acts on, because a cluster's nodes may live on several. A process is identified by
its pid file and a ``marker`` only its own command line contains, so a stale pid file or a recycled pid is never
taken for a running server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from mongo_admin.providers.local import LaunchSpec, StopOutcome


class Provider(Protocol):
    kind: str

    def start(self, host: str, spec: LaunchSpec) -> int:
        """Launch the server and return its pid once it accepts connections; raises ProcessStartError (or
        PortInUseError) saying why it did not come up and where its log is."""

    def stop(self, host: str, pid: int, marker: str) -> StopOutcome:
        """Clean shutdown (SIGTERM), forced after a timeout; raises ProcessStopError if it survives."""

    def running_pid(self, host: str, pidfile: Path, marker: str) -> int | None:
        """The pid in ``pidfile`` when that process runs and its command line contains ``marker``."""

    def port_is_free(self, host: str, port: int) -> bool:
        """Whether a server could listen on ``port`` of ``host`` now."""

    def port_holder(self, host: str, port: int) -> str:
        """Who holds ``port``: a process description, or a sentence saying it cannot be seen."""

    def disk_usage(self, host: str, path: Path) -> tuple[int, int]:
        """(total, free) bytes of the file system holding ``path`` (or its nearest existing parent)."""

    def uptime_s(self, host: str, pid: int) -> int | None:
        """How long the process has run, None when it is gone."""

    def writable(self, host: str, path: Path) -> bool:
        """Whether ``path`` (or its nearest existing parent) can be written."""

    def log_tail(self, host: str, path: Path, lines: int) -> list[str]:
        """The last ``lines`` lines of a server log, empty when it cannot be read."""


def provider_for(kind: str) -> Provider:
    """The provider a spec's ``provider.kind`` names."""
    from mongo_admin.errors import InvalidInputError
    from mongo_admin.providers.local import LocalProvider

    providers: dict[str, Provider] = {"local": LocalProvider()}
    if kind not in providers:
        raise InvalidInputError(f"unknown provider {kind!r}", f"known providers: {', '.join(sorted(providers))}",
                                "set provider.kind in the spec to one of them")
    return providers[kind]
