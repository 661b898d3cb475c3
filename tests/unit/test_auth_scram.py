"""SCRAM-SHA-1 / SCRAM-SHA-256 against the auth specification's vectors, credential documents, SASLprep."""

from __future__ import annotations

import base64

import pytest

from mongosim.auth import credentials, scram

# The auth specification's conversations for user "user", password "pencil".
SHA256 = {
    "mechanism": "SCRAM-SHA-256",
    "client_nonce": "rOprNGfwEbeRWgbNEkqO",
    "server_nonce": "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "salt": "W22ZaJ0SNY7soEsUEjb6gQ==",
    "iterations": 4096,
    "client_first": "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "server_first": "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "client_final": "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "server_final": "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
}
SHA1 = {
    "mechanism": "SCRAM-SHA-1",
    "client_nonce": "fyko+d2lbbFgONRv9qkxdawL",
    "server_nonce": "Ho+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE",
    "salt": "rQ9ZY3MntBeuP3E1TDVC4w==",
    "iterations": 10000,
    "client_first": "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "server_first": "r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,s=rQ9ZY3MntBeuP3E1TDVC4w==,i=10000",
    "client_final": "c=biws,r=fyko+d2lbbFgONRv9qkxdawLHo+Vgk7qvUOKUwuWLIWg4l/9SraGMHEE,p=MC2T8BvbmWRckDw8oWl5IVghwCY=",
    "server_final": "v=UMWeI25JD1yNYZRMpZ4VHvhZ9e0=",
}
VECTORS = [pytest.param(SHA256, id="SCRAM-SHA-256"), pytest.param(SHA1, id="SCRAM-SHA-1")]


def _stored(vector: dict[str, object]) -> dict[str, object]:
    mechanism = str(vector["mechanism"])
    return credentials.scram_credential(mechanism, "user", "pencil", int(str(vector["iterations"])),
                                        salt=base64.b64decode(str(vector["salt"])))


@pytest.mark.parametrize("vector", VECTORS)
def test_server_conversation_reproduces_the_spec_vector(vector: dict[str, object]) -> None:
    conv = scram.ServerConversation(str(vector["mechanism"]), skip_empty_exchange=True,
                                    server_nonce=lambda: str(vector["server_nonce"]))
    assert conv.start(str(vector["client_first"]).encode()) == "user"
    assert conv.challenge(_stored(vector)).decode() == vector["server_first"]
    assert conv.finish(str(vector["client_final"]).encode()).decode() == vector["server_final"]
    assert conv.success and conv.done


@pytest.mark.parametrize("vector", VECTORS)
def test_client_conversation_reproduces_the_spec_vector(vector: dict[str, object]) -> None:
    client = scram.ClientConversation(str(vector["mechanism"]), "user", "pencil",
                                      nonce=str(vector["client_nonce"]))
    assert client.first().decode() == vector["client_first"]
    assert client.final(str(vector["server_first"]).encode()).decode() == vector["client_final"]
    client.verify(str(vector["server_final"]).encode())
    with pytest.raises(scram.ScramError):
        client.verify(b"v=" + base64.b64encode(b"\x00" * 32))


@pytest.mark.parametrize("vector", VECTORS)
def test_wrong_proof_is_a_stored_key_mismatch(vector: dict[str, object]) -> None:
    conv = scram.ServerConversation(str(vector["mechanism"]), server_nonce=lambda: str(vector["server_nonce"]))
    conv.start(str(vector["client_first"]).encode())
    conv.challenge(_stored(vector))
    without_proof, _, proof = str(vector["client_final"]).rpartition(",p=")
    bad = bytearray(base64.b64decode(proof))
    bad[0] ^= 1
    with pytest.raises(scram.ScramError) as failure:
        conv.finish(f"{without_proof},p={base64.b64encode(bytes(bad)).decode()}".encode())
    assert (failure.value.code_name, failure.value.reason) == ("AuthenticationFailed",
                                                               "SCRAM authentication failed, storedKey mismatch")
    assert not conv.success


def test_without_skip_empty_exchange_one_more_empty_step_ends_it() -> None:
    conv = scram.ServerConversation("SCRAM-SHA-256", server_nonce=lambda: str(SHA256["server_nonce"]))
    conv.start(str(SHA256["client_first"]).encode())
    conv.challenge(_stored(SHA256))
    assert conv.finish(str(SHA256["client_final"]).encode()).decode() == SHA256["server_final"]
    assert conv.success and not conv.done
    assert conv.empty_step(b"") == b"" and conv.done


def test_client_and_server_agree_with_random_nonces() -> None:
    stored = credentials.build("al,i=ce", "s3cret", scram.MECHANISMS, dict(credentials.DEFAULT_ITERATIONS))
    for mechanism in scram.MECHANISMS:
        client = scram.ClientConversation(mechanism, "al,i=ce", "s3cret")
        server = scram.ServerConversation(mechanism, skip_empty_exchange=True)
        assert server.start(client.first()) == "al,i=ce"  # =2C / =3D decoded
        reply = server.finish(client.final(server.challenge(stored[mechanism])))
        client.verify(reply)
        assert server.done


