"""Platform users: administrators manage them; every user may change their own password. Disabling a user or
changing a password ends that user's browser sessions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mongo_admin.api.auth import AdminUser, ViewerUser
from mongo_admin.api.browser_sessions import revoke_user_sessions
from mongo_admin.api.deps import SessionDep
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.schemas import PasswordChange, UserCreate, UserPublic, UsersPublic, UserUpdate
from mongo_admin.db.models import Role, User
from mongo_admin.db.passwords import hash_password, verify_password

router = APIRouter(prefix="/users", tags=["users"], route_class=DocumentedRoute)

USER_NOT_FOUND = "user not found"
USERNAME_TAKEN = "username already exists"
LAST_ADMIN = "the last active admin cannot be demoted, disabled or deleted"
DELETE_SELF = "you cannot delete your own user"
WRONG_PASSWORD = "current password is incorrect"


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, USER_NOT_FOUND)
    return user


def _is_last_active_admin(session: Session, user: User) -> bool:
    if user.role != Role.ADMIN or user.disabled:
        return False
    admins = session.scalar(select(func.count()).select_from(User)
                            .where(User.role == Role.ADMIN.value, User.disabled.is_(False)))
    return admins == 1


@router.get("", response_model=UsersPublic, summary="List platform users")
def list_users(_: AdminUser, session: SessionDep) -> UsersPublic:
    users = session.scalars(select(User).order_by(User.id)).all()
    return UsersPublic(data=[UserPublic.model_validate(user) for user in users], count=len(users))


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED, summary="Create a user",
             responses=errors(why={409: "The username is taken."}))
def create_user(body: UserCreate, _: AdminUser, session: SessionDep) -> User:
    if session.scalar(select(User.id).where(User.username == body.username)) is not None:
        raise HTTPException(status.HTTP_409_CONFLICT, USERNAME_TAKEN)
    user = User(username=body.username, password_hash=hash_password(body.password), role=body.role.value)
    session.add(user)
    session.commit()
    return user


@router.put("/me/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change your own password",
            responses=errors(why={400: "The current password is incorrect."}))
def change_own_password(body: PasswordChange, user: ViewerUser, session: SessionDep) -> Response:
    if not verify_password(user, body.current_password):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, WRONG_PASSWORD)
    user.password_hash = hash_password(body.new_password)
    revoke_user_sessions(session, user.id)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.patch("/{user_id}", response_model=UserPublic, summary="Change a user's role, or disable/enable them",
              responses=errors(404, why={409: "The last active admin cannot be demoted or disabled."}))
def update_user(user_id: int, body: UserUpdate, _: AdminUser, session: SessionDep) -> User:
    user = _get_user(session, user_id)
    demoted = body.role is not None and body.role != Role.ADMIN
    if (demoted or body.disabled) and _is_last_active_admin(session, user):
        raise HTTPException(status.HTTP_409_CONFLICT, LAST_ADMIN)
    if body.role is not None:
        user.role = body.role.value
    if body.disabled is not None:
        user.disabled = body.disabled
    if body.disabled:
        revoke_user_sessions(session, user.id)
    session.commit()
    return user


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a user and their tokens",
               responses=errors(404, why={409: "You cannot delete yourself, nor the last active admin."}))
def delete_user(user_id: int, admin: AdminUser, session: SessionDep) -> Response:
    user = _get_user(session, user_id)
    if user.id == admin.id:
        raise HTTPException(status.HTTP_409_CONFLICT, DELETE_SELF)
    if _is_last_active_admin(session, user):
        raise HTTPException(status.HTTP_409_CONFLICT, LAST_ADMIN)
    session.delete(user)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
