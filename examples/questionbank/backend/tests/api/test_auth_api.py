from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.app.models import User
from backend.app.security import create_access_token
from backend.tests.fixtures.users import (
    TEST_GROUP_NAME,
    TEST_PASSWORD,
    TEST_USER_EMAIL,
    UserFactory,
    bearer,
)


def login(client: TestClient, email: str, password: str = TEST_PASSWORD) -> str:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_login_returns_a_working_bearer_token(client: TestClient, test_model_user: User) -> None:
    response = client.post(
        "/auth/login", json={"email": TEST_USER_EMAIL, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    me = client.get("/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["id"] == test_model_user.id


def test_login_email_is_case_insensitive(client: TestClient, test_model_user: User) -> None:
    assert login(client, TEST_USER_EMAIL.upper())


@pytest.mark.parametrize(
    ("email", "password"),
    [(TEST_USER_EMAIL, "not-the-password"), ("nobody@example.com", TEST_PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_bad_credentials_get_the_same_401(
    client: TestClient, test_model_user: User, email: str, password: str
) -> None:
    response = client.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.json()["detail"] == "incorrect e-mail or password"
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "payload",
    [{}, {"email": TEST_USER_EMAIL}, {"password": TEST_PASSWORD}, {"email": "x", "password": "y"}],
    ids=["empty", "no-password", "no-email", "bad-email"],
)
def test_login_validates_its_body(client: TestClient, payload: dict[str, str]) -> None:
    assert client.post("/auth/login", json=payload).status_code == 422


def test_inactive_users_cannot_log_in(client: TestClient, user_factory: UserFactory) -> None:
    user = user_factory(email="gone@example.com", is_active=False)
    response = client.post("/auth/login", json={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 403


def test_inactive_users_tokens_stop_working(
    client: TestClient, db_session: Session, test_model_user: User
) -> None:
    headers = bearer(test_model_user)
    assert client.get("/users/me", headers=headers).status_code == 200
    test_model_user.is_active = False
    db_session.flush()
    assert client.get("/users/me", headers=headers).status_code == 403


def test_me_without_a_token_is_401(client: TestClient) -> None:
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-token", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc.def"],
)
def test_me_with_bad_credentials_is_401(
    client: TestClient, test_model_user: User, authorization: str
) -> None:
    assert client.get("/users/me", headers={"Authorization": authorization}).status_code == 401


def test_expired_token_is_401(client: TestClient, test_model_user: User) -> None:
    issued = datetime.now(timezone.utc) - timedelta(hours=2)
    token = create_access_token(test_model_user.id, now=issued, expires_in=timedelta(hours=1))
    response = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or expired token"


def test_token_of_a_deleted_user_is_401(
    client: TestClient, db_session: Session, test_model_user: User
) -> None:
    headers = bearer(test_model_user)
    db_session.delete(test_model_user)
    db_session.flush()
    assert client.get("/users/me", headers=headers).status_code == 401


def test_me_lists_the_users_groups(client: TestClient, test_model_user_with_group: User) -> None:
    body = client.get("/users/me", headers=bearer(test_model_user_with_group)).json()
    assert [g["name"] for g in body["groups"]] == [TEST_GROUP_NAME]
    assert "password_hash" not in body


def test_register_then_log_in(client: TestClient) -> None:
    response = client.post(
        "/users",
        json={"email": "Fresh@Example.com", "full_name": " Fresh Face ", "password": "long-enough"},
    )
    assert response.status_code == 201
    created = response.json()
    assert created["email"] == "fresh@example.com"
    assert created["full_name"] == "Fresh Face"
    assert created["groups"] == []
    token = login(client, "fresh@example.com", "long-enough")
    me = client.get("/users/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["id"] == created["id"]


def test_register_a_taken_email_is_409(client: TestClient, test_model_user: User) -> None:
    response = client.post(
        "/users",
        json={"email": TEST_USER_EMAIL, "full_name": "Again", "password": "long-enough"},
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "full_name": "A", "password": "long-enough"},
        {"email": "a@example.com", "full_name": "A", "password": "short"},
        {"email": "a@example.com", "full_name": "   ", "password": "long-enough"},
        {"email": "a@example.com", "password": "long-enough"},
    ],
    ids=["bad-email", "short-password", "blank-name", "missing-name"],
)
def test_register_validates_its_body(client: TestClient, payload: dict[str, str]) -> None:
    assert client.post("/users", json=payload).status_code == 422
