"""Models are parameters: rules name a model *role*, the run maps roles to the target's model names.

The catalog's ``_catalog.yaml`` gives each role a default (the cheapest OpenAI model that shows the rules of that
role); ``--model chat=NAME`` (repeatable, or ``chat=NAME,embeddings=NAME``) maps a role to the name a user's own
server serves. A rule whose model the target does not serve ends *unsupported*, not failed: ``require_served``
turns the target's unknown-model answer into ``Unsupported``.

What the live API answers for a model it does not serve (real traffic): chat completions, embeddings and legacy
completions 404 with ``code: "model_not_found"`` and "The model `NAME` does not exist or you do not have access to
it." (chat.jsonl, embeddings.jsonl, completions.jsonl); Responses 400 with ``code: "model_not_found"``,
``param: "model"`` and "The requested model 'NAME' does not exist." (responses.jsonl); a model of the wrong family
404 with ``param: "model"``, "This is not a chat model and thus not supported in the v1/chat/completions endpoint"
(chat.jsonl). Other servers word it differently (vLLM: 404 "The model `NAME` does not exist."), so the test is the
code, or a 404/400 about the ``model`` parameter, or a message that names the model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from openai_rulebook.errors import CatalogError, Unsupported, UsageError
from openai_rulebook.exits import nearest

#: the model roles a rule can ask for
ROLES: tuple[str, ...] = ("chat", "reasoning", "completions", "responses", "embeddings", "moderation", "audio",
                          "transcription", "speech", "image", "realtime", "search")
_ROLE = re.compile(r"^[a-z][a-z0-9_]*$")


def parse_model_options(values: Iterable[str]) -> dict[str, str]:
    """``["chat=my-llm", "embeddings=e5,moderation=guard"]`` -> a role -> name mapping; a bad one is a UsageError."""
    mapping: dict[str, str] = {}
    for value in values:
        for part in value.split(","):
            role, sep, name = part.strip().partition("=")
            role, name = role.strip(), name.strip()
            if not sep or not role or not name:
                raise UsageError(f"--model {part.strip()!r}: expected ROLE=NAME, e.g. chat=gpt-4o-mini")
            if role not in ROLES:
                raise UsageError(f"--model {role}=...: {role!r} is not a model role{nearest(role, ROLES)}; "
                                 f"roles: {', '.join(ROLES)}")
            if role in mapping and mapping[role] != name:
                raise UsageError(f"--model {role}= given twice ({mapping[role]!r} and {name!r})")
            mapping[role] = name
    return mapping


def check_roles(roles: Iterable[str], where: str) -> list[str]:
    """Problems with role names found in the catalog (``where`` says where), for the loader's report."""
    return [f"{where}: {role!r} is not a model role{nearest(role, ROLES)}; roles: {', '.join(ROLES)}"
            for role in roles if not (isinstance(role, str) and _ROLE.match(role) and role in ROLES)]


class ModelMap:
    """The run's model per role: the ``--model`` mapping over the catalog's defaults."""

    def __init__(self, defaults: Mapping[str, str], given: Mapping[str, str] | None = None) -> None:
        self.defaults = dict(defaults)
        self.given = dict(given or {})

    def __call__(self, role: str) -> str:
        if role in self.given:
            return self.given[role]
        if role in self.defaults:
            return self.defaults[role]
        raise CatalogError(f"no model for role {role!r}: the catalog's _catalog.yaml 'models' has none and no "
                           f"--model {role}=NAME was given")

    def effective(self) -> dict[str, str]:
        """Every role with a model, for the report's ``run.models``."""
        return {**self.defaults, **self.given}


def model_not_served(response: Any, model: str) -> bool:
    """Whether ``response`` (an ``httpx.Response``) is the target saying it does not serve ``model``."""
    if response.status_code not in (400, 404):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        # some servers answer {"detail": ...} or {"message": ...}: only a 404 naming the model counts
        text = str(body)
        return response.status_code == 404 and model in text
    code, param, message = error.get("code"), error.get("param"), str(error.get("message") or "")
    if code == "model_not_found":
        return True
    if response.status_code == 404:
        return param == "model" or model in message
    # a 400 is usually a bad parameter *for* a served model ("'minimal' is not supported with the 'o4-mini'
    # model"): only one about the model parameter itself that says the model is missing counts, or an enum check
    # of the model parameter naming it ("Invalid value: 'tts-1-hd'. Supported values are: ...")
    if param != "model":
        return False
    if re.search(r"does not exist|not found|not supported in", message, re.I):
        return True
    return code == "invalid_value" and bool(model) and f"'{model}'" in message


def require_served(response: Any, model: str, rule: str | None = None) -> None:
    """Raise ``Unsupported`` when ``response`` says the target does not serve ``model`` (the rule is not judged)."""
    if model_not_served(response, model):
        for_rule = f" for {rule}" if rule else ""
        raise Unsupported(f"the target does not serve model {model!r}{for_rule} (HTTP {response.status_code}); "
                          f"map the role to a model it serves with --model ROLE=NAME")
