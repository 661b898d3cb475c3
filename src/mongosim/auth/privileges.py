"""Resource patterns, privileges and the matching rules of MongoDB's authorization session.

A privilege is a resource pattern plus a set of action names. Patterns are small tuples so that they hash fast:

=================================  ===========================================  ==============================
pattern                            privilege document ``resource``               matches
=================================  ===========================================  ==============================
``ANY``                            ``{anyResource: true}``                       everything, the cluster too
``CLUSTER``                        ``{cluster: true}``                           the cluster
``ANY_NORMAL``                     ``{db: "", collection: ""}``                  normal databases and collections
``("db", d)``                      ``{db: d, collection: ""}``                   database ``d``, its normal collections
``("coll", c)``                    ``{db: "", collection: c}``                   collection ``c`` in any database
``("ns", d, c)``                   ``{db: d, collection: c}``                    exactly ``d.c``
``ANY_SYSTEM_BUCKETS`` etc.        ``{system_buckets: ...}`` forms               time-series bucket collections
=================================  ===========================================  ==============================

What "normal" means, and which patterns can match a target, follow ``buildResourceSearchList`` in the server's
``authorization_session_impl.cpp``: ``system.*`` collections are matched only by their exact namespace, by a
collection-name pattern or by ``anyResource``; the ``local`` and ``config`` databases are never "any normal"; in
``local``, ``replset.*`` collections are not normal either.

``PrivilegeSet`` is what an authenticated connection holds: an index from pattern to actions and a memo from
target to the actions granted on it, so that a check is one dict lookup and one set membership.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mongosim.errors import CommandError

Resource = tuple[str, ...]

ANY: Resource = ("any",)
CLUSTER: Resource = ("cluster",)
ANY_NORMAL: Resource = ("anyNormal",)
ANY_SYSTEM_BUCKETS: Resource = ("anySystemBuckets",)


def db_resource(db: str) -> Resource:
    return ("db", db)


def coll_resource(coll: str) -> Resource:
    return ("coll", coll)


def ns_resource(db: str, coll: str) -> Resource:
    return ("ns", db, coll)


_BUCKETS = "system.buckets."

def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Every action type MongoDB 8.0 knows (action_type.idl); privileges naming anything else are refused.
ACTION_TYPES = words("""
addShard advanceClusterTime allCollectionStats analyze analyzeShardKey anyAction appendOplogNote applicationMessage
applyOps auditConfigure auditLogRotate authCheck authenticate authSchemaUpgrade bypassDocumentValidation
bypassWriteBlockingMode changeCustomData changePassword changeOwnPassword changeOwnCustomData changeStream
checkFreeMonitoringStatus checkMetadataConsistency cleanupOrphaned clearJumboFlag cleanupStructuredEncryptionData
closeAllDatabases collMod collStats compact compactStructuredEncryptionData configureQueryAnalyzer connPoolStats
connPoolSync convertToCapped cpuProfiler createCollection createDatabase createIndex createRole createSearchIndexes
createUser dbCheck dbHash dbStats dropAllRolesFromDatabase dropAllUsersFromDatabase dropCollection dropConnections
dropDatabase dropIndex dropRole dropSearchIndex dropUser emptycapped enableProfiler enableSharding exportCollection
find flushRouterConfig forceUUID fsync fsyncUnlock getClusterParameter getDatabaseVersion getDefaultRWConcern
getCmdLineOpts getLog getParameter getShardMap getShardVersion grantRole grantPrivilegesToRole grantRolesToRole
grantRolesToUser hostInfo impersonate importCollection indexStats inprog insert internal invalidateUserCache
issueDirectShardOperations killAnyCursor killAnySession killCursors killop listCachedAndActiveUsers listCollections
listCursors listDatabases listIndexes listSampledQueries listSearchIndexes listSessions listShards logRotate
updateSearchIndex moveChunk moveCollection netstat oidcListKeys oidcRefreshKeys oidReset operationMetrics
planCacheIndexFilter planCacheRead planCacheWrite querySettings queryStatsRead queryStatsReadTransformed
refineCollectionShardKey reIndex remove removeShard renameCollection renameCollectionSameDB repairDatabase
replSetConfigure replSetGetConfig replSetGetStatus replSetHeartbeat replSetReconfig replSetResizeOplog
replSetStateChange reshardCollection resync revokeRole revokePrivilegesFromRole revokeRolesFromRole
revokeRolesFromUser rotateCertificates runAsLessPrivilegedUser runTenantMigration serverStatus
setAuthenticationRestriction setClusterParameter setDefaultRWConcern setFeatureCompatibilityVersion
setFreeMonitoring setParameter setUserWriteBlockMode shardCollection shardedDataDistribution shardingState shutdown
splitChunk splitVector storageDetails top touch trafficRecord transitionFromDedicatedConfigServer
transitionToDedicatedConfigServer unlock useTenant useUUID update updateRole updateUser validate viewRole viewUser
setChangeStreamState getChangeStreamState
""")

# "anyAction" grants every action (ActionSet::addAction adds them all).
ALL_ACTIONS = ACTION_TYPES


def is_normal_collection(db: str, coll: str) -> bool:
    """NamespaceString::isNormalCollection: not ``system.*``, and not ``local.replset.*``."""
    return not coll.startswith("system.") and not (db == "local" and coll.startswith("replset."))


def search_list(target: Resource) -> tuple[Resource, ...]:
    """Every pattern that matches ``target`` (buildResourceSearchList)."""
    kind = target[0]
    if kind == "ns":
        db, coll = target[1], target[2]
        found: list[Resource] = [ANY]
        if is_normal_collection(db, coll):
            if db not in ("local", "config"):
                found.append(ANY_NORMAL)
            found.append(("db", db))
        elif coll.startswith(_BUCKETS) and len(coll) > len(_BUCKETS):
            bucket = coll[len(_BUCKETS):]
            found += [("systemBuckets", db, bucket), ANY_SYSTEM_BUCKETS, ("systemBucketsInDb", db),
                      ("systemBucketsInAnyDb", bucket)]
        found += [("coll", coll), target]
        return tuple(found)
    if kind == "db":
        return (ANY, ANY_NORMAL, target) if target[1] not in ("local", "config") else (ANY, target)
    if target == ANY:
        return (ANY,)
    return (ANY, target)


@dataclass(frozen=True)
class Privilege:
    resource: Resource
    actions: frozenset[str]

    def to_document(self) -> dict[str, Any]:
        return {"resource": resource_document(self.resource), "actions": sorted(self.actions)}

    @classmethod
    def from_document(cls, doc: Any) -> Privilege:
        """Parse ``{resource: {...}, actions: [...]}`` with the server's errors (BadValue / FailedToParse)."""
        if not isinstance(doc, dict):
            raise CommandError("FailedToParse", "Each privilege must be an object")
        actions = doc.get("actions")
        if not isinstance(actions, list) or not actions:
            raise CommandError("BadValue" if isinstance(actions, list) else "FailedToParse",
                               "Privilege must contain a non-empty 'actions' array")
        for action in actions:
            if action not in ACTION_TYPES:
                raise CommandError("FailedToParse", f"Unrecognized action privilege string: {action}")
        return cls(parse_resource(doc.get("resource")), frozenset(actions))


