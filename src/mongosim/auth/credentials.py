"""The ``credentials`` sub-document of a user: per SCRAM mechanism the iteration count, a random salt (16 bytes
for SHA-1, 28 for SHA-256) and the StoredKey/ServerKey derived from the password — never the password.

Iteration counts come from the server parameters ``scramIterationCount`` (SHA-1, default 10000) and
``scramSHA256IterationCount`` (SHA-256, default 15000). ``from_secret`` builds the same document from any secret
string (the keyfile key of ``__system@local``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from mongosim.auth import scram

DEFAULT_ITERATIONS = {scram.SCRAM_SHA_1: 10_000, scram.SCRAM_SHA_256: 15_000}
ITERATION_PARAMETERS = {scram.SCRAM_SHA_1: "scramIterationCount", scram.SCRAM_SHA_256: "scramSHA256IterationCount"}


def iterations_from(parameters: dict[str, Any]) -> dict[str, int]:
    """The iteration count per mechanism from a server's parameter values."""
    return {mech: int(parameters.get(name, DEFAULT_ITERATIONS[mech]))
            for mech, name in ITERATION_PARAMETERS.items()}


def scram_credential(mechanism: str, user: str, password: str, iterations: int, *, digested: bool = False,
                     salt: bytes | None = None) -> dict[str, Any]:
    """``{iterationCount, salt, storedKey, serverKey}`` (base64 strings) for one mechanism."""
    salt = salt if salt is not None else os.urandom(scram.salt_length(mechanism))
    _, secrets = scram.derive(mechanism, scram.mechanism_password(mechanism, user, password, digested=digested),
                              salt, iterations)
    return {"iterationCount": iterations, "salt": scram.b64(salt), "storedKey": scram.b64(secrets.stored_key),
            "serverKey": scram.b64(secrets.server_key)}


def build(user: str, password: str, mechanisms: Iterable[str], iterations: dict[str, int], *,
          digested: bool = False, random_bytes: Callable[[int], bytes] = os.urandom) -> dict[str, Any]:
    """The credentials document for ``mechanisms`` (kept in MongoDB's order: SCRAM-SHA-1 first)."""
    wanted = set(mechanisms)
    return {mech: scram_credential(mech, user, password, iterations[mech], digested=digested,
                                   salt=random_bytes(scram.salt_length(mech)))
            for mech in scram.MECHANISMS if mech in wanted}


def from_secret(user: str, secret: str, iterations: dict[str, int] | None = None, *,
                random_bytes: Callable[[int], bytes] = os.urandom) -> dict[str, Any]:
    """Credentials for an internal principal whose password is a shared secret (the keyfile's key);
    ``random_bytes`` lets several secrets share their salts."""
    return build(user, secret, scram.MECHANISMS, iterations or dict(DEFAULT_ITERATIONS), random_bytes=random_bytes)
