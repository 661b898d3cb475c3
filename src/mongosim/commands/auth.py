"""Authentication commands: ``saslStart``, ``saslContinue``, ``authenticate``, ``logout``, and the two handshake
fields of ``hello`` (``saslSupportedMechs``, ``speculativeAuthenticate``) added through ``server.hello_tail_hooks``.

The client only ever learns "Authentication failed." (code 18); the real reason goes to the log line
"Authentication failed" (id 20249, ACCESS) with the mechanism, principal, authentication database and remote —
never a payload, proof, salt or key. Success logs "Authentication succeeded" (id 20250) unless ``--quiet``.
A payload arrives as BinData or (older clients) a base64 string and is answered in the same form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from bson.binary import Binary

from mongosim import errors
from mongosim.audit import events as audit_events
from mongosim.auth import internal, scram
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.auth.session import AuthSession
    from mongosim.connection import Connection
    from mongosim.server import Server

for _name, _code in {"InvalidRoleModification": 49, "MechanismUnavailable": 334}.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)

ID_AUTH_FAILED = 20249
ID_AUTH_SUCCEEDED = 20250
AUTH_FAILED_MESSAGE = "Authentication failed."
X509 = "MONGODB-X509"
EXTERNAL_DB = "$external"
_SPECULATIVE = "speculativeAuthenticate"


class _Conversation:
    """A SASL conversation in progress on a connection."""

    def __init__(self, mechanism: str, db: str, scram_conv: scram.ServerConversation, speculative: bool,
                 as_text: bool) -> None:
        self.mechanism = mechanism
        self.db = db
        self.scram = scram_conv
        self.speculative = speculative
        self.as_text = as_text


# ------------------------------------------------------------------------------------------------- helpers
def _session(ctx: CommandContext) -> AuthSession:
    if ctx.conn is None:
        raise CommandError("InternalError", "authentication needs a client connection")
    return ctx.conn.auth


def _decode_payload(value: Any) -> tuple[bytes, bool]:
    """(bytes, arrived as a string)."""
    if isinstance(value, bytes):
        return bytes(value), False
    if isinstance(value, str):
        try:
            return base64.b64decode(value.encode(), validate=True), True
        except (binascii.Error, ValueError) as exc:
            raise CommandError("BadValue", "Invalid base64 in SASL payload") from exc
    raise CommandError("TypeMismatch", "BSON field 'payload' is the wrong type, expected types '[string, binData]'")


def _encode_payload(data: bytes, as_text: bool) -> Any:
    return base64.b64encode(data).decode() if as_text else Binary(data, 0)


def enabled_mechanisms(server: Server) -> list[str]:
    configured = server.parameters.get("authenticationMechanisms") or list(scram.MECHANISMS)
    return [mech for mech in configured if mech in scram.MECHANISMS]


def _log_attempt(server: Server, conn: Connection, mechanism: str, speculative: bool, principal: str, db: str,
                 error: str | None = None) -> None:
    """"Authentication succeeded" (no ``error``) or "Authentication failed" with the real reason."""
    attr: dict[str, Any] = {"mechanism": mechanism, "speculative": speculative, "principalName": principal,
                            "authenticationDatabase": db, "remote": conn.remote, "extraInfo": {}}
    if error is None:
        server.log.log("I", "ACCESS", ID_AUTH_SUCCEEDED, conn.ctx_name, "Authentication succeeded", attr)
    else:
        attr["error"] = error
        server.log.info("ACCESS", ID_AUTH_FAILED, conn.ctx_name, "Authentication failed", attr)


def _log_failure(server: Server, conn: Connection, conv: _Conversation, error: str) -> None:
    _log_attempt(server, conn, conv.mechanism, conv.speculative, conv.scram.principal, conv.db, error)


def _log_success(server: Server, conn: Connection, conv: _Conversation) -> None:
    _log_attempt(server, conn, conv.mechanism, conv.speculative, conv.scram.principal, conv.db)


def _failed(server: Server, conn: Connection, conv: _Conversation, exc: scram.ScramError) -> CommandError:
    """Log the real reason; the client gets only AuthenticationFailed."""
    _log_failure(server, conn, conv, f"{exc.code_name}: {exc.reason}")
    if not conv.speculative or conn.auth.conversation is conv:  # 8.0 audits a speculative try past its start
        audit_events.authentication(server, conn, conv.mechanism, conv.scram.principal, conv.db,
                                    errors.CODES.get(exc.code_name, 18))
    conn.auth.conversation = None
    return CommandError("AuthenticationFailed", AUTH_FAILED_MESSAGE)


def _user_not_found(user: str, db: str) -> scram.ScramError:
    return scram.ScramError("UserNotFound", f'Could not find user "{user}" for db "{db}"')


def _begin(ctx: CommandContext, spec: dict[str, Any], db: str, speculative: bool) -> tuple[_Conversation, bytes]:
    """Parse a saslStart document and its client-first message: the conversation and that message."""
    mechanism = spec.get("mechanism")
    if not isinstance(mechanism, str):
        raise CommandError("BadValue" if mechanism is None else "TypeMismatch",
                           "BSON field 'saslStart.mechanism' is missing but a required field"
                           if mechanism is None else "BSON field 'saslStart.mechanism' is the wrong type")
    if mechanism not in enabled_mechanisms(ctx.server):
        known = mechanism in scram.MECHANISMS or mechanism in ("PLAIN", "GSSAPI", "MONGODB-X509")
        raise CommandError("MechanismUnavailable", f"Received authentication for mechanism {mechanism} which is "
                           + ("not enabled" if known else "unknown or not enabled"))
    payload, as_text = _decode_payload(spec.get("payload", b""))
    options = spec.get("options") or {}
    skip = options.get("skipEmptyExchange", False) if isinstance(options, dict) else False
    if not isinstance(skip, bool):
        raise CommandError("BadValue", "skipEmptyExchange must be boolean")
    conv = _Conversation(mechanism, db, scram.ServerConversation(mechanism, skip_empty_exchange=skip),
                         speculative, as_text)
    return conv, payload


def _challenge(ctx: CommandContext, conv: _Conversation, payload: bytes) -> dict[str, Any]:
    """The first step against the directory (synchronous): the saslStart reply without ``ok``."""
    conn = ctx.conn
    assert conn is not None
    server = ctx.server
    try:
        principal = conv.scram.start(payload)
        user = internal.lookup(server, principal, conv.db)
        if user is None:
            raise _user_not_found(principal, conv.db)
        reply = conv.scram.challenge((user.get("credentials") or {}).get(conv.mechanism),
                                     internal.alternates(principal, conv.db, conv.mechanism))
    except scram.ScramError as exc:
        raise _failed(server, conn, conv, exc) from None
    conn.auth.conversation = conv
    return {"conversationId": 1, "done": False, "payload": _encode_payload(reply, conv.as_text)}


async def _refresh_router_directory(ctx: CommandContext) -> None:
    refresh = getattr(ctx.server.users, "refresh", None)
    if refresh is not None:
        await refresh()


def _needs_router_refresh(ctx: CommandContext, conv: _Conversation, payload: bytes) -> bool:
    """mongos: the user is not in the router's copy yet (created through another router, or never)."""
    if getattr(ctx.server.users, "refresh", None) is None:
        return False
    probe = scram.ServerConversation(conv.mechanism)
    try:
        principal = probe.start(payload)
    except scram.ScramError:
        return False
    return internal.lookup(ctx.server, principal, conv.db) is None


