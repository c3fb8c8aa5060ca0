from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from backend.app.errors import ConflictError, NotFoundError, PermissionDeniedError
from backend.app.models import User
from backend.app.services import users as user_service
from backend.tests.fixtures.users import (
    TEST_GROUP_NAME,
    TEST_PASSWORD,
    TEST_USER_EMAIL,
    UserFactory,
)


def test_create_user_hashes_and_normalises(db_session: Session) -> None:
    user = user_service.create_user(
        db_session, email=" New.Person@Example.org ", password="pass-word-1", full_name="New"
    )
    assert user.id is not None
    assert user.email == "new.person@example.org"
    assert user.check_password("pass-word-1")
    assert user_service.get_user_by_email(db_session, "NEW.PERSON@example.org") is user


def test_create_user_rejects_a_taken_email_in_any_case(
    db_session: Session, test_model_user: User
) -> None:
    with pytest.raises(ConflictError):
        user_service.create_user(
            db_session, email=TEST_USER_EMAIL.upper(), password="whatever1", full_name="Dup"
        )


def test_authenticate_with_the_right_password(db_session: Session, test_model_user: User) -> None:
    assert user_service.authenticate(db_session, TEST_USER_EMAIL, TEST_PASSWORD) is test_model_user


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (TEST_USER_EMAIL, "wrong password"),
        (TEST_USER_EMAIL, ""),
        ("nobody@example.com", TEST_PASSWORD),
    ],
)
def test_authenticate_fails(
    db_session: Session, test_model_user: User, email: str, password: str
) -> None:
    assert user_service.authenticate(db_session, email, password) is None


def test_get_user_raises_for_unknown_ids(db_session: Session) -> None:
    with pytest.raises(NotFoundError):
        user_service.get_user(db_session, 123_456)


def test_create_group_makes_the_owner_its_first_member(
    db_session: Session, test_model_user: User
) -> None:
    group = user_service.create_group(
        db_session, owner=test_model_user, name="  Revision Club ", description="Exam prep"
    )
    assert group.name == "Revision Club"
    assert group.owner is test_model_user
    assert group.members == [test_model_user]
    assert test_model_user.groups == [group]


def test_create_group_rejects_a_taken_name(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    with pytest.raises(ConflictError):
        user_service.create_group(db_session, owner=test_model_user, name=TEST_GROUP_NAME)


def test_owner_adds_a_member(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    user_service.add_member(
        db_session, group=group, actor=test_model_user_with_group, user=test_model_user
    )
    assert test_model_user.is_member_of(group.id)
    db_session.expire(group, ["members"])
    assert [m.id for m in group.members] == sorted(
        [test_model_user.id, test_model_user_with_group.id]
    )


def test_a_member_who_is_not_the_owner_cannot_add_members(
    db_session: Session,
    test_model_user: User,
    test_model_user_with_group: User,
    user_factory: UserFactory,
) -> None:
    (group,) = test_model_user_with_group.groups
    user_service.add_member(
        db_session, group=group, actor=test_model_user_with_group, user=test_model_user
    )
    newcomer = user_factory()
    with pytest.raises(PermissionDeniedError):
        user_service.add_member(db_session, group=group, actor=test_model_user, user=newcomer)
    assert newcomer not in group.members


def test_adding_an_existing_member_is_a_conflict(
    db_session: Session, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    with pytest.raises(ConflictError):
        user_service.add_member(
            db_session,
            group=group,
            actor=test_model_user_with_group,
            user=test_model_user_with_group,
        )


def test_only_members_may_look_at_a_group(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    assert user_service.visible_group_for(db_session, group.id, test_model_user_with_group) is group
    with pytest.raises(PermissionDeniedError):
        user_service.visible_group_for(db_session, group.id, test_model_user)
    with pytest.raises(NotFoundError):
        user_service.visible_group_for(db_session, group.id + 1000, test_model_user)
