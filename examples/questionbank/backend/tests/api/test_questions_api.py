from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.app.models import Question, User
from backend.app.schemas import MAX_TAGS_PER_QUESTION
from backend.tests.fixtures.users import UserFactory, bearer

NEW_QUESTION: dict[str, Any] = {
    "title": "Free fall",
    "body": "How long does a stone take to fall 20 m?",
    "answer": "About 2 s",
    "subject": "Physics",
    "difficulty": "easy",
    "tags": ["Mechanics", "kinematics", "mechanics"],
}


def test_create_question(
    client: TestClient, db_session: Session, test_model_user: User, auth_headers: dict[str, str]
) -> None:
    response = client.post("/questions", json=NEW_QUESTION, headers=auth_headers)
    assert response.status_code == 201
    body = response.json()
    assert body["author_id"] == test_model_user.id
    assert body["subject"] == "physics"
    assert body["tags"] == ["kinematics", "mechanics"]
    assert body["group_id"] is None
    stored = db_session.get(Question, body["id"])
    assert stored is not None
    assert stored.title == "Free fall"


def test_create_question_needs_a_login(client: TestClient) -> None:
    assert client.post("/questions", json=NEW_QUESTION).status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"title": None},
        {"title": "   "},
        {"title": "x" * 201},
        {"body": ""},
        {"difficulty": "impossible"},
        {"subject": ""},
        {"tags": ["has space"]},
        {"tags": [f"tag{i}" for i in range(MAX_TAGS_PER_QUESTION + 1)]},
        {"group_id": 0},
    ],
    ids=[
        "no-title",
        "blank-title",
        "long-title",
        "empty-body",
        "bad-difficulty",
        "empty-subject",
        "bad-tag",
        "too-many-tags",
        "bad-group-id",
    ],
)
def test_create_question_validation(
    client: TestClient, auth_headers: dict[str, str], change: dict[str, Any]
) -> None:
    payload = {**NEW_QUESTION, **change}
    response = client.post("/questions", json=payload, headers=auth_headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:2] == ["body", next(iter(change))]


