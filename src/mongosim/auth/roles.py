"""MongoDB 8.0's built-in roles and the expansion of a user's roles into privileges.

The privilege lists follow the server's role definitions (``src/mongo/db/auth/builtin_roles.yml`` in 8.0, and the
"Built-In Roles" page of the manual): database roles (``read``, ``readWrite``, ``dbAdmin``, ``userAdmin``,
``dbOwner``) exist on every database and reach that database's normal collections; the others exist only on
``admin``. ``__system`` holds every action on every resource.

``resolve`` turns role names into the roles they inherit (custom roles come from ``lookup``, i.e.
``admin.system.roles``) and one ``PrivilegeSet``. Expansion is cycle-safe, and a role that no longer exists adds
nothing, as in the server's role graph.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from mongosim.auth.privileges import (
    ALL_ACTIONS,
    ANY,
    ANY_NORMAL,
    ANY_SYSTEM_BUCKETS,
    CLUSTER,
    Privilege,
    PrivilegeSet,
    Resource,
)

RoleLookup = Callable[[str, str], "dict[str, Any] | None"]


def _actions(*groups: str | frozenset[str]) -> frozenset[str]:
    found: set[str] = set()
    for group in groups:
        found |= set(group.split()) if isinstance(group, str) else group
    return frozenset(found)


READ = _actions("changeStream collStats dbHash dbStats find killCursors listCollections listIndexes "
                "listSearchIndexes planCacheRead")
READ_WRITE = _actions(READ, "cleanupStructuredEncryptionData compactStructuredEncryptionData convertToCapped "
                            "createCollection createIndex createSearchIndexes dropCollection dropIndex "
                            "dropSearchIndex insert remove renameCollectionSameDB update updateSearchIndex")
USER_ADMIN = _actions("changeCustomData changePassword createUser createRole dropUser dropRole grantRole "
                      "revokeRole setAuthenticationRestriction viewUser viewRole")
DB_ADMIN = _actions("analyze bypassDocumentValidation collMod collStats compact convertToCapped createCollection "
                    "dbStats dropCollection dropDatabase dropIndex dropSearchIndex createIndex createSearchIndexes "
                    "enableProfiler listCollections listIndexes listSearchIndexes updateSearchIndex "
                    "planCacheIndexFilter planCacheRead planCacheWrite reIndex renameCollectionSameDB "
                    "storageDetails validate configureQueryAnalyzer")
PROFILE_ADMIN = _actions(READ, "convertToCapped createCollection dropCollection")
READ_AND_INDEX = _actions(READ, "createIndex createSearchIndexes dropIndex dropSearchIndex")
CLUSTER_MONITOR_CLUSTER = _actions(
    "connPoolStats getCmdLineOpts getDefaultRWConcern getLog getParameter getShardMap hostInfo listDatabases "
    "listSampledQueries listSessions listShards netstat operationMetrics replSetGetConfig replSetGetStatus "
    "serverStatus top useUUID inprog shardingState allCollectionStats shardedDataDistribution")
CLUSTER_MONITOR_DB = _actions("collStats dbStats getDatabaseVersion getShardVersion indexStats")
HOST_MANAGER_CLUSTER = _actions(
    "applicationMessage auditConfigure connPoolSync dropConnections logRotate oidReset setParameter shutdown touch "
    "unlock flushRouterConfig fsync invalidateUserCache killAnyCursor killAnySession killop replSetResizeOplog "
    "resync trafficRecord rotateCertificates oidcListKeys oidcRefreshKeys")
CLUSTER_MANAGER_CLUSTER = _actions(
    "appendOplogNote applicationMessage replSetConfigure replSetGetConfig replSetGetStatus replSetStateChange "
    "resync addShard removeShard listSessions listShards flushRouterConfig cleanupOrphaned getDefaultRWConcern "
    "runTenantMigration setDefaultRWConcern setFeatureCompatibilityVersion setClusterParameter getClusterParameter "
    "setChangeStreamState getChangeStreamState querySettings queryStatsRead queryStatsReadTransformed "
    "checkMetadataConsistency transitionFromDedicatedConfigServer transitionToDedicatedConfigServer")
CLUSTER_MANAGER_DB = _actions("analyzeShardKey configureQueryAnalyzer clearJumboFlag splitChunk moveChunk "
                              "moveCollection enableSharding splitVector refineCollectionShardKey "
                              "reshardCollection")
WRITE_ONLY = _actions("insert update remove")
RESTORE_WRITE = _actions("bypassDocumentValidation collMod convertToCapped createCollection createIndex "
                         "createSearchIndexes dropCollection insert updateSearchIndex")
FIND = frozenset({"find"})

# A role's grants: (pattern, actions), where a pattern naming the database "" is the role's own database
# (only the per-database roles use that), and the roles it inherits, as (role, db) with db "" for its own.
Grant = tuple[Resource, frozenset[str]]


def _own_db(kind: str, *rest: str) -> Resource:
    return (kind, "", *rest)


_DEFINITIONS: dict[str, tuple[bool, list[Grant], list[tuple[str, str]]]] = {
    # name: (admin only, grants, inherited roles)
    "read": (False, [(_own_db("db"), READ), (_own_db("ns", "system.js"), READ)], []),
    "readWrite": (False, [(_own_db("db"), READ_WRITE), (_own_db("ns", "system.js"), READ_WRITE)], []),
    "userAdmin": (False, [(_own_db("db"), USER_ADMIN)], []),
    "dbAdmin": (False, [(_own_db("db"), DB_ADMIN), (_own_db("ns", "system.profile"), PROFILE_ADMIN)], []),
    "dbOwner": (False, [], [("readWrite", ""), ("dbAdmin", ""), ("userAdmin", "")]),
    "enableSharding": (False, [(ANY_NORMAL, _actions("analyzeShardKey enableSharding moveCollection "
                                                     "refineCollectionShardKey reshardCollection"))], []),
    "readAnyDatabase": (True, [(ANY_NORMAL, READ), (CLUSTER, _actions("listDatabases")),
                               (("coll", "system.js"), READ), (ANY_SYSTEM_BUCKETS, READ)], []),
    "readWriteAnyDatabase": (True, [(ANY_NORMAL, READ_WRITE), (("coll", "system.js"), READ_WRITE),
                                    (ANY_SYSTEM_BUCKETS, READ_WRITE)], [("readAnyDatabase", "admin")]),
    "userAdminAnyDatabase": (True, [
        (ANY_NORMAL, _actions(USER_ADMIN, "listCachedAndActiveUsers")),
        (("db", "local"), USER_ADMIN), (("db", "config"), USER_ADMIN),
        (CLUSTER, _actions("listDatabases authSchemaUpgrade invalidateUserCache viewUser")),
        (("ns", "admin", "system.users"), READ_AND_INDEX), (("ns", "admin", "system.roles"), READ_AND_INDEX),
        (("coll", "system.users"), READ), (("ns", "admin", "system.version"), READ),
        (("ns", "admin", "system.backup_users"), READ)], []),
    "dbAdminAnyDatabase": (True, [
        (CLUSTER, _actions("listDatabases applyOps")), (ANY_NORMAL, DB_ADMIN),
        (("coll", "system.profile"), PROFILE_ADMIN), (ANY_SYSTEM_BUCKETS, DB_ADMIN)], []),
    "clusterMonitor": (True, [
        (CLUSTER, CLUSTER_MONITOR_CLUSTER), (ANY_NORMAL, CLUSTER_MONITOR_DB),
        (("db", "config"), CLUSTER_MONITOR_DB), (("ns", "config", "system.sessions"), CLUSTER_MONITOR_DB),
        (("db", "local"), CLUSTER_MONITOR_DB), (("ns", "local", "system.replset"), FIND),
        (("ns", "local", "replset.election"), FIND), (("ns", "local", "replset.minvalid"), FIND),
        (("coll", "system.profile"), FIND)], [("read", "config"), ("read", "local")]),
    "hostManager": (True, [(CLUSTER, HOST_MANAGER_CLUSTER), (ANY_NORMAL, _actions("killCursors"))], []),
    "clusterManager": (True, [
        (CLUSTER, CLUSTER_MANAGER_CLUSTER), (ANY_NORMAL, CLUSTER_MANAGER_DB),
        (ANY_SYSTEM_BUCKETS, CLUSTER_MANAGER_DB), (("db", "config"), _actions(CLUSTER_MANAGER_DB, WRITE_ONLY)),
        (("db", "local"), _actions(CLUSTER_MANAGER_DB, WRITE_ONLY)), (("ns", "local", "system.replset"), READ),
        (ANY, _actions("dbCheck")), (("ns", "local", "system.healthlog"), READ),
        (("ns", "local", "replset.election"), WRITE_ONLY), (("ns", "local", "replset.minvalid"), WRITE_ONLY)],
        [("read", "config")]),
    "clusterAdmin": (True, [(ANY_NORMAL, _actions("dropDatabase")),
                            (ANY, _actions("importCollection exportCollection"))],
                     [("clusterMonitor", "admin"), ("hostManager", "admin"), ("clusterManager", "admin")]),
    "__queryableBackup": (True, [
        (ANY, _actions("collStats listCollections listIndexes listSearchIndexes")), (ANY_NORMAL, FIND),
        (ANY_SYSTEM_BUCKETS, FIND), (CLUSTER, _actions("getParameter listDatabases useUUID")),
        (("db", "config"), FIND), (("db", "local"), FIND), (("ns", "local", "replset.election"), FIND),
        (("ns", "local", "replset.minvalid"), FIND), (("coll", "system.js"), FIND),
        (("coll", "system.users"), FIND), (("coll", "system.profile"), FIND),
        (("ns", "admin", "system.backup_users"), FIND), (("ns", "admin", "system.roles"), FIND),
        (("ns", "admin", "system.version"), FIND), (("ns", "config", "settings"), FIND)], []),
    "backup": (True, [(CLUSTER, _actions("appendOplogNote serverStatus setUserWriteBlockMode")),
                      (("ns", "config", "settings"), _actions("insert update"))], [("__queryableBackup", "admin")]),
    "restore": (True, [
        (CLUSTER, _actions("getParameter forceUUID useUUID bypassWriteBlockingMode setUserWriteBlockMode applyOps")),
        (("db", "local"), RESTORE_WRITE), (("db", "config"), RESTORE_WRITE), (ANY_SYSTEM_BUCKETS, RESTORE_WRITE),
        (("ns", "local", "system.replset"), RESTORE_WRITE), (("ns", "local", "replset.election"), RESTORE_WRITE),
        (("ns", "local", "replset.minvalid"), RESTORE_WRITE), (ANY, _actions("listCollections")),
        (ANY_NORMAL, _actions(RESTORE_WRITE, USER_ADMIN)), (("coll", "system.js"), RESTORE_WRITE),
        (("ns", "admin", "tempusers"), FIND), (("ns", "admin", "temproles"), FIND),
        (("ns", "admin", "system.backup_users"), RESTORE_WRITE),
        (("ns", "admin", "system.version"), _actions(RESTORE_WRITE, "find")),
        (("coll", "system.users"), _actions(RESTORE_WRITE, "find update remove")),
        (("ns", "admin", "system.roles"), _actions("createIndex"))], []),
    "directShardOperations": (True, [(CLUSTER, _actions("issueDirectShardOperations"))], []),
    "root": (True, [(ANY, _actions("validate")), (CLUSTER, _actions("useTenant")),
                    (("ns", "config", "system.preimages"), _actions("find remove")),
                    (("ns", "config", "system.change_collection"), _actions("find insert remove update"))],
             [("clusterAdmin", "admin"), ("userAdminAnyDatabase", "admin"), ("dbAdminAnyDatabase", "admin"),
              ("readWriteAnyDatabase", "admin"), ("backup", "admin"), ("restore", "admin"),
              ("directShardOperations", "admin")]),
    "__system": (True, [(ANY, ALL_ACTIONS)], []),
}

BUILTIN_ROLES = frozenset(_DEFINITIONS)
# Roles every database has; the rest exist only on admin.
DATABASE_ROLES = frozenset(name for name, (admin_only, _, _) in _DEFINITIONS.items() if not admin_only)


def is_builtin(role: str, db: str | None = None) -> bool:
    """Whether ``role`` names a built-in role (on ``db``, when given: most exist only on admin)."""
    definition = _DEFINITIONS.get(role)
    if definition is None:
        return False
    return db is None or not definition[0] or db == "admin" or role in DATABASE_ROLES


def is_reserved_name(role: str) -> bool:
    """Custom roles may not take a built-in role's name, on any database."""
    return role in _DEFINITIONS


