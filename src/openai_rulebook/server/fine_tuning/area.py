"""The fine-tuning area as mounted: jobs (with their events and checkpoints) and checkpoint permissions, one router,
so that switching the area off (``area.off.fine_tuning``) takes all of it."""

from __future__ import annotations

from fastapi import APIRouter

from openai_rulebook.server.fine_tuning import permissions, routes

router = APIRouter()
router.include_router(routes.router)
router.include_router(permissions.router)
