from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.app.errors import ConflictError, NotFoundError
from backend.app.models import ContentKind, Topic
from backend.app.services import reference as reference_service
from backend.app.services.reference import BlockSpec, SubjectSpec, SubtopicSpec, TopicSpec
from backend.tests.fixtures.reference_content import (
    BLOCK_KINDS,
    REFERENCE_TOPICS,
    SUBTOPIC_PARTS,
    ReferenceHierarchy,
)


@pytest.fixture
def statements(db_session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's connection runs during the test."""
    seen: list[str] = []
    connection = db_session.connection()

    def record(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(connection, "before_cursor_execute", record)
    yield seen
    event.remove(connection, "before_cursor_execute", record)


def test_tree_lists_subjects_in_import_order(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    tree = reference_service.load_tree(db_session)
    assert [s.name for s in tree] == list(REFERENCE_TOPICS)
    assert [s.slug for s in tree] == list(session_reference_content_hierarchy.subject_slugs)
    assert [s.position for s in tree] == list(range(len(REFERENCE_TOPICS)))


def test_tree_keeps_topics_subtopics_and_blocks_in_order(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    for subject in reference_service.load_tree(db_session):
        assert [t.name for t in subject.topics] == list(REFERENCE_TOPICS[subject.name])
        for topic in subject.topics:
            assert [s.name for s in topic.subtopics] == [
                f"{topic.name}: {part}" for part in SUBTOPIC_PARTS
            ]
            for subtopic in topic.subtopics:
                assert [b.kind for b in subtopic.blocks] == list(BLOCK_KINDS)
                assert [b.position for b in subtopic.blocks] == list(range(len(BLOCK_KINDS)))


def test_tree_loads_in_a_fixed_number_of_queries(
    db_session: Session,
    session_reference_content_hierarchy: ReferenceHierarchy,
    statements: list[str],
) -> None:
    tree = reference_service.load_tree(db_session)
    blocks = sum(len(st.blocks) for s in tree for t in s.topics for st in t.subtopics)
    assert blocks == session_reference_content_hierarchy.counts.blocks
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 4  # subjects, topics, subtopics, blocks: no N+1


def test_stats_match_the_imported_hierarchy(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    assert reference_service.hierarchy_stats(db_session) == (
        session_reference_content_hierarchy.counts
    )


@pytest.mark.parametrize("subject", list(REFERENCE_TOPICS))
def test_subject_subtree(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy, subject: str
) -> None:
    slug = session_reference_content_hierarchy.slug_of(subject)
    tree = reference_service.get_subject_tree(db_session, slug)
    assert tree.id == session_reference_content_hierarchy.subject_ids[slug]
    assert [t.id for t in tree.topics] == [
        session_reference_content_hierarchy.topic_ids[(slug, name)]
        for name in REFERENCE_TOPICS[subject]
    ]


def test_missing_nodes_are_not_found(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    with pytest.raises(NotFoundError):
        reference_service.get_subject_tree(db_session, "astrology")
    with pytest.raises(NotFoundError):
        reference_service.get_topic(db_session, 10**6)
    with pytest.raises(NotFoundError):
        reference_service.get_subtopic(db_session, 10**6)


def test_breadcrumb(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    key = ("life-sciences", "Genetics", "Genetics: Further Study")
    subtopic = reference_service.get_subtopic(
        db_session, session_reference_content_hierarchy.subtopic_ids[key]
    )
    assert reference_service.breadcrumb(subtopic) == [
        "Life Sciences",
        "Genetics",
        "Genetics: Further Study",
    ]


def test_subject_summaries_count_topics(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    physics_id = session_reference_content_hierarchy.subject_ids["physics"]
    db_session.add(Topic(subject_id=physics_id, name="Quantum Mechanics", position=4))
    db_session.flush()
    counts = {s.slug: n for s, n in reference_service.subject_summaries(db_session)}
    assert counts == {
        slug: len(topics) + (1 if slug == "physics" else 0)
        for slug, topics in zip(
            session_reference_content_hierarchy.subject_slugs,
            REFERENCE_TOPICS.values(),
            strict=True,
        )
    }


def test_import_appends_new_subjects_after_the_existing_ones(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    spec = SubjectSpec(
        name="Earth & Space",
        topics=[
            TopicSpec(
                name="Plate Tectonics",
                subtopics=[
                    SubtopicSpec(
                        name="Boundaries",
                        blocks=[
                            BlockSpec(ContentKind.TEXT, "Plates meet at three kinds of boundary."),
                            BlockSpec(ContentKind.EXERCISE, "Name them."),
                        ],
                    )
                ],
            )
        ],
    )
    (subject,) = reference_service.import_hierarchy(db_session, [spec])
    assert subject.slug == "earth-space"
    assert subject.position == len(REFERENCE_TOPICS)
    stats = reference_service.hierarchy_stats(db_session)
    before = session_reference_content_hierarchy.counts
    assert (stats.subjects, stats.topics, stats.subtopics, stats.blocks) == (
        before.subjects + 1,
        before.topics + 1,
        before.subtopics + 1,
        before.blocks + 2,
    )
    assert [s.slug for s in reference_service.load_tree(db_session)][-1] == "earth-space"


def test_import_refuses_existing_slugs(
    db_session: Session, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    with pytest.raises(ConflictError, match="physics"):
        reference_service.import_hierarchy(db_session, [SubjectSpec(name="Physics")])


def test_import_refuses_duplicate_slugs_within_one_import(db_session: Session) -> None:
    with pytest.raises(ConflictError):
        reference_service.import_hierarchy(
            db_session, [SubjectSpec(name="Art History"), SubjectSpec(name="art  history")]
        )


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Physics", "physics"),
        ("Life Sciences", "life-sciences"),
        ("  Earth & Space!  ", "earth-space"),
        ("C++ / Systems 101", "c-systems-101"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert reference_service.slugify(name) == slug


def test_slugify_needs_some_letters_or_digits() -> None:
    with pytest.raises(ValueError, match="slug"):
        reference_service.slugify("?!")
