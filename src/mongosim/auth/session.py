"""``AuthSession``: who a client connection is authenticated as, and what that lets it do (``conn.auth``).

A connection starts unauthenticated. A successful SASL conversation adds its user (``add_user``); ``logout``
removes the users of a database. The direct roles of the users, every role they inherit and the merged
privileges are computed once (``mongosim.auth.roles.resolve`` over the user directory) and cached until
``server.auth_generation`` moves — every user or role change bumps it — so the authorization check that runs
on every command only compares two integers in the common case. A user dropped meanwhile leaves the session
at the next recomputation.

``localhost_exception`` is true while MongoDB's localhost exception applies to this connection: access control
is on, no user and no role exists yet, the client connected over loopback, nobody authenticated on it and
``enableLocalhostAuthBypass`` is true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mongosim.auth.privileges import PrivilegeSet
    from mongosim.connection import Connection


class AuthSession:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.users: list[tuple[str, str]] = []
        self.user_roles: list[dict[str, str]] = []
        # The SASL conversation in progress on this connection (commands/auth.py), if any.
        self.conversation: Any = None
        self._generation = -1
        self._all_roles: list[dict[str, str]] = []
        self._privileges: PrivilegeSet | None = None

    # ------------------------------------------------------------------------------------------ state
    @property
    def is_authenticated(self) -> bool:
        return bool(self.users)

    @property
    def localhost_exception(self) -> bool:
        if self.users:
            return False
        server = self.conn.server
        if not server.config.auth or not self.conn.is_loopback:
            return False
        if not server.parameters.get("enableLocalhostAuthBypass", True):
            return False
        directory = server.users
        return directory is not None and not directory.any_user_or_role()

    def user_documents(self) -> list[dict[str, str]]:
        """``[{user, db}]``, as connectionStatus, currentOp and the profiler report them."""
        return [{"user": user, "db": db} for user, db in self.users]

    def principal(self) -> str:
        """``user@db`` of the first user, or "" (the profiler's ``user``)."""
        return f"{self.users[0][0]}@{self.users[0][1]}" if self.users else ""

    # ------------------------------------------------------------------------------------------ changes
    def add_user(self, user: str, db: str, roles: list[dict[str, str]]) -> None:
        """A successful authentication. One user per connection (MongoDB 6.0+): a new one replaces any other."""
        self.users = [(user, db)]
        self.user_roles = [{"role": r["role"], "db": r["db"]} for r in roles]
        self._generation = -1

    def logout(self, db: str) -> None:
        if any(user_db == db for _, user_db in self.users):
            self.users = [(user, user_db) for user, user_db in self.users if user_db != db]
            self.user_roles = [] if not self.users else self.user_roles
            self._generation = -1

    # ------------------------------------------------------------------------------------------ privileges
    def _refresh(self) -> None:
        from mongosim.auth.privileges import PrivilegeSet
        from mongosim.auth.roles import resolve

        server = self.conn.server
        directory = server.users
        if self.users and directory is not None:
            kept: list[tuple[str, str]] = []
            roles: list[dict[str, str]] = []
            for user, db in self.users:
                if user == "__system" and db == "local":
                    kept.append((user, db))
                    roles.extend(r for r in self.user_roles if r not in roles)
                    continue
                doc = directory.user(user, db)
                if doc is None:
                    continue  # dropped meanwhile: no longer authenticated
                kept.append((user, db))
                roles.extend({"role": r["role"], "db": r["db"]} for r in doc.get("roles") or []
                             if isinstance(r, dict) and {"role": r.get("role"), "db": r.get("db")} not in roles)
            self.users = kept
            self.user_roles = roles
        if self.user_roles and directory is not None:
            self._all_roles, self._privileges = resolve(self.user_roles, directory.role_lookup())
        else:
            self._all_roles, self._privileges = [], PrivilegeSet()
        self._generation = server.auth_generation

    @property
    def privileges(self) -> PrivilegeSet:
        if self._generation != self.conn.server.auth_generation or self._privileges is None:
            self._refresh()
        assert self._privileges is not None
        return self._privileges

    @property
    def all_roles(self) -> list[dict[str, str]]:
        if self._generation != self.conn.server.auth_generation or self._privileges is None:
            self._refresh()
        return self._all_roles

    @property
    def direct_roles(self) -> list[dict[str, str]]:
        """The users' own roles, current as of the last user change."""
        if self._generation != self.conn.server.auth_generation or self._privileges is None:
            self._refresh()
        return self.user_roles
