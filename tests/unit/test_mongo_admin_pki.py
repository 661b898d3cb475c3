"""The cluster CA and node certificates: shapes, names, file permissions, and a real TLS handshake with them."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mongo_admin.ops import pki


@pytest.fixture(scope="module")
def ca() -> pki.Credential:
    return pki.create_ca("prod")


def test_ca_is_a_certificate_authority(ca: pki.Credential) -> None:
    cert = ca.certificate
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "prod"


def test_node_certificate_names_every_host_and_both_usages(ca: pki.Credential) -> None:
    node = pki.issue(ca, "prod", "shard0-a", ["localhost", "127.0.0.1", "db1.example.internal"])
    cert = node.certificate
    cert.verify_directly_issued_by(ca.certificate)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost", "db1.example.internal"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
    assert node.subject == "CN=shard0-a,OU=prod,O=mongo-admin"
    assert node.not_after <= ca.not_after


def test_client_certificate_takes_its_own_unit(ca: pki.Credential) -> None:
    client = pki.issue(ca, "prod", "backup-agent", unit="clients")
    assert client.subject == "CN=backup-agent,OU=clients,O=mongo-admin"
    with pytest.raises(x509.ExtensionNotFound):
        client.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_written_credential_is_private_and_reads_back(ca: pki.Credential, tmp_path: Path) -> None:
    node = pki.issue(ca, "prod", "cfg-a", ["localhost"])
    path = tmp_path / "tls" / "cfg-a.pem"
    pki.write_credential(node, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert pki.read_credential(path) == node


@pytest.mark.parametrize("content, why", [
    (b"", "needs a CERTIFICATE block"),
    (b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"
     b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be parsed"),
])
def test_bad_credential_files_are_named(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)
    with pytest.raises(pki.CertificateError, match=why) as info:
        pki.read_credential(path)
    assert str(path) in str(info.value)


def test_validity_must_be_positive(ca: pki.Credential) -> None:
    with pytest.raises(pki.CertificateError, match="at least one day"):
        pki.issue(ca, "prod", "x", days=0)


def test_certificates_serve_a_mutually_authenticated_tls_handshake(ca: pki.Credential, tmp_path: Path) -> None:
    """What mongod and its clients do with these files: the server verifies the client against the CA and the
    client verifies the server's certificate and host name."""
    server_file, client_file, ca_file = tmp_path / "server.pem", tmp_path / "client.pem", tmp_path / "ca.pem"
    pki.write_credential(pki.issue(ca, "prod", "node", ["localhost", "127.0.0.1"]), server_file)
    pki.write_credential(pki.issue(ca, "prod", "app", unit="clients"), client_file)
    ca_file.write_bytes(ca.cert_pem)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(server_file)
    server_ctx.load_verify_locations(ca_file)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=str(ca_file))
    client_ctx.load_cert_chain(client_file)
    left, right = socket.socketpair()
    seen: dict[str, object] = {}

    def serve() -> None:
        with server_ctx.wrap_socket(left, server_side=True) as tls:
            seen["peer"] = tls.getpeercert()
            tls.sendall(tls.recv(5))

    thread = threading.Thread(target=serve)
    thread.start()
    with client_ctx.wrap_socket(right, server_hostname="localhost") as tls:
        tls.sendall(b"hello")
        assert tls.recv(5) == b"hello"
    thread.join(10)
    peer = seen["peer"]
    assert isinstance(peer, dict)
    assert ((("commonName", "app"),) in peer["subject"])
