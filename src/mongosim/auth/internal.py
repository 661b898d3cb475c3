"""Internal authentication with a keyfile (``--keyFile`` / ``security.keyFile``): the members of a replica set,
the shards, the config servers and the routers prove to each other that they hold the same key by
authenticating as ``__system@local`` with SCRAM, the key as the password.

``load`` reads the keyfile as mongod's ``readSecurityFile`` and ``setUpSecurityKey`` do: no group or other
permission bits on POSIX ("permissions on <path> are too open"), YAML content (one string, or an array of them
for a rolling key change; at most two), whitespace dropped, only base64 characters, 6 to 1024 characters per
key. Credentials for SCRAM-SHA-1 and SCRAM-SHA-256 are derived from every key with one salt per mechanism, so a
conversation can check a proof against each of them. Any problem is a ``KeyFileError`` carrying mongod's log
lines; the process then exits 1.

``configure`` installs the result process-wide (mongod's ``internalSecurity``). The server side asks
``lookup`` for users, so ``__system@local`` authenticates with any key of the file and gets the ``__system``
role; the client side (``peer.connect``) runs ``ClientLogin`` on every connection it opens: the first key,
then the other one if the peer refuses it.
Nothing here logs a key: the messages name the file only.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from bson.binary import Binary

from mongosim.auth import credentials, scram

if TYPE_CHECKING:
    from mongosim.server import Server

USER = "__system"
DB = "local"
ROLES = [{"role": "__system", "db": "admin"}]
MIN_KEY_LENGTH = 6
MAX_KEY_LENGTH = 1024
MAX_KEYS = 2
# What the peer sees of any failure: the server's answer, never the reason.
AUTH_FAILED = "Authentication failed."
# Log ids of mongod's keyfile start-up failures.
ID_READ_FAILED = 20254
ID_KEY_SIZE = 20255
ID_TOO_MANY_KEYS = 20258
ID_SERVICE_CONTEXT = 20575
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_WHITESPACE = frozenset("\t\n\v\f\r ")
_CODES = {"InvalidPath": 30, "UnsupportedFormat": 115}


LogLine = tuple[str, str, int, str, dict[str, Any]]


class KeyFileError(Exception):
    """The keyfile cannot be used: the lines mongod logs, as ``(severity, component, id, msg, attr)``."""

    def __init__(self, lines: list[LogLine]) -> None:
        super().__init__("; ".join(f"{msg}: {attr}" for _, _, _, msg, attr in lines))
        self.lines = lines


def _read_failed(code_name: str, errmsg: str) -> KeyFileError:
    code = _CODES.get(code_name) or int(code_name.removeprefix("Location"))
    return KeyFileError([("I", "ACCESS", ID_READ_FAILED, "Read security file failed",
                          {"error": {"code": code, "codeName": code_name, "errmsg": errmsg}})])


def _strip(path: str, text: str) -> str:
    """The key without whitespace; only base64 characters may remain."""
    key = "".join(char for char in text if char not in _WHITESPACE)
    if any(char not in _BASE64 for char in key):
        raise _read_failed("UnsupportedFormat", f"invalid char in key file {path}")
    return key


def _keys_of(path: str, node: Any) -> list[str]:
    if isinstance(node, str):
        return [_strip(path, node)]
    if isinstance(node, list):
        return [key for child in node for key in _keys_of(path, child)]
    raise _read_failed("UnsupportedFormat", "Only strings and sequences are supported for YAML key files")


def read_keys(path: str) -> list[str]:
    """The keys of the file (``readSecurityFile``); raises KeyFileError."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _read_failed("InvalidPath", f"Error reading file {path}: {os.strerror(exc.errno or 0)}") from exc
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _read_failed("InvalidPath", f"permissions on {path} are too open")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError as exc:
        raise _read_failed("InvalidPath", f"error opening file: {path}: bad file") from exc
    try:
        # BaseLoader builds no objects and keeps every scalar a string, as yaml-cpp's Scalar() does ("123456"
        # stays a key). Tabs are whitespace to drop, which PyYAML's YAML 1.1 scanner refuses between words.
        document = yaml.load(text.replace("\t", " "), Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise _read_failed("UnsupportedFormat", f"error reading file: {path}: {problem}") from exc
    keys = _keys_of(path, document)
    if not keys:
        raise _read_failed("Location50981", f"Security key file {path} does not contain any valid keys")
    return keys


@dataclass(frozen=True)
class InternalAuth:
    """The keys of the keyfile and the ``__system@local`` credentials derived from each (same salts)."""

    keys: tuple[str, ...] = field(repr=False)
    credentials: tuple[dict[str, Any], ...] = field(repr=False)
    # Whether this process authenticates its outgoing connections (clusterAuthMode keyFile/sendKeyFile) and how
    # it treats a failure (transitionToAuth: carry on unauthenticated).
    sends_key: bool = True
    tolerate_failure: bool = False

    def user_document(self) -> dict[str, Any]:
        """``__system@local`` as the authentication commands see a user: the first key's credentials."""
        return {"_id": f"{DB}.{USER}", "user": USER, "db": DB, "credentials": self.credentials[0],
                "roles": [dict(role) for role in ROLES]}

    def alternates(self, mechanism: str) -> list[dict[str, Any]]:
        """The credentials of the other keys (a rolling key change), also accepted."""
        return [creds[mechanism] for creds in self.credentials[1:] if mechanism in creds]

    def client_login(self) -> ClientLogin | None:
        return ClientLogin(self.keys, self.tolerate_failure) if self.sends_key else None


def load(path: str, *, iterations: dict[str, int] | None = None, cluster_auth_mode: str = "keyFile",
         transition_to_auth: bool = False) -> InternalAuth:
    """Read the keyfile and derive the credentials (``setUpSecurityKey``); raises KeyFileError."""
    keys = read_keys(path)
    if len(keys) > MAX_KEYS:
        raise KeyFileError([("E", "ACCESS", ID_TOO_MANY_KEYS, "Only two keys are supported in the security key "
                             "file", {"numKeys": len(keys), "filename": path})])
    for key in keys:
        if not MIN_KEY_LENGTH <= len(key) <= MAX_KEY_LENGTH:
            raise KeyFileError([("E", "ACCESS", ID_KEY_SIZE, "Security key size is out range",
                                 {"filename": path, "size": len(key), "minimumLength": MIN_KEY_LENGTH,
                                  "maximumLength": MAX_KEY_LENGTH})])
    salts = {scram.salt_length(mech): os.urandom(scram.salt_length(mech)) for mech in scram.MECHANISMS}
    derived = tuple(credentials.from_secret(USER, key, iterations, random_bytes=salts.__getitem__) for key in keys)
    return InternalAuth(tuple(keys), derived, sends_key=cluster_auth_mode in ("keyFile", "sendKeyFile"),
                        tolerate_failure=transition_to_auth)


def startup_failure_lines(error: KeyFileError) -> list[LogLine]:
    """What mongod logs when the keyfile stops it: the reason, then the fatal service-context line."""
    return [*error.lines, ("F", "CONTROL", ID_SERVICE_CONTEXT, "Error creating service context",
                           {"error": "Location5579201: Unable to acquire security key[s]"})]


# ------------------------------------------------------------------------------------------------- process-wide
_current: InternalAuth | None = None


def configure(auth: InternalAuth | None) -> None:
    global _current
    _current = auth


def current() -> InternalAuth | None:
    return _current


# ------------------------------------------------------------------------------------------------- server side
def lookup(server: Server, user: str, db: str) -> dict[str, Any] | None:
    """The user the authentication commands check a conversation against: ``__system@local`` from the keyfile,
    anyone else from the server's directory."""
    if user == USER and db == DB and _current is not None:
        return _current.user_document()
    directory = server.users
    return directory.user(user, db) if directory is not None else None


def alternates(user: str, db: str, mechanism: str) -> list[dict[str, Any]]:
    """Other credentials accepted for this principal (the second key of a keyfile)."""
    if user == USER and db == DB and _current is not None:
        return _current.alternates(mechanism)
    return []


# ------------------------------------------------------------------------------------------------- client side
class InternalAuthError(Exception):
    """The peer refused ``__system``; the message is what the peer answered ("Authentication failed.")."""


Request = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]


