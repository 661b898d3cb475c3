"""SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802 / RFC 7677) as MongoDB speaks them: the key derivation, the server
side of the SASL conversation, and a client side for members that authenticate to each other.

MongoDB's twists on the RFCs: for SCRAM-SHA-1 the "password" is ``hex(md5(user + ":mongo:" + password))`` and
is not SASLprep'd; for SCRAM-SHA-256 it is the SASLprep'd password. Channel binding is never used (gs2 header
``n,,``). The server nonce is the client nonce plus base64 of 24 random bytes. When the client asks for
``skipEmptyExchange`` the server's final message ends the conversation; otherwise one more empty round trip
follows.

Errors are ``ScramError(code_name, reason)``: the command layer logs the reason and answers the client only
"Authentication failed." (code 18), so nothing here ever reaches the client verbatim.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import stringprep
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

SCRAM_SHA_1 = "SCRAM-SHA-1"
SCRAM_SHA_256 = "SCRAM-SHA-256"
MECHANISMS = (SCRAM_SHA_1, SCRAM_SHA_256)
_HASHES = {SCRAM_SHA_1: "sha1", SCRAM_SHA_256: "sha256"}
# Bytes of randomness the server adds to the client's nonce (three 64-bit words, as mongod).
SERVER_NONCE_BYTES = 24


class ScramError(Exception):
    """The conversation failed; ``code_name`` is the server's error (AuthenticationFailed, BadValue,
    UserNotFound, MechanismUnavailable, ProtocolError) and ``reason`` the message it logs."""

    def __init__(self, code_name: str, reason: str) -> None:
        super().__init__(reason)
        self.code_name = code_name
        self.reason = reason


def hash_name(mechanism: str) -> str:
    return _HASHES[mechanism]


def salt_length(mechanism: str) -> int:
    """Hash length minus 4 (``saltLength()`` in mechanism_scram.h): 16 for SHA-1, 28 for SHA-256."""
    return hashlib.new(_HASHES[mechanism]).digest_size - 4


# ------------------------------------------------------------------------------------------------- SASLprep
def _mapped(char: str) -> str:
    if stringprep.in_table_c12(char):  # non-ASCII space → space
        return " "
    if stringprep.in_table_b1(char):  # commonly mapped to nothing
        return ""
    return char


_PROHIBITED: tuple[Callable[[str], bool], ...] = (
    stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3, stringprep.in_table_c4,
    stringprep.in_table_c5, stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8,
    stringprep.in_table_c9)


def saslprep(text: str) -> str:
    """RFC 4013 SASLprep (stored strings: unassigned code points are refused). Raises ValueError for a
    prohibited character or bad bidirectional text."""
    mapped = unicodedata.normalize("NFKC", "".join(_mapped(char) for char in text))
    if not mapped:
        return mapped
    for char in mapped:
        if any(check(char) for check in _PROHIBITED):
            raise ValueError("SASLprep: prohibited character in string")
        if stringprep.in_table_a1(char):
            raise ValueError("SASLprep: unassigned code point in string")
    rtl = [stringprep.in_table_d1(char) for char in mapped]
    if any(rtl):
        if any(stringprep.in_table_d2(char) for char in mapped):
            raise ValueError("SASLprep: string mixes left-to-right and right-to-left characters")
        if not (rtl[0] and rtl[-1]):
            raise ValueError("SASLprep: right-to-left string must start and end with a right-to-left character")
    return mapped


# ------------------------------------------------------------------------------------------------- keys
def mongo_digest(user: str, password: str) -> str:
    """MongoDB's legacy password digest, SCRAM-SHA-1's "password"."""
    return hashlib.md5(f"{user}:mongo:{password}".encode(), usedforsecurity=False).hexdigest()


def mechanism_password(mechanism: str, user: str, password: str, *, digested: bool = False) -> bytes:
    """What the mechanism feeds PBKDF2: the MD5 digest for SHA-1 (``digested`` when the caller already
    digested it), the SASLprep'd password for SHA-256 (falling back to the raw string, as drivers do, when
    SASLprep refuses it)."""
    if mechanism == SCRAM_SHA_1:
        return (password if digested else mongo_digest(user, password)).encode()
    try:
        return saslprep(password).encode()
    except ValueError:
        return password.encode()


@dataclass(frozen=True)
class Secrets:
    stored_key: bytes
    server_key: bytes


def derive(mechanism: str, password: bytes, salt: bytes, iterations: int) -> tuple[bytes, Secrets]:
    """(ClientKey, Secrets) from the mechanism's password bytes."""
    name = _HASHES[mechanism]
    salted = hashlib.pbkdf2_hmac(name, password, salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", name)
    server_key = hmac.digest(salted, b"Server Key", name)
    return client_key, Secrets(hashlib.new(name, client_key).digest(), server_key)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode(), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ScramError("BadValue", f"Invalid base64 in SCRAM {what}") from exc


def _xor(left: bytes, right: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(left, right, strict=True))


def _decode_name(name: str) -> str:
    return name.replace("=2C", ",").replace("=3D", "=")


def _encode_name(name: str) -> str:
    return name.replace("=", "=3D").replace(",", "=2C")


# ------------------------------------------------------------------------------------------------- server
class ServerConversation:
    """One server-side SCRAM conversation. ``start(client_first)`` parses the first message and returns the
    principal; the caller looks the user up and passes its stored credential for this mechanism to
    ``challenge(credential)`` (the server-first message); ``finish(client_final)`` checks the proof and returns
    the server-final message. ``done`` tells whether the conversation is over (after the proof when the
    client asked to skip the empty exchange, else after one more empty step answered by ``empty_step``)."""

    def __init__(self, mechanism: str, *, skip_empty_exchange: bool = False,
                 server_nonce: Callable[[], str] | None = None) -> None:
        self.mechanism = mechanism
        self.skip_empty_exchange = skip_empty_exchange
        self.principal = ""
        self.step = 0
        self.done = False
        self.success = False
        # What the server appends to the client nonce; tests fix it to replay the RFC vectors.
        self._server_nonce = server_nonce or (lambda: b64(os.urandom(SERVER_NONCE_BYTES)))
        self._client_nonce = ""
        self._nonce = ""
        self._auth_message = ""
        self._secrets: Secrets | None = None
        self._alternates: list[Secrets] = []

    def start(self, payload: bytes) -> str:
        self.step = 1
        text = _text(payload)
        cbind, comma, rest = text.partition(",")
        if not comma:
            raise ScramError("BadValue", "Incorrect number of arguments for first SCRAM client message, got 1 "
                             "expected at least 3")
        if cbind.startswith("p="):
            raise ScramError("BadValue", "Server does not support channel binding")
        if cbind not in ("y", "n"):
            raise ScramError("BadValue", f"Incorrect SCRAM client message prefix: {cbind}")
        authzid, comma, bare = rest.partition(",")
        if not comma:
            raise ScramError("BadValue", "Incorrect number of arguments for first SCRAM client message, got 2 "
                             "expected at least 3")
        if authzid and not authzid.startswith("a="):
            raise ScramError("BadValue", f"Incorrect SCRAM authzid: {authzid}")
        if bare.startswith("m="):
            raise ScramError("BadValue", "SCRAM mandatory extensions are not supported")
        fields = [part for part in bare.split(",") if part]
        if len(fields) < 2:
            raise ScramError("BadValue", f"Incorrect number of arguments for first SCRAM client message, got "
                             f"{len(fields) + 2} expected at least 3")
        if not fields[0].startswith("n=") or len(fields[0]) < 3:
            raise ScramError("BadValue", f"Invalid SCRAM user name: {fields[0]}")
        self.principal = _decode_name(fields[0][2:])
        if authzid and authzid[2:] != self.principal:
            raise ScramError("BadValue", f"SCRAM user name {self.principal} does not match authzid {authzid[2:]}")
        if not fields[1].startswith("r=") or len(fields[1]) < 6:
            raise ScramError("BadValue", f"Invalid SCRAM client nonce: {fields[1]}")
        self._client_nonce = fields[1][2:]
        self._auth_message = bare
        return self.principal

    def challenge(self, credential: dict[str, Any] | None, alternates: Iterable[dict[str, Any]] = ()) -> bytes:
        """The server-first message for the user's stored credential of this mechanism (None when the user
        has none: MechanismUnavailable). ``alternates`` are further credentials with the same salt and
        iteration count whose proofs are accepted too (``__system`` during a rolling keyfile change)."""
        if not credential:
            raise ScramError("MechanismUnavailable", f"Unable to use {self.mechanism} based authentication for "
                             f"user without any {self.mechanism} credentials registered")
        try:
            salt = str(credential["salt"])
            iterations = int(credential["iterationCount"])
            self._secrets = Secrets(base64.b64decode(credential["storedKey"]),
                                    base64.b64decode(credential["serverKey"]))
            self._alternates = [Secrets(base64.b64decode(c["storedKey"]), base64.b64decode(c["serverKey"]))
                                for c in alternates]
        except (KeyError, TypeError, ValueError) as exc:
            raise ScramError("AuthenticationFailed", f"Unable to validate {self.mechanism} authentication due to "
                             "corrupted stored credentials") from exc
        self._nonce = self._client_nonce + self._server_nonce()
        server_first = f"r={self._nonce},s={salt},i={iterations}"
        self._auth_message += "," + server_first
        return server_first.encode()

    def finish(self, payload: bytes) -> bytes:
        self.step = 2
        if self._secrets is None:
            raise ScramError("ProtocolError", "saslContinue must follow saslStart")
        text = _text(payload)
        without_proof, comma, last = text.rpartition(",")
        if not comma:
            raise ScramError("BadValue", "Incorrect number of arguments for second SCRAM client message, got 1 "
                             "expected at least 3")
        if len(last) < 3 or not last.startswith("p="):
            raise ScramError("BadValue", "Incorrect SCRAM ClientProof")
        fields = [part for part in without_proof.split(",") if part]
        if len(fields) < 2:
            raise ScramError("BadValue", f"Incorrect number of arguments for second SCRAM client message, got "
                             f"{len(fields) + 1} expected at least 3")
        if not fields[0].startswith("c=") or len(fields[0]) < 3:
            raise ScramError("BadValue", f"Incorrect SCRAM channel binding: {fields[0]}")
        if not fields[1].startswith("r=") or len(fields[1]) < 6:
            raise ScramError("BadValue", f"Incorrect SCRAM client|server nonce: {fields[1]}")
        if fields[1][2:] != self._nonce:
            raise ScramError("BadValue", "Unmatched SCRAM nonce received from client in second step")
        auth_message = (self._auth_message + "," + without_proof).encode()
        name = _HASHES[self.mechanism]
        proof = _unb64(last[2:], "ClientProof")
        matched = next((secrets for secrets in (self._secrets, *self._alternates)
                        if _proves(secrets, proof, auth_message, name)), None)
        if matched is None:
            raise ScramError("AuthenticationFailed", "SCRAM authentication failed, storedKey mismatch")
        self.success = True
        self.done = self.skip_empty_exchange
        return ("v=" + b64(hmac.digest(matched.server_key, auth_message, name))).encode()

    def empty_step(self, payload: bytes) -> bytes:
        """The client's empty message after the server-final message (without skipEmptyExchange)."""
        if not self.success:
            raise ScramError("AuthenticationFailed", f"Invalid SCRAM authentication step: {self.step + 1}")
        self.step = 3
        self.done = True
        return b""


def _proves(secrets: Secrets, proof: bytes, auth_message: bytes, name: str) -> bool:
    """``H(ClientProof XOR HMAC(StoredKey, AuthMessage)) == StoredKey``."""
    signature = hmac.digest(secrets.stored_key, auth_message, name)
    return len(proof) == len(signature) and hmac.compare_digest(
        hashlib.new(name, _xor(proof, signature)).digest(), secrets.stored_key)


def _text(payload: bytes) -> str:
    try:
        return payload.decode()
    except UnicodeDecodeError as exc:
        raise ScramError("BadValue", "SCRAM message is not valid UTF-8") from exc


# ------------------------------------------------------------------------------------------------- client
# A member meets the same salt on every connection to one peer process: derive its keys once (as mongod's
# client-side SCRAM cache does), not once per connection.
_derive_once = functools.lru_cache(maxsize=64)(derive)


class ClientConversation:
    """The client side, for a member authenticating to another (``__system`` with the keyfile secret):
    ``first()`` → saslStart payload, ``final(server_first)`` → saslContinue payload, ``verify(server_final)``
    raises ScramError unless the server proved it knows the credentials."""

    def __init__(self, mechanism: str, user: str, password: str, *, digested: bool = False,
                 nonce: str | None = None) -> None:
        self.mechanism = mechanism
        self.user = user
        self._password = mechanism_password(mechanism, user, password, digested=digested)
        self._nonce = nonce or b64(os.urandom(SERVER_NONCE_BYTES))
        self._bare = f"n={_encode_name(user)},r={self._nonce}"
        self._server_signature = b""

    def first(self) -> bytes:
        return ("n,," + self._bare).encode()

    def final(self, server_first: bytes) -> bytes:
        text = _text(server_first)
        fields = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
        nonce, salt, iterations = fields.get("r", ""), fields.get("s", ""), fields.get("i", "")
        if not nonce.startswith(self._nonce) or not salt or not iterations.isdigit():
            raise ScramError("BadValue", "Invalid SCRAM server-first message")
        if int(iterations) < 4096:
            raise ScramError("BadValue", f"Server SCRAM iteration count {iterations} is too low")
        client_key, secrets = _derive_once(self.mechanism, self._password, _unb64(salt, "salt"), int(iterations))
        without_proof = f"c=biws,r={nonce}"
        auth_message = f"{self._bare},{text},{without_proof}".encode()
        name = _HASHES[self.mechanism]
        proof = _xor(client_key, hmac.digest(secrets.stored_key, auth_message, name))
        self._server_signature = hmac.digest(secrets.server_key, auth_message, name)
        return f"{without_proof},p={b64(proof)}".encode()

    def verify(self, server_final: bytes) -> None:
        text = _text(server_final)
        if not text.startswith("v=") or not hmac.compare_digest(_unb64(text[2:], "ServerSignature"),
                                                                  self._server_signature):
            raise ScramError("AuthenticationFailed", "SCRAM server signature mismatch")
