from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest

from backend.app.config import DEFAULT_PASSWORD_HASH_ITERATIONS, Settings, get_settings
from backend.app.security import (
    InvalidTokenError,
    PasswordHash,
    create_access_token,
    decode_access_token,
    hash_password,
    needs_rehash,
    verify_password,
)
from backend.tests.conftest import TEST_PASSWORD_HASH_ITERATIONS

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_hash_then_verify() -> None:
    encoded = hash_password("s3cret-passphrase")
    assert verify_password("s3cret-passphrase", encoded)
    assert not verify_password("s3cret-passphrasE", encoded)


def test_hash_uses_the_configured_iterations_by_default() -> None:
    assert get_settings().password_hash_iterations == TEST_PASSWORD_HASH_ITERATIONS
    assert PasswordHash.parse(hash_password("pw")).iterations == TEST_PASSWORD_HASH_ITERATIONS


def test_production_default_is_much_stronger_than_the_tests() -> None:
    assert Settings().password_hash_iterations == DEFAULT_PASSWORD_HASH_ITERATIONS
    assert DEFAULT_PASSWORD_HASH_ITERATIONS > 10 * TEST_PASSWORD_HASH_ITERATIONS


def test_verify_uses_the_iterations_stored_in_the_hash() -> None:
    old = hash_password("legacy password", iterations=1_500)
    assert verify_password("legacy password", old)
    assert needs_rehash(old)
    assert not needs_rehash(hash_password("legacy password"))


def test_a_fixed_salt_gives_a_reproducible_hash() -> None:
    salt = b"0123456789abcdef"
    assert hash_password("pw", iterations=2_000, salt=salt) == hash_password(
        "pw", iterations=2_000, salt=salt
    )
    assert hash_password("pw", iterations=2_000, salt=salt) != hash_password(
        "pw", iterations=2_001, salt=salt
    )


def test_empty_passwords_are_not_hashed() -> None:
    with pytest.raises(ValueError, match="empty"):
        hash_password("")


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plaintext",
        "md5$1000$c2FsdA$ZGlnZXN0",
        "pbkdf2_sha256$many$c2FsdA$ZGlnZXN0",
        "pbkdf2_sha256$0$c2FsdA$ZGlnZXN0",
        "pbkdf2_sha256$1000$$ZGlnZXN0",
        "pbkdf2_sha256$1000$c2FsdA",
    ],
)
def test_malformed_hashes_never_verify(encoded: str) -> None:
    assert not verify_password("anything", encoded)
    assert needs_rehash(encoded)


def test_token_round_trip() -> None:
    token = create_access_token(42, now=NOW)
    assert decode_access_token(token, now=NOW + timedelta(minutes=1)) == 42


def test_token_lifetime_comes_from_settings() -> None:
    ttl = timedelta(seconds=get_settings().access_token_ttl_seconds)
    token = create_access_token(7, now=NOW)
    assert decode_access_token(token, now=NOW + ttl - timedelta(seconds=1)) == 7
    with pytest.raises(InvalidTokenError, match="expired"):
        decode_access_token(token, now=NOW + ttl)


def test_token_with_a_custom_lifetime() -> None:
    token = create_access_token(7, now=NOW, expires_in=timedelta(days=2))
    assert decode_access_token(token, now=NOW + timedelta(days=1)) == 7


def test_token_signed_with_another_key_is_rejected() -> None:
    token = create_access_token(1, secret_key="some-other-key-of-sufficient-length")
    with pytest.raises(InvalidTokenError, match="signature"):
        decode_access_token(token)


def test_token_with_an_edited_payload_is_rejected() -> None:
    payload, signature = create_access_token(1).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = 2
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidTokenError, match="signature"):
        decode_access_token(f"{forged}.{signature}")


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "e30.e30"])
def test_garbage_tokens_are_rejected(token: str) -> None:
    with pytest.raises(InvalidTokenError):
        decode_access_token(token)


def test_settings_from_env_parse_types() -> None:
    settings = Settings.from_env(
        {
            "QUESTIONBANK_SECRET_KEY": "k" * 32,
            "QUESTIONBANK_PASSWORD_HASH_ITERATIONS": "120000",
            "QUESTIONBANK_CREATE_TABLES_ON_STARTUP": "no",
            "UNRELATED": "ignored",
        }
    )
    assert settings.password_hash_iterations == 120_000
    assert settings.create_tables_on_startup is False
    assert settings.secret_key == "k" * 32


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PASSWORD_HASH_ITERATIONS", "10"),
        ("ACCESS_TOKEN_TTL_SECONDS", "0"),
        ("SECRET_KEY", "short"),
        ("CREATE_TABLES_ON_STARTUP", "maybe"),
    ],
)
def test_settings_reject_unsafe_or_invalid_values(name: str, value: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Settings.from_env({f"QUESTIONBANK_{name}": value})
