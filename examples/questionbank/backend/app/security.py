"""Password hashing (PBKDF2-HMAC-SHA256) and HMAC-signed bearer tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .config import get_settings

HASH_ALGORITHM = "pbkdf2_sha256"
SALT_BYTES = 16
TOKEN_VERSION = 1


class InvalidTokenError(Exception):
    """The token is malformed, forged or expired."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _pbkdf2(password: str, salt: bytes, iterations: int) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def hash_password(
    password: str, *, iterations: int | None = None, salt: bytes | None = None
) -> str:
    """Encode ``password`` as ``pbkdf2_sha256$<iterations>$<salt>$<digest>``."""
    if not password:
        raise ValueError("password must not be empty")
    rounds = get_settings().password_hash_iterations if iterations is None else iterations
    if rounds < 1:
        raise ValueError("iterations must be positive")
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _pbkdf2(password, salt, rounds)
    return f"{HASH_ALGORITHM}${rounds}${_b64encode(salt)}${_b64encode(digest)}"


@dataclass(frozen=True)
class PasswordHash:
    iterations: int
    salt: bytes
    digest: bytes

    @classmethod
    def parse(cls, encoded: str) -> PasswordHash:
        try:
            algorithm, rounds, salt, digest = encoded.split("$")
            if algorithm != HASH_ALGORITHM:
                raise ValueError(f"unknown algorithm {algorithm!r}")
            parsed = cls(int(rounds), _b64decode(salt), _b64decode(digest))
        except (ValueError, binascii.Error) as exc:
            raise ValueError(f"malformed password hash: {exc}") from exc
        if parsed.iterations < 1 or not parsed.salt or not parsed.digest:
            raise ValueError("malformed password hash")
        return parsed


def verify_password(password: str, encoded: str) -> bool:
    """Whether ``password`` matches ``encoded`` (with the iteration count stored in it)."""
    try:
        stored = PasswordHash.parse(encoded)
    except ValueError:
        return False
    candidate = _pbkdf2(password, stored.salt, stored.iterations)
    return hmac.compare_digest(candidate, stored.digest)


def needs_rehash(encoded: str, *, iterations: int | None = None) -> bool:
    """Whether ``encoded`` was made with fewer iterations than currently configured."""
    wanted = get_settings().password_hash_iterations if iterations is None else iterations
    try:
        return PasswordHash.parse(encoded).iterations < wanted
    except ValueError:
        return True


def _sign(payload: bytes, key: str) -> bytes:
    return hmac.new(key.encode("utf-8"), payload, hashlib.sha256).digest()


def create_access_token(
    user_id: int,
    *,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
    secret_key: str | None = None,
) -> str:
    """A bearer token for ``user_id``: ``<base64 payload>.<base64 HMAC-SHA256>``."""
    settings = get_settings()
    issued = now or datetime.now(timezone.utc)
    ttl = expires_in or timedelta(seconds=settings.access_token_ttl_seconds)
    claims = {"v": TOKEN_VERSION, "sub": user_id, "exp": int((issued + ttl).timestamp())}
    payload = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8")
    signature = _sign(payload, secret_key or settings.secret_key)
    return f"{_b64encode(payload)}.{_b64encode(signature)}"


def decode_access_token(
    token: str, *, now: datetime | None = None, secret_key: str | None = None
) -> int:
    """The user id in ``token``; :class:`InvalidTokenError` if it is forged or expired."""
    try:
        payload_part, signature_part = token.split(".")
        payload = _b64decode(payload_part)
        signature = _b64decode(signature_part)
    except (ValueError, binascii.Error) as exc:
        raise InvalidTokenError("malformed token") from exc
    expected = _sign(payload, secret_key or get_settings().secret_key)
    if not hmac.compare_digest(signature, expected):
        raise InvalidTokenError("bad signature")
    try:
        claims = json.loads(payload)
        version, user_id, expires = claims["v"], claims["sub"], claims["exp"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidTokenError("malformed claims") from exc
    if version != TOKEN_VERSION or not isinstance(user_id, int) or not isinstance(expires, int):
        raise InvalidTokenError("malformed claims")
    current = now or datetime.now(timezone.utc)
    if current.timestamp() >= expires:
        raise InvalidTokenError("token expired")
    return user_id
