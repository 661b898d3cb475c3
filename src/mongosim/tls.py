"""TLS for mongod and mongos (``net.tls.*``), run the way MongoDB 8.0 runs it.

- ``TlsManager`` (``server.tls``; None with ``tlsMode: disabled``) holds the current contexts: the one incoming
  connections handshake with (the certificate key file; client certificates verified against the cluster CA
  file, else the CA file) and the one outgoing intra-cluster connections use (the cluster file, else the
  certificate key file; the peer verified against the CA file). ``rotate`` builds both again from the files on
  disk and swaps them in only when everything loaded, so a bad file leaves the server as it was; connections
  already open keep the session they negotiated.
- ``receive`` and ``TlsSession``: TLS over a connection the listener accepted, with ``ssl.SSLObject`` and memory
  BIOs. Whether a client speaks TLS is known only from its first bytes (allowTLS and preferTLS take both on one
  port; a TLS record starts 0x16 0x03), so ``Connection`` passes them here; a TLS session then also stands in for
  the transport (``write``/``close`` take plaintext), so the rest of ``Connection`` does not change. Each session
  takes the manager's context of the moment it starts.
- ``client_context``: what ``repl.peer.connect`` wraps outgoing connections in (preferTLS and requireTLS only).
- ``subject_name``: a certificate subject as MongoDB prints it (RFC 2253, last RDN first): the user name of
  MONGODB-X509.

Nothing secret is logged: passwords never, key files by path only.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mongosim.cli import ServerConfig
    from mongosim.connection import Connection
    from mongosim.logs import Logger

MODES = ("disabled", "allowTLS", "preferTLS", "requireTLS")
OUTGOING_MODES = ("preferTLS", "requireTLS")
PROTOCOLS = {"TLS1_0": ssl.TLSVersion.TLSv1, "TLS1_1": ssl.TLSVersion.TLSv1_1, "TLS1_2": ssl.TLSVersion.TLSv1_2,
             "TLS1_3": ssl.TLSVersion.TLSv1_3}
# MongoDB disables TLS 1.0 unless told otherwise (``tlsDisabledProtocols: none`` enables everything).
DEFAULT_DISABLED_PROTOCOLS = ("TLS1_0",)
VERSION_COUNTERS = ("1.0", "1.1", "1.2", "1.3", "unknown")
_TLS_RECORD_START = (0x16, 0x03)  # handshake record, protocol major version 3
_SSL_HANDSHAKE_FAILED = {"code": 141, "codeName": "SSLHandshakeFailed"}
# Log ids. 22988 is the server's "Error receiving request from client"; 20574 its global initialisation
# failure; 23234 the no-certificate warning. The others are best guesses.
ID_RECEIVE_ERROR = 22988
ID_GLOBAL_INIT_FAILED = 20574
ID_NO_PEER_CERTIFICATE = 23234
ID_PEER_CERTIFICATE_REJECTED = 23229
ID_CANNOT_READ_CERTIFICATE = 23248
ID_CANNOT_READ_KEY = 23249
ID_KEY_MISMATCH = 23251
ID_ROTATED = 4913400
ID_ROTATE_FAILED = 4913401
ID_ROTATE_REQUESTED = 4913402

_client_context: ssl.SSLContext | None = None


def client_context() -> ssl.SSLContext | None:
    """The context for outgoing intra-cluster connections, or None when they are plain (disabled, allowTLS)."""
    return _client_context


class TlsSetupError(Exception):
    """Certificates or keys could not be used. ``str()`` is the status mongod reports (InvalidSSLConfiguration);
    ``detail`` the line it logs first ((id, msg, attr)), if any."""

    def __init__(self, errmsg: str, detail: tuple[int, str, dict[str, Any]] | None = None) -> None:
        super().__init__(errmsg)
        self.errmsg = errmsg
        self.detail = detail

    def log(self, log: Logger, ctx: str) -> None:
        if self.detail is not None:
            msg_id, msg, attr = self.detail
            log.error("NETWORK", msg_id, ctx, msg, attr)


@dataclass(frozen=True)
class TlsSettings:
    mode: str
    certificate_key_file: str | None
    certificate_key_file_password: str | None
    cluster_file: str | None
    cluster_password: str | None
    ca_file: str | None
    cluster_ca_file: str | None
    crl_file: str | None
    allow_connections_without_certificates: bool
    allow_invalid_certificates: bool
    allow_invalid_hostnames: bool
    disabled_protocols: tuple[str, ...]
    use_system_ca: bool

    @classmethod
    def from_config(cls, config: ServerConfig) -> TlsSettings:
        disabled = config.tls_disabled_protocols
        protocols = DEFAULT_DISABLED_PROTOCOLS if not disabled else () if disabled == ["none"] else tuple(disabled)
        use_system_ca = str(config.set_parameters.get("tlsUseSystemCA", False)).lower() in ("true", "1")
        return cls(mode=config.tls_mode, certificate_key_file=config.tls_certificate_key_file,
                   certificate_key_file_password=config.tls_certificate_key_file_password,
                   cluster_file=config.tls_cluster_file,
                   cluster_password=config.tls_cluster_password,
                   ca_file=config.tls_ca_file, cluster_ca_file=config.tls_cluster_ca_file,
                   crl_file=config.tls_crl_file,
                   allow_connections_without_certificates=config.tls_allow_connections_without_certificates,
                   allow_invalid_certificates=config.tls_allow_invalid_certificates,
                   allow_invalid_hostnames=config.tls_allow_invalid_hostnames,
                   disabled_protocols=protocols, use_system_ca=use_system_ca)


# ------------------------------------------------------------------------------------------------- contexts
def _openssl_error(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        library = f"{exc.library} routines" if exc.library else "SSL routines"
        return f"error:{library}::{exc.reason.lower().replace('_', ' ')}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"error:system library::{exc.strerror}"
    return str(exc)


def _use_certificate_key_file(context: ssl.SSLContext, path: str, password: str | None, setup_error: str) -> None:
    """Load a PEM file holding a certificate (chain) and its private key, reporting problems as mongod's
    ``_setupPEM`` does: which part failed, then the status."""
    def cannot_read_certificate(error: str) -> TlsSetupError:
        return TlsSetupError(setup_error, (ID_CANNOT_READ_CERTIFICATE, "Cannot read certificate file",
                                           {"keyFile": path, "error": error}))

    def cannot_read_key(error: str) -> TlsSetupError:
        return TlsSetupError(setup_error, (ID_CANNOT_READ_KEY, "Cannot read PEM key",
                                           {"keyFile": path, "error": error}))

    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise cannot_read_certificate(_openssl_error(exc)) from None
    start = data.find(b"-----BEGIN CERTIFICATE-----")
    end = data.find(b"-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise cannot_read_certificate("error:PEM routines::no start line")
    try:  # the certificate alone first, to tell a bad certificate from a bad key (OpenSSL says "PEM lib" for both)
        first_certificate = data[start:end + len(b"-----END CERTIFICATE-----")].decode("ascii", "replace")
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=first_certificate)
    except (ssl.SSLError, ValueError):
        raise cannot_read_certificate("error:PEM routines::bad base64 decode") from None
    if b"PRIVATE KEY-----" not in data:
        raise cannot_read_key("error:PEM routines::no start line")
    secret = password or ""
    try:
        # A callable, so an encrypted key without a password fails instead of prompting on a terminal.
        context.load_cert_chain(path, password=lambda: secret)
    except ssl.SSLError as exc:
        if exc.reason == "KEY_VALUES_MISMATCH":
            raise TlsSetupError(setup_error, (ID_KEY_MISMATCH, "SSL certificate validation failed",
                                              {"error": _openssl_error(exc)})) from None
        encrypted = b"ENCRYPTED" in data
        raise cannot_read_key("error:PROV routines::bad decrypt" if encrypted else "error:PEM routines::bad key") \
            from None
    except OSError as exc:
        raise cannot_read_certificate(_openssl_error(exc)) from None


def _use_ca_file(context: ssl.SSLContext, path: str) -> None:
    try:
        context.load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError) as exc:
        raise TlsSetupError(f"cannot read certificate authority file: {path} {_openssl_error(exc)}") from None


def _use_crl_file(context: ssl.SSLContext, path: str) -> None:
    try:
        context.load_verify_locations(cafile=path)
    except (ssl.SSLError, OSError):
        raise TlsSetupError("Can not set up CRL file.") from None
    context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF


def _limit_protocols(context: ssl.SSLContext, disabled: tuple[str, ...]) -> None:
    """``tlsDisabledProtocols`` as the context's version range. TLS 1.0 and 1.1 are never offered: Python and
    OpenSSL 3 refuse them at their default security level, so enabling them changes nothing."""
    enabled = [version for name, version in PROTOCOLS.items()
               if name not in disabled and version >= ssl.TLSVersion.TLSv1_2]
    if enabled:
        context.minimum_version = min(enabled)
        context.maximum_version = max(enabled)


def server_context(settings: TlsSettings) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _limit_protocols(context, settings.disabled_protocols)
    if settings.certificate_key_file:
        _use_certificate_key_file(context, settings.certificate_key_file, settings.certificate_key_file_password,
                                  "Can not set up PEM key file.")
    ca_file = settings.cluster_ca_file or settings.ca_file
    if ca_file:
        _use_ca_file(context, ca_file)
    elif settings.use_system_ca:
        context.load_default_certs(ssl.Purpose.CLIENT_AUTH)
    if settings.crl_file:
        _use_crl_file(context, settings.crl_file)
    # Ask for a client certificate and verify the one given; whether none is acceptable is decided after the
    # handshake (TlsSession._established), where mongod decides it too. Invalid certificates are accepted by not
    # asking for one, so X.509 authentication is then unavailable.
    if settings.allow_invalid_certificates or not (ca_file or settings.use_system_ca):
        context.verify_mode = ssl.CERT_NONE
    else:
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def outgoing_context(settings: TlsSettings) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _limit_protocols(context, settings.disabled_protocols)
    if settings.cluster_file:
        _use_certificate_key_file(context, settings.cluster_file,
                                  settings.cluster_password or settings.certificate_key_file_password,
                                  "Can not set up ssl clusterFile.")
    elif settings.certificate_key_file:
        _use_certificate_key_file(context, settings.certificate_key_file, settings.certificate_key_file_password,
                                  "Can not set up PEM key file.")
    if settings.ca_file:
        _use_ca_file(context, settings.ca_file)
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if settings.crl_file:
        _use_crl_file(context, settings.crl_file)
    if settings.allow_invalid_certificates:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context.check_hostname = not settings.allow_invalid_hostnames
    return context


# ------------------------------------------------------------------------------------------------- subjects
_SHORT_NAMES = {"commonName": "CN", "organizationalUnitName": "OU", "organizationName": "O", "localityName": "L",
                "stateOrProvinceName": "ST", "countryName": "C", "domainComponent": "DC", "userId": "UID",
                "streetAddress": "street", "emailAddress": "emailAddress", "serialNumber": "serialNumber",
                "title": "title", "givenName": "GN", "surname": "SN", "initials": "initials",
                "pseudonym": "pseudonym", "generationQualifier": "generationQualifier",
                "dnQualifier": "dnQualifier", "name": "name", "businessCategory": "businessCategory",
                "postalCode": "postalCode"}


def _escape(value: str) -> str:
    out = []
    for index, char in enumerate(value):
        if char in ',+"\\<>;' or (index == 0 and char in "# ") or (index == len(value) - 1 and char == " "):
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def subject_name(cert: dict[str, Any]) -> str:
    """``getpeercert()``'s subject as RFC 2253 text (most specific RDN first), as MongoDB names X.509 users."""
    rdns = []
    for rdn in reversed(cert.get("subject") or ()):
        rdns.append("+".join(f"{_SHORT_NAMES.get(key, key)}={_escape(value)}" for key, value in rdn))
    return ",".join(rdns)


