"""Every command mongod and mongos answer has an authorization rule, so no new command slips in unprotected.

A command registered with ``@command`` must either be ``no_auth`` (the short list below, which MongoDB serves
before authentication: ``requiresAuth() == false``) or have an entry in ``mongosim.auth.rules.RULES``; internal
commands (a leading underscore: ``_configsvr*``, ``_shardsvr*``, ``_recvChunk*``, ``_migrateClone``...) are
covered by the rule that demands the ``internal`` action, which only ``__system`` holds.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mongosim import commands
from mongosim.auth import authz, roles
from mongosim.cursors import CursorManager
from mongosim.errors import CommandError

commands.load_all()
PROCESSES = ("mongod", "mongos")

# Commands MongoDB answers before authentication (requiresAuth() returns false).
PRE_AUTH = {"hello", "isMaster", "buildInfo", "ping", "connectionStatus", "listCommands", "saslStart",
            "saslContinue", "authenticate", "logout"}
# Replication's member-to-member commands: like the underscored ones, only for __system.
REPLICATION_INTERNAL = {"replSetHeartbeat", "replSetRequestVotes", "replSetUpdatePosition", "replSetGetRBID"}
# Rules for commands MongoDB has and the simulator does not register yet.
AHEAD_OF_THEIR_COMMAND: set[str] = set()


def registered() -> dict[str, set[str]]:
    """Canonical command name -> processes registering it."""
    found: dict[str, set[str]] = {}
    for process in PROCESSES:
        for spec in commands.table(process).values():
            found.setdefault(spec.name, set()).add(process)
    return found


@pytest.mark.parametrize("process", PROCESSES)
def test_every_registered_command_has_a_rule(process: str) -> None:
    missing = sorted({spec.name for spec in commands.table(process).values() if authz.rule_for(spec.name) is None})
    assert missing == [], f"{process} commands without an authorization rule in mongosim.auth.rules.RULES"


def test_pre_authentication_commands_are_exactly_mongodbs() -> None:
    no_auth = {spec.name for process in PROCESSES for spec in commands.table(process).values() if spec.no_auth}
    assert no_auth == PRE_AUTH


def test_every_rule_names_a_command() -> None:
    names = set(registered())
    aliases = {name for process in PROCESSES for name in commands.table(process)}
    assert set(authz.RULES) - names - aliases == AHEAD_OF_THEIR_COMMAND


def fake_context(name: str, privileges: Any) -> Any:
    session = SimpleNamespace(users=[("u", "admin")], is_authenticated=True, privileges=privileges, all_roles=[])
    return SimpleNamespace(db="admin", name=name, cmd={name: "test.c", "$db": "admin"},
                           conn=SimpleNamespace(auth=session),
                           server=SimpleNamespace(active_ops={}, cursors=CursorManager(), connections={}))


def is_internal(name: str) -> bool:
    return name.startswith("_") or name in REPLICATION_INTERNAL


@pytest.mark.parametrize("name", sorted(name for name in registered() if is_internal(name)))
def test_internal_commands_need_the_system_role(name: str) -> None:
    spec = SimpleNamespace(name=name, no_auth=False)
    root = roles.resolve([{"role": "root", "db": "admin"}], lambda _r, _d: None)[1]
    system = roles.resolve([{"role": "__system", "db": "admin"}], lambda _r, _d: None)[1]
    with pytest.raises(CommandError) as exc:
        authz.check(fake_context(name, root), spec)
    assert exc.value.code == 13
    authz.check(fake_context(name, system), spec)


@pytest.mark.parametrize("name", sorted(name for name in registered() if not is_internal(name)))
def test_root_may_run_every_public_command(name: str) -> None:
    """root holds every public privilege; a rule demanding more (e.g. a typo in an action name) shows here.
    applyOps with an argument that is not a list of operations is the one command needing __system."""
    spec = SimpleNamespace(name=name, no_auth=False)
    root = roles.resolve([{"role": "root", "db": "admin"}], lambda _r, _d: None)[1]
    ctx = fake_context(name, root)
    if name == "applyOps":
        ctx.cmd = {"applyOps": [{"op": "i", "ns": "test.c", "o": {}}]}
    authz.check(ctx, spec)
