"""The audit log, as Percona Server for MongoDB writes it (``--auditDestination`` and friends).

| module | role |
|---|---|
| `options.py` | the ``auditLog.*`` options, checked with PSMDB's messages; the default path; the filter |
| `log.py` | ``AuditLog``: the event envelope, the filter, the JSON/BSON/console/syslog writers, rotation |
| `events.py` | ``install``: which server hooks record which ``atype``, and the ``param`` of each |

The ``logApplicationMessage`` and ``auditGetOptions`` commands are in ``commands/audit.py``.
"""
