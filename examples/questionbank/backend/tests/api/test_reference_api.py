from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from backend.app.models import Subject
from backend.tests.fixtures.reference_content import (
    BLOCK_KINDS,
    REFERENCE_TOPICS,
    SUBTOPIC_PARTS,
    ReferenceHierarchy,
)


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_list_subjects(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    response = client.get("/reference/subjects")
    assert response.status_code == 200
    assert [(s["name"], s["slug"], s["topic_count"]) for s in response.json()] == [
        (name, session_reference_content_hierarchy.slug_of(name), len(topics))
        for name, topics in REFERENCE_TOPICS.items()
    ]


def test_tree_has_every_node(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    tree: list[dict[str, Any]] = client.get("/reference/tree").json()
    counts = session_reference_content_hierarchy.counts
    topics = [t for s in tree for t in s["topics"]]
    subtopics = [st for t in topics for st in t["subtopics"]]
    blocks = [b for st in subtopics for b in st["blocks"]]
    assert (len(tree), len(topics), len(subtopics), len(blocks)) == (
        counts.subjects,
        counts.topics,
        counts.subtopics,
        counts.blocks,
    )
    assert {t["id"] for t in topics} == set(session_reference_content_hierarchy.topic_ids.values())


@pytest.mark.parametrize("subject", list(REFERENCE_TOPICS))
def test_subject_subtree(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy, subject: str
) -> None:
    slug = session_reference_content_hierarchy.slug_of(subject)
    response = client.get(f"/reference/subjects/{slug}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == subject
    assert [t["name"] for t in body["topics"]] == list(REFERENCE_TOPICS[subject])
    assert all(len(t["subtopics"]) == len(SUBTOPIC_PARTS) for t in body["topics"])


def test_unknown_subject_is_404(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    response = client.get("/reference/subjects/astrology")
    assert response.status_code == 404
    assert response.json() == {"detail": "subject 'astrology' not found"}


def test_topic(client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy) -> None:
    topic_id = session_reference_content_hierarchy.topic_ids[("mathematics", "Calculus")]
    body = client.get(f"/reference/topics/{topic_id}").json()
    assert body["name"] == "Calculus"
    assert body["position"] == REFERENCE_TOPICS["Mathematics"].index("Calculus")
    assert [st["name"] for st in body["subtopics"]] == [
        f"Calculus: {part}" for part in SUBTOPIC_PARTS
    ]


def test_subtopic_with_breadcrumb_and_ordered_blocks(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy
) -> None:
    key = ("chemistry", "Bonding", "Bonding: Applications")
    subtopic_id = session_reference_content_hierarchy.subtopic_ids[key]
    body = client.get(f"/reference/subtopics/{subtopic_id}").json()
    assert body["breadcrumb"] == ["Chemistry", "Bonding", "Bonding: Applications"]
    assert [b["kind"] for b in body["blocks"]] == [kind.value for kind in BLOCK_KINDS]
    assert [b["position"] for b in body["blocks"]] == list(range(len(BLOCK_KINDS)))
    assert body["blocks"][0]["body"] == "Bonding applications: text"


@pytest.mark.parametrize("path", ["/reference/topics/999999", "/reference/subtopics/999999"])
def test_missing_topic_or_subtopic_is_404(
    client: TestClient, session_reference_content_hierarchy: ReferenceHierarchy, path: str
) -> None:
    assert client.get(path).status_code == 404


def test_changes_made_in_a_test_are_visible_to_the_api_and_rolled_back_later(
    client: TestClient,
    db_session: Session,
    session_reference_content_hierarchy: ReferenceHierarchy,
) -> None:
    subject = db_session.get(Subject, session_reference_content_hierarchy.subject_ids["physics"])
    assert subject is not None
    subject.name = "Natural Philosophy"
    db_session.flush()
    body = client.get("/reference/subjects/physics").json()
    assert body["name"] == "Natural Philosophy"