def _certificate_summary(path: str | None) -> dict[str, Any] | None:
    """Subject, SHA-1 thumbprint and validity of the first certificate in ``path`` (the rotation log line)."""
    if not path:
        return None
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            text = handle.read()
        start = text.index("-----BEGIN CERTIFICATE-----")
        end = text.index("-----END CERTIFICATE-----", start) + len("-----END CERTIFICATE-----")
        der = ssl.PEM_cert_to_DER_cert(text[start:end])
        from cryptography import x509  # only here: the server needs it for nothing else

        cert = x509.load_der_x509_certificate(der)
    except (OSError, ValueError):
        return None
    return {"subject": cert.subject.rfc4514_string(), "thumbprint": hashlib.sha1(der).hexdigest().upper(),
            "notValidAfter": cert.not_valid_after_utc.isoformat()}


# ------------------------------------------------------------------------------------------------- manager
class TlsManager:
    """The process's TLS state: settings, current contexts, connection counters by protocol version."""

    def __init__(self, settings: TlsSettings, log: Logger) -> None:
        self.settings = settings
        self.log = log
        self.server_context, self.client_context = self._build()
        self.versions = dict.fromkeys(VERSION_COUNTERS, 0)
        self._publish()

    @classmethod
    def start(cls, config: ServerConfig, log: Logger, ctx: str) -> TlsManager | None:
        """The manager for ``config`` (None when TLS is disabled). A file that cannot be used is logged as mongod
        logs it and raised as TlsSetupError."""
        global _client_context
        settings = TlsSettings.from_config(config)
        if settings.mode == "disabled":
            _client_context = None
            return None
        try:
            return cls(settings, log)
        except TlsSetupError as exc:
            exc.log(log, ctx)
            log.log("F", "CONTROL", ID_GLOBAL_INIT_FAILED, ctx, "Error during global initialization",
                    {"error": {"code": 140, "codeName": "InvalidSSLConfiguration", "errmsg": exc.errmsg}})
            raise

    @property
    def mode(self) -> str:
        return self.settings.mode

    @property
    def requires_client_certificate(self) -> bool:
        """mongod rejects a client without a certificate when it has a CA to check one against."""
        return (self.server_context.verify_mode != ssl.CERT_NONE
                and not self.settings.allow_connections_without_certificates)

    def _build(self) -> tuple[ssl.SSLContext, ssl.SSLContext]:
        return server_context(self.settings), outgoing_context(self.settings)

    def _publish(self) -> None:
        global _client_context
        _client_context = self.client_context if self.mode in OUTGOING_MODES else None

    def rotate(self, ctx: str, message: str | None) -> None:
        """rotateCertificates: reload every file; on failure nothing changes and TlsSetupError is raised."""
        if message is not None:
            self.log.info("NETWORK", ID_ROTATE_REQUESTED, ctx, "Rotating certificates", {"message": message})
        try:
            contexts = self._build()
        except TlsSetupError as exc:
            exc.log(self.log, ctx)
            self.log.warning("NETWORK", ID_ROTATE_FAILED, ctx, "Failed to rotate X509 certificates",
                             {"error": exc.errmsg})
            raise
        self.server_context, self.client_context = contexts
        self._publish()
        attr: dict[str, Any] = {}
        for name, path in (("serverCertificate", self.settings.certificate_key_file),
                           ("clusterCertificate", self.settings.cluster_file)):
            summary = _certificate_summary(path)
            if summary is not None:
                attr[name] = summary
        self.log.info("NETWORK", ID_ROTATED, ctx, "Successfully rotated X509 certificates.", attr)

    def count_version(self, version: str | None) -> None:
        key = (version or "").removeprefix("TLSv")
        key = key if key in self.versions else "1.0" if key == "1" else "unknown"
        self.versions[key] += 1

    def refuse_plaintext(self, conn: Connection) -> None:
        _log_receive_error(conn, "The server is configured to only allow SSL connections")
        conn.close()