def test_create_in_a_group_as_a_member(
    client: TestClient, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    response = client.post(
        "/questions",
        json={**NEW_QUESTION, "group_id": group.id},
        headers=bearer(test_model_user_with_group),
    )
    assert response.status_code == 201
    assert response.json()["group_id"] == group.id


def test_create_in_a_group_as_a_non_member_is_403(
    client: TestClient, db_session: Session, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    response = client.post(
        "/questions", json={**NEW_QUESTION, "group_id": group.id}, headers=bearer(test_model_user)
    )
    assert response.status_code == 403
    assert db_session.scalars(select(Question)).all() == []


def test_create_in_a_missing_group_is_404(client: TestClient, auth_headers: dict[str, str]) -> None:
    response = client.post(
        "/questions", json={**NEW_QUESTION, "group_id": 4242}, headers=auth_headers
    )
    assert response.status_code == 404


def test_read_a_public_question_anonymously(
    client: TestClient, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[1]
    response = client.get(f"/questions/{question.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Projectile range"
    assert body["tags"] == ["kinematics", "mechanics"]
    assert body["difficulty"] == "medium"


def test_group_questions_are_404_for_outsiders(
    client: TestClient, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    created = client.post(
        "/questions",
        json={**NEW_QUESTION, "group_id": group.id},
        headers=bearer(test_model_user_with_group),
    ).json()
    url = f"/questions/{created['id']}"
    assert client.get(url, headers=bearer(test_model_user_with_group)).status_code == 200
    assert client.get(url, headers=bearer(test_model_user)).status_code == 404
    assert client.get(url).status_code == 404


def test_read_a_missing_question_is_404(client: TestClient) -> None:
    assert client.get("/questions/31337").status_code == 404


def test_question_ids_must_be_integers(client: TestClient) -> None:
    assert client.get("/questions/not-a-number").status_code == 422


def test_author_patches_some_fields(
    client: TestClient, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[0]
    before = client.get(f"/questions/{question.id}").json()
    response = client.patch(
        f"/questions/{question.id}",
        json={"difficulty": "hard", "tags": ["algebra", "Linear"]},
        headers=bearer(test_model_user),
    )
    assert response.status_code == 200
    after = response.json()
    assert after["difficulty"] == "hard"
    assert after["tags"] == ["algebra", "linear"]
    assert after["title"] == before["title"]
    assert after["body"] == before["body"]
    assert datetime.fromisoformat(after["updated_at"]) >= datetime.fromisoformat(
        before["updated_at"]
    )
    assert client.get(f"/questions/{question.id}").json() == after


def test_answer_can_be_cleared_but_title_cannot(
    client: TestClient, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    url = f"/questions/{minimal_question_data[0].id}"
    headers = bearer(test_model_user)
    cleared = client.patch(url, json={"answer": None}, headers=headers)
    assert cleared.status_code == 200
    assert cleared.json()["answer"] is None
    assert client.patch(url, json={"title": None}, headers=headers).status_code == 422


def test_patch_rejects_unknown_fields(
    client: TestClient, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    response = client.patch(
        f"/questions/{minimal_question_data[0].id}",
        json={"author_id": 99},
        headers=bearer(test_model_user),
    )
    assert response.status_code == 422


def test_non_authors_cannot_patch(
    client: TestClient, test_model_user_with_group: User, minimal_question_data: list[Question]
) -> None:
    question = minimal_question_data[0]
    response = client.patch(
        f"/questions/{question.id}",
        json={"title": "Mine now"},
        headers=bearer(test_model_user_with_group),
    )
    assert response.status_code == 403
    assert client.get(f"/questions/{question.id}").json()["title"] == "Solve a linear equation"


def test_patch_needs_a_login(client: TestClient, minimal_question_data: list[Question]) -> None:
    response = client.patch(f"/questions/{minimal_question_data[0].id}", json={"title": "x"})
    assert response.status_code == 401


def test_patch_a_missing_question_is_404(client: TestClient, test_model_user: User) -> None:
    response = client.patch(
        "/questions/31337", json={"title": "x"}, headers=bearer(test_model_user)
    )
    assert response.status_code == 404


def test_author_moves_a_question_into_their_group(
    client: TestClient, test_model_user_with_group: User, user_factory: UserFactory
) -> None:
    (group,) = test_model_user_with_group.groups
    headers = bearer(test_model_user_with_group)
    created = client.post("/questions", json=NEW_QUESTION, headers=headers).json()
    url = f"/questions/{created['id']}"
    moved = client.patch(url, json={"group_id": group.id}, headers=headers)
    assert moved.status_code == 200
    assert client.get(url).status_code == 404
    assert client.get(url, headers=bearer(user_factory())).status_code == 404


def test_author_deletes_a_question(
    client: TestClient, test_model_user: User, minimal_question_data: list[Question]
) -> None:
    url = f"/questions/{minimal_question_data[0].id}"
    response = client.delete(url, headers=bearer(test_model_user))
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url).status_code == 404
    assert client.delete(url, headers=bearer(test_model_user)).status_code == 404


def test_non_authors_cannot_delete(
    client: TestClient, test_model_user_with_group: User, minimal_question_data: list[Question]
) -> None:
    url = f"/questions/{minimal_question_data[0].id}"
    assert client.delete(url, headers=bearer(test_model_user_with_group)).status_code == 403
    assert client.delete(url).status_code == 401
    assert client.get(url).status_code == 200


def test_full_round_trip(client: TestClient, test_model_user: User) -> None:
    headers = bearer(test_model_user)
    created = client.post("/questions", json=NEW_QUESTION, headers=headers).json()
    url = f"/questions/{created['id']}"
    assert client.get(url).json() == created
    updated = client.patch(url, json={"title": "Free fall (revised)"}, headers=headers).json()
    listed = client.get("/questions", params={"q": "revised"}).json()
    assert [item["id"] for item in listed["items"]] == [created["id"]]
    assert listed["items"][0] == updated
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get("/questions", params={"q": "revised"}).json()["total"] == 0
