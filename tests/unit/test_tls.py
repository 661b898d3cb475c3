"""mongosim.tls pieces that need no process: subject names, option checks, contexts from files."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest

from mongo_admin.ops import pki
from mongosim.cli import OptionsError, parse_args
from mongosim.tls import TlsSettings, TlsSetupError, outgoing_context, server_context, subject_name


@pytest.mark.parametrize(("subject", "expected"), [
    (((("organizationName", "mongo-admin"),), (("organizationalUnitName", "clients"),), (("commonName", "alice"),)),
     "CN=alice,OU=clients,O=mongo-admin"),
    (((("countryName", "US"),), (("stateOrProvinceName", "New York"),), (("localityName", "New York City"),),
      (("organizationName", "MongoDB"),), (("commonName", "Doe, Jane"),)),
     "CN=Doe\\, Jane,O=MongoDB,L=New York City,ST=New York,C=US"),
    (((("domainComponent", "com"),), (("domainComponent", "example"),),
      (("commonName", "svc"), ("userId", "42"))), "CN=svc+UID=42,DC=example,DC=com"),
    (((("commonName", " #lead+trail "),),), "CN=\\ #lead\\+trail\\ "),
    (((("commonName", "#hash"),),), "CN=\\#hash"),
])
def test_subject_names_print_as_mongodb_prints_them(subject: tuple[Any, ...], expected: str) -> None:
    assert subject_name({"subject": subject}) == expected


TLS = ["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/k.pem"]


@pytest.mark.parametrize(("args", "message"), [
    (["--tlsMode", "bogus"], "BadValue: unsupported value for tlsMode bogus"),
    (["--tlsMode", "preferTLS"], "BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled"),
    (["--tlsCertificateKeyFile", "/k.pem"],
     "BadValue: need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters"),
    (["--sslMode", "disabled", "--sslCAFile", "/ca.pem"],
     "BadValue: need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters"),
    (TLS, "InvalidOptions: The use of TLS without specifying a chain of trust is no longer supported."),
    ([*TLS, "--tlsCAFile", "/ca.pem", "--setParameter", "tlsUseSystemCA=true"],
     "InvalidOptions: The use of both a CA File and the System Certificate store is not supported."),
    ([*TLS, "--tlsAllowConnectionsWithoutCertificates"],
     "BadValue: No TLS certificate validation can be performed since no CA file has been provided; please specify "
     "an tlsCAFile parameter"),
    ([*TLS, "--tlsCRLFile", "/crl.pem"], "BadValue: need tlsCAFile with tlsCRLFile"),
    ([*TLS, "--tlsClusterCAFile", "/cca.pem"],
     "BadValue: Specifying a tlsClusterCAFile requires a tlsCAFile also be specified"),
    ([*TLS, "--tlsCAFile", "/ca.pem", "--tlsDisabledProtocols", "TLS1_0,SSL3"],
     "BadValue: Unrecognized disabledProtocols 'SSL3'"),
])
def test_tls_option_checks(args: list[str], message: str) -> None:
    with pytest.raises(OptionsError) as failure:
        parse_args("mongod", ["mongod", *args])
    assert failure.value.message == message
    assert failure.value.exit_code == 2


@pytest.mark.parametrize("args", [
    [*TLS, "--tlsCAFile", "/ca.pem"],
    [*TLS, "--setParameter", "tlsUseSystemCA=true"],
    [*TLS, "--tlsCAFile", "/ca.pem", "--tlsDisabledProtocols", "none"],
    ["--sslMode", "allowSSL", "--sslPEMKeyFile", "/k.pem", "--sslCAFile", "/ca.pem"],
    ["--tlsCertificateKeyFilePassword", "only-a-password"],
])
def test_valid_tls_options(args: list[str]) -> None:
    parse_args("mongod", ["mongod", *args])


def _settings(tmp_path: Path) -> TlsSettings:
    ca = pki.create_ca("unit")
    node = pki.issue(ca, "unit", "node", ["127.0.0.1"])
    (tmp_path / "ca.pem").write_bytes(ca.cert_pem)
    pki.write_credential(node, tmp_path / "node.pem")
    config = parse_args("mongod", ["mongod", "--tlsMode", "preferTLS", "--tlsCertificateKeyFile",
                                   str(tmp_path / "node.pem"), "--tlsCAFile", str(tmp_path / "ca.pem")])
    return TlsSettings.from_config(config)


def test_contexts_follow_the_settings(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    incoming = server_context(settings)
    assert incoming.verify_mode == ssl.CERT_OPTIONAL  # required-or-not is decided after the handshake
    assert incoming.minimum_version == ssl.TLSVersion.TLSv1_2
    outgoing = outgoing_context(settings)
    assert outgoing.verify_mode == ssl.CERT_REQUIRED and outgoing.check_hostname
    lax = outgoing_context(TlsSettings(**{**settings.__dict__, "allow_invalid_hostnames": True}))
    assert not lax.check_hostname and lax.verify_mode == ssl.CERT_REQUIRED
    only_13 = server_context(TlsSettings(**{**settings.__dict__,
                                            "disabled_protocols": ("TLS1_0", "TLS1_1", "TLS1_2")}))
    assert only_13.minimum_version == ssl.TLSVersion.TLSv1_3


def test_unusable_files_raise_mongods_statuses(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    (tmp_path / "cert-only.pem").write_bytes((tmp_path / "node.pem").read_bytes().split(b"-----BEGIN PRIVATE")[0])
    cases = {
        "certificate_key_file": (str(tmp_path / "missing.pem"), "Can not set up PEM key file.",
                                 "Cannot read certificate file"),
        "ca_file": (str(tmp_path / "missing.pem"), f"cannot read certificate authority file: {tmp_path}/missing.pem "
                                                   "error:system library::No such file or directory", None),
    }
    for field, (value, errmsg, detail) in cases.items():
        with pytest.raises(TlsSetupError) as failure:
            server_context(TlsSettings(**{**settings.__dict__, field: value}))
        assert failure.value.errmsg == errmsg
        assert (failure.value.detail[1] if failure.value.detail else None) == detail
    with pytest.raises(TlsSetupError) as no_key:
        server_context(TlsSettings(**{**settings.__dict__, "certificate_key_file": str(tmp_path / "cert-only.pem")}))
    assert no_key.value.detail is not None and no_key.value.detail[1] == "Cannot read PEM key"
    with pytest.raises(TlsSetupError) as cluster:
        outgoing_context(TlsSettings(**{**settings.__dict__, "cluster_file": str(tmp_path / "missing.pem")}))
    assert cluster.value.errmsg == "Can not set up ssl clusterFile."
