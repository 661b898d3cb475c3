"""Replication's error code names (``error_codes.yml``) and log message ids (the server's LOGV2 ids).

The names are added to the shared code table when replication is imported, so ``CommandError("Name", ...)``
and ``codeName`` work for them without the core having to know replication's codes.
"""

from __future__ import annotations

from mongosim import errors

_CODES = {
    "NoReplicationEnabled": 76,
    "StaleClusterTime": 209,
    "UnknownReplWriteConcern": 79,
    "NotSecondary": 95,
    "UnsatisfiableWriteConcern": 100,
    "NewReplicaSetConfigurationIncompatible": 103,
    "NodeNotElectable": 104,
    "InconsistentReplicaSetNames": 108,
    "ConfigurationInProgress": 109,
    "CannotInitializeNodeWithData": 110,
    "PrimarySteppedDown": 189,
    "StaleTerm": 145,
    "ElectionInProgress": 216,
    "CurrentConfigNotCommittedYet": 308,
    "InterruptedDueToReplStateChange": 11602,
    "NotPrimaryNoSecondaryOk": 13435,
    "NotPrimaryOrSecondary": 13436,
}
for _name, _code in _CODES.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)

# Log ids (component REPL / ELECTION), as mongod 8.0 logs them.
STATE_TRANSITION = 21358            # "Replica set state transition"
NEW_CONFIG = 21392                  # "New replica set config in use"
CONFIG_INITIATE = 21578             # "Created configuration for initiation"
INITIATE_CONFIG = 21356             # "replSetInitiate admin command received from client"
INITIATE_FAILED = 21409             # "replSetInitiate failed"
RECONFIG_RECEIVED = 21353           # "replSetReconfig admin command received from client"
RECONFIG_FAILED = 21420             # "replSetReconfig got error"
HEARTBEAT_CONFIG = 21398            # "Scheduling a task to begin or continue replication" / config from heartbeat
MEMBER_STATE = 21215                # "Member is in new state"
MEMBER_DOWN = 21216                 # "Member is now in state RS_DOWN"
ELECTION_TIMEOUT = 4615652          # "Starting an election, since we've seen no PRIMARY in election timeout period"
PRIORITY_TAKEOVER = 4615660         # "Starting an election for a priority takeover"
STEP_UP_REQUEST = 4615654           # "Not starting an election for a replSetStepUp request, since we are not electable"
DRY_RUN = 21438                     # "Conducting a dry run election to see if we could be elected"
DRY_RUN_FAILED = 21440              # "Not running for primary, we received insufficient votes"
DRY_RUN_SUCCEEDED = 21444           # "Dry election run succeeded, running for election"
ELECTION_LOST = 21447               # "Not becoming primary, we received insufficient votes"
ELECTION_WON = 21450                # "Election succeeded, assuming primary role"
VOTE_REQUEST = 5972100              # "Voting for a candidate" / refused vote
PRIMARY_COMPLETE = 21331            # "Transition to primary complete; database writes are now permitted"
STEP_DOWN_HIGHER_TERM = 21402       # "Stepping down from primary, because we received a new term"
NO_MAJORITY = 21809                 # "Can't see a majority of the set, relinquishing primary"
STEPPING_DOWN = 21343               # "Starting to kill user operations"
STEP_DOWN_COMPLETE = 21344          # "Stopped killing user operations"
HANDOFF = 21347                     # "Handing off election to"
FREEZE = 21352                      # "Freezing" / "Unfreezing"
MAINTENANCE = 21350                 # "Going into maintenance mode" / "Leaving maintenance mode"
SYNC_FROM = 21345                   # "replSetSyncFrom"
NEW_TERM = 21389                    # "Updated term"
REMOVED = 21403                     # "This node is not a member of the config"
