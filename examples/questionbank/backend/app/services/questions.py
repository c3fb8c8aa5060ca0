"""Creating, changing and finding questions, with group-based visibility."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import UnaryExpression

from ..db import utcnow
from ..errors import NotFoundError, PermissionDeniedError
from ..models import Difficulty, Group, Question, Tag, User, group_membership, question_tags

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

T = TypeVar("T")


class TagMatch(str, enum.Enum):
    ANY = "any"
    ALL = "all"


class QuestionOrder(str, enum.Enum):
    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"
    DIFFICULTY = "difficulty"


@dataclass(frozen=True)
class QuestionFilters:
    subject: str | None = None
    difficulties: tuple[Difficulty, ...] = ()
    tags: tuple[str, ...] = ()
    tag_match: TagMatch = TagMatch.ANY
    author_id: int | None = None
    search: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


def visible_to(viewer: User | None) -> ColumnElement[bool]:
    """SQL twin of :meth:`Question.is_visible_to`."""
    public = Question.group_id.is_(None)
    if viewer is None:
        return public
    member_of = select(group_membership.c.group_id).where(group_membership.c.user_id == viewer.id)
    return or_(public, Question.author_id == viewer.id, Question.group_id.in_(member_of))


def _normalise_tags(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(tag.strip().lower() for tag in tags if tag.strip()))


def filter_clauses(filters: QuestionFilters, viewer: User | None) -> list[ColumnElement[bool]]:
    clauses = [visible_to(viewer)]
    if filters.subject:
        clauses.append(Question.subject == filters.subject.strip().lower())
    if filters.difficulties:
        clauses.append(Question.difficulty.in_(filters.difficulties))
    tags = _normalise_tags(filters.tags)
    if tags and filters.tag_match is TagMatch.ALL:
        clauses.extend(Question.tags.any(Tag.name == tag) for tag in tags)
    elif tags:
        clauses.append(Question.tags.any(Tag.name.in_(tags)))
    if filters.author_id is not None:
        clauses.append(Question.author_id == filters.author_id)
    if filters.search and (term := filters.search.strip()):
        clauses.append(
            or_(
                Question.title.icontains(term, autoescape=True),
                Question.body.icontains(term, autoescape=True),
            )
        )
    return clauses


_DIFFICULTY_RANK = case(
    *((Question.difficulty == level, level.rank) for level in Difficulty), else_=len(Difficulty)
)


def _ordering(order: QuestionOrder) -> list[UnaryExpression[Any]]:
    # Every ordering ends with the primary key so that pages never overlap or skip rows.
    if order is QuestionOrder.NEWEST:
        return [Question.created_at.desc(), Question.id.desc()]
    if order is QuestionOrder.OLDEST:
        return [Question.created_at.asc(), Question.id.asc()]
    if order is QuestionOrder.TITLE:
        return [Question.title.asc(), Question.id.asc()]
    return [_DIFFICULTY_RANK.asc(), Question.created_at.desc(), Question.id.desc()]


def filter_questions(
    session: Session,
    filters: QuestionFilters | None = None,
    *,
    viewer: User | None,
    order: QuestionOrder = QuestionOrder.NEWEST,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[Question]:
    """One page of the questions ``viewer`` may see that match ``filters``."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if offset < 0:
        raise ValueError("offset must not be negative")
    clauses = filter_clauses(filters or QuestionFilters(), viewer)
    total = session.scalar(select(func.count()).select_from(Question).where(*clauses)) or 0
    stmt = (
        select(Question)
        .where(*clauses)
        .order_by(*_ordering(order))
        .limit(limit)
        .offset(offset)
        .options(selectinload(Question.tags))
    )
    return Page(items=list(session.scalars(stmt)), total=total, limit=limit, offset=offset)


def tag_counts(session: Session, *, viewer: User | None) -> list[tuple[str, int]]:
    """How many visible questions carry each tag, most used first."""
    stmt = (
        select(Tag.name, func.count(question_tags.c.question_id))
        .join(question_tags, question_tags.c.tag_id == Tag.id)
        .join(Question, Question.id == question_tags.c.question_id)
        .where(visible_to(viewer))
        .group_by(Tag.name)
        .order_by(func.count(question_tags.c.question_id).desc(), Tag.name)
    )
    return [(name, count) for name, count in session.execute(stmt)]


def get_or_create_tags(session: Session, names: Sequence[str]) -> list[Tag]:
    """The tags called ``names`` (in that order), creating the missing ones."""
    wanted = _normalise_tags(names)
    if not wanted:
        return []
    existing = {tag.name: tag for tag in session.scalars(select(Tag).where(Tag.name.in_(wanted)))}
    for name in wanted:
        if name not in existing:
            existing[name] = Tag(name=name)
            session.add(existing[name])
    return [existing[name] for name in wanted]


def _check_group(session: Session, group_id: int | None, user: User) -> Group | None:
    if group_id is None:
        return None
    group = session.get(Group, group_id)
    if group is None:
        raise NotFoundError(f"group {group_id} not found")
    if user not in group.members:
        raise PermissionDeniedError("only members can post questions to a group")
    return group


def create_question(
    session: Session,
    *,
    author: User,
    title: str,
    body: str,
    subject: str,
    difficulty: Difficulty,
    answer: str | None = None,
    tags: Sequence[str] = (),
    group_id: int | None = None,
) -> Question:
    group = _check_group(session, group_id, author)
    question = Question(
        title=title,
        body=body,
        answer=answer,
        subject=subject.strip().lower(),
        difficulty=difficulty,
        author=author,
        group=group,
        tags=get_or_create_tags(session, tags),
    )
    session.add(question)
    session.flush()
    return question


def get_visible_question(session: Session, question_id: int, viewer: User | None) -> Question:
    """The question, or :class:`NotFoundError` if it does not exist *or* is hidden from viewer."""
    question = session.get(Question, question_id)
    if question is None or not question.is_visible_to(viewer):
        raise NotFoundError(f"question {question_id} not found")
    return question


def _check_author(question: Question, user: User) -> None:
    if question.author_id != user.id:
        raise PermissionDeniedError("only the author can change a question")


UPDATABLE_FIELDS = frozenset({"title", "body", "answer", "subject", "difficulty"})


def update_question(
    session: Session, question: Question, *, editor: User, changes: dict[str, Any]
) -> Question:
    """Apply ``changes`` (field -> value; ``tags`` and ``group_id`` included) as the author."""
    _check_author(question, editor)
    unknown = set(changes) - UPDATABLE_FIELDS - {"tags", "group_id"}
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    if "group_id" in changes:
        question.group = _check_group(session, changes["group_id"], editor)
    if "tags" in changes:
        question.tags = get_or_create_tags(session, changes["tags"])
    for field in UPDATABLE_FIELDS & set(changes):
        value = changes[field]
        setattr(question, field, value.strip().lower() if field == "subject" else value)
    if changes:
        # Set explicitly: a change of tags alone does not touch the questions row.
        question.updated_at = utcnow()
    session.flush()
    return question


def delete_question(session: Session, question: Question, *, editor: User) -> None:
    _check_author(question, editor)
    session.delete(question)
    session.flush()