def _bind(resource: Resource, db: str) -> Resource:
    if resource[0] in ("db", "ns") and resource[1] == "":
        return (resource[0], db, *resource[2:])
    return resource


@functools.lru_cache(maxsize=512)
def builtin_privileges(role: str, db: str) -> tuple[Privilege, ...]:
    """The privileges a built-in role grants directly (not through the roles it inherits)."""
    _, grants, _ = _DEFINITIONS[role]
    return tuple(Privilege(_bind(resource, db), actions) for resource, actions in grants)


def builtin_subroles(role: str, db: str) -> list[dict[str, str]]:
    _, _, inherited = _DEFINITIONS[role]
    return [{"role": name, "db": other or db} for name, other in inherited]


def _role_key(doc: Any) -> tuple[str, str] | None:
    if isinstance(doc, dict) and isinstance(doc.get("role"), str) and isinstance(doc.get("db"), str):
        return doc["role"], doc["db"]
    return None


def _direct(role: str, db: str, lookup: RoleLookup) -> tuple[list[Privilege], list[dict[str, str]]] | None:
    """A role's own privileges and the roles it names, or None when no such role exists."""
    if is_builtin(role, db):
        return list(builtin_privileges(role, db)), builtin_subroles(role, db)
    doc = lookup(role, db)
    if doc is None:
        return None
    privileges = []
    for entry in doc.get("privileges") or []:
        try:
            privileges.append(Privilege.from_document(entry))
        except Exception:  # a stored privilege this version cannot read grants nothing
            continue
    subroles = [{"role": key[0], "db": key[1]} for key in map(_role_key, doc.get("roles") or []) if key]
    return privileges, subroles


