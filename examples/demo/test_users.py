import pytest


@pytest.mark.parametrize("n", range(8))
def test_users_query(db_session, n):
    assert n >= 0


@pytest.mark.parametrize("n", range(6))
def test_users_api(client, n):
    assert client == "client"


def test_users_dialects(dialect, db_session):
    assert dialect in ("sqlite", "postgres")
