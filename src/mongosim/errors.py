"""MongoDB error codes and the exception commands raise to fail with one.

Names and numbers follow the server's ``error_codes.yml``; only the codes the simulator raises are listed.
"""

from __future__ import annotations

from typing import Any

CODES: dict[str, int] = {
    "InternalError": 1,
    "BadValue": 2,
    "NoSuchKey": 4,
    "GraphContainsCycle": 5,
    "HostUnreachable": 6,
    "HostNotFound": 7,
    "UnknownError": 8,
    "FailedToParse": 9,
    "CannotMutateObject": 10,
    "UserNotFound": 11,
    "UnsupportedFormat": 12,
    "Unauthorized": 13,
    "TypeMismatch": 14,
    "Overflow": 15,
    "InvalidLength": 16,
    "ProtocolError": 17,
    "AuthenticationFailed": 18,
    "IllegalOperation": 20,
    "EmptyArrayOperation": 21,
    "InvalidBSON": 22,
    "AlreadyInitialized": 23,
    "LockTimeout": 24,
    "NamespaceNotFound": 26,
    "IndexNotFound": 27,
    "PathNotViable": 28,
    "NonExistentPath": 29,
    "InvalidPath": 30,
    "RoleNotFound": 31,
    "CannotBackfillArray": 34,
    "CursorNotFound": 43,
    "NamespaceExists": 48,
    "DollarPrefixedFieldName": 52,
    "InvalidIdField": 53,
    "NotSingleValueField": 54,
    "InvalidDBRef": 55,
    "EmptyFieldName": 56,
    "DottedFieldName": 57,
    "CommandNotFound": 59,
    "ImmutableField": 66,
    "CannotCreateIndex": 67,
    "IndexAlreadyExists": 68,
    "InvalidOptions": 72,
    "InvalidNamespace": 73,
    "NodeNotFound": 74,
    "IndexOptionsConflict": 85,
    "IndexKeySpecsConflict": 86,
    "CannotSplit": 87,
    "NetworkTimeout": 89,
    "OperationFailed": 96,
    "InvalidReplicaSetConfig": 93,
    "NotYetInitialized": 94,
    "CommandFailed": 125,
    "WriteConcernFailed": 64,
    "MaxTimeMSExpired": 50,
    "ExceededTimeLimit": 262,
    "QueryPlanKilled": 175,
    "CappedPositionLost": 136,
    "InvalidIndexSpecificationOption": 197,
    "IllegalOpMsgFlag": 223,
    "ChecksumMismatch": 228,
    "ConflictingOperationInProgress": 117,
    "NamespaceNotSharded": 118,
    "InvalidSyncSource": 119,
    "OplogStartMissing": 120,
    "DocumentValidationFailure": 121,
    "NotAReplicaSet": 123,
    "IncompatibleServerVersion": 124,
    "InvalidUUID": 207,
    "InvalidPipelineOperator": 168,
    "CannotIndexParallelArrays": 171,
    "AmbiguousIndexKeyPattern": 181,
    "CannotConvertIndexToUnique": 359,
    "OutOfDiskSpace": 14031,
    "TooManyDocumentSequences": 220,
    "Interrupted": 11601,
    "InterruptedAtShutdown": 11600,
    "NotWritablePrimary": 10107,
    "DuplicateKey": 11000,
    "ClientMetadataCannotBeMutated": 186,
    "OperationNotSupportedInTransaction": 263,
    "ClientDisconnect": 279,
    "NoSuchTransaction": 251,
    "NoMatchingDocument": 47,
    "UnsupportedOpQueryCommand": 352,
    "APIStrictError": 323,
    "ConflictingUpdateOperators": 40,
    "NotExactValueField": 111,
    "CommandNotSupportedOnView": 166,
    "QueryFeatureNotAllowed": 224,
    "BSONObjectTooLarge": 10334,
    "Location40414": 40414,
    "Location16410": 16410,
    "Location51024": 51024,
    "Location31254": 31254,
    "Location40352": 40352,
    "Location40353": 40353,
    "Location15998": 15998,
    "Location2": 2,
    "Location4": 4,
}
NAMES: dict[int, str] = {}
for _name, _code in CODES.items():
    if not _name.startswith("Location"):
        NAMES.setdefault(_code, _name)


def code_name(code: int) -> str:
    """The codeName the server reports for a code (``Location<N>`` for assertion ids without a name)."""
    return NAMES.get(code, f"Location{code}")


class CommandError(Exception):
    """A command failed: becomes ``{ok: 0, errmsg, code, codeName, ...extra}`` on the wire."""

    def __init__(self, code: int | str, errmsg: str, **extra: Any) -> None:
        if isinstance(code, str):
            name, number = code, CODES[code]
        else:
            name, number = code_name(code), code
        super().__init__(errmsg)
        self.code = number
        self.code_name = name
        self.errmsg = errmsg
        self.extra = extra

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"ok": 0.0, "errmsg": self.errmsg, "code": self.code, "codeName": self.code_name}
        doc.update(self.extra)
        return doc


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid message; the connection is closed after logging it."""


class CloseConnection(Exception):
    """Raised by a handler (shutdown) to close the client's connection without replying."""
