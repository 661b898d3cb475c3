"""mongosim: a MongoDB 8.0 server simulator in pure Python.

Its ``mongod`` and ``mongos`` executables take MongoDB's options, speak the MongoDB wire protocol and answer
like MongoDB 8.0 for what operators and clients use, so any unmodified client can talk to it. It imports
nothing from ``mongo_admin``.
"""

MONGODB_VERSION = "8.0.4"
MONGODB_VERSION_ARRAY = [8, 0, 4, 0]
GIT_VERSION = "bc35ab4305d9920d9d0491c1c9ef9b72383d31f9"
SIM_VERSION = "0.1.0"
FCV = "8.0"
MAX_WIRE_VERSION = 25
MIN_WIRE_VERSION = 0
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE_BYTES = 48_000_000
MAX_WRITE_BATCH_SIZE = 100_000
LOGICAL_SESSION_TIMEOUT_MINUTES = 30