@pytest.mark.parametrize(("message", "code", "reason"), [
    (b"p=tls-unique,,n=user,r=abcdefgh", "BadValue", "Server does not support channel binding"),
    (b"x,,n=user,r=abcdefgh", "BadValue", "Incorrect SCRAM client message prefix: x"),
    (b"n,,m=ext,n=user,r=abcdefgh", "BadValue", "SCRAM mandatory extensions are not supported"),
    (b"n,,u=user,r=abcdefgh", "BadValue", "Invalid SCRAM user name: u=user"),
    (b"n,,n=user,r=abc", "BadValue", "Invalid SCRAM client nonce: r=abc"),
    (b"n,a=bob,n=user,r=abcdefgh", "BadValue", "SCRAM user name user does not match authzid bob"),
])
def test_bad_client_first_messages(message: bytes, code: str, reason: str) -> None:
    with pytest.raises(scram.ScramError) as failure:
        scram.ServerConversation("SCRAM-SHA-256").start(message)
    assert (failure.value.code_name, failure.value.reason) == (code, reason)


def test_missing_credential_for_the_mechanism_is_mechanism_unavailable() -> None:
    conv = scram.ServerConversation("SCRAM-SHA-256")
    conv.start(b"n,,n=user,r=abcdefgh")
    with pytest.raises(scram.ScramError) as failure:
        conv.challenge(None)
    assert failure.value.code_name == "MechanismUnavailable"


# ------------------------------------------------------------------------------------------------ credentials
def test_credential_documents_have_mongodb_shapes_and_lengths() -> None:
    built = credentials.build("alice", "secret", scram.MECHANISMS,
                              credentials.iterations_from({"scramIterationCount": 10000,
                                                           "scramSHA256IterationCount": 15000}))
    assert list(built) == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    for mechanism, salt_len, key_len, iterations in (("SCRAM-SHA-1", 16, 20, 10000),
                                                     ("SCRAM-SHA-256", 28, 32, 15000)):
        doc = built[mechanism]
        assert list(doc) == ["iterationCount", "salt", "storedKey", "serverKey"]
        assert doc["iterationCount"] == iterations
        assert len(base64.b64decode(doc["salt"])) == salt_len
        assert len(base64.b64decode(doc["storedKey"])) == key_len
        assert len(base64.b64decode(doc["serverKey"])) == key_len
        assert "secret" not in str(doc)
    again = credentials.build("alice", "secret", scram.MECHANISMS, dict(credentials.DEFAULT_ITERATIONS))
    assert again["SCRAM-SHA-256"]["salt"] != built["SCRAM-SHA-256"]["salt"]  # a fresh salt each time


def test_sha1_credentials_use_the_mongodb_password_digest() -> None:
    assert scram.mongo_digest("user", "pencil") == "1c33006ec1ffd90f9cadcbcc0e118200"
    plain = credentials.scram_credential("SCRAM-SHA-1", "user", "pencil", 4096, salt=b"s" * 16)
    digested = credentials.scram_credential("SCRAM-SHA-1", "user", scram.mongo_digest("user", "pencil"), 4096,
                                            salt=b"s" * 16, digested=True)
    assert plain == digested


def test_credentials_from_a_secret_for_the_internal_user() -> None:
    built = credentials.from_secret("__system", "a keyfile key")
    assert set(built) == {"SCRAM-SHA-1", "SCRAM-SHA-256"}
    client = scram.ClientConversation("SCRAM-SHA-256", "__system", "a keyfile key")
    server = scram.ServerConversation("SCRAM-SHA-256", skip_empty_exchange=True)
    server.start(client.first())
    client.verify(server.finish(client.final(server.challenge(built["SCRAM-SHA-256"]))))


# ------------------------------------------------------------------------------------------------ SASLprep
@pytest.mark.parametrize(("given", "expected"), [
    ("I\u00adX", "IX"),            # soft hyphen mapped to nothing
    ("user", "user"),
    ("USER", "USER"),              # case preserved
    ("\u00aa", "a"),               # NFKC
    ("\u2168", "IX"),              # NFKC
    ("a\u00a0b", "a b"),           # non-ASCII space mapped to space
    ("", ""),
])
def test_saslprep_maps_and_normalises(given: str, expected: str) -> None:
    assert scram.saslprep(given) == expected


@pytest.mark.parametrize("given", ["\u0007", "\u0627\u0031", "a\ufffe"])
def test_saslprep_refuses_prohibited_and_bad_bidi(given: str) -> None:
    with pytest.raises(ValueError):
        scram.saslprep(given)


def test_sha256_password_is_saslprepped() -> None:
    salt = b"x" * 28
    assert credentials.scram_credential("SCRAM-SHA-256", "u", "I\u00adX", 4096, salt=salt) == \
        credentials.scram_credential("SCRAM-SHA-256", "u", "IX", 4096, salt=salt)
