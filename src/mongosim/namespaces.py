"""Database and collection name rules (``NamespaceString`` validity) and the BSON-to-text rendering the server
uses in a few error messages."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from bson.binary import Binary
from bson.objectid import ObjectId

from mongosim.errors import CommandError

MAX_NS_LENGTH = 255
_BAD_DB_CHARS = frozenset('/\\. "$\0')
# System collections a user may create or that the server keeps; any other "system." name is refused.
SYSTEM_COLLECTIONS = frozenset({"system.views", "system.profile", "system.js", "system.users", "system.roles",
                                "system.version", "system.new_users", "system.backup_users", "system.keys",
                                "system.sessions", "system.indexBuilds", "system.resharding", "system.preimages",
                                "system.replset", "system.healthlog", "system.rollback.id", "system.buckets"})


def check_db_name(db: str) -> None:
    if not db or len(db) >= 64 or any(ch in _BAD_DB_CHARS for ch in db):
        raise CommandError("InvalidNamespace", f"Invalid database name: '{db}'")


def is_system(name: str) -> bool:
    return name.startswith("system.")


def check_collection_name(db: str, name: Any, command: str = "create") -> str:
    """The collection name, or InvalidNamespace (73) with the server's message."""
    if not isinstance(name, str):
        raise CommandError("TypeMismatch", f"collection name has invalid type {type(name).__name__}")
    ns = f"{db}.{name}"
    if not name or "$" in name or "\0" in name or name.startswith("."):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    if len(ns) > MAX_NS_LENGTH:
        raise CommandError("InvalidNamespace", f"Fully qualified namespace is too long. Namespace: {ns} "
                           f"Max: {MAX_NS_LENGTH}")
    if is_system(name) and name not in SYSTEM_COLLECTIONS and not name.startswith("system.buckets."):
        raise CommandError("InvalidNamespace", f"Invalid system namespace: {ns}")
    return name


def split_ns(value: Any, what: str) -> tuple[str, str]:
    if not isinstance(value, str) or "." not in value or value.startswith(".") or value.endswith("."):
        raise CommandError("InvalidNamespace", f"Invalid {what} namespace: {value}")
    db, coll = value.split(".", 1)
    return db, coll


def render(value: Any) -> str:
    """A value as ``BSONObj::toString`` prints it inside error messages: ``{ a: 1, b: "x", u: UUID("...") }``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key}: {render(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(render(item) for item in value) + " ]" if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, Binary) and value.subtype == 4:
        return f'UUID("{uuid.UUID(bytes=bytes(value))}")'
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, dt.datetime):
        return f"new Date({int(value.timestamp() * 1000)})"
    if value is None:
        return "null"
    return str(value)
