"""Request and response bodies (Pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from .models import ContentKind, Difficulty, Tag

MAX_TAGS_PER_QUESTION = 10


def _normalise(value: Any) -> Any:
    """Strip and lower-case before the pattern and length checks see the value."""
    return value.strip().lower() if isinstance(value, str) else value


Email = Annotated[
    str,
    StringConstraints(max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"),
    BeforeValidator(_normalise),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
TagName = Annotated[
    str,
    StringConstraints(max_length=40, pattern=r"^[a-z0-9][a-z0-9-]*$"),
    BeforeValidator(_normalise),
]
SubjectName = Annotated[
    str, StringConstraints(min_length=1, max_length=60), BeforeValidator(_normalise)
]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- auth and users ----------------------------------------------------------------------


class LoginRequest(BaseModel):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserCreate(BaseModel):
    email: Email
    full_name: Name
    password: Password


class GroupSummary(ORMModel):
    id: int
    name: str


class UserSummary(ORMModel):
    id: int
    full_name: str


class UserRead(ORMModel):
    id: int
    email: str
    full_name: str
    is_active: bool
    created_at: datetime
    groups: list[GroupSummary]


# --- groups ------------------------------------------------------------------------------


class GroupCreate(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class GroupRead(ORMModel):
    id: int
    name: str
    description: str
    owner_id: int | None
    members: list[UserSummary]


class MemberAdd(BaseModel):
    user_id: Annotated[int, Field(gt=0)]


# --- questions ---------------------------------------------------------------------------


def _dedupe(tags: list[str]) -> list[str]:
    return list(dict.fromkeys(tags))


class QuestionCreate(BaseModel):
    title: Title
    body: Body
    answer: Body | None = None
    subject: SubjectName
    difficulty: Difficulty
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS_PER_QUESTION)] = []
    group_id: Annotated[int, Field(gt=0)] | None = None

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, value: list[str]) -> list[str]:
        return _dedupe(value)


class QuestionUpdate(BaseModel):
    """A partial update: only the fields sent are changed; ``null`` only where allowed."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    body: Body | None = None
    answer: Body | None = None
    subject: SubjectName | None = None
    difficulty: Difficulty | None = None
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS_PER_QUESTION)] | None = None
    group_id: Annotated[int, Field(gt=0)] | None = None

    @field_validator("title", "body", "subject", "difficulty", "tags")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, value: list[str]) -> list[str]:
        return _dedupe(value)

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class QuestionRead(ORMModel):
    id: int
    title: str
    body: str
    answer: str | None
    subject: str
    difficulty: Difficulty
    tags: list[str]
    author_id: int
    group_id: int | None
    created_at: datetime
    updated_at: datetime

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_names(cls, value: Any) -> Any:
        # Sorted, as the relationship loads them; a just-built question has them as given.
        return sorted(tag.name if isinstance(tag, Tag) else tag for tag in value)


class QuestionPage(BaseModel):
    items: list[QuestionRead]
    total: int
    limit: int
    offset: int


class TagCount(BaseModel):
    name: str
    count: int


# --- reference content -------------------------------------------------------------------


class ContentBlockRead(ORMModel):
    id: int
    position: int
    kind: ContentKind
    body: str


class SubtopicRead(ORMModel):
    id: int
    name: str
    position: int
    blocks: list[ContentBlockRead]


class SubtopicDetail(SubtopicRead):
    breadcrumb: list[str]


class TopicRead(ORMModel):
    id: int
    name: str
    position: int
    subtopics: list[SubtopicRead]


class SubjectTree(ORMModel):
    id: int
    name: str
    slug: str
    position: int
    topics: list[TopicRead]


class SubjectSummary(BaseModel):
    id: int
    name: str
    slug: str
    position: int
    topic_count: int
