from __future__ import annotations

from fastapi import APIRouter, HTTPException, status

from ..config import get_settings
from ..schemas import LoginRequest, TokenResponse
from ..security import create_access_token
from ..services import users as user_service
from .deps import DbSession

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login")
def login(credentials: LoginRequest, db: DbSession) -> TokenResponse:
    user = user_service.authenticate(db, credentials.email, credentials.password)
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="incorrect e-mail or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="inactive user")
    return TokenResponse(
        access_token=create_access_token(user.id),
        expires_in=get_settings().access_token_ttl_seconds,
    )