# ------------------------------------------------------------------------------------------------- commands
@command("saslStart", no_auth=True)
def sasl_start(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """First step in a SASL authentication conversation."""
    session = _session(ctx)
    session.conversation = None
    conv, payload = _begin(ctx, cmd, ctx.db, speculative=False)
    if _needs_router_refresh(ctx, conv, payload):
        return _sasl_start_after_refresh(ctx, conv, payload)
    return _challenge(ctx, conv, payload)


async def _sasl_start_after_refresh(ctx: CommandContext, conv: _Conversation, payload: bytes) -> dict[str, Any]:
    await _refresh_router_directory(ctx)
    return _challenge(ctx, conv, payload)


@command("saslContinue", no_auth=True)
def sasl_continue(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Subsequent steps in a SASL authentication conversation."""
    session = _session(ctx)
    conn = ctx.conn
    assert conn is not None
    server = ctx.server
    conv: _Conversation | None = session.conversation
    if conv is None:
        raise CommandError("ProtocolError", "No SASL session state found")
    if cmd.get("conversationId") != 1:
        raise CommandError("ProtocolError", "sasl: Mismatched conversation id")
    payload, _ = _decode_payload(cmd.get("payload", b""))
    try:
        if conv.scram.success:
            reply = conv.scram.empty_step(payload)
        else:
            reply = conv.scram.finish(payload)
    except scram.ScramError as exc:
        raise _failed(server, conn, conv, exc) from None
    if conv.scram.done:  # after the proof with skipEmptyExchange, else after the empty round trip
        _authenticated(ctx, conv)
        session.conversation = None
    return {"conversationId": 1, "done": conv.scram.done, "payload": _encode_payload(reply, conv.as_text)}


def _authenticated(ctx: CommandContext, conv: _Conversation) -> None:
    conn = ctx.conn
    assert conn is not None
    user = internal.lookup(ctx.server, conv.scram.principal, conv.db)
    roles = [r for r in (user or {}).get("roles") or [] if isinstance(r, dict)]
    conn.auth.add_user(conv.scram.principal, conv.db, roles)
    _log_success(ctx.server, conn, conv)
    audit_events.authentication(ctx.server, conn, conv.mechanism, conv.scram.principal, conv.db, 0)


@command("authenticate", no_auth=True)
def authenticate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """Authenticate a client with a non-SASL mechanism (MONGODB-X509)."""
    mechanism = cmd.get("mechanism")
    if not isinstance(mechanism, str) or not mechanism:
        raise CommandError("BadValue", "Auth mechanism not specified")
    if mechanism == X509:
        return _x509(ctx, cmd.get("user"), ctx.db, speculative=False)
    raise CommandError("MechanismUnavailable", f"Unsupported mechanism: {mechanism}")


# ------------------------------------------------------------------------------------------------- X.509
def _x509(ctx: CommandContext, user: Any, db: str, *, speculative: bool) -> dict[str, Any] | Awaitable[dict[str, Any]]:
    """MONGODB-X509: the user is the subject (RFC 2253) of the certificate the client presented in the TLS
    handshake, named on ``$external``; ``user``, when given, must be that subject. A router that does not know
    the user yet refreshes its copy of the users first (not for a speculative attempt)."""
    conn = ctx.conn
    if conn is None:
        raise CommandError("InternalError", "authentication needs a client connection")
    server = ctx.server
    configured = server.parameters.get("authenticationMechanisms") or [X509]
    if X509 not in configured:
        raise CommandError("MechanismUnavailable", f"Received authentication for mechanism {X509} which is not "
                           "enabled")
    subject = conn.tls.peer_subject if conn.tls is not None else None
    principal = user if isinstance(user, str) and user else subject or ""
    if db != EXTERNAL_DB:
        raise _x509_failed(ctx, speculative, principal, db, "ProtocolError: X.509 authentication must always use "
                           "the $external database.")
    if subject is None:
        raise _x509_failed(ctx, speculative, principal, db, "AuthenticationFailed: No verified subject name "
                           "available from client")
    if principal != subject:
        raise _x509_failed(ctx, speculative, principal, db, "AuthenticationFailed: There is no x.509 client "
                           "certificate matching the user.")
    refresh = getattr(server.users, "refresh", None)
    if not speculative and refresh is not None and server.users.user(subject, EXTERNAL_DB) is None:
        return _x509_after_refresh(ctx, subject)
    return _x509_login(ctx, subject, speculative)


async def _x509_after_refresh(ctx: CommandContext, subject: str) -> dict[str, Any]:
    await _refresh_router_directory(ctx)
    return _x509_login(ctx, subject, False)


def _x509_login(ctx: CommandContext, subject: str, speculative: bool) -> dict[str, Any]:
    conn = ctx.conn
    assert conn is not None
    doc = ctx.server.users.user(subject, EXTERNAL_DB) if ctx.server.users is not None else None
    if doc is None:
        raise _x509_failed(ctx, speculative, subject, EXTERNAL_DB,
                           f'UserNotFound: Could not find user "{subject}" for db "{EXTERNAL_DB}"')
    conn.auth.add_user(subject, EXTERNAL_DB, [r for r in doc.get("roles") or [] if isinstance(r, dict)])
    _log_attempt(ctx.server, conn, X509, speculative, subject, EXTERNAL_DB)
    audit_events.authentication(ctx.server, conn, X509, subject, EXTERNAL_DB, 0)
    return {"dbname": EXTERNAL_DB, "user": subject}


def _x509_failed(ctx: CommandContext, speculative: bool, principal: str, db: str, error: str) -> CommandError:
    """Log the real reason; the client gets only AuthenticationFailed."""
    assert ctx.conn is not None
    _log_attempt(ctx.server, ctx.conn, X509, speculative, principal, db, error)
    audit_events.authentication(ctx.server, ctx.conn, X509, principal, db,
                                errors.CODES.get(error.partition(":")[0], 18))
    return CommandError("AuthenticationFailed", AUTH_FAILED_MESSAGE)


def _speculative_x509(ctx: CommandContext, spec: dict[str, Any], reply: dict[str, Any]) -> None:
    """``speculativeAuthenticate: {authenticate: 1, mechanism: "MONGODB-X509"[, user, db]}`` in hello: on success
    the reply carries ``{dbname: "$external", user}``; on failure nothing (the client then runs authenticate)."""
    if spec.get("mechanism") != X509:
        return
    db = spec.get("db", EXTERNAL_DB)
    try:
        result = _x509(ctx, spec.get("user"), db if isinstance(db, str) else "", speculative=True)
    except CommandError:
        return
    if isinstance(result, dict):
        reply[_SPECULATIVE] = result


@command("logout", no_auth=True)
def logout(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """De-authenticate the users of this database on this connection."""
    _session(ctx).logout(ctx.db)
    return {}


# ------------------------------------------------------------------------------------------------- hello
def hello_auth_fields(ctx: CommandContext, cmd: dict[str, Any], reply: dict[str, Any]) -> None:
    """``saslSupportedMechs`` and ``speculativeAuthenticate`` (a hello_tail_hook, so they come after
    ``readOnly`` and before ``ok``, as in mongod)."""
    server = ctx.server
    wanted = cmd.get("saslSupportedMechs")
    if isinstance(wanted, str) and server.users is not None:
        db, dot, user = wanted.partition(".")
        if dot and user:
            doc = internal.lookup(server, user, db)
            if doc is not None:
                enabled = enabled_mechanisms(server)
                reply["saslSupportedMechs"] = [mech for mech in (doc.get("credentials") or {}) if mech in enabled]
    spec = cmd.get(_SPECULATIVE)
    if isinstance(spec, dict) and ctx.conn is not None and "authenticate" in spec:
        _speculative_x509(ctx, spec, reply)
        return
    if not isinstance(spec, dict) or ctx.conn is None or "saslStart" not in spec:
        return
    auth_db = spec.get("db")
    if not isinstance(auth_db, str):
        return
    try:
        conv, payload = _begin(ctx, spec, auth_db, speculative=True)
    except CommandError:
        return  # treated as if no speculative start had been sent
    if _needs_router_refresh(ctx, conv, payload):
        return  # the client falls back to saslStart, which refreshes the router's copy
    try:
        reply[_SPECULATIVE] = _challenge(ctx, conv, payload)
    except CommandError:
        return


def install(server: Server) -> None:
    hooks = getattr(server, "hello_tail_hooks", None)
    if hooks is None:
        hooks = []
        server.hello_tail_hooks = hooks  # type: ignore[attr-defined]
    hooks.append(hello_auth_fields)
