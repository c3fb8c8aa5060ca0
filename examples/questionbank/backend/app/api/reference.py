from __future__ import annotations

from fastapi import APIRouter

from ..schemas import ContentBlockRead, SubjectSummary, SubjectTree, SubtopicDetail, TopicRead
from ..services import reference as reference_service
from .deps import DbSession

router = APIRouter(prefix="/reference", tags=["reference"])


@router.get("/subjects")
def list_subjects(db: DbSession) -> list[SubjectSummary]:
    return [
        SubjectSummary(
            id=subject.id,
            name=subject.name,
            slug=subject.slug,
            position=subject.position,
            topic_count=topic_count,
        )
        for subject, topic_count in reference_service.subject_summaries(db)
    ]


@router.get("/tree")
def read_tree(db: DbSession) -> list[SubjectTree]:
    return [SubjectTree.model_validate(subject) for subject in reference_service.load_tree(db)]


@router.get("/subjects/{slug}")
def read_subject(slug: str, db: DbSession) -> SubjectTree:
    return SubjectTree.model_validate(reference_service.get_subject_tree(db, slug))


@router.get("/topics/{topic_id}")
def read_topic(topic_id: int, db: DbSession) -> TopicRead:
    return TopicRead.model_validate(reference_service.get_topic(db, topic_id))


@router.get("/subtopics/{subtopic_id}")
def read_subtopic(subtopic_id: int, db: DbSession) -> SubtopicDetail:
    subtopic = reference_service.get_subtopic(db, subtopic_id)
    return SubtopicDetail(
        id=subtopic.id,
        name=subtopic.name,
        position=subtopic.position,
        blocks=[ContentBlockRead.model_validate(block) for block in subtopic.blocks],
        breadcrumb=reference_service.breadcrumb(subtopic),
    )
