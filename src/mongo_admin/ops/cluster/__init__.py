"""Sharded clusters deployed from a spec, and their lifecycle.

- ``layout``: the spec made concrete, every process with role, replica set, host and port;
- ``state``: the cluster's state directory and record;
- ``secrets``: keyfile and administrator credentials (0600, never printed);
- ``processes``: starting and stopping nodes with MongoDB's options for each role;
- ``access``: clients for nodes and routers with the cluster's credentials and TLS files;
- ``replsets``: initiate and wait for a primary, reading readiness from each member's hello;
- ``admin_user``: the administrator, created through the localhost exception;
- ``deploy``: the ordered, verified, idempotent deploy with its log and rollback.
"""
