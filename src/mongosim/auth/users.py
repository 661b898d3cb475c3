"""Where users and custom roles live: ``admin.system.users`` and ``admin.system.roles`` (8.0 shapes), and the
directory the authentication and authorization layers read them through (``server.users``).

On ``mongod`` (``LocalDirectory``) they are ordinary documents of the local storage engine, written through
``Collection.insert/replace/delete`` so a replica set replicates them like any write; every change bumps
``server.auth_generation`` so authenticated sessions recompute their privileges.

On ``mongos`` (``RouterDirectory``) they live on the config server replica set: user-management commands run
there, and the router keeps a copy of both collections for authentication and authorization, refreshed after
each user-management command it forwards, when an unknown user tries to authenticate, and every
``userCacheInvalidationIntervalSecs`` (30 s by default). Reads are synchronous in both cases, so the
authorization check (on every command) never waits.

User document: ``{_id: "<db>.<user>", userId: UUID, user, db, credentials: {SCRAM-SHA-1: {...}, SCRAM-SHA-256:
{...}}, [customData], roles: [{role, db}], [authenticationRestrictions]}``. Role document: ``{_id: "<db>.<role>",
role, db, privileges: [{resource, actions}], roles: [{role, db}], [authenticationRestrictions]}``.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mongosim.query.match import matcher

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.storage.collection import Collection

ADMIN = "admin"
USERS = "system.users"
ROLES = "system.roles"
VERSION = "system.version"
# admin.system.version {_id: "authSchema"}: schema 5 is SCRAM-only (3.0+).
AUTH_SCHEMA = {"_id": "authSchema", "currentVersion": 5}
_INDEXES = {
    USERS: {"v": 2, "key": {"user": 1, "db": 1}, "name": "user_1_db_1", "unique": True},
    ROLES: {"v": 2, "key": {"role": 1, "db": 1}, "name": "role_1_db_1", "unique": True},
}

RoleLookup = Callable[[str, str], "dict[str, Any] | None"]


def user_id(user: str, db: str) -> str:
    return f"{db}.{user}"


class Directory:
    """Synchronous reads of users and roles, whatever holds them."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def _documents(self, name: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _get(self, name: str, id_value: str) -> dict[str, Any] | None:
        raise NotImplementedError

    def user(self, user: str, db: str) -> dict[str, Any] | None:
        """A copy of the user's document, or None."""
        found = self._get(USERS, user_id(user, db))
        return copy.deepcopy(found) if found is not None else None

    def role(self, role: str, db: str) -> dict[str, Any] | None:
        found = self._get(ROLES, user_id(role, db))
        return copy.deepcopy(found) if found is not None else None

    def users(self, filter_doc: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        match = matcher(filter_doc or {})
        return sorted((copy.deepcopy(doc) for doc in self._documents(USERS) if match(doc)),
                      key=lambda doc: str(doc.get("_id")))

    def roles(self, filter_doc: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        match = matcher(filter_doc or {})
        return sorted((copy.deepcopy(doc) for doc in self._documents(ROLES) if match(doc)),
                      key=lambda doc: str(doc.get("_id")))

    def any_user_or_role(self) -> bool:
        return bool(self._documents(USERS) or self._documents(ROLES))

    def role_lookup(self) -> RoleLookup:
        """``(role, db) -> document | None`` for the authorization layer (custom roles only)."""
        return lambda role, db: self._get(ROLES, user_id(role, db))


class LocalDirectory(Directory):
    """mongod: the documents of the local storage engine."""

    def _coll(self, name: str, create: bool = False) -> Collection | None:
        engine = self.server.storage
        if engine is None:
            return None
        coll = engine.get_collection(ADMIN, name)
        if coll is None and create:
            coll = engine.create_collection(ADMIN, name)
            coll.create_indexes([dict(_INDEXES[name])])
            version = engine.get_or_create_collection(ADMIN, VERSION)
            if version.get("authSchema") is None:
                version.insert(dict(AUTH_SCHEMA))
        return coll

    def _documents(self, name: str) -> list[dict[str, Any]]:
        coll = self._coll(name)
        return list(coll.documents()) if coll is not None else []

    def _get(self, name: str, id_value: str) -> dict[str, Any] | None:
        coll = self._coll(name)
        return coll.get(id_value) if coll is not None else None

    def any_user_or_role(self) -> bool:
        return any(coll is not None and len(coll) > 0 for coll in (self._coll(USERS), self._coll(ROLES)))

    # -------------------------------------------------------------------------------------------- writes
    def insert(self, name: str, doc: dict[str, Any]) -> None:
        coll = self._coll(name, create=True)
        assert coll is not None
        coll.insert(copy.deepcopy(doc))
        self.changed()

    def replace(self, name: str, doc: dict[str, Any]) -> None:
        coll = self._coll(name, create=True)
        assert coll is not None
        current = coll.get(doc["_id"])
        if current is None:
            coll.insert(copy.deepcopy(doc))
        else:
            coll.replace(current, copy.deepcopy(doc))
        self.changed()

    def delete(self, name: str, filter_doc: dict[str, Any]) -> int:
        coll = self._coll(name)
        if coll is None:
            return 0
        match = matcher(filter_doc)
        doomed = [doc for doc in coll.documents() if match(doc)]
        for doc in doomed:
            coll.delete(doc)
        if doomed:
            self.changed()
        return len(doomed)

    def changed(self) -> None:
        self.server.auth_generation += 1


class RouterDirectory(Directory):
    """mongos: a copy of the config servers' ``admin.system.users`` and ``admin.system.roles``."""

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self._copies: dict[str, dict[str, dict[str, Any]]] = {USERS: {}, ROLES: {}}
        self.loaded = False
        self.startup_task: asyncio.Task[None] | None = None

    def _documents(self, name: str) -> list[dict[str, Any]]:
        return list(self._copies[name].values())

    def _get(self, name: str, id_value: str) -> dict[str, Any] | None:
        return self._copies[name].get(id_value)

    def any_user_or_role(self) -> bool:
        # Until the first copy arrives the router cannot know: no localhost exception meanwhile (fail closed).
        return not self.loaded or super().any_user_or_role()

    async def load_at_startup(self) -> None:
        """The first copy, retried until the config servers answer (they may still be starting)."""
        while not self.loaded and not self.server.shutting_down:
            try:
                await self.refresh()
            except Exception:  # no router yet, no config primary yet: try again shortly
                await asyncio.sleep(0.5)

    async def refresh(self) -> None:
        """Read both collections from the config server primary; bump the generation when they changed."""
        from mongosim.sharding.remote import raise_for

        router = self.server.router  # type: ignore[attr-defined]
        fresh: dict[str, dict[str, dict[str, Any]]] = {}
        for name in (USERS, ROLES):
            reply = raise_for(await router.config_command(ADMIN, {
                "find": name, "filter": {}, "batchSize": 1_000_000, "singleBatch": True,
                "readConcern": {"level": "majority"}}, timeout_s=30.0))
            batch = reply.get("cursor", {}).get("firstBatch", [])
            fresh[name] = {str(doc["_id"]): doc for doc in batch if isinstance(doc, dict) and "_id" in doc}
        if fresh != self._copies or not self.loaded:
            self._copies = fresh
            self.server.auth_generation += 1
        self.loaded = True


def role_lookup(server: Server) -> RoleLookup:
    """The custom-role lookup of ``server`` (contract with the authorization layer)."""
    directory: Directory = server.users
    return directory.role_lookup()