def _log_receive_error(conn: Connection, errmsg: str) -> None:
    conn.server.log.log("W", "NETWORK", ID_RECEIVE_ERROR, conn.ctx_name,
                        "Error receiving request from client. Ending connection from remote",
                        {"error": {**_SSL_HANDSHAKE_FAILED, "errmsg": errmsg}, "remote": conn.remote,
                         "connectionId": conn.id})


def handshake_error(exc: BaseException) -> str:
    """An OpenSSL failure in mongod's words."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"SSL peer certificate validation failed: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return exc.reason.lower().replace("_", " ")
    return str(exc) or type(exc).__name__


# ------------------------------------------------------------------------------------------------- sessions
def receive(conn: Connection, data: bytes) -> bytes:
    """Bytes read from a client: the plaintext for the connection (b"" when there is none yet). Until the first
    bytes have arrived, ``conn.tls_pending`` holds them; then the connection either stays plain (TLS disabled,
    allowTLS, preferTLS), is refused (plaintext under requireTLS, a TLS handshake when TLS is disabled), or gets a
    ``TlsSession`` in ``conn.tls`` that every later byte goes through."""
    session = conn.tls
    if session is None:
        pending = conn.tls_pending
        if pending is None:
            return data
        pending += data
        if len(pending) < len(_TLS_RECORD_START):
            return b""
        conn.tls_pending = None
        data = bytes(pending)
        manager = conn.server.tls
        if tuple(data[:len(_TLS_RECORD_START)]) != _TLS_RECORD_START:
            if manager is not None and manager.mode == "requireTLS":
                manager.refuse_plaintext(conn)
                return b""
            return data
        if manager is None:
            _log_receive_error(conn, "SSL handshake received but server is started without SSL support")
            conn.close()
            return b""
        session = conn.tls = TlsSession(conn, manager)
    return session.receive(data)


class TlsSession(asyncio.Transport):
    """TLS over one accepted connection; the connection's transport once it exists (plaintext in and out)."""

    def __init__(self, conn: Connection, manager: TlsManager) -> None:
        super().__init__()
        assert conn.transport is not None
        self.conn = conn
        self.manager = manager
        self.raw: asyncio.Transport = conn.transport
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._ssl = manager.server_context.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self.established = False
        self.version: str | None = None
        # The client certificate's subject (RFC 2253), when it sent one that verified.
        self.peer_subject: str | None = None
        self._closing = False
        conn.transport = self

    # ----------------------------------------------------------------------------------------- from the client
    def receive(self, data: bytes) -> bytes:
        self._incoming.write(data)
        try:
            if not self.established:
                try:
                    self._ssl.do_handshake()
                except ssl.SSLWantReadError:
                    self._flush()
                    return b""
                self._flush()
                if not self._established():
                    return b""
            return self._read()
        except ssl.SSLError as exc:
            self._flush()  # the alert, so the client learns why
            _log_receive_error(self.conn, handshake_error(exc))
            self.conn.close()
            return b""

    def _established(self) -> bool:
        self.established = True
        self.version = self._ssl.version()
        self.manager.count_version(self.version)
        cert = self._ssl.getpeercert()
        if cert:
            self.peer_subject = subject_name(cert)
            return True
        if self.manager.requires_client_certificate:
            message = "No SSL certificate provided by peer; connection rejected"
            self.conn.server.log.error("NETWORK", ID_PEER_CERTIFICATE_REJECTED, self.conn.ctx_name, message)
            _log_receive_error(self.conn, message)
            self.conn.close()
            return False
        parameters = self.conn.server.parameters
        if self._ssl.context.verify_mode != ssl.CERT_NONE and not parameters.get("suppressNoTLSPeerCertificateWarning"):
            self.conn.server.log.warning("NETWORK", ID_NO_PEER_CERTIFICATE, self.conn.ctx_name,
                                         "No SSL certificate provided by peer")
        return True

    def _read(self) -> bytes:
        chunks: list[bytes] = []
        while True:
            try:
                chunk = self._ssl.read(1 << 18)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:  # the client's close_notify
                self._flush()
                self.conn.close()
                break
            if not chunk:
                break
            chunks.append(chunk)
        self._flush()
        return b"".join(chunks)

    def _flush(self) -> None:
        data = self._outgoing.read()
        if data and not self.raw.is_closing():
            self.raw.write(data)

    # ----------------------------------------------------------------------------------------- transport
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        view = memoryview(data)
        try:
            while view:
                written = self._ssl.write(view)
                view = view[written:]
        except ssl.SSLError:
            self.close()
            return
        self._flush()

    def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self.established:
            with contextlib.suppress(ssl.SSLError):
                self._ssl.unwrap()  # sends close_notify; the client's may never come
            self._flush()
        self.raw.close()

    def abort(self) -> None:
        self._closing = True
        self.raw.abort()

    def is_closing(self) -> bool:
        return self._closing or self.raw.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "ssl_object":
            return self._ssl
        if name == "peercert":
            return self._ssl.getpeercert() if self.established else default
        return self.raw.get_extra_info(name, default)

    def get_write_buffer_size(self) -> int:
        return self.raw.get_write_buffer_size()
