"""The fine-tuning area as mounted: jobs (with their events and checkpoints) and checkpoint permissions, one router,
so that switching the area off (``area.off.fine_tuning``) takes all of it. The routes are copied, not included:
the variant layer and the campaign read an area's routes as ``APIRoute`` objects with their full paths."""

from __future__ import annotations

from fastapi import APIRouter

from openai_rulebook.server.fine_tuning import permissions, routes

router = APIRouter()
router.routes.extend([*routes.router.routes, *permissions.router.routes])
