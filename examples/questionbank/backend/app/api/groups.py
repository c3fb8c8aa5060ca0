from __future__ import annotations

from fastapi import APIRouter, status

from ..schemas import GroupCreate, GroupRead, MemberAdd
from ..services import users as user_service
from .deps import CurrentUser, DbSession

router = APIRouter(prefix="/groups", tags=["groups"])


@router.post("", status_code=status.HTTP_201_CREATED)
def create_group(payload: GroupCreate, db: DbSession, user: CurrentUser) -> GroupRead:
    group = user_service.create_group(
        db, owner=user, name=payload.name, description=payload.description
    )
    db.commit()
    return GroupRead.model_validate(group)


@router.get("/{group_id}")
def read_group(group_id: int, db: DbSession, user: CurrentUser) -> GroupRead:
    return GroupRead.model_validate(user_service.visible_group_for(db, group_id, user))


@router.post("/{group_id}/members")
def add_member(group_id: int, payload: MemberAdd, db: DbSession, user: CurrentUser) -> GroupRead:
    group = user_service.get_group(db, group_id)
    new_member = user_service.get_user(db, payload.user_id)
    user_service.add_member(db, group=group, actor=user, user=new_member)
    db.commit()
    return GroupRead.model_validate(group)
