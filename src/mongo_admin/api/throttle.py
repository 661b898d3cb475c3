"""Login throttling shared by every API process: failed logins are rows of the platform database
(``login_failures``), so a lockout holds across replicas and restarts.

After ``max_failures`` failures for one user name from one client within ``lockout_s`` seconds, that pair may not
log in (even with the right password) until enough of those failures are ``lockout_s`` old. A successful login
forgets the pair's failures; rows older than the window are removed whenever a failure is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import utcnow
from mongo_admin.db.models import LoginFailure

KEY_LENGTH = 64


def _key(username: str, client: str) -> tuple[str, str]:
    # User names are matched case-insensitively here, so "Admin" and "admin" share one budget.
    return username.lower()[:KEY_LENGTH], client[:KEY_LENGTH]


class LoginThrottle:
    def __init__(self, sessions: sessionmaker[Session], max_failures: int, lockout_s: int,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.sessions = sessions
        self.max_failures = max_failures
        self.lockout = timedelta(seconds=lockout_s)
        self.clock = clock

    def retry_after(self, username: str, client: str) -> int:
        """Whole seconds until this pair may try again; 0 when it may now."""
        name, address = _key(username, client)
        now = self.clock()
        with self.sessions() as session:
            recent = session.scalars(select(LoginFailure.at)
                                     .where(LoginFailure.username == name, LoginFailure.client == address,
                                            LoginFailure.at > now - self.lockout)
                                     .order_by(LoginFailure.at.desc()).limit(self.max_failures)).all()
        if len(recent) < self.max_failures:
            return 0
        # Refused until the failure that completes the budget (the max_failures-th newest) leaves the window; with
        # several processes failing at once there may be more recent failures than the budget.
        return max(1, math.ceil((recent[-1] + self.lockout - now).total_seconds()))

    def failed(self, username: str, client: str) -> None:
        name, address = _key(username, client)
        now = self.clock()
        with self.sessions() as session:
            session.add(LoginFailure(username=name, client=address, at=now))
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.lockout))
            session.commit()

    def succeeded(self, username: str, client: str) -> None:
        name, address = _key(username, client)
        with self.sessions() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.username == name,
                                                       LoginFailure.client == address))
            session.commit()
