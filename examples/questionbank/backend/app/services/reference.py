"""Reference content: subjects -> topics -> subtopics -> ordered content blocks."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..errors import ConflictError, NotFoundError
from ..models import ContentBlock, ContentKind, Subject, Subtopic, Topic

_TREE_OPTIONS = (
    selectinload(Subject.topics).selectinload(Topic.subtopics).selectinload(Subtopic.blocks),
)


@dataclass(frozen=True)
class BlockSpec:
    kind: ContentKind
    body: str


@dataclass(frozen=True)
class SubtopicSpec:
    name: str
    blocks: Sequence[BlockSpec] = ()


@dataclass(frozen=True)
class TopicSpec:
    name: str
    subtopics: Sequence[SubtopicSpec] = ()


@dataclass(frozen=True)
class SubjectSpec:
    name: str
    topics: Sequence[TopicSpec] = ()
    slug: str = field(default="")


@dataclass(frozen=True)
class HierarchyStats:
    subjects: int
    topics: int
    subtopics: int
    blocks: int


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValueError(f"cannot make a slug from {name!r}")
    return slug


def import_hierarchy(session: Session, specs: Sequence[SubjectSpec]) -> list[Subject]:
    """Add whole subjects (with their topics, subtopics and blocks) after the existing ones."""
    slugs = [spec.slug or slugify(spec.name) for spec in specs]
    if len(set(slugs)) != len(slugs):
        raise ConflictError("duplicate subject slugs in the import")
    taken = set(session.scalars(select(Subject.slug).where(Subject.slug.in_(slugs))))
    if taken:
        raise ConflictError(f"subjects already exist: {', '.join(sorted(taken))}")
    last = session.scalar(select(func.coalesce(func.max(Subject.position), -1)))
    next_position = (last if last is not None else -1) + 1
    subjects = []
    for offset, (spec, slug) in enumerate(zip(specs, slugs, strict=True)):
        subject = Subject(name=spec.name, slug=slug, position=next_position + offset)
        for topic_spec in spec.topics:
            topic = Topic(name=topic_spec.name)
            subject.topics.append(topic)
            for subtopic_spec in topic_spec.subtopics:
                subtopic = Subtopic(name=subtopic_spec.name)
                topic.subtopics.append(subtopic)
                subtopic.blocks.extend(
                    ContentBlock(kind=block.kind, body=block.body) for block in subtopic_spec.blocks
                )
        subjects.append(subject)
    session.add_all(subjects)
    session.flush()
    return subjects


def load_tree(session: Session) -> list[Subject]:
    """Every subject with its whole subtree loaded (four queries in all)."""
    stmt = select(Subject).options(*_TREE_OPTIONS).order_by(Subject.position, Subject.id)
    return list(session.scalars(stmt))


def get_subject_tree(session: Session, slug: str) -> Subject:
    stmt = select(Subject).where(Subject.slug == slug).options(*_TREE_OPTIONS)
    subject = session.scalar(stmt)
    if subject is None:
        raise NotFoundError(f"subject {slug!r} not found")
    return subject


def get_topic(session: Session, topic_id: int) -> Topic:
    stmt = (
        select(Topic)
        .where(Topic.id == topic_id)
        .options(selectinload(Topic.subtopics).selectinload(Subtopic.blocks))
    )
    topic = session.scalar(stmt)
    if topic is None:
        raise NotFoundError(f"topic {topic_id} not found")
    return topic


def get_subtopic(session: Session, subtopic_id: int) -> Subtopic:
    stmt = (
        select(Subtopic)
        .where(Subtopic.id == subtopic_id)
        .options(
            selectinload(Subtopic.blocks), joinedload(Subtopic.topic).joinedload(Topic.subject)
        )
    )
    subtopic = session.scalar(stmt)
    if subtopic is None:
        raise NotFoundError(f"subtopic {subtopic_id} not found")
    return subtopic


def breadcrumb(subtopic: Subtopic) -> list[str]:
    return [subtopic.topic.subject.name, subtopic.topic.name, subtopic.name]


def subject_summaries(session: Session) -> list[tuple[Subject, int]]:
    """Each subject with its number of topics, in display order."""
    stmt = (
        select(Subject, func.count(Topic.id))
        .outerjoin(Topic, Topic.subject_id == Subject.id)
        .group_by(Subject.id)
        .order_by(Subject.position, Subject.id)
    )
    return [(subject, count) for subject, count in session.execute(stmt)]


def hierarchy_stats(session: Session) -> HierarchyStats:
    def count(model: type[Subject | Topic | Subtopic | ContentBlock]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return HierarchyStats(
        subjects=count(Subject),
        topics=count(Topic),
        subtopics=count(Subtopic),
        blocks=count(ContentBlock),
    )