def resolve(roles: list[dict[str, Any]], lookup: RoleLookup) -> tuple[list[dict[str, str]], PrivilegeSet]:
    """Every role reachable from ``roles`` (themselves first, each once) and all their privileges.

    ``lookup(role, db)`` returns a custom role's document from ``admin.system.roles`` or None."""
    seen: set[tuple[str, str]] = set()
    all_roles: list[dict[str, str]] = []
    privileges: list[Privilege] = []
    pending = [key for key in map(_role_key, roles) if key]
    while pending:
        key = pending.pop(0)
        if key in seen:
            continue
        seen.add(key)
        direct = _direct(key[0], key[1], lookup)
        if direct is None:
            continue
        all_roles.append({"role": key[0], "db": key[1]})
        privileges.extend(direct[0])
        pending.extend((sub["role"], sub["db"]) for sub in direct[1])
    return all_roles, PrivilegeSet(privileges)


def builtin_role_info(role: str, db: str, show_privileges: bool) -> dict[str, Any]:
    """A built-in role as ``rolesInfo`` describes it."""
    inherited, privileges = resolve(builtin_subroles(role, db), lambda _role, _db: None)
    info: dict[str, Any] = {"_id": f"{db}.{role}", "role": role, "db": db, "isBuiltin": True,
                            "roles": builtin_subroles(role, db), "inheritedRoles": inherited}
    if show_privileges:
        info["privileges"] = [p.to_document() for p in PrivilegeSet(builtin_privileges(role, db))]
        everything = PrivilegeSet([*builtin_privileges(role, db), *privileges])
        info["inheritedPrivileges"] = [p.to_document() for p in everything]
    return info


def builtin_roles_for(db: str) -> list[str]:
    """The built-in roles that exist on ``db`` (rolesInfo with showBuiltinRoles), internal ones left out."""
    return sorted(name for name in _DEFINITIONS if is_builtin(name, db) and not name.startswith("__"))
