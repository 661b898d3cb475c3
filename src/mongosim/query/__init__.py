"""Query semantics shared by every command: matching, projection, sorting, scanning with a plan, updates and
the aggregation pipeline.

The matcher, the update engine and the pipeline stages are the simulator's own: mongomock's engine, the
obvious library to reuse, gets too much of MongoDB's semantics wrong for a server (type brackets, null versus
missing, ``$ne`` on arrays, numeric equality across Int64/Decimal128, ``arrayFilters``, update-path
conflicts). mongomock still evaluates the rare aggregation expression operators this package does not
implement itself (``expr._mongomock_fallback``).
"""
