"""Replica sets: configuration, member states, heartbeats, elections, the oplog, replication and rollback.

A mongod started with ``--replSet`` gets a ``ReplicationCoordinator`` (``server.repl``) and an ``Oplog``
(``server.oplog``). Module map and the contracts between them:

- ``optime``: ``OpTime`` (ordered by term, then timestamp, as the server orders them), ``MemberState``.
- ``peer``: ``PeerClient``, the asynchronous client members use to talk to each other (heartbeats, votes,
  oplog fetching, initial sync): ``await client.command(db, cmd, timeout_s)`` returns the reply document or
  raises ``PeerError``; it opens its connection with ``peer.connect`` (a ``hello`` carrying ``internalClient``),
  which sharding's ``ConnectionPool`` uses too.
- ``config``: ``ReplSetConfig``, parsed and validated from a replSetInitiate / replSetReconfig document, with the
  server's defaults and errors; ``to_document()`` is what replSetGetConfig returns and what
  ``local.system.replset`` stores.
- ``coordinator``: ``ReplicationCoordinator``, the one owner of replication state: config, member state, term,
  vote, the member table fed by heartbeats, this node's applied and durable optimes, the commit point, election
  and step-down, the hello fields, and the waits for write concern. Other modules read its state and call:
  ``advance_applied(optime, wall)``, ``advance_durable(optime, wall)``, ``members_view()``,
  ``process_update_position(optimes)``, ``progress_for_upstream()``, ``set_follower_state(state)``; they
  subscribe to ``state_listeners`` (called with old and new state) and register ``step_up_hooks`` (awaited by
  a winner before it accepts writes: drain the applier, write the "new primary" no-op).
- ``oplog``: ``Oplog``, ``local.oplog.rs`` (a capped collection sized by ``--oplogSize``) and the cluster-time
  clock. On a writable primary every change the storage engine makes outside ``local`` becomes one oplog entry
  in the real format (``ts, t, v, op, ns, ui, o, o2, wall``; updates as ``$v: 2`` diffs), written with the change.
- ``applier``: applies fetched entries idempotently on a secondary (no new entries are generated for them; the
  fetched entry itself is copied into the local oplog).
- ``sync``: the secondary's data replication loop: sync source choice, tailable oplog fetch, apply, progress
  reported upstream with ``replSetUpdatePosition``; divergence hands over to ``rollback``; an empty new member
  runs ``initial_sync`` first.
"""
