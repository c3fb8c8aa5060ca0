from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from ..models import Difficulty
from ..schemas import QuestionCreate, QuestionPage, QuestionRead, QuestionUpdate, TagCount
from ..services import questions as question_service
from ..services.questions import MAX_PAGE_SIZE, QuestionFilters, QuestionOrder, TagMatch
from .deps import CurrentUser, DbSession, OptionalUser

router = APIRouter(prefix="/questions", tags=["questions"])


@router.get("")
def list_questions(
    db: DbSession,
    viewer: OptionalUser,
    subject: Annotated[str | None, Query(max_length=60)] = None,
    difficulty: Annotated[list[Difficulty] | None, Query()] = None,
    tag: Annotated[list[str] | None, Query(max_length=10)] = None,
    tag_match: TagMatch = TagMatch.ANY,
    author_id: Annotated[int | None, Query(gt=0)] = None,
    q: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
    order_by: QuestionOrder = QuestionOrder.NEWEST,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QuestionPage:
    filters = QuestionFilters(
        subject=subject,
        difficulties=tuple(difficulty or ()),
        tags=tuple(tag or ()),
        tag_match=tag_match,
        author_id=author_id,
        search=q,
    )
    page = question_service.filter_questions(
        db, filters, viewer=viewer, order=order_by, limit=limit, offset=offset
    )
    return QuestionPage(
        items=[QuestionRead.model_validate(question) for question in page.items],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/tags")
def list_tags(db: DbSession, viewer: OptionalUser) -> list[TagCount]:
    return [
        TagCount(name=name, count=count)
        for name, count in question_service.tag_counts(db, viewer=viewer)
    ]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_question(payload: QuestionCreate, db: DbSession, user: CurrentUser) -> QuestionRead:
    question = question_service.create_question(
        db,
        author=user,
        title=payload.title,
        body=payload.body,
        answer=payload.answer,
        subject=payload.subject,
        difficulty=payload.difficulty,
        tags=payload.tags,
        group_id=payload.group_id,
    )
    db.commit()
    return QuestionRead.model_validate(question)


@router.get("/{question_id}")
def read_question(question_id: int, db: DbSession, viewer: OptionalUser) -> QuestionRead:
    return QuestionRead.model_validate(
        question_service.get_visible_question(db, question_id, viewer)
    )


@router.patch("/{question_id}")
def update_question(
    question_id: int, payload: QuestionUpdate, db: DbSession, user: CurrentUser
) -> QuestionRead:
    question = question_service.get_visible_question(db, question_id, user)
    question_service.update_question(db, question, editor=user, changes=payload.changes())
    db.commit()
    return QuestionRead.model_validate(question)


@router.delete("/{question_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_question(question_id: int, db: DbSession, user: CurrentUser) -> Response:
    question = question_service.get_visible_question(db, question_id, user)
    question_service.delete_question(db, question, editor=user)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