def parse_resource(doc: Any) -> Resource:
    """A privilege document's ``resource`` as a pattern."""
    if not isinstance(doc, dict):
        raise CommandError("FailedToParse", "resource field must be an object")
    if doc.get("anyResource") is True and len(doc) == 1:
        return ANY
    if doc.get("cluster") is True and len(doc) == 1:
        return CLUSTER
    if set(doc) == {"db", "collection"} and isinstance(doc["db"], str) and isinstance(doc["collection"], str):
        db, coll = doc["db"], doc["collection"]
        if not db and not coll:
            return ANY_NORMAL
        if not coll:
            return ("db", db)
        if not db:
            return ("coll", coll)
        return ("ns", db, coll)
    if set(doc) == {"db", "system_buckets"}:
        db, bucket = doc["db"], doc["system_buckets"]
        if db and bucket:
            return ("systemBuckets", db, bucket)
        if db:
            return ("systemBucketsInDb", db)
        if bucket:
            return ("systemBucketsInAnyDb", bucket)
        return ANY_SYSTEM_BUCKETS
    raise CommandError("BadValue", "resource must have exactly one of 'anyResource', 'cluster', 'db' with "
                       "'collection', or 'db' with 'system_buckets'")


def resource_document(resource: Resource) -> dict[str, Any]:
    kind = resource[0]
    if kind == "any":
        return {"anyResource": True}
    if kind == "cluster":
        return {"cluster": True}
    if kind == "anyNormal":
        return {"db": "", "collection": ""}
    if kind == "db":
        return {"db": resource[1], "collection": ""}
    if kind == "coll":
        return {"db": "", "collection": resource[1]}
    if kind == "ns":
        return {"db": resource[1], "collection": resource[2]}
    if kind == "systemBuckets":
        return {"db": resource[1], "system_buckets": resource[2]}
    if kind == "systemBucketsInDb":
        return {"db": resource[1], "system_buckets": ""}
    if kind == "systemBucketsInAnyDb":
        return {"db": "", "system_buckets": resource[1]}
    return {"db": "", "system_buckets": ""}


def merge(privileges: Iterable[Privilege]) -> dict[Resource, set[str]]:
    """Privileges folded into one action set per pattern (``anyAction`` expanded)."""
    index: dict[Resource, set[str]] = {}
    for privilege in privileges:
        actions = ALL_ACTIONS if "anyAction" in privilege.actions else privilege.actions
        index.setdefault(privilege.resource, set()).update(actions)
    return index


class PrivilegeSet(list[Privilege]):
    """A user's privileges (a list, one entry per pattern) with a per-target memo for fast checks."""

    def __init__(self, privileges: Iterable[Privilege] = ()) -> None:
        index = merge(privileges)
        super().__init__(Privilege(resource, frozenset(actions)) for resource, actions in index.items())
        self._index = {resource: frozenset(actions) for resource, actions in index.items()}
        self._memo: dict[Resource, frozenset[str]] = {}

    def actions_on(self, target: Resource) -> frozenset[str]:
        """Every action granted on ``target``, through any pattern that matches it."""
        found = self._memo.get(target)
        if found is None:
            granted: set[str] = set()
            for pattern in search_list(target):
                actions = self._index.get(pattern)
                if actions:
                    granted |= actions
            found = self._memo[target] = frozenset(granted)
            if len(self._memo) > 4096:  # a client walking many namespaces: start over rather than grow
                self._memo = {target: found}
        return found

    def allows(self, target: Resource, action: str) -> bool:
        return action in self.actions_on(target)

    def has_any_on_db(self, db: str) -> bool:
        """isAuthorizedForAnyActionOnAnyResourceInDB: some privilege could reach something in ``db``."""
        index = self._index
        if ("db", db) in index or ANY in index or ANY_SYSTEM_BUCKETS in index or ("systemBucketsInDb", db) in index:
            return True
        if db not in ("local", "config") and ANY_NORMAL in index:
            return True
        for pattern in index:
            kind = pattern[0]
            if kind in ("coll", "systemBucketsInAnyDb"):
                return True
            if kind in ("ns", "systemBuckets") and pattern[1] == db:
                return True
        return False

    def patterns(self) -> dict[Resource, frozenset[str]]:
        return dict(self._index)
