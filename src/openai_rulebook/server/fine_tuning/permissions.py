"""Checkpoint permissions: which projects may use a fine-tuned checkpoint. Admin keys only (R11.1).

A project key gets past authentication (it is a valid key) and is then refused with 403, before the checkpoint is
looked up; an admin key (``auth.keys.is_admin_key``) is served. A checkpoint is any checkpoint of a job that
succeeded on this server (its ``fine_tuned_model_checkpoint``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from openai_rulebook.server.auth.keys import is_admin_key
from openai_rulebook.server.core.errors import APIError, not_found
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.pagination import ListRules, list_page
from openai_rulebook.server.core.state import ServerState, StateDep
from openai_rulebook.server.fine_tuning.jobs import settle
from openai_rulebook.server.fine_tuning.routes import jobs_of
from openai_rulebook.server.requests.bodies import json_body

ADMIN_KEY = "fine_tuning.checkpoint_permissions_admin_key"
PERMISSIONS = ListRules("fine_tuning.permissions", default_limit=10)

register(
    Fault("fine_tuning.permissions_accept_project_keys", rule=ADMIN_KEY,
          description="the checkpoint permission endpoints serve a project key as they serve an admin key"),
)

router = APIRouter(prefix="/fine_tuning/checkpoints", tags=["fine_tuning"])


@dataclass
class Permission:
    id: str
    created_at: int
    project_id: str
    checkpoint: str

    def to_json(self) -> dict[str, Any]:
        return {"object": "checkpoint.permission", "id": self.id, "created_at": self.created_at,
                "project_id": self.project_id}


class CreatePermissionRequest(BaseModel):
    project_ids: Any = None


async def require_admin_key(request: Request, rules: RulesDep) -> None:
    rules.enforce(ADMIN_KEY, is_admin_key(request), status=403, code="insufficient_permissions",
                  message="This endpoint requires an admin API key (sk-admin-…); project API keys cannot manage "
                          "checkpoint permissions.")


AdminDep = Depends(require_admin_key)


def _checkpoint(state: ServerState, rules: Rules, name: str) -> str:
    for job in jobs_of(state).ordered():
        settle(job, state, rules)
        if any(checkpoint.name == name for checkpoint in job.checkpoints):
            return name
    raise not_found("fine-tuned model checkpoint", name)


def _permissions(state: ServerState, checkpoint: str) -> list[Permission]:
    return [permission for permission in state.collection("checkpoint_permissions").ordered()
            if permission.checkpoint == checkpoint]


@router.get("/{fine_tuned_model_checkpoint}/permissions", dependencies=[AdminDep])
async def list_permissions(fine_tuned_model_checkpoint: str, state: StateDep, rules: RulesDep,
                           limit: str | None = None, after: str | None = None, order: str | None = None,
                           project_id: str | None = None) -> dict[str, Any]:
    checkpoint = _checkpoint(state, rules, fine_tuned_model_checkpoint)
    permissions = [permission for permission in _permissions(state, checkpoint)
                   if project_id is None or permission.project_id == project_id]
    page = list_page(rules, PERMISSIONS, permissions, limit=limit, order=order, after=after, before=None)
    return page.body(lambda permission: permission.to_json())


@router.post("/{fine_tuned_model_checkpoint}/permissions", dependencies=[AdminDep])
async def create_permissions(
    fine_tuned_model_checkpoint: str,
    body: Annotated[CreatePermissionRequest, Depends(json_body(CreatePermissionRequest))],
    state: StateDep,
    rules: RulesDep,
) -> dict[str, Any]:
    checkpoint = _checkpoint(state, rules, fine_tuned_model_checkpoint)
    ids = body.project_ids
    if not isinstance(ids, list) or not ids or not all(isinstance(item, str) for item in ids):
        raise APIError(400, "Invalid 'project_ids': expected a non-empty array of project ids.", param="project_ids")
    created = [state.collection("checkpoint_permissions").add(
        Permission(state.ids.next("cp"), state.clock.now(), project, checkpoint)) for project in ids]
    return {"object": "list", "data": [permission.to_json() for permission in created],
            "first_id": created[0].id, "last_id": created[-1].id, "has_more": False}


@router.delete("/{fine_tuned_model_checkpoint}/permissions/{permission_id}", dependencies=[AdminDep])
async def delete_permission(fine_tuned_model_checkpoint: str, permission_id: str, state: StateDep,
                            rules: RulesDep) -> dict[str, Any]:
    checkpoint = _checkpoint(state, rules, fine_tuned_model_checkpoint)
    stored = state.collection("checkpoint_permissions").get(permission_id)
    if stored is None or stored.checkpoint != checkpoint:
        raise not_found("checkpoint permission", permission_id)
    state.collection("checkpoint_permissions").remove(permission_id)
    return {"object": "checkpoint.permission", "id": permission_id, "deleted": True}
