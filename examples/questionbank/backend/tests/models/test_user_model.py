from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.app.models import Group, Question, User, group_membership
from backend.app.security import PasswordHash
from backend.tests.conftest import TEST_PASSWORD_HASH_ITERATIONS
from backend.tests.fixtures.users import TEST_GROUP_NAME, TEST_PASSWORD, UserFactory


def test_password_is_stored_hashed_with_configured_iterations(test_model_user: User) -> None:
    assert TEST_PASSWORD not in test_model_user.password_hash
    parsed = PasswordHash.parse(test_model_user.password_hash)
    assert parsed.iterations == TEST_PASSWORD_HASH_ITERATIONS
    assert len(parsed.salt) == 16
    assert len(parsed.digest) == 32


def test_check_password_accepts_only_the_right_password(test_model_user: User) -> None:
    assert test_model_user.check_password(TEST_PASSWORD)
    assert not test_model_user.check_password(TEST_PASSWORD.upper())
    assert not test_model_user.check_password(TEST_PASSWORD + " ")
    assert not test_model_user.check_password("")


def test_same_password_gets_a_different_salt_per_user(
    test_model_user: User, test_model_user_with_group: User
) -> None:
    assert test_model_user.password_hash != test_model_user_with_group.password_hash
    assert test_model_user_with_group.check_password(TEST_PASSWORD)


def test_set_password_replaces_the_old_one(db_session: Session, test_model_user: User) -> None:
    test_model_user.set_password("a brand new passphrase", iterations=2_000)
    db_session.flush()
    db_session.expire(test_model_user)
    assert test_model_user.check_password("a brand new passphrase")
    assert not test_model_user.check_password(TEST_PASSWORD)


def test_email_is_normalised_on_assignment(db_session: Session) -> None:
    user = User(email="  Mixed.Case@Example.COM ", full_name="Mixed", password_hash="x")
    db_session.add(user)
    db_session.flush()
    stored = db_session.scalar(select(User.email).where(User.id == user.id))
    assert stored == "mixed.case@example.com"


def test_email_is_unique_at_the_database_level(db_session: Session, test_model_user: User) -> None:
    db_session.add(User(email=test_model_user.email.upper(), full_name="Dup", password_hash="x"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_defaults_active_and_created_now_in_utc(test_model_user: User) -> None:
    assert test_model_user.is_active is True
    created = test_model_user.created_at
    assert created.tzinfo is not None
    assert created.utcoffset() == timedelta(0)
    assert datetime.now(timezone.utc) - created < timedelta(minutes=1)


def test_created_at_round_trips_as_aware_utc(db_session: Session, test_model_user: User) -> None:
    db_session.expire(test_model_user, ["created_at"])
    reloaded = test_model_user.created_at
    assert reloaded.tzinfo == timezone.utc


def test_naive_datetimes_are_rejected(db_session: Session, test_model_user: User) -> None:
    test_model_user.created_at = datetime(2024, 1, 1, 12, 0)  # no tzinfo
    with pytest.raises(Exception, match="naive datetime"):
        db_session.flush()


def test_group_membership_is_visible_from_both_sides(test_model_user_with_group: User) -> None:
    (group,) = test_model_user_with_group.groups
    assert group.name == TEST_GROUP_NAME
    assert group.owner is test_model_user_with_group
    assert test_model_user_with_group in group.members
    assert test_model_user_with_group.is_member_of(group.id)


def test_user_without_groups_is_member_of_nothing(
    test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    assert test_model_user.groups == []
    assert not test_model_user.is_member_of(group.id)


def test_membership_rows_cannot_be_duplicated(
    db_session: Session, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    with pytest.raises(IntegrityError):
        db_session.execute(
            insert(group_membership).values(
                user_id=test_model_user_with_group.id, group_id=group.id
            )
        )


def test_groups_are_listed_by_name(
    db_session: Session, test_model_user: User, user_factory: UserFactory
) -> None:
    owner = user_factory()
    for name in ("Zoology", "Algebra Club", "Mechanics"):
        group = Group(name=name, owner=owner)
        group.members.append(test_model_user)
        db_session.add(group)
    db_session.flush()
    db_session.expire(test_model_user, ["groups"])
    assert [g.name for g in test_model_user.groups] == ["Algebra Club", "Mechanics", "Zoology"]


def test_group_names_are_unique(db_session: Session, test_model_user_with_group: User) -> None:
    db_session.add(Group(name=TEST_GROUP_NAME, owner=test_model_user_with_group))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_deleting_a_user_deletes_their_questions(
    db_session: Session, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    ids = [q.id for q in minimal_question_data]
    db_session.delete(test_model_user)
    db_session.flush()
    db_session.expunge_all()
    assert db_session.scalars(select(Question).where(Question.id.in_(ids))).all() == []


def test_deleting_a_member_keeps_the_group_and_drops_the_membership(
    db_session: Session, test_model_user_with_group: User, user_factory: UserFactory
) -> None:
    (group,) = test_model_user_with_group.groups
    member = user_factory()
    group.members.append(member)
    db_session.flush()
    db_session.delete(member)
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Group, group.id) is not None
    assert [u.id for u in group.members] == [test_model_user_with_group.id]


def test_deleting_the_owner_orphans_the_group_instead_of_deleting_it(
    db_session: Session, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    db_session.delete(test_model_user_with_group)
    db_session.flush()
    db_session.expire_all()
    kept = db_session.get(Group, group.id)
    assert kept is not None
    assert kept.owner_id is None
    assert kept.members == []
