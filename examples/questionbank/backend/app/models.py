"""ORM models: users and groups, questions and tags, and the reference hierarchy."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Enum,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.orderinglist import ordering_list
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from .db import Base, utcnow
from .security import hash_password, verify_password


class Difficulty(str, enum.Enum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"

    @property
    def rank(self) -> int:
        return list(Difficulty).index(self)


class ContentKind(str, enum.Enum):
    TEXT = "text"
    EXAMPLE = "example"
    EXERCISE = "exercise"


def _enum_column(enum_class: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR + CHECK enum storing the members' values (``"easy"``, not ``"EASY"``)."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


group_membership = Table(
    "group_membership",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
)

question_tags = Table(
    "question_tags",
    Base.metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[Group]] = relationship(
        secondary=group_membership, back_populates="members", order_by="Group.name"
    )
    owned_groups: Mapped[list[Group]] = relationship(back_populates="owner", passive_deletes=True)
    questions: Mapped[list[Question]] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def set_password(self, password: str, *, iterations: int | None = None) -> None:
        self.password_hash = hash_password(password, iterations=iterations)

    def check_password(self, password: str) -> bool:
        return verify_password(password, self.password_hash)

    def is_member_of(self, group_id: int) -> bool:
        return any(group.id == group_id for group in self.groups)

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r})"


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User | None] = relationship(back_populates="owned_groups")
    members: Mapped[list[User]] = relationship(
        secondary=group_membership, back_populates="groups", order_by="User.id"
    )
    # No delete-orphan here: taking a question out of its group makes it public.
    questions: Mapped[list[Question]] = relationship(
        back_populates="group", cascade="all", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"Group(id={self.id!r}, name={self.name!r})"


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)

    questions: Mapped[list[Question]] = relationship(
        secondary=question_tags, back_populates="tags", viewonly=True
    )

    @validates("name")
    def _normalise_name(self, _key: str, value: str) -> str:
        return value.strip().lower()

    def __repr__(self) -> str:
        return f"Tag({self.name!r})"


class Question(Base):
    __tablename__ = "questions"
    __table_args__ = (CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(60), index=True)
    difficulty: Mapped[Difficulty] = mapped_column(_enum_column(Difficulty, "difficulty"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(back_populates="questions")
    group: Mapped[Group | None] = relationship(back_populates="questions")
    tags: Mapped[list[Tag]] = relationship(
        secondary=question_tags, back_populates="questions", order_by=Tag.name
    )

    @property
    def is_public(self) -> bool:
        return self.group_id is None

    @property
    def tag_names(self) -> list[str]:
        return sorted(tag.name for tag in self.tags)

    def is_visible_to(self, viewer: User | None) -> bool:
        """Public questions are for everyone; group questions for members and the author."""
        if self.group_id is None:
            return True
        if viewer is None:
            return False
        return viewer.id == self.author_id or viewer.is_member_of(self.group_id)

    def __repr__(self) -> str:
        return f"Question(id={self.id!r}, title={self.title!r})"


class Subject(Base):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)

    topics: Mapped[list[Topic]] = relationship(
        back_populates="subject",
        order_by="Topic.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Subject({self.slug!r})"


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("subject_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    subject: Mapped[Subject] = relationship(back_populates="topics")
    subtopics: Mapped[list[Subtopic]] = relationship(
        back_populates="topic",
        order_by="Subtopic.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Topic({self.name!r})"


class Subtopic(Base):
    __tablename__ = "subtopics"
    __table_args__ = (UniqueConstraint("topic_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(default=0)

    topic: Mapped[Topic] = relationship(back_populates="subtopics")
    blocks: Mapped[list[ContentBlock]] = relationship(
        back_populates="subtopic",
        order_by="ContentBlock.position",
        collection_class=ordering_list("position"),
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def __repr__(self) -> str:
        return f"Subtopic({self.name!r})"


class ContentBlock(Base):
    __tablename__ = "content_blocks"
    __table_args__ = (UniqueConstraint("subtopic_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subtopic_id: Mapped[int] = mapped_column(ForeignKey("subtopics.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ContentKind] = mapped_column(_enum_column(ContentKind, "content_kind"))
    body: Mapped[str] = mapped_column(Text)

    subtopic: Mapped[Subtopic] = relationship(back_populates="blocks")

    def __repr__(self) -> str:
        return f"ContentBlock({self.kind.value!r}, position={self.position!r})"
