"""API tokens of the calling user, for automation and the CLI: created (shown once), listed, revoked."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, HTTPException, Response, status
from sqlalchemy import select

from mongo_admin.api.auth import ViewerUser, new_api_token
from mongo_admin.api.deps import SessionDep
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenPublic, ApiTokensPublic
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import ApiToken, Role, secret_digest

router = APIRouter(prefix="/tokens", tags=["tokens"], route_class=DocumentedRoute)

TOKEN_NOT_FOUND = "token not found"


@router.post("", response_model=ApiTokenCreated, status_code=status.HTTP_201_CREATED,
             summary="Create an API token (the response is the only time it is shown)")
def create_token(body: ApiTokenCreate, user: ViewerUser, session: SessionDep) -> ApiTokenCreated:
    token = new_api_token()
    expires = utcnow() + timedelta(days=body.expires_in_days) if body.expires_in_days else None
    row = ApiToken(user_id=user.id, name=body.name, prefix=token[:12], token_hash=secret_digest(token),
                   expires_at=expires)
    session.add(row)
    session.commit()
    return ApiTokenCreated(token=token, **ApiTokenPublic.model_validate(row).model_dump())


@router.get("", response_model=ApiTokensPublic, summary="The calling user's API tokens (never the tokens "
            "themselves)")
def list_tokens(user: ViewerUser, session: SessionDep) -> ApiTokensPublic:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    return ApiTokensPublic(data=[ApiTokenPublic.model_validate(row) for row in rows], count=len(rows))


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Revoke an API token (your own; an admin may revoke anyone's)", responses=errors(404))
def revoke_token(token_id: int, user: ViewerUser, session: SessionDep) -> Response:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != user.id and not user.role_enum.allows(Role.ADMIN)):
        raise HTTPException(status.HTTP_404_NOT_FOUND, TOKEN_NOT_FOUND)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
