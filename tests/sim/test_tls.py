"""TLS on the simulator (``--tlsMode``, ``rotateCertificates``, intra-cluster TLS, MONGODB-X509), through pymongo
and the ssl module, with certificates from mongo-admin's own PKI."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pymongo
import pytest
from cryptography import x509
from pymongo.errors import OperationFailure, PyMongoError, ServerSelectionTimeoutError

from mongo_admin.ops import pki
from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, free_port, server_command, wait_until

PASSWORD = "hunter2-tls"


@dataclass(frozen=True)
class Certs:
    ca: Path
    server: Path
    server_renewed: Path
    encrypted_server: Path
    client: Path
    client_subject: str
    stranger: Path
    stranger_subject: str
    foreign_client: Path


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    from cryptography.hazmat.primitives import serialization

    base = tmp_path_factory.mktemp("pki")
    ca = pki.create_ca("tls-test")
    hosts = ["127.0.0.1", "localhost", socket.gethostname()]
    server, renewed = pki.issue(ca, "tls-test", "server", hosts), pki.issue(ca, "tls-test", "server", hosts)
    client = pki.issue(ca, "tls-test", "alice", unit="clients")
    stranger = pki.issue(ca, "tls-test", "carol", unit="clients")
    foreign = pki.issue(pki.create_ca("elsewhere"), "elsewhere", "mallory", unit="clients")
    (base / "ca.pem").write_bytes(ca.cert_pem)
    for name, credential in (("server", server), ("renewed", renewed), ("client", client), ("stranger", stranger),
                             ("foreign", foreign)):
        pki.write_credential(credential, base / f"{name}.pem")
    key = serialization.load_pem_private_key(server.key_pem, password=None)
    encrypted_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.BestAvailableEncryption(PASSWORD.encode()))
    (base / "encrypted.pem").write_bytes(server.cert_pem + encrypted_key)
    return Certs(ca=base / "ca.pem", server=base / "server.pem", server_renewed=base / "renewed.pem",
                 encrypted_server=base / "encrypted.pem", client=base / "client.pem", client_subject=client.subject,
                 stranger=base / "stranger.pem", stranger_subject=stranger.subject, foreign_client=base / "foreign.pem")


def tls_args(mode: str, key_file: Path, ca: Path, *extra: str) -> list[str]:
    return ["--tlsMode", mode, "--tlsCertificateKeyFile", str(key_file), "--tlsCAFile", str(ca), *extra]


def tls_options(certs: Certs, client_cert: Path | None = None) -> dict[str, Any]:
    options: dict[str, Any] = {"tls": True, "tlsCAFile": str(certs.ca)}
    if client_cert is not None:
        options["tlsCertificateKeyFile"] = str(client_cert)
    return options


def refused(server: SimProcess, **options: Any) -> bool:
    """The server will not talk to a client with exactly these options (pymongo gives up selecting it)."""
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        server.address, directConnection=True, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500, **options)
    try:
        client.admin.command("ping")
    except ServerSelectionTimeoutError:
        return True
    finally:
        client.close()
    return False


def served_certificate(port: int, certs: Certs) -> x509.Certificate:
    """The certificate the server presents to a new connection right now."""
    context = ssl.create_default_context(cafile=str(certs.ca))
    context.load_cert_chain(str(certs.client))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock, \
            context.wrap_socket(sock, server_hostname="127.0.0.1") as tls_sock:
        der = tls_sock.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def log_entries(server: SimProcess) -> list[dict[str, Any]]:
    return [json.loads(line) for line in server.log_lines()]


def by_id(server: SimProcess, msg_id: int) -> list[dict[str, Any]]:
    return [entry for entry in log_entries(server) if entry["id"] == msg_id]


# ------------------------------------------------------------------------------------------------- modes
def test_require_tls_accepts_only_tls_clients_with_a_certificate(tmp_path: Path, certs: Certs) -> None:
    server = SimProcess(tmp_path, args=tls_args("requireTLS", certs.server, certs.ca)).start()
    try:
        client = server.client(**tls_options(certs, certs.client))
        assert client.admin.command("ping")["ok"] == 1.0
        assert refused(server)  # plaintext
        assert refused(server, **tls_options(certs))  # no client certificate, and the CA requires one
        assert refused(server, **tls_options(certs, certs.foreign_client))  # signed by another CA
        assert client.admin.command("ping")["ok"] == 1.0
        waiting = by_id(server, 23016)
        assert waiting[-1]["attr"]["ssl"] == "on"
        errors = [entry["attr"]["error"] for entry in by_id(server, 22988)]
        assert {"code": 141, "codeName": "SSLHandshakeFailed",
                "errmsg": "The server is configured to only allow SSL connections"} in errors
        assert any(error["errmsg"] == "No SSL certificate provided by peer; connection rejected" for error in errors)
        assert any(error["errmsg"].startswith("SSL peer certificate validation failed") for error in errors)
        security = client.admin.command("serverStatus")["transportSecurity"]
        assert list(security) == ["1.0", "1.1", "1.2", "1.3", "unknown"]
        assert security["1.3"] >= 1
    finally:
        server.stop()


@pytest.mark.parametrize("mode", ["allowTLS", "preferTLS"])
def test_allow_and_prefer_tls_take_plain_and_tls_clients_on_one_port(tmp_path: Path, certs: Certs,
                                                                     mode: str) -> None:
    server = SimProcess(tmp_path, args=tls_args(mode, certs.server, certs.ca,
                                                "--tlsAllowConnectionsWithoutCertificates")).start()
    try:
        plain = server.client()
        secured = server.client(**tls_options(certs))
        with_certificate = server.client(**tls_options(certs, certs.client))
        for client in (plain, secured, with_certificate):
            client.test.items.insert_one({"via": mode})
        assert plain.test.items.count_documents({}) == 3
        assert by_id(server, 23016)[-1]["attr"]["ssl"] == "on"
        assert by_id(server, 23234)  # "No SSL certificate provided by peer", a warning only
    finally:
        server.stop()


def test_disabled_mode_listens_without_tls(mongod: SimProcess, certs: Certs) -> None:
    assert mongod.client().admin.command("ping")["ok"] == 1.0
    assert refused(mongod, **tls_options(certs))
    assert by_id(mongod, 23016)[-1]["attr"]["ssl"] == "off"
    errors = [entry["attr"]["error"]["errmsg"] for entry in by_id(mongod, 22988)]
    assert "SSL handshake received but server is started without SSL support" in errors
    status = mongod.client().admin.command("serverStatus")
    assert status["transportSecurity"]["1.3"] == 0


def test_encrypted_key_with_its_password(tmp_path: Path, certs: Certs) -> None:
    server = SimProcess(tmp_path, args=tls_args("requireTLS", certs.encrypted_server, certs.ca,
                                                "--tlsCertificateKeyFilePassword", PASSWORD)).start()
    try:
        assert server.client(**tls_options(certs, certs.client)).admin.command("ping")["ok"] == 1.0
        assert PASSWORD not in server.logpath.read_text()
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------------- start-up
def run_mongod(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "db").mkdir(exist_ok=True)
    return subprocess.run([*server_command("mongod"), "--port", str(free_port()), "--bind_ip", "127.0.0.1",
                           "--dbpath", str(tmp_path / "db"), "--logpath", str(tmp_path / "m.log"), *args],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("args", "message"), [
    (["--tlsMode", "requireTLS"], "BadValue: need tlsCertificateKeyFile or certificateSelector when TLS is enabled"),
    (["--tlsCAFile", "/ca.pem"],
     "BadValue: need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters"),
    (["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/k.pem"],
     "InvalidOptions: The use of TLS without specifying a chain of trust is no longer supported."),
    (["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/k.pem", "--tlsCAFile", "/ca.pem",
      "--tlsDisabledProtocols", "TLS9_9"], "BadValue: Unrecognized disabledProtocols 'TLS9_9'"),
])
def test_bad_tls_options_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_mongod(tmp_path, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == message


def test_unusable_certificate_key_file_fails_global_initialisation(tmp_path: Path, certs: Certs) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate\n")
    result = run_mongod(tmp_path, *tls_args("requireTLS", broken, certs.ca))
    assert result.returncode == 1
    entries = [json.loads(line) for line in (tmp_path / "m.log").read_text().splitlines()]
    cannot_read = next(entry for entry in entries if entry["msg"] == "Cannot read certificate file")
    assert cannot_read["attr"]["keyFile"] == str(broken)
    fatal = next(entry for entry in entries if entry["id"] == 20574)
    assert fatal["s"] == "F"
    assert fatal["attr"]["error"] == {"code": 140, "codeName": "InvalidSSLConfiguration",
                                      "errmsg": "Can not set up PEM key file."}
    assert entries[-1]["attr"] == {"exitCode": 1}

    wrong_password = run_mongod(tmp_path, *tls_args("requireTLS", certs.encrypted_server, certs.ca,
                                                    "--tlsCertificateKeyFilePassword", "not-the-password"))
    assert wrong_password.returncode == 1
    log_text = (tmp_path / "m.log").read_text()
    assert "Cannot read PEM key" in log_text
    assert "not-the-password" not in log_text and "PRIVATE KEY" not in log_text


# ------------------------------------------------------------------------------------------------- rotation
def test_rotate_certificates_serves_the_new_certificate_to_new_connections(tmp_path: Path, certs: Certs) -> None:
    key_file = tmp_path / "server.pem"
    shutil.copyfile(certs.server, key_file)
    server = SimProcess(tmp_path, args=tls_args("requireTLS", key_file, certs.ca)).start()
    try:
        old = server.client(maxPoolSize=1, **tls_options(certs, certs.client))
        before = old.admin.command("whatsmyuri")["you"]
        first = served_certificate(server.port, certs)

        shutil.copyfile(certs.server_renewed, key_file)
        assert served_certificate(server.port, certs).serial_number == first.serial_number  # not before rotating
        assert old.admin.command("rotateCertificates", message="renewed by the test") == {"ok": 1.0}
        renewed = served_certificate(server.port, certs)
        assert renewed.serial_number != first.serial_number
        assert renewed.serial_number == x509.load_pem_x509_certificate(certs.server_renewed.read_bytes()).serial_number
        assert old.admin.command("whatsmyuri")["you"] == before  # the old connection still works
        assert old.test.items.insert_one({"after": "rotation"}).acknowledged

        key_file.write_text("-----BEGIN CERTIFICATE-----\ngarbage\n-----END CERTIFICATE-----\n")
        with pytest.raises(OperationFailure) as failure:
            old.admin.command("rotateCertificates")
        assert failure.value.code == 140
        assert failure.value.details is not None
        assert failure.value.details["errmsg"] == "Can not set up PEM key file."
        assert served_certificate(server.port, certs).serial_number == renewed.serial_number  # old context kept
        fresh = server.client(**tls_options(certs, certs.client))
        assert fresh.admin.command("ping")["ok"] == 1.0

        assert [entry["attr"]["message"] for entry in by_id(server, 4913402)] == ["renewed by the test"]
        assert len(by_id(server, 4913400)) == 1
        log_text = server.logpath.read_text()
        assert "PRIVATE KEY" not in log_text and "BEGIN CERTIFICATE" not in log_text
    finally:
        server.stop()


def test_rotate_certificates_without_tls_fails(mongod: SimProcess) -> None:
    with pytest.raises(OperationFailure) as failure:
        mongod.client().admin.command("rotateCertificates")
    assert failure.value.code == 140


# ------------------------------------------------------------------------------------------------- X.509
def test_x509_authentication(tmp_path: Path, certs: Certs) -> None:
    server = SimProcess(tmp_path, args=["--auth", *tls_args("requireTLS", certs.server, certs.ca)])
    server.client_options = tls_options(certs, certs.client)
    server.start()
    try:
        bootstrap = server.client()  # the localhost exception: no user exists yet
        bootstrap.get_database("$external").command(
            "createUser", certs.client_subject, roles=[{"role": "readWriteAnyDatabase", "db": "admin"}])

        alice = server.client(authMechanism="MONGODB-X509")
        status = alice.admin.command("connectionStatus")
        assert status["authInfo"]["authenticatedUsers"] == [{"user": certs.client_subject, "db": "$external"}]
        assert status["authInfo"]["authenticatedUserRoles"] == [{"role": "readWriteAnyDatabase", "db": "admin"}]
        alice.test.items.insert_one({"by": "alice"})
        succeeded = by_id(server, 20250)
        assert succeeded[-1]["attr"]["mechanism"] == "MONGODB-X509"
        assert succeeded[-1]["attr"]["principalName"] == certs.client_subject
        assert succeeded[-1]["attr"]["speculative"] is True  # pymongo authenticates inside its hello

        named = server.client(authMechanism="MONGODB-X509", username=certs.client_subject)
        assert named.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"][0]["db"] == "$external"

        impostor = server.client(authMechanism="MONGODB-X509", username="CN=bob,OU=clients,O=mongo-admin")
        with pytest.raises(OperationFailure) as wrong_subject:
            impostor.admin.command("ping")
        assert wrong_subject.value.code == 18

        carol = server.client(authMechanism="MONGODB-X509", **tls_options(certs, certs.stranger))
        with pytest.raises(OperationFailure) as unknown:
            carol.admin.command("ping")
        assert unknown.value.code == 18

        errors = [entry["attr"]["error"] for entry in by_id(server, 20249)]
        assert "AuthenticationFailed: There is no x.509 client certificate matching the user." in errors
        assert f'UserNotFound: Could not find user "{certs.stranger_subject}" for db "$external"' in errors

        anonymous = server.client()
        with pytest.raises(OperationFailure) as unauthenticated:
            anonymous.test.items.find_one()
        assert unauthenticated.value.code == 13
        reply = anonymous.get_database("$external").command("authenticate", mechanism="MONGODB-X509")
        assert reply == {"dbname": "$external", "user": certs.client_subject, "ok": 1.0}
        assert anonymous.test.items.find_one({}, {"_id": 0}) == {"by": "alice"}
    finally:
        server.stop()


def test_x509_needs_a_client_certificate(tmp_path: Path, certs: Certs) -> None:
    server = SimProcess(tmp_path, args=tls_args("preferTLS", certs.server, certs.ca,
                                                "--tlsAllowConnectionsWithoutCertificates")).start()
    try:
        for options in ({}, tls_options(certs)):
            client = server.client(**options)
            with pytest.raises(OperationFailure) as failure:
                client.get_database("$external").command("authenticate", mechanism="MONGODB-X509")
            assert failure.value.code == 18
        errors = [entry["attr"]["error"] for entry in by_id(server, 20249)]
        assert errors.count("AuthenticationFailed: No verified subject name available from client") == 2
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------------- cluster
def test_replica_set_with_require_tls_everywhere(tmp_path: Path, certs: Certs) -> None:
    rs = ReplSet(tmp_path, members=3, args=tls_args("requireTLS", certs.server, certs.ca))
    for node in rs.nodes:
        node.client_options = tls_options(certs, certs.client)
    rs.start()
    try:
        rs.initiate()
        client = pymongo.MongoClient(rs.uri, serverSelectionTimeoutMS=20000, **tls_options(certs, certs.client))
        try:
            result = client.test.get_collection("items", write_concern=pymongo.WriteConcern(w=3, wtimeout=30000))
            result.insert_one({"_id": 1, "replicated": True})
            for node in rs.nodes:
                direct = node.client(readPreference="secondaryPreferred")
                assert direct.test.items.find_one({"_id": 1}) == {"_id": 1, "replicated": True}
        finally:
            client.close()
        plain_members = [node for node in rs.nodes if refused(node)]
        assert plain_members == rs.nodes
    finally:
        rs.stop()


def test_sharded_cluster_with_require_tls(tmp_path: Path, certs: Certs) -> None:
    args = tls_args("requireTLS", certs.server, certs.ca)
    config = ReplSet(tmp_path / "config", name="cfg", members=1, args=["--configsvr", *args])
    shard = ReplSet(tmp_path / "shard0", name="shard0", members=1, args=["--shardsvr", *args])
    for node in (*config.nodes, *shard.nodes):
        node.client_options = tls_options(certs, certs.client)
    router = SimProcess(tmp_path / "router", process="mongos",
                        args=["--configdb", f"cfg/{config.hosts[0]}", *args])
    router.client_options = tls_options(certs, certs.client)
    try:
        for rs in (config, shard):
            rs.start().initiate()
        router.start()
        client = router.client()
        wait_until(lambda: client.admin.command("addShard", f"shard0/{shard.hosts[0]}")["ok"] == 1.0,
                   "add the shard through the TLS router", timeout=60)
        client.admin.command("enableSharding", "routed")
        client.admin.command("shardCollection", "routed.items", key={"k": 1})
        client.routed.items.insert_many([{"k": i} for i in range(10)])
        assert client.routed.items.count_documents({}) == 10
        assert shard.nodes[0].client().routed.items.count_documents({}) == 10
        assert refused(router)
    finally:
        router.stop()
        shard.stop()
        config.stop()


def test_plain_member_cannot_join_require_tls_set(tmp_path: Path, certs: Certs) -> None:
    """allowTLS makes no outgoing TLS: its heartbeats to a requireTLS member are refused."""
    strict = SimProcess(tmp_path / "strict", args=["--replSet", "mixed", *tls_args("requireTLS", certs.server,
                                                                                    certs.ca)])
    lax = SimProcess(tmp_path / "lax", args=["--replSet", "mixed", *tls_args(
        "allowTLS", certs.server, certs.ca, "--tlsAllowConnectionsWithoutCertificates")])
    strict.client_options = tls_options(certs, certs.client)
    try:
        strict.start()
        lax.start()
        config = {"_id": "mixed", "members": [{"_id": 0, "host": lax.address},
                                              {"_id": 1, "host": strict.address, "priority": 0}]}
        with pytest.raises(PyMongoError):
            lax.client().admin.command("replSetInitiate", config)
        assert any(entry["attr"]["error"]["errmsg"] == "The server is configured to only allow SSL connections"
                   for entry in by_id(strict, 22988))
    finally:
        lax.stop()
        strict.stop()
