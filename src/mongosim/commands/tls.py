"""TLS administration: ``rotateCertificates`` and the serverStatus ``transportSecurity`` section.

``rotateCertificates`` (8.0 reply ``{ok: 1}``) reloads the certificate key file, the cluster file, the CA files
and the CRL file from disk into new contexts (``mongosim.tls.TlsManager.rotate``): connections accepted from then
on present the new certificate, those already open keep their session. When a file cannot be used the command
fails with the status mongod reports (InvalidSSLConfiguration) and the old contexts stay in use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim import errors, serverstatus
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.tls import VERSION_COUNTERS, TlsSetupError

if TYPE_CHECKING:
    from mongosim.server import Server

for _name, _code in {"InvalidSSLConfiguration": 140, "SSLHandshakeFailed": 141}.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)


@command("rotateCertificates", admin_only=True)
def rotate_certificates(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Rotate the TLS certificates: reload the certificate, CA and CRL files named at start-up."""
    message = cmd.get("message")
    if message is not None and not isinstance(message, str):
        raise CommandError("TypeMismatch", "BSON field 'rotateCertificates.message' is the wrong type "
                           f"'{type(message).__name__}', expected type 'string'")
    manager = ctx.server.tls
    if manager is None:
        raise CommandError("InvalidSSLConfiguration", "TLS is not enabled (tlsMode is disabled)")
    try:
        manager.rotate(ctx.conn.ctx_name if ctx.conn else "-", message)
    except TlsSetupError as exc:
        raise CommandError("InvalidSSLConfiguration", exc.errmsg) from None
    return {}


def _transport_security(server: Server) -> dict[str, Any]:
    counts = server.tls.versions if server.tls is not None else dict.fromkeys(VERSION_COUNTERS, 0)
    return {key: Int64(counts[key]) for key in VERSION_COUNTERS}


serverstatus.register_section("transportSecurity", _transport_security)
