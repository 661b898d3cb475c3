"""Keyfile parsing and the ``__system@local`` SCRAM conversations (mongosim.auth.internal), without a server."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest
from bson.binary import Binary

from mongosim.auth import internal, scram

KEY_A = "a2V5LW9uZS1mb3ItdGVzdHM="
KEY_B = "a2V5LXR3by1mb3ItdGVzdHM="


def _write(tmp_path: Path, content: str, mode: int = 0o600) -> str:
    path = tmp_path / "keyfile"
    path.write_text(content)
    os.chmod(path, mode)
    return str(path)


@pytest.mark.parametrize(("content", "keys"), [
    (KEY_A, [KEY_A]),
    (f"  {KEY_A[:8]} \t{KEY_A[8:16]}\t\r\n  {KEY_A[16:]}\r\n", [KEY_A]),  # whitespace is dropped, even inside
    ("123456\n", ["123456"]),  # a number in YAML is still the key's text
    (f"- {KEY_A}\n- {KEY_B}\n", [KEY_A, KEY_B]),
    (f"[{KEY_A}, [{KEY_B}]]", [KEY_A, KEY_B]),  # nested sequences are flattened
])
def test_keys_of_a_file(tmp_path: Path, content: str, keys: list[str]) -> None:
    assert internal.read_keys(_write(tmp_path, content)) == keys


@pytest.mark.parametrize(("content", "mode", "errmsg"), [
    (KEY_A, 0o604, "permissions on {path} are too open"),
    (KEY_A, 0o660, "permissions on {path} are too open"),
    ("abc-def-ghi", 0o600, "invalid char in key file {path}"),
    ("key: value", 0o600, "Only strings and sequences are supported for YAML key files"),
    ("[]", 0o600, "Security key file {path} does not contain any valid keys"),
])
def test_unreadable_keys(tmp_path: Path, content: str, mode: int, errmsg: str) -> None:
    path = _write(tmp_path, content, mode)
    with pytest.raises(internal.KeyFileError) as failed:
        internal.read_keys(path)
    [(severity, component, msg_id, msg, attr)] = failed.value.lines
    assert (severity, component, msg_id, msg) == ("I", "ACCESS", 20254, "Read security file failed")
    assert attr["error"]["errmsg"] == errmsg.format(path=path)
    assert KEY_A not in str(failed.value)


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "nowhere")
    with pytest.raises(internal.KeyFileError) as failed:
        internal.load(path)
    assert failed.value.lines[0][4]["error"] == {"code": 30, "codeName": "InvalidPath",
                                                 "errmsg": f"Error reading file {path}: No such file or directory"}
    lines = internal.startup_failure_lines(failed.value)
    assert lines[-1][:4] == ("F", "CONTROL", 20575, "Error creating service context")


def test_key_length_limits(tmp_path: Path) -> None:
    assert internal.load(_write(tmp_path, "A" * 1024)).keys == ("A" * 1024,)
    for content, size in (("A" * 1025, 1025), ("AbCdE", 5)):
        with pytest.raises(internal.KeyFileError) as failed:
            internal.load(_write(tmp_path, content))
        [(severity, _, msg_id, msg, attr)] = failed.value.lines
        assert (severity, msg_id, msg) == ("E", 20255, "Security key size is out range")
        assert attr["size"] == size


def test_credentials_share_one_salt_per_mechanism(tmp_path: Path) -> None:
    auth = internal.load(_write(tmp_path, f"[{KEY_A}, {KEY_B}]"))
    first, second = auth.credentials
    for mechanism in scram.MECHANISMS:
        assert first[mechanism]["salt"] == second[mechanism]["salt"]
        assert first[mechanism]["storedKey"] != second[mechanism]["storedKey"]
    doc = auth.user_document()
    assert (doc["user"], doc["db"], doc["roles"]) == ("__system", "local", [{"role": "__system", "db": "admin"}])
    assert auth.alternates(scram.SCRAM_SHA_256) == [second[scram.SCRAM_SHA_256]]


# ------------------------------------------------------------------------------------------------- conversations
class _Peer:
    """The server side of the SASL commands for ``__system`` with ``auth``'s credentials."""

    def __init__(self, auth: internal.InternalAuth) -> None:
        self.auth = auth
        self.conversation: scram.ServerConversation | None = None
        self.outcomes: list[bool] = []

    def start(self, cmd: dict[str, Any]) -> dict[str, Any]:
        mechanism = cmd["mechanism"]
        self.conversation = scram.ServerConversation(mechanism, skip_empty_exchange=True)
        self.conversation.start(bytes(cmd["payload"]))
        credential = self.auth.user_document()["credentials"][mechanism]
        challenge = self.conversation.challenge(credential, self.auth.alternates(mechanism))
        return {"conversationId": 1, "done": False, "payload": Binary(challenge, 0), "ok": 1}

    async def request(self, cmd: dict[str, Any]) -> dict[str, Any]:
        if "saslStart" in cmd:
            return self.start(cmd)
        assert self.conversation is not None
        try:
            final = self.conversation.finish(bytes(cmd["payload"]))
        except scram.ScramError:
            self.outcomes.append(False)
            return {"ok": 0, "errmsg": "Authentication failed.", "code": 18}
        self.outcomes.append(True)
        return {"conversationId": 1, "done": True, "payload": Binary(final, 0), "ok": 1}


def _auth(tmp_path: Path, name: str, content: str) -> internal.InternalAuth:
    path = tmp_path / name
    path.write_text(content)
    os.chmod(path, 0o600)
    return internal.load(str(path))


def _login(client: internal.InternalAuth, server: internal.InternalAuth, speculative: bool = True) -> list[bool]:
    peer = _Peer(server)
    login = client.client_login()
    assert login is not None
    hello: dict[str, Any] = {"ok": 1}
    if speculative:
        spec = login.speculative()
        assert spec["db"] == "local" and spec["mechanism"] == "SCRAM-SHA-256"
        hello["speculativeAuthenticate"] = {k: v for k, v in peer.start(spec).items() if k != "ok"}
    asyncio.run(login.finish(hello, peer.request))
    return peer.outcomes


@pytest.mark.parametrize("speculative", [True, False])
def test_same_key_authenticates(tmp_path: Path, speculative: bool) -> None:
    auth = _auth(tmp_path, "k", KEY_A)
    assert _login(auth, _auth(tmp_path, "k2", KEY_A), speculative) == [True]


def test_rolling_change_accepts_either_key(tmp_path: Path) -> None:
    both = _auth(tmp_path, "both", f"[{KEY_A}, {KEY_B}]")
    new_only = _auth(tmp_path, "new", KEY_B)
    assert _login(new_only, both) == [True]  # the second key of the server's file
    assert _login(both, both) == [True]
    assert _login(both, new_only) == [False, True]  # the first key refused, the second accepted


def test_another_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(internal.InternalAuthError, match=r"^Authentication failed\.$"):
        _login(_auth(tmp_path, "a", KEY_A), _auth(tmp_path, "b", KEY_B))
