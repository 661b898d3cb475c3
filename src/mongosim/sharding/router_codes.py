"""Error code names the router raises or reads from shards (``error_codes.yml``), added to the shared table
with ``setdefault`` so the config server's and shards' own registrations of the same names agree."""

from __future__ import annotations

from mongosim import errors

_CODES = {
    "ShardKeyNotFound": 61,
    "ShardNotFound": 70,
    "CommandNotSupported": 115,
    "FailedToSatisfyReadPreference": 133,
    "ShardingStateNotInitialized": 190,
    "StaleDbVersion": 249,
    "StaleConfig": 13388,
}
for _name, _code in _CODES.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)

STALE_CODES = frozenset({13388, 249})

# Log ids (component SHARDING / SH_REFR), as mongos 8.0 logs them.
REFRESHED_COLLECTION = 4619901      # "Refreshed cached collection"
REFRESHED_DATABASE = 24101          # "Refreshed cached database entry"
CONFIG_PRIMARY_FOUND = 4333213      # "Config server primary found"
