from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.app.errors import NotFoundError, PermissionDeniedError
from backend.app.models import Difficulty, Question, Tag, User
from backend.app.services import questions as question_service
from backend.app.services import users as user_service
from backend.tests.fixtures.questions import MODERATE_QUESTION_COUNT
from backend.tests.fixtures.users import UserFactory


def _tag_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Tag)) or 0


def _create(session: Session, author: User, **overrides: object) -> Question:
    values: dict[str, object] = {
        "title": "Balance the equation",
        "body": "H2 + O2 -> H2O",
        "subject": "Chemistry",
        "difficulty": Difficulty.EASY,
    }
    values.update(overrides)
    return question_service.create_question(session, author=author, **values)  # type: ignore[arg-type]


def test_create_question_persists_and_normalises(
    db_session: Session, test_model_user: User
) -> None:
    question = _create(db_session, test_model_user, tags=["Stoichiometry", "exam"])
    db_session.expire(question)
    assert question.subject == "chemistry"
    assert question.author_id == test_model_user.id
    assert question.tag_names == ["exam", "stoichiometry"]
    assert question.is_public


def test_create_question_reuses_existing_tags(
    db_session: Session, test_model_user: User, moderate_question_data: list[Question]
) -> None:
    before = _tag_count(db_session)
    _create(db_session, test_model_user, tags=["exam", "homework", "brand-new"])
    assert _tag_count(db_session) == before + 1


def test_duplicate_tags_are_stored_once(db_session: Session, test_model_user: User) -> None:
    question = _create(db_session, test_model_user, tags=["Exam", "exam ", " EXAM", "x"])
    assert question.tag_names == ["exam", "x"]


def test_moderate_data_is_all_public_and_tagged(
    db_session: Session, test_model_user: User, moderate_question_data: list[Question]
) -> None:
    page = question_service.filter_questions(db_session, viewer=None, limit=100)
    assert page.total == MODERATE_QUESTION_COUNT
    assert all(1 <= len(q.tags) <= 3 for q in page.items)
    assert {q.author_id for q in page.items} == {test_model_user.id}


def test_members_can_post_to_their_group(
    db_session: Session, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    question = _create(db_session, test_model_user_with_group, group_id=group.id)
    assert question.group is group
    assert not question.is_public


def test_non_members_cannot_post_to_a_group(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    with pytest.raises(PermissionDeniedError):
        _create(db_session, test_model_user, group_id=group.id)
    assert db_session.scalar(select(func.count()).select_from(Question)) == 0


def test_posting_to_a_missing_group_is_not_found(
    db_session: Session, test_model_user: User
) -> None:
    with pytest.raises(NotFoundError):
        _create(db_session, test_model_user, group_id=987_654)


def test_get_visible_question_hides_group_questions_from_outsiders(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    question = _create(db_session, test_model_user_with_group, group_id=group.id)
    found = question_service.get_visible_question(
        db_session, question.id, test_model_user_with_group
    )
    assert found is question
    with pytest.raises(NotFoundError):
        question_service.get_visible_question(db_session, question.id, test_model_user)
    with pytest.raises(NotFoundError):
        question_service.get_visible_question(db_session, question.id, None)


def test_get_visible_question_for_a_missing_id(db_session: Session) -> None:
    with pytest.raises(NotFoundError):
        question_service.get_visible_question(db_session, 424_242, None)


def test_author_updates_fields(
    db_session: Session, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[0]
    old_updated = question.updated_at - timedelta(seconds=1)
    question.updated_at = old_updated
    question_service.update_question(
        db_session,
        question,
        editor=test_model_user,
        changes={"title": "Solve two equations", "subject": " Algebra ", "answer": None},
    )
    db_session.expire(question)
    assert question.title == "Solve two equations"
    assert question.subject == "algebra"
    assert question.answer is None
    assert question.body == "Solve 2x + 3 = 11 for x."
    assert question.updated_at > old_updated


def test_changing_only_tags_still_bumps_updated_at(
    db_session: Session, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[1]
    old_updated = question.updated_at - timedelta(seconds=1)
    question.updated_at = old_updated
    db_session.flush()
    question_service.update_question(
        db_session, question, editor=test_model_user, changes={"tags": ["optics"]}
    )
    db_session.expire(question)
    assert question.tag_names == ["optics"]
    assert question.updated_at > old_updated


def test_non_authors_cannot_update(
    db_session: Session, test_model_user_with_group: User, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[0]
    with pytest.raises(PermissionDeniedError):
        question_service.update_question(
            db_session, question, editor=test_model_user_with_group, changes={"title": "Hijacked"}
        )
    db_session.expire(question)
    assert question.title == "Solve a linear equation"


def test_unknown_fields_cannot_be_updated(
    db_session: Session, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    with pytest.raises(ValueError, match="author_id"):
        question_service.update_question(
            db_session,
            minimal_question_data[0],
            editor=test_model_user,
            changes={"author_id": 1},
        )


def test_moving_a_question_into_a_group_and_back(
    db_session: Session, test_model_user_with_group: User, user_factory: UserFactory
) -> None:
    (group,) = test_model_user_with_group.groups
    question = _create(db_session, test_model_user_with_group)
    stranger = user_factory()
    question_service.update_question(
        db_session, question, editor=test_model_user_with_group, changes={"group_id": group.id}
    )
    assert not question.is_visible_to(stranger)
    question_service.update_question(
        db_session, question, editor=test_model_user_with_group, changes={"group_id": None}
    )
    assert question.is_visible_to(stranger)


def test_moving_a_question_into_someone_elses_group_is_denied(
    db_session: Session,
    test_model_user: User,
    test_model_user_with_group: User,
    minimal_question_data: list[Question],
) -> None:
    (group,) = test_model_user_with_group.groups
    with pytest.raises(PermissionDeniedError):
        question_service.update_question(
            db_session,
            minimal_question_data[0],
            editor=test_model_user,
            changes={"group_id": group.id},
        )


def test_author_deletes_and_others_cannot(
    db_session: Session,
    test_model_user: User,
    test_model_user_with_group: User,
    minimal_question_data: list[Question],
) -> None:
    first, second = minimal_question_data
    with pytest.raises(PermissionDeniedError):
        question_service.delete_question(db_session, first, editor=test_model_user_with_group)
    question_service.delete_question(db_session, first, editor=test_model_user)
    remaining = db_session.scalars(select(Question.id)).all()
    assert remaining == [second.id]


def test_a_new_member_sees_existing_group_questions(
    db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    question = _create(db_session, test_model_user_with_group, group_id=group.id)
    before = question_service.filter_questions(db_session, viewer=test_model_user)
    user_service.add_member(
        db_session, group=group, actor=test_model_user_with_group, user=test_model_user
    )
    after = question_service.filter_questions(db_session, viewer=test_model_user)
    assert question.id not in {q.id for q in before.items}
    assert question.id in {q.id for q in after.items}
