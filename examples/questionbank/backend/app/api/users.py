from __future__ import annotations

from fastapi import APIRouter, status

from ..schemas import UserCreate, UserRead
from ..services import users as user_service
from .deps import CurrentUser, DbSession

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
def register(payload: UserCreate, db: DbSession) -> UserRead:
    user = user_service.create_user(
        db, email=payload.email, password=payload.password, full_name=payload.full_name
    )
    db.commit()
    return UserRead.model_validate(user)


@router.get("/me")
def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
