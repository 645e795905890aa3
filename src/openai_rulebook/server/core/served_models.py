"""A request's ``model``, looked up in the model table, answered as the live API answers a model it cannot use.

Real traffic (embeddings.jsonl, completions.jsonl, chat.jsonl): an unknown model is a 404 with
``code: "model_not_found"``, ``param: null`` and "The model `NAME` does not exist or you do not have access to it.";
a served model of the wrong kind for the endpoint is refused too (embeddings: 403 "You are not allowed to generate
embeddings from this model"; legacy completions: 404 "This is a chat model and not supported in the
v1/completions endpoint").
"""

from __future__ import annotations

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.model_table import Kind, Model, model


def served_model(model_id: object, kinds: tuple[Kind, ...], *, wrong_kind: APIError) -> Model:
    """The served model ``model_id`` names, if it is of one of ``kinds``; else the live API's refusal."""
    if model_id is None:
        raise APIError(400, "You must provide a model parameter.", param="model", code="missing_required_parameter")
    if not isinstance(model_id, str):
        raise APIError(400, f"Invalid type for 'model': expected a string, but got {type(model_id).__name__}.",
                       param="model", code="invalid_type")
    found = model(model_id)
    if found is None:
        raise APIError(404, f"The model `{model_id}` does not exist or you do not have access to it.",
                       code="model_not_found")
    if found.kind not in kinds:
        raise wrong_kind
    return found
