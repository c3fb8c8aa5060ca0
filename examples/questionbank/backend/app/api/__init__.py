"""HTTP API: one router per area, assembled in :func:`backend.app.main.create_app`."""

from fastapi import APIRouter

from . import auth, groups, questions, reference, users

api_router = APIRouter()
api_router.include_router(auth.router)
api_router.include_router(users.router)
api_router.include_router(groups.router)
api_router.include_router(questions.router)
api_router.include_router(reference.router)

__all__ = ["api_router"]
