"""Browser sessions for the dashboard: a random id in an HttpOnly, SameSite=Strict cookie scoped to /api, of which
the platform database keeps only the SHA-256 (``sessions``), with an idle and an absolute timeout.

A request authenticated by the cookie that changes state must also carry the session's CSRF token in the
X-CSRF-Token header: an HMAC of the session id under the signing key, so it is bound to the session, never stored,
and recomputable by the server from the cookie alone (GET /api/v1/auth/session returns it after a page reload).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from fastapi import Response
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import BrowserSession, User, last_use_due, secret_digest

COOKIE_NAME = "mongo_admin_session"
# The API's own paths only: the dashboard's static files never see the cookie.
COOKIE_PATH = "/api"
CSRF_HEADER = "X-CSRF-Token"


def idle_timeout(settings: ApiSettings) -> timedelta:
    return timedelta(minutes=settings.session_idle_minutes)


def open_session(db: Session, user: User, settings: ApiSettings, client: str | None) -> tuple[str, BrowserSession]:
    """A new session of ``user``: the id for the cookie (shown only to the browser) and its row (the caller
    commits). Sessions that have ended, anyone's, are deleted on the way."""
    now = utcnow()
    db.execute(delete(BrowserSession).where(or_(BrowserSession.revoked_at.is_not(None),
                                                BrowserSession.expires_at <= now,
                                                BrowserSession.last_seen_at <= now - idle_timeout(settings))))
    session_id = secrets.token_urlsafe(32)
    row = BrowserSession(user_id=user.id, id_hash=secret_digest(session_id), created_at=now, last_seen_at=now,
                         expires_at=now + timedelta(hours=settings.session_max_hours),
                         client=client[:64] if client else None)
    db.add(row)
    return session_id, row


def find_session(db: Session, session_id: str, settings: ApiSettings) -> BrowserSession | None:
    """The live session whose id is ``session_id``, its last use moved to now (to the minute); None when there is
    none, or it was revoked, or it has been idle too long, or it reached its absolute expiry."""
    row = db.scalar(select(BrowserSession).where(BrowserSession.id_hash == secret_digest(session_id)))
    now = utcnow()
    if (row is None or row.revoked_at is not None or row.expires_at <= now
            or row.last_seen_at + idle_timeout(settings) <= now):
        return None
    if last_use_due(row.last_seen_at, now):
        row.last_seen_at = now
        db.commit()
    return row


def revoke_session(row: BrowserSession) -> None:
    """End one session (the caller commits)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def revoke_user_sessions(db: Session, user_id: int) -> None:
    """End every session of a user (disabled, or a new password); the caller commits."""
    db.execute(update(BrowserSession).where(BrowserSession.user_id == user_id, BrowserSession.revoked_at.is_(None))
               .values(revoked_at=utcnow()))


def csrf_token(session_id: str, settings: ApiSettings) -> str:
    digest = hmac.new(settings.signing_key().encode(), b"csrf:" + session_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def csrf_token_matches(session_id: str, settings: ApiSettings, presented: str | None) -> bool:
    """Whether ``presented`` is the session's CSRF token (compared in constant time)."""
    return presented is not None and hmac.compare_digest(presented.encode(), csrf_token(session_id, settings).encode())


def set_session_cookie(response: Response, session_id: str, settings: ApiSettings) -> None:
    # The browser drops the cookie at the absolute expiry; the server enforces both timeouts whatever it keeps.
    response.set_cookie(COOKIE_NAME, session_id, max_age=settings.session_max_hours * 3600, path=COOKIE_PATH,
                        secure=settings.session_cookie_secure, httponly=True, samesite="strict")


def clear_session_cookie(response: Response, settings: ApiSettings) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, secure=settings.session_cookie_secure, httponly=True,
                           samesite="strict")
