"""Authentication and authorization: who a client is, and what it may do.

Authentication (SASL SCRAM, users and roles storage, the user-management commands):

| module | role |
|---|---|
| `scram.py` | SCRAM-SHA-1 / SCRAM-SHA-256 key derivation, SASLprep, the server conversation and a client one |
| `credentials.py` | the `credentials` sub-document of a user (salts, iteration counts, StoredKey/ServerKey) |
| `users.py` | `admin.system.users`, `admin.system.roles` (`server.users`): local on mongod, a copy on mongos |
| `documents.py` | parsing and validating user and role documents for the user-management commands |
| `internal.py` | `--keyFile`: reading the keyfile, `__system@local` from its keys, the client login of `peer.connect` |
| `session.py` | `AuthSession` (`conn.auth`): authenticated users, their roles, cached privileges, localhost exception |
| `install.py` | wiring: the directory, handshake fields; with `--auth` the authorization check first of the hooks |

The commands live in `commands/auth.py` (saslStart, saslContinue, authenticate, logout, hello fields) and
`commands/user_admin.py` (createUser … rolesInfo).

Authorization:

| module | role |
|---|---|
| `privileges.py` | resource patterns, privileges, action sets, matching |
| `roles.py` | the built-in roles and their privileges; `resolve` expands custom and inherited roles |
| `rules.py` | what every command requires, computed from the command document (`RULES`) |
| `authz.py` | the `check` run before each command, and the listDatabases/listCollections filters |
"""
