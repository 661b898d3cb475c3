"""Encryption at rest of the MongoDB credentials the platform keeps for registered clusters.

Fernet (AES-128-CBC with HMAC-SHA256, from the cryptography package) under a key that never lives in the
database: ``$MONGO_ADMIN_CREDENTIALS_KEY`` or the settings' key file (0600). A file may hold several keys, one
a line: the first encrypts, all decrypt, so a key can be rotated. Secrets never appear in messages or reprs.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from mongo_admin.errors import CredentialsKeyError
from mongo_admin.ops.records import write_atomic


@dataclass(frozen=True)
class MongoCredentials:
    username: str
    password: str = field(repr=False)
    auth_source: str = "admin"


class CredentialCipher:
    """Encrypts and decrypts :class:`MongoCredentials`; built from one or more Fernet keys."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise CredentialsKeyError("no credentials encryption key", "the key list is empty")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as exc:
            raise CredentialsKeyError("the credentials encryption key is malformed",
                                      "a key must be 32 url-safe base64-encoded bytes",
                                      "generate one with `mongo-admin api credentials-key`") from exc

    def __repr__(self) -> str:
        return "CredentialCipher(<keys hidden>)"

    def encrypt(self, credentials: MongoCredentials) -> str:
        plain = json.dumps({"username": credentials.username, "password": credentials.password,
                            "auth_source": credentials.auth_source})
        return self._fernet.encrypt(plain.encode()).decode("ascii")

    def decrypt(self, token: str) -> MongoCredentials:
        try:
            data = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise CredentialsKeyError("stored cluster credentials cannot be decrypted",
                                      "they were encrypted with another key, or the row is damaged",
                                      "restore the key they were encrypted with (MONGO_ADMIN_CREDENTIALS_KEY or "
                                      "the key file)") from exc
        return MongoCredentials(str(data["username"]), str(data["password"]), str(data.get("auth_source", "admin")))


def generate_key() -> bytes:
    return Fernet.generate_key()


def load_cipher(key: str | None, key_file: Path, *, create: bool) -> CredentialCipher:
    """The cipher from ``key`` when given, else from ``key_file``; the file is created (0600, one new key) when
    it is missing and ``create`` is true (development), and refused when readable by other users."""
    if key:
        return CredentialCipher([key.strip().encode()])
    if not key_file.exists():
        if not create:
            raise CredentialsKeyError(f"credentials encryption key file {key_file} does not exist",
                                      "the platform encrypts the MongoDB credentials it keeps with this key",
                                      f"create it with `mongo-admin api credentials-key > {key_file} && "
                                      f"chmod 600 {key_file}`, or set MONGO_ADMIN_CREDENTIALS_KEY")
        write_atomic(key_file, generate_key() + b"\n", mode=0o600)
    mode = stat.S_IMODE(os.stat(key_file).st_mode)
    if mode & 0o077:
        raise CredentialsKeyError(f"{key_file} is readable by other users (mode {mode:o})",
                                  "it holds the key that encrypts MongoDB credentials", f"chmod 600 {key_file}")
    try:
        lines = key_file.read_text().split()
    except OSError as exc:
        raise CredentialsKeyError(f"cannot read {key_file}", exc.strerror or str(exc)) from exc
    return CredentialCipher([line.encode() for line in lines])
