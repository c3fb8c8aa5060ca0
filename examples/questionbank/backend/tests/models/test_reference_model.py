from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from backend.app.models import ContentBlock, ContentKind, Subject, Subtopic, Topic
from backend.tests.fixtures.reference_content import (
    BLOCK_KINDS,
    REFERENCE_TOPICS,
    SUBTOPIC_PARTS,
    ReferenceHierarchy,
)


def test_ordering_list_numbers_children_as_they_are_appended(db_session: Session) -> None:
    subject = Subject(name="Astronomy", slug="astronomy", position=99)
    for name in ("Stars", "Planets", "Galaxies"):
        subject.topics.append(Topic(name=name))
    db_session.add(subject)
    db_session.flush()
    positions = db_session.execute(
        select(Topic.name, Topic.position).where(Topic.subject_id == subject.id)
    ).all()
    assert sorted(positions, key=lambda row: row.position) == [
        ("Stars", 0),
        ("Planets", 1),
        ("Galaxies", 2),
    ]


def test_inserting_a_block_renumbers_the_ones_after_it() -> None:
    subtopic = Subtopic(name="Orbits")
    subtopic.blocks.extend(
        [
            ContentBlock(kind=ContentKind.TEXT, body="a"),
            ContentBlock(kind=ContentKind.TEXT, body="c"),
        ]
    )
    subtopic.blocks.insert(1, ContentBlock(kind=ContentKind.EXAMPLE, body="b"))
    assert [(b.body, b.position) for b in subtopic.blocks] == [("a", 0), ("b", 1), ("c", 2)]


def test_topic_names_are_unique_within_a_subject(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    subject_id = session_reference_content_hierarchy.subject_ids["physics"]
    db_session.add(Topic(subject_id=subject_id, name="Optics", position=10))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_the_same_topic_name_may_appear_in_another_subject(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    subject_id = session_reference_content_hierarchy.subject_ids["chemistry"]
    db_session.add(Topic(subject_id=subject_id, name="Optics", position=10))
    db_session.flush()
    count = db_session.scalar(select(func.count()).select_from(Topic).where(Topic.name == "Optics"))
    assert count == 2


def test_block_positions_are_unique_within_a_subtopic(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    subtopic_id = next(iter(session_reference_content_hierarchy.subtopic_ids.values()))
    db_session.add(ContentBlock(subtopic_id=subtopic_id, position=0, kind="text", body="dup"))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_navigation_from_block_to_subject(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    key = ("physics", "Optics", "Optics: Applications")
    subtopic = db_session.get(Subtopic, session_reference_content_hierarchy.subtopic_ids[key])
    assert subtopic is not None
    block = subtopic.blocks[-1]
    assert block.subtopic.topic.subject.slug == "physics"
    assert [b.kind for b in subtopic.blocks] == list(BLOCK_KINDS)
    assert subtopic.position == SUBTOPIC_PARTS.index("Applications")


def test_deleting_a_subject_cascades_to_its_whole_subtree(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    subject = db_session.get(Subject, session_reference_content_hierarchy.subject_ids["chemistry"])
    assert subject is not None
    topic_ids = [t.id for t in subject.topics]
    db_session.delete(subject)
    db_session.flush()
    remaining_topics = db_session.scalar(
        select(func.count()).select_from(Topic).where(Topic.id.in_(topic_ids))
    )
    remaining_blocks = db_session.scalar(
        select(func.count())
        .select_from(ContentBlock)
        .join(Subtopic)
        .where(Subtopic.topic_id.in_(topic_ids))
    )
    assert remaining_topics == 0
    assert remaining_blocks == 0
    total_subjects = db_session.scalar(select(func.count()).select_from(Subject))
    assert total_subjects == len(REFERENCE_TOPICS) - 1


def test_database_rejects_an_unknown_block_kind(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    subtopic_id = next(iter(session_reference_content_hierarchy.subtopic_ids.values()))
    db_session.add(ContentBlock(subtopic_id=subtopic_id, position=50, kind="video", body="x"))
    with pytest.raises(StatementError, match="video"):
        db_session.flush()
