"""POST /v1/embeddings: inputs checked against the limits in real tokens, answered with deterministic vectors.

Checks in the live API's order as far as real traffic shows it: the model (unknown: 404 ``model_not_found``; not an
embedding model: 403), ``encoding_format`` and ``dimensions``, then the inputs (shape, empty, count, tokens per input,
tokens per request). Token counts are cl100k's (``core.tokens``), the embedding models' own encoding, so the
8,192-token edge is exact for the real API too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.core import tokens
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.served_models import served_model
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.embeddings.vectors import to_base64, vector
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "embeddings.endpoints_exist"
USAGE = "embeddings.usage"
ENCODING = "embeddings.encoding_format"
TOKEN_LIMIT = "embeddings.input_token_limit"
ARRAY_LENGTH = "embeddings.input_array_length"
TOTAL_LIMIT = "embeddings.total_token_limit"
NOT_EMPTY = "embeddings.input_not_empty"
DIMENSIONS_SUPPORT = "embeddings.dimensions_model_support"
SHORTENS = "embeddings.dimensions_shortens"
DIMENSIONS_MIN = "embeddings.dimensions_min"

MAX_INPUT_TOKENS = 8192
MAX_INPUTS = 2048
MAX_REQUEST_TOKENS = 300_000
ENCODINGS = ("float", "base64")

USAGE_PLUS_ONE = "embeddings.usage_one_more_per_input"
SNAPSHOT_NAME = "embeddings.model_snapshot_name"

register(
    Fault("embeddings.data_reversed", rule=ENDPOINTS,
          description="data lists the embeddings in reverse input order (each keeps its input's index)"),
    Fault("embeddings.total_tokens_plus_one", rule=USAGE,
          description="usage.total_tokens is prompt_tokens + 1"),
    Fault("embeddings.base64_float64", rule=ENCODING,
          description="encoding_format base64 packs float64 values (8 bytes per dimension)"),
    Fault("embeddings.accept_8193_tokens", rule=TOKEN_LIMIT,
          description="an input of 8,193 tokens is accepted; 8,194 is still refused"),
    Fault("embeddings.accept_2049_inputs", rule=ARRAY_LENGTH,
          description="an input array of 2,049 entries is accepted; 2,050 is still refused"),
    Fault("embeddings.accept_300001_tokens", rule=TOTAL_LIMIT,
          description="a request of 300,001 tokens in all is accepted; 300,002 is still refused"),
    Fault("embeddings.accept_empty_input", rule=NOT_EMPTY,
          description="an empty string input is accepted (and embedded)"),
    Fault("embeddings.dimensions_on_ada", rule=DIMENSIONS_SUPPORT,
          description="dimensions is accepted (and ignored) for text-embedding-ada-002"),
    Fault("embeddings.ignore_dimensions", rule=SHORTENS,
          description="dimensions d answers vectors of d + 1 values"),
    Fault("embeddings.accept_dimensions_zero", rule=DIMENSIONS_MIN,
          description="dimensions 0 is accepted (and treated as the full length); -1 is still refused"),
)

register_variant(
    Variant(USAGE_PLUS_ONE, description="embeddings usage counts one more token per input (a special token), in "
                                        "prompt_tokens and total_tokens alike"),
    Variant(SNAPSHOT_NAME, description="an embeddings response names the model's snapshot (`<model>-v2`), as the live "
                                       "API does for text-embedding-ada-002"),
)

router = APIRouter(tags=["embeddings"])


class CreateEmbeddingRequest(BaseModel):
    # every member typed Any: each is judged in the handler, under the rule it concerns
    model_config = ConfigDict(extra="forbid")
    model: Any = None
    input: Any = None
    encoding_format: Any = None
    dimensions: Any = None
    user: Any = None


def _inputs(value: Any) -> list[str | list[int]]:
    """The inputs of ``input``: a string, an array of strings, one token array, or an array of token arrays."""
    if value is None:
        raise APIError(400, "You must provide an input parameter.", param="input", code="missing_required_parameter")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        # set(map(type, ...)): a C-speed look at 300,000 tokens (type(True) is bool, so booleans are no tokens)
        kinds = set(map(type, value))
        if kinds == {str}:
            return list(value)
        if kinds == {int}:
            return [value]
        if kinds == {list} and all(set(map(type, item)) <= {int} for item in value):
            return list(value)
    raise APIError(400, "'input' must be a string, an array of strings, an array of integers or an array of arrays "
                   "of integers, with at least one entry.", param="input", code="invalid_type")


def _dimensions(rules: Rules, value: Any, model: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise APIError(400, f"{value!r} is not of type 'integer' - 'dimensions'", param="dimensions",
                       code="invalid_type")
    # worded as the live API words it (embeddings.jsonl), param null as there
    rules.enforce(DIMENSIONS_MIN, value >= 1, broken_ok=value >= 0,
                  message=f"{value} is less than the minimum of 1 - 'dimensions'")
    rules.enforce(DIMENSIONS_SUPPORT, model.shortens, message="This model does not support specifying dimensions.")
    if value > model.dimensions:
        raise APIError(400, f"This model supports at most {model.dimensions} dimensions, got {value}.",
                       param="dimensions")
    return value if value >= 1 else None


@router.post("/embeddings")
async def create_embedding(
    body: Annotated[CreateEmbeddingRequest, Depends(json_body(CreateEmbeddingRequest))], rules: RulesDep
) -> dict[str, Any]:
    model = served_model(body.model, ("embeddings",), wrong_kind=APIError(
        403, "You are not allowed to generate embeddings from this model"))
    if body.user is not None and not isinstance(body.user, str):  # the spec's type; null reads as left out
        raise APIError(400, "Invalid type for 'user': expected a string.", param="user", code="invalid_type")
    encoding = "float" if body.encoding_format is None else body.encoding_format
    rules.enforce(ENCODING, encoding in ENCODINGS, broken_ok=encoding in ENCODINGS, param="encoding_format",
                  code="invalid_value",
                  message=f"Invalid 'encoding_format': expected one of float, base64, but got {encoding!r}.")
    dimensions = _dimensions(rules, body.dimensions, model)
    inputs = _inputs(body.input)
    rules.enforce(ARRAY_LENGTH, len(inputs) <= MAX_INPUTS, broken_ok=len(inputs) <= MAX_INPUTS + 1,
                  message=f"'$.input' is invalid: an array of {len(inputs)} inputs is longer than {MAX_INPUTS}.")
    token_lists: list[tuple[int, ...]] = []
    for item in inputs:
        empty = len(item) == 0
        rules.enforce(NOT_EMPTY, not empty, message="'$.input' is invalid: an input must not be empty.")
        encoded = tuple(tokens.encode(item)) if isinstance(item, str) else tuple(item)
        if empty:  # let through under the fault: it still embeds as something
            encoded = (0,)
        count = len(encoded)
        rules.enforce(
            TOKEN_LIMIT, count <= MAX_INPUT_TOKENS, broken_ok=count <= MAX_INPUT_TOKENS + 1,
            message=f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested "
                    f"{count} tokens ({count} in your prompt; 0 for the completion). Please reduce your prompt; or "
                    "completion length.",
        )
        token_lists.append(encoded)
    total = sum(map(len, token_lists))
    rules.enforce(TOTAL_LIMIT, total <= MAX_REQUEST_TOKENS, broken_ok=total <= MAX_REQUEST_TOKENS + 1,
                  message=f"Requested {total} tokens, max {MAX_REQUEST_TOKENS} tokens per request")
    # the fault answers one value more than asked (not the full length: the limit tests stay small under it)
    size = rules.behaviour(SHORTENS, dimensions, min(dimensions + 1, model.dimensions)) if dimensions else None
    width = rules.behaviour(ENCODING, "f", "d") if encoding == "base64" else "f"
    data = []
    for index, encoded in enumerate(token_lists):
        values = vector(model.id, encoded, size or model.dimensions, model.dimensions)
        data.append({"object": "embedding", "index": index,
                     "embedding": to_base64(values, width) if encoding == "base64" else values})
    if len(data) > 1 and rules.behaviour(ENDPOINTS, False, True):
        data.reverse()
    prompt = rules.variants.choose(USAGE_PLUS_ONE, total, total + len(token_lists))
    return {
        "object": "list",
        "data": data,
        "model": rules.variants.choose(SNAPSHOT_NAME, body.model, f"{body.model}-v2"),
        "usage": {"prompt_tokens": prompt, "total_tokens": rules.behaviour(USAGE, prompt, prompt + 1)},
    }
