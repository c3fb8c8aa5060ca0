from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from backend.app.models import Difficulty, Question, Tag, User, question_tags
from backend.tests.fixtures.users import UserFactory


def _question(author: User, **overrides: object) -> Question:
    values: dict[str, object] = {
        "title": "Rates of reaction",
        "body": "Why does temperature speed reactions up?",
        "subject": "chemistry",
        "difficulty": Difficulty.MEDIUM,
        "author": author,
    }
    values.update(overrides)
    return Question(**values)


def test_difficulty_is_stored_as_its_value(
    db_session: Session, minimal_question_data: list[Question]
) -> None:
    stored = db_session.execute(
        text("SELECT difficulty FROM questions WHERE id = :id"), {"id": minimal_question_data[0].id}
    ).scalar_one()
    assert stored == "easy"
    db_session.expire(minimal_question_data[0])
    assert minimal_question_data[0].difficulty is Difficulty.EASY


def test_database_rejects_an_unknown_difficulty(
    db_session: Session, minimal_question_data: list[Question]
) -> None:
    with pytest.raises(IntegrityError):
        db_session.execute(
            text("UPDATE questions SET difficulty = 'impossible' WHERE id = :id"),
            {"id": minimal_question_data[0].id},
        )


def test_orm_rejects_an_unknown_difficulty_string(
    db_session: Session, test_model_user: User
) -> None:
    db_session.add(_question(test_model_user, difficulty="impossible"))
    with pytest.raises(StatementError):
        db_session.flush()


@pytest.mark.parametrize("title", ["", "   "])
def test_database_rejects_a_blank_title(
    db_session: Session, test_model_user: User, title: str
) -> None:
    db_session.add(_question(test_model_user, title=title))
    with pytest.raises(IntegrityError, match="title_not_blank"):
        db_session.flush()


def test_a_question_needs_an_existing_author(db_session: Session) -> None:
    with pytest.raises(IntegrityError):
        db_session.execute(
            text(
                "INSERT INTO questions (title, body, subject, difficulty, author_id, "
                "created_at, updated_at) VALUES ('t', 'b', 's', 'easy', 999999, "
                "'2024-01-01', '2024-01-01')"
            )
        )


def test_questions_share_tag_rows(
    db_session: Session, moderate_question_data: list[Question]
) -> None:
    tagged_exam = [q for q in moderate_question_data if "exam" in q.tag_names]
    assert len(tagged_exam) > 1
    exam_tag_ids = {tag.id for q in tagged_exam for tag in q.tags if tag.name == "exam"}
    assert len(exam_tag_ids) == 1
    names = db_session.scalars(select(Tag.name)).all()
    assert len(names) == len(set(names))


def test_tags_are_loaded_in_name_order(db_session: Session, test_model_user: User) -> None:
    tags = [Tag(name=name) for name in ("waves", "algebra", "motion")]
    question = _question(test_model_user, tags=tags)
    db_session.add(question)
    db_session.flush()
    db_session.expire(question, ["tags"])
    assert question.tag_names == ["algebra", "motion", "waves"]


def test_tag_names_are_normalised_and_unique(db_session: Session) -> None:
    db_session.add(Tag(name="  Optics "))
    db_session.flush()
    assert db_session.scalar(select(Tag.name)) == "optics"
    db_session.add(Tag(name="OPTICS"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_deleting_a_question_keeps_its_tags(
    db_session: Session, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[1]
    tag_ids = [tag.id for tag in question.tags]
    db_session.delete(question)
    db_session.flush()
    links = db_session.scalar(
        select(func.count()).select_from(question_tags).where(question_tags.c.tag_id.in_(tag_ids))
    )
    assert links == 0
    assert len(db_session.scalars(select(Tag).where(Tag.id.in_(tag_ids))).all()) == len(tag_ids)


def test_deleting_a_group_deletes_its_questions_only(
    db_session: Session, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    in_group = _question(test_model_user_with_group, group=group)
    public = _question(test_model_user_with_group, title="Public one")
    db_session.add_all([in_group, public])
    db_session.flush()
    in_group_id, public_id = in_group.id, public.id
    db_session.delete(group)
    db_session.flush()
    db_session.expunge_all()
    assert db_session.get(Question, in_group_id) is None
    assert db_session.get(Question, public_id) is not None


def test_author_relationship_is_bidirectional(
    test_model_user: User, minimal_question_data: list[Question]
) -> None:
    assert {q.id for q in test_model_user.questions} == {q.id for q in minimal_question_data}
    assert all(q.author is test_model_user for q in minimal_question_data)


def test_updated_at_moves_on_change_and_created_at_does_not(
    db_session: Session, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[0]
    earlier = question.created_at - timedelta(days=3)
    question.created_at = earlier
    question.updated_at = earlier
    db_session.flush()
    question.title = "Solve a linear equation (revised)"
    db_session.flush()
    db_session.expire(question)
    assert question.created_at == earlier
    assert question.updated_at > earlier + timedelta(days=2)


@pytest.mark.parametrize(
    ("viewer", "in_group", "visible"),
    [
        ("anonymous", False, True),
        ("anonymous", True, False),
        ("stranger", False, True),
        ("stranger", True, False),
        ("member", True, True),
        ("author", True, True),
    ],
)
def test_is_visible_to(
    db_session: Session,
    test_model_user_with_group: User,
    user_factory: UserFactory,
    viewer: str,
    in_group: bool,
    visible: bool,
) -> None:
    (group,) = test_model_user_with_group.groups
    author = user_factory(full_name="Author")
    group.members.append(author)
    member = user_factory(full_name="Member")
    group.members.append(member)
    stranger = user_factory(full_name="Stranger")
    question = _question(author, group=group if in_group else None)
    db_session.add(question)
    db_session.flush()
    viewers: dict[str, User | None] = {
        "anonymous": None,
        "stranger": stranger,
        "member": member,
        "author": author,
    }
    assert question.is_visible_to(viewers[viewer]) is visible
    assert question.is_public is not in_group


def test_author_still_sees_a_group_question_after_leaving_the_group(
    db_session: Session, test_model_user_with_group: User, user_factory: UserFactory
) -> None:
    (group,) = test_model_user_with_group.groups
    author = user_factory()
    group.members.append(author)
    question = _question(author, group=group)
    db_session.add(question)
    db_session.flush()
    group.members.remove(author)
    db_session.flush()
    assert not author.is_member_of(group.id)
    assert question.is_visible_to(author)


def test_group_questions_collection(db_session: Session, test_model_user_with_group: User) -> None:
    (group,) = test_model_user_with_group.groups
    db_session.add_all([_question(test_model_user_with_group, group=group) for _ in range(3)])
    db_session.flush()
    db_session.expire(group, ["questions"])
    assert len(group.questions) == 3
    assert {q.group_id for q in group.questions} == {group.id}
