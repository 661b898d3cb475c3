"""Platform users outside a request: the first admin, created from the CLI before anyone can log in."""

from __future__ import annotations

from sqlalchemy import select

from mongo_admin.db.migrate import migrated_sessions
from mongo_admin.db.models import Role, User, Username
from mongo_admin.db.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Password, hash_password
from mongo_admin.errors import InvalidInputError


def create_user(database_url: str, username: str, password: str, role: str = Role.VIEWER.value) -> User:
    """Create ``username`` with ``role`` in a migrated database; refuses a taken name or a weak password."""
    from pydantic import TypeAdapter, ValidationError

    try:
        TypeAdapter(Username).validate_python(username)
    except ValidationError as exc:
        raise InvalidInputError(f"invalid username {username!r}", "use 1-64 letters, digits and _ . @ -") from exc
    try:
        TypeAdapter(Password).validate_python(password)
    except ValidationError as exc:
        raise InvalidInputError("the password is too short or too long",
                                f"use {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters") from exc
    with migrated_sessions(database_url) as sessions, sessions() as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            raise InvalidInputError(f"user {username} already exists", "user names are unique",
                                    "choose another --username, or manage users through the API")
        user = User(username=username, password_hash=hash_password(password), role=Role(role).value)
        session.add(user)
        session.commit()
        return user