class ClientLogin:
    """SCRAM-SHA-256 as ``__system@local``. ``speculative()`` goes into the connection's ``hello`` with the first
    key; ``finish(hello_reply, request)`` completes that conversation (with a saslStart when the server did not
    take the speculative one) and, if the peer refuses it, tries the file's other key (a peer that already moved
    to the new key of a rolling change), as mongod's internal client does. Raises InternalAuthError unless the
    server accepted a proof and proved it knows the same key."""

    mechanism = scram.SCRAM_SHA_256

    def __init__(self, keys: tuple[str, ...], tolerate_failure: bool = False) -> None:
        self.keys = keys
        self.tolerate_failure = tolerate_failure
        self._first = scram.ClientConversation(self.mechanism, USER, keys[0])

    def _start(self, conversation: scram.ClientConversation) -> dict[str, Any]:
        return {"saslStart": 1, "mechanism": self.mechanism, "payload": Binary(conversation.first(), 0),
                "options": {"skipEmptyExchange": True}}

    def speculative(self) -> dict[str, Any]:
        return {**self._start(self._first), "db": DB}

    async def finish(self, hello_reply: dict[str, Any], request: Request) -> None:
        speculative = hello_reply.get("speculativeAuthenticate")
        error: InternalAuthError | None = None
        for index, key in enumerate(self.keys):
            conversation = self._first if index == 0 else scram.ClientConversation(self.mechanism, USER, key)
            try:
                started = speculative if index == 0 and isinstance(speculative, dict) else None
                await self._converse(conversation, started, request)
                return
            except InternalAuthError as exc:
                error = exc
        if error is not None and not self.tolerate_failure:
            raise error

    async def _converse(self, conversation: scram.ClientConversation, reply: dict[str, Any] | None,
                        request: Request) -> None:
        if reply is None:
            reply = _checked(await request({**self._start(conversation), "$db": DB}))
        conversation_id = reply.get("conversationId", 1)
        try:
            final = conversation.final(_payload(reply))
        except scram.ScramError as exc:
            raise InternalAuthError(AUTH_FAILED) from exc
        reply = _checked(await request({"saslContinue": 1, "conversationId": conversation_id,
                                        "payload": Binary(final, 0), "$db": DB}))
        try:
            conversation.verify(_payload(reply))
        except scram.ScramError as exc:
            raise InternalAuthError(AUTH_FAILED) from exc
        if not reply.get("done"):  # a server that wants the empty round trip
            _checked(await request({"saslContinue": 1, "conversationId": conversation_id,
                                    "payload": Binary(b"", 0), "$db": DB}))


def _checked(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("ok") != 1:
        raise InternalAuthError(str(reply.get("errmsg") or AUTH_FAILED))
    return reply


def _payload(reply: dict[str, Any]) -> bytes:
    payload = reply.get("payload", b"")
    if isinstance(payload, bytes):
        return bytes(payload)
    if isinstance(payload, str):
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError) as exc:
            raise InternalAuthError(AUTH_FAILED) from exc
    raise InternalAuthError(AUTH_FAILED)
