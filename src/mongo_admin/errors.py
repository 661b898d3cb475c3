"""The error hierarchy: every failure the platform reports says what failed, why, and how to fix it.

Operations raise these; the CLI turns one into exit code 1 and a single message on stderr, the API into a
status code with a stable detail. Nothing else is caught and reworded on the way out.
"""

from __future__ import annotations


class MongoAdminError(Exception):
    """Root of every error mongo-admin reports to a person."""

    def __init__(self, what: str, why: str = "", fix: str = "") -> None:
        self.what = what
        self.why = why
        self.fix = fix
        super().__init__(self.message())

    def message(self) -> str:
        """One clear message: ``<what>: <why>`` and, when there is one, an indented ``fix:`` line."""
        text = f"{self.what}: {self.why}" if self.why else self.what
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class BinaryNotFoundError(MongoAdminError):
    """No usable mongod/mongos executable where we were told (or allowed) to look."""


class BinaryInstallError(MongoAdminError):
    """MongoDB binaries could not be installed: unknown version, no build for this platform, a download that
    failed or does not match its checksum, an unsafe archive, or binaries that do not report the version.
    Nothing is left installed when it is raised."""


class ProcessStartError(MongoAdminError):
    """A server process was launched but did not come up."""


class ProcessStopError(MongoAdminError):
    """A server process could not be stopped."""


class PortInUseError(MongoAdminError):
    """The port a server should listen on is already taken; ``holder`` names who holds it."""

    def __init__(self, port: int, holder: str) -> None:
        self.port = port
        self.holder = holder
        super().__init__(
            f"port {port} is already in use",
            f"held by {holder}",
            f"choose another port with --port, or stop {holder}",
        )


class SandboxStateError(MongoAdminError):
    """The sandbox is not in a state that allows the requested action (missing, running elsewhere...)."""


class ServerUnreachableError(MongoAdminError):
    """A MongoDB server did not answer over the network."""


class InvalidInputError(MongoAdminError):
    """A value given by the user cannot be used (bad name, out-of-range number...)."""


class CommandFailedError(MongoAdminError):
    """A MongoDB server answered a command with an error; ``code`` is the server's error code."""

    def __init__(self, what: str, why: str, fix: str = "", *, code: int | None = None) -> None:
        self.code = code
        super().__init__(what, why, fix)


class ReplicaSetError(MongoAdminError):
    """A replica set refused a change or did not reach the state an operation waits for."""


class ClusterStateError(MongoAdminError):
    """A cluster is unknown, or not in a state that allows the requested action."""


class DeployError(MongoAdminError):
    """A deploy step failed; ``step`` names it and ``remains`` says what is left running or on disk."""

    def __init__(self, step: str, why: str, fix: str = "", *, remains: str = "") -> None:
        self.step = step
        self.remains = remains
        super().__init__(f"deploy failed at step '{step}'", why + (f"; {remains}" if remains else ""), fix)


class StorageError(MongoAdminError):
    """A backup storage operation failed; the message names the storage (URL) and the key. Never carries
    credentials."""


class ObjectMissingError(StorageError):
    """A key that should exist in backup storage does not."""


class BackupFormatError(MongoAdminError):
    """A stored backup object cannot be read back: bad compression, encryption frame or BSON framing. The
    message names the object key and the byte offset of the fault."""


class BackupKeyError(MongoAdminError):
    """A backup encryption key is missing, unreadable, malformed, or not the key the backup was taken with."""


class ApiConfigError(MongoAdminError):
    """The API server's settings cannot be used (an insecure or missing secret outside development, a bad
    value); the message names the setting and its environment variable."""


class DatabaseSchemaError(MongoAdminError):
    """The platform database is unreachable or its schema is not the one this code expects."""


class CredentialsKeyError(MongoAdminError):
    """The key that encrypts the MongoDB credentials the platform keeps is missing, unreadable or wrong."""


class OperationCancelledError(MongoAdminError):
    """An operation stopped at a safe point because its cancellation was requested (a job cancelled through the
    API or the CLI). Its record says cancelled, not failed."""
