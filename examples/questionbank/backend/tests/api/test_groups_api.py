from __future__ import annotations

from fastapi.testclient import TestClient

from backend.app.models import User
from backend.tests.fixtures.users import TEST_GROUP_NAME, UserFactory, bearer


def test_create_group(client: TestClient, test_model_user: User) -> None:
    response = client.post(
        "/groups",
        json={"name": " Study Circle ", "description": "Weekly revision"},
        headers=bearer(test_model_user),
    )
    assert response.status_code == 201
    group = response.json()
    assert group["name"] == "Study Circle"
    assert group["owner_id"] == test_model_user.id
    assert group["members"] == [{"id": test_model_user.id, "full_name": "Test User"}]
    me = client.get("/users/me", headers=bearer(test_model_user)).json()
    assert [g["id"] for g in me["groups"]] == [group["id"]]


def test_create_group_needs_a_login(client: TestClient) -> None:
    assert client.post("/groups", json={"name": "Anonymous Club"}).status_code == 401


def test_create_group_with_a_taken_name_is_409(
    client: TestClient, test_model_user: User, test_model_user_with_group: User
) -> None:
    response = client.post(
        "/groups", json={"name": TEST_GROUP_NAME}, headers=bearer(test_model_user)
    )
    assert response.status_code == 409


def test_create_group_validates_the_name(client: TestClient, test_model_user: User) -> None:
    for name in ("", "   ", "x" * 81):
        response = client.post("/groups", json={"name": name}, headers=bearer(test_model_user))
        assert response.status_code == 422, name


def test_owner_adds_a_member(
    client: TestClient, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    response = client.post(
        f"/groups/{group.id}/members",
        json={"user_id": test_model_user.id},
        headers=bearer(test_model_user_with_group),
    )
    assert response.status_code == 200
    assert {m["id"] for m in response.json()["members"]} == {
        test_model_user.id,
        test_model_user_with_group.id,
    }
    me = client.get("/users/me", headers=bearer(test_model_user)).json()
    assert [g["name"] for g in me["groups"]] == [TEST_GROUP_NAME]


def test_only_the_owner_adds_members(
    client: TestClient,
    test_model_user: User,
    test_model_user_with_group: User,
    user_factory: UserFactory,
) -> None:
    (group,) = test_model_user_with_group.groups
    newcomer = user_factory()
    response = client.post(
        f"/groups/{group.id}/members",
        json={"user_id": newcomer.id},
        headers=bearer(test_model_user),
    )
    assert response.status_code == 403


def test_adding_to_a_missing_group_or_a_missing_user_is_404(
    client: TestClient, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    headers = bearer(test_model_user_with_group)
    missing_group = client.post(
        f"/groups/{group.id + 100}/members", json={"user_id": test_model_user.id}, headers=headers
    )
    missing_user = client.post(
        f"/groups/{group.id}/members", json={"user_id": 999_999}, headers=headers
    )
    assert missing_group.status_code == 404
    assert missing_user.status_code == 404


def test_adding_an_existing_member_is_409(
    client: TestClient, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    response = client.post(
        f"/groups/{group.id}/members",
        json={"user_id": test_model_user_with_group.id},
        headers=bearer(test_model_user_with_group),
    )
    assert response.status_code == 409


def test_read_group_is_for_members_only(
    client: TestClient, test_model_user: User, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    as_member = client.get(f"/groups/{group.id}", headers=bearer(test_model_user_with_group))
    as_stranger = client.get(f"/groups/{group.id}", headers=bearer(test_model_user))
    anonymous = client.get(f"/groups/{group.id}")
    assert as_member.status_code == 200
    assert as_member.json()["name"] == TEST_GROUP_NAME
    assert as_stranger.status_code == 403
    assert anonymous.status_code == 401


def test_add_member_validates_the_body(
    client: TestClient, test_model_user_with_group: User
) -> None:
    (group,) = test_model_user_with_group.groups
    response = client.post(
        f"/groups/{group.id}/members",
        json={"user_id": 0},
        headers=bearer(test_model_user_with_group),
    )
    assert response.status_code == 422
