"""Certificates for clusters that run with TLS: a cluster's own certificate authority and one certificate per node
or client, in the PEM layout MongoDB reads (``--tlsCAFile`` holds the CA certificate, ``--tlsCertificateKeyFile``
the node's certificate followed by its unencrypted private key).

Node certificates carry every name clients use for the node as subject alternative names (DNS names and IP
addresses), and both serverAuth and clientAuth usages, because a member is a server to its clients and a
client of the other members. The organisation and unit are the same for every node of a cluster: MongoDB treats
a certificate whose O/OU/DC match its own as a cluster member under ``clusterAuthMode x509``.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.records import write_atomic

ORGANIZATION = "mongo-admin"
_CURVE = ec.SECP256R1()


class CertificateError(MongoAdminError):
    """A certificate or key could not be read or does not fit its use."""


@dataclass(frozen=True)
class Credential:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    @property
    def combined_pem(self) -> bytes:
        """Certificate then key: the file ``--tlsCertificateKeyFile`` expects."""
        return self.cert_pem + self.key_pem

    @property
    def subject(self) -> str:
        """The subject as RFC 4514 text: the user name of a MONGODB-X509 client."""
        return self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> datetime.datetime:
        return self.certificate.not_valid_after_utc


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _validity(days: int) -> tuple[datetime.datetime, datetime.datetime]:
    if days < 1:
        raise CertificateError(f"certificate validity of {days} days", "a certificate must be valid for at "
                               "least one day", "give a validity of 1 day or more")
    # Backdated a little so that a node whose clock runs slightly behind accepts a certificate issued just now.
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    return start, start + datetime.timedelta(days=days)


def create_ca(cluster: str, days: int = 3650) -> Credential:
    """A self-signed certificate authority for ``cluster``."""
    key = ec.generate_private_key(_CURVE)
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, cluster),
                      x509.NameAttribute(NameOID.COMMON_NAME, f"{cluster} CA")])
    start, end = _validity(days)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Credential(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def issue(ca: Credential, cluster: str, common_name: str, hosts: list[str] | None = None, *, days: int = 825,
          unit: str | None = None) -> Credential:
    """A certificate signed by ``ca`` for ``common_name``, valid for the DNS names and IP addresses in ``hosts``
    (a client certificate needs none). ``unit`` overrides the organisational unit: a client certificate must not
    share the members' O/OU, or MongoDB would take its holder for a cluster member."""
    try:
        ca_key = serialization.load_pem_private_key(ca.key_pem, password=None)
        ca_cert = ca.certificate
    except ValueError as exc:
        raise CertificateError("the certificate authority could not be read", str(exc),
                               "recreate the cluster's CA or restore its files") from exc
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise CertificateError("the certificate authority's key is not an EC key",
                               f"it is a {type(ca_key).__name__}", "use a CA made by mongo-admin")
    key = ec.generate_private_key(_CURVE)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
                         x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit or cluster),
                         x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start, end = _validity(days)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(min(end, ca_cert.not_valid_after_utc))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                     ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    if hosts:
        builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]),
                                        critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Credential(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return x509.DNSName(host)


def write_credential(credential: Credential, path: Path) -> None:
    """The certificate and key as one PEM file, readable by its owner only."""
    write_atomic(path, credential.combined_pem, mode=0o600)


def read_credential(path: Path) -> Credential:
    """A combined certificate-and-key PEM file (as ``write_credential`` writes and MongoDB reads)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CertificateError(f"cannot read {path}", exc.strerror or str(exc),
                               "check the path and its permissions") from exc
    begin_key = data.find(b"-----BEGIN PRIVATE KEY-----")
    if begin_key < 0 or b"-----BEGIN CERTIFICATE-----" not in data:
        raise CertificateError(f"{path} is not a certificate-and-key file",
                               "it needs a CERTIFICATE block and a PRIVATE KEY block",
                               "point at the file made for --tlsCertificateKeyFile")
    cert_pem, key_pem = data[:begin_key], data[begin_key:]
    try:
        x509.load_pem_x509_certificate(cert_pem)
        serialization.load_pem_private_key(key_pem, password=None)
    except ValueError as exc:
        raise CertificateError(f"{path} could not be parsed", str(exc), "regenerate the certificate") from exc
    return Credential(cert_pem, key_pem)
