"""``GET /questions``: query parameters mapped onto the filter service."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.app.models import Question, User
from backend.tests.fixtures.questions import FilterQuestionsData
from backend.tests.fixtures.users import bearer


def visible_to_reader(data: FilterQuestionsData) -> list[Question]:
    """Public questions plus those of ``group``, which the reader belongs to."""
    return [q for q in data.questions if q.group_id in (None, data.group.id)]


def fetch_all(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get("/questions", params={"limit": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_default_page(client: TestClient, setup_filter_questions_data: FilterQuestionsData) -> None:
    body = client.get("/questions").json()
    public = [q for q in setup_filter_questions_data.questions if q.group_id is None]
    newest = sorted(public, key=lambda q: (q.created_at, q.id), reverse=True)[:20]
    assert body["limit"] == 20
    assert body["offset"] == 0
    assert body["total"] == len(public)
    assert [item["id"] for item in body["items"]] == [q.id for q in newest]


def test_logged_in_members_see_more_than_anonymous_users(
    client: TestClient, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    anonymous = fetch_all(client, {})
    reader = fetch_all(client, bearer(data.reader))
    assert reader["total"] == len(visible_to_reader(data))
    assert reader["total"] - anonymous["total"] == sum(
        1 for q in data.questions if q.group_id == data.group.id
    )


@pytest.mark.parametrize(
    ("params", "predicate"),
    [
        ({"subject": "chemistry"}, lambda q: q.subject == "chemistry"),
        ({"difficulty": ["easy", "hard"]}, lambda q: q.difficulty.value in {"easy", "hard"}),
        ({"tag": ["optics", "genetics"]}, lambda q: {"optics", "genetics"} & set(q.tag_names)),
        (
            {"tag": ["exam", "review"], "tag_match": "all"},
            lambda q: {"exam", "review"} <= set(q.tag_names),
        ),
        ({"q": "momentum"}, lambda q: "momentum" in q.title.lower()),
        (
            {"subject": "biology", "difficulty": "medium", "tag": "exam"},
            lambda q: (
                q.subject == "biology" and q.difficulty.value == "medium" and "exam" in q.tag_names
            ),
        ),
    ],
    ids=["subject", "difficulties", "any-tags", "all-tags", "search", "combined"],
)
def test_query_parameters_filter(
    client: TestClient,
    setup_filter_questions_data: FilterQuestionsData,
    params: dict[str, Any],
    predicate: Any,
) -> None:
    data = setup_filter_questions_data
    body = fetch_all(client, bearer(data.reader), **params)
    want = {q.id for q in visible_to_reader(data) if predicate(q)}
    assert want
    assert {item["id"] for item in body["items"]} == want
    assert body["total"] == len(want)


def test_author_filter(
    client: TestClient, setup_filter_questions_data: FilterQuestionsData
) -> None:
    data = setup_filter_questions_data
    body = fetch_all(client, bearer(data.reader), author_id=data.outsider.id)
    want = {q.id for q in visible_to_reader(data) if q.author_id == data.outsider.id}
    assert {item["id"] for item in body["items"]} == want
    assert all(item["group_id"] != data.other_group.id for item in body["items"])


def test_title_ordering_and_paging(
    client: TestClient, setup_filter_questions_data: FilterQuestionsData
) -> None:
    public = [q for q in setup_filter_questions_data.questions if q.group_id is None]
    by_title = [q.id for q in sorted(public, key=lambda q: (q.title, q.id))]
    pages = [
        client.get("/questions", params={"order_by": "title", "limit": 30, "offset": o}).json()
        for o in range(0, len(public), 30)
    ]
    assert [item["id"] for page in pages for item in page["items"]] == by_title
    assert {page["total"] for page in pages} == {len(public)}


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"difficulty": "impossible"},
        {"tag_match": "some"},
        {"order_by": "random"},
        {"q": "x"},
        {"author_id": 0},
        {"tag": [f"tag{i}" for i in range(11)]},
    ],
    ids=[
        "limit-0",
        "limit-101",
        "negative-offset",
        "difficulty",
        "tag-match",
        "order",
        "q",
        "author",
        "too-many-tags",
    ],
)
def test_invalid_query_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/questions", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_a_bad_token_is_401_even_on_public_listings(client: TestClient) -> None:
    response = client.get("/questions", headers={"Authorization": "Bearer forged.token"})
    assert response.status_code == 401


def test_tag_counts_endpoint(
    client: TestClient, moderate_question_data: list[Question], test_model_user: User
) -> None:
    response = client.get("/questions/tags")
    assert response.status_code == 200
    counts = Counter(name for q in moderate_question_data for name in q.tag_names)
    assert {row["name"]: row["count"] for row in response.json()} == dict(counts)
    assert response.json()[0]["count"] == max(counts.values())
