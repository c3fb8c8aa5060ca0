"""The FastAPI application factory (``uvicorn backend.app.main:app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

from .api import api_router
from .config import get_settings
from .db import Base, get_engine
from .errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError

_STATUS_FOR_ERROR: dict[type[DomainError], int] = {
    NotFoundError: status.HTTP_404_NOT_FOUND,
    PermissionDeniedError: status.HTTP_403_FORBIDDEN,
    ConflictError: status.HTTP_409_CONFLICT,
}


async def _domain_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    code = next(
        (code for cls, code in _STATUS_FOR_ERROR.items() if isinstance(exc, cls)),
        status.HTTP_400_BAD_REQUEST,
    )
    return JSONResponse(status_code=code, content={"detail": exc.detail})


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    if get_settings().create_tables_on_startup:
        Base.metadata.create_all(get_engine())
    yield


def create_app() -> FastAPI:
    """A new application; configuration comes from :func:`get_settings` (the environment)."""
    app = FastAPI(title="Questionbank", version="1.0.0", lifespan=_lifespan)
    app.add_exception_handler(DomainError, _domain_error_handler)
    app.include_router(api_router)

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


app = create_app()
