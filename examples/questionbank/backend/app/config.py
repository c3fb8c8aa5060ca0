"""Application settings, read from ``QUESTIONBANK_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

ENV_PREFIX = "QUESTIONBANK_"

# OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
DEFAULT_PASSWORD_HASH_ITERATIONS = 600_000
MIN_PASSWORD_HASH_ITERATIONS = 1_000


def _as_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///./questionbank.db"
    # Without a configured key every process signs with its own random key, so tokens
    # stop working on restart: safe, and obvious enough to get configured properly.
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    access_token_ttl_seconds: int = 3600
    password_hash_iterations: int = DEFAULT_PASSWORD_HASH_ITERATIONS
    create_tables_on_startup: bool = True

    def __post_init__(self) -> None:
        if self.password_hash_iterations < MIN_PASSWORD_HASH_ITERATIONS:
            raise ValueError(
                f"password_hash_iterations must be at least {MIN_PASSWORD_HASH_ITERATIONS}"
            )
        if self.access_token_ttl_seconds <= 0:
            raise ValueError("access_token_ttl_seconds must be positive")
        if len(self.secret_key) < 16:
            raise ValueError("secret_key must be at least 16 characters")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``QUESTIONBANK_<FIELD>`` variables; unset ones keep their defaults."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str, default: object) -> str:
            return env.get(ENV_PREFIX + name, str(default))

        return cls(
            database_url=get("DATABASE_URL", defaults.database_url),
            secret_key=get("SECRET_KEY", defaults.secret_key),
            access_token_ttl_seconds=int(
                get("ACCESS_TOKEN_TTL_SECONDS", defaults.access_token_ttl_seconds)
            ),
            password_hash_iterations=int(
                get("PASSWORD_HASH_ITERATIONS", defaults.password_hash_iterations)
            ),
            create_tables_on_startup=_as_bool(
                get("CREATE_TABLES_ON_STARTUP", defaults.create_tables_on_startup)
            ),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; call ``get_settings.cache_clear()`` after changing the env."""
    return Settings.from_env()
