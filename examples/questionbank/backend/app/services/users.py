"""Users, authentication and groups."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..config import get_settings
from ..errors import ConflictError, NotFoundError, PermissionDeniedError
from ..models import Group, User
from ..security import hash_password, verify_password


@lru_cache(maxsize=4)
def _dummy_hash(iterations: int) -> str:
    """Checked when the e-mail is unknown, so that a miss costs as much as a wrong password."""
    return hash_password("not a real password", iterations=iterations, salt=b"\0" * 16)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    full_name: str,
    iterations: int | None = None,
) -> User:
    if get_user_by_email(session, email) is not None:
        raise ConflictError("a user with this e-mail already exists")
    user = User(email=email, full_name=full_name)
    user.set_password(password, iterations=iterations)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user with these credentials, or ``None`` (inactive users are returned too)."""
    user = get_user_by_email(session, email)
    if user is None:
        verify_password(password, _dummy_hash(get_settings().password_hash_iterations))
        return None
    return user if user.check_password(password) else None


def get_group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFoundError(f"group {group_id} not found")
    return group


def create_group(session: Session, *, owner: User, name: str, description: str = "") -> Group:
    """A new group owned by ``owner``, who becomes its first member."""
    name = name.strip()
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise ConflictError(f"group {name!r} already exists")
    group = Group(name=name, description=description, owner=owner)
    group.members.append(owner)
    session.add(group)
    session.flush()
    return group


def add_member(session: Session, *, group: Group, actor: User, user: User) -> Group:
    """Add ``user`` to ``group``; only the group's owner may do this."""
    if group.owner_id != actor.id:
        raise PermissionDeniedError("only the group owner can add members")
    if user in group.members:
        raise ConflictError(f"user {user.id} is already a member")
    group.members.append(user)
    session.flush()
    return group


def visible_group_for(session: Session, group_id: int, viewer: User) -> Group:
    """``group`` if ``viewer`` is a member; members are the only ones who may look at it."""
    group = get_group(session, group_id)
    if viewer not in group.members:
        raise PermissionDeniedError("only members can see a group")
    return group
