"""The reference server's request schemas (Responses, legacy completions) against what the real API accepted.

Every request the corpus shows answered 2xx must pass the schema checks, and the schema refusals the real API gave
(a missing or mistyped member, a bound) must be refusals of ours too, naming the same member. The model and the
rules' own checks (ranges the catalog judges, context lengths) are not asked here: only the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.datastructures import QueryParams

from openai_rulebook.server.completions import request as completions
from openai_rulebook.server.completions.routes import CreateCompletionRequest
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.responses import request as responses
from openai_rulebook.traffic import Corpus, Exchange


def _completion(body: dict[str, Any]) -> None:
    completions.check_create(CreateCompletionRequest.model_validate(body).model_dump())


def _retrieve(query: dict[str, Any]) -> None:
    responses.check_retrieve_query(QueryParams([(name, str(value)) for name, values in query.items()
                                                for value in (values if isinstance(values, list) else [values])]))


#: operation -> (corpus file, method, path test, the check of what the line sent)
CHECKS: dict[str, tuple[str, str, Callable[[str], bool], Callable[[Exchange], None]]] = {
    "POST /v1/responses": ("responses", "POST", lambda path: path == "/v1/responses",
                           lambda line: responses.check_create(line.request_body)),
    "GET /v1/responses/{response_id}": ("responses", "GET",
                                        lambda path: path.count("/") == 3 and path.startswith("/v1/responses/"),
                                        lambda line: _retrieve(line.query)),
    "POST /v1/completions": ("completions", "POST", lambda path: path == "/v1/completions",
                             lambda line: _completion(line.request_body)),
}


def _lines(corpus: Corpus, operation: str) -> list[Exchange]:
    family, method, matches, _ = CHECKS[operation]
    return [line for line in corpus.family(family) if line.method == method and matches(line.path)]


def _refusal(operation: str, line: Exchange) -> APIError | None:
    try:
        CHECKS[operation][3](line)
    except APIError as error:
        return error
    return None


@pytest.mark.parametrize("operation", list(CHECKS))
def test_every_accepted_request_passes(corpus: Corpus, operation: str) -> None:
    accepted = [line for line in _lines(corpus, operation) if 200 <= line.status < 300]
    assert accepted, f"the corpus holds no accepted {operation}"
    refused = [(line, error) for line in accepted if (error := _refusal(operation, line)) is not None]
    assert not refused, "\n".join(f"{line.cite}: {error.message}" for line, error in refused[:10])


#: the real API's refusals a schema check makes: the error codes of a missing, mistyped or out-of-bounds member
SCHEMA_CODES = frozenset({"missing_required_parameter", "invalid_type", "integer_below_min_value",
                          "integer_above_max_value", "decimal_below_min_value", "decimal_above_max_value"})
#: members a catalog rule judges in its own check (its range), not the schema
RULED = frozenset({"max_output_tokens", "temperature", "top_p", "top_logprobs", "logprobs"})


def _enum_refusal(error: dict[str, Any]) -> bool:
    """A value outside an enum ("Invalid value: 'image'. Supported values are: ..."), not a value the API could not
    use (a URL it could not download is ``invalid_value`` too)."""
    return error.get("code") == "invalid_value" and "Supported values are" in str(error.get("message"))


@pytest.mark.parametrize("operation", list(CHECKS))
def test_the_real_schema_refusals_are_ours_too(corpus: Corpus, operation: str) -> None:
    refused = [line for line in _lines(corpus, operation) if line.status == 400 and isinstance(line.json_body, dict)]
    schema = [(line, error) for line in refused if isinstance(error := line.json_body.get("error"), dict)
              and (error.get("code") in SCHEMA_CODES or _enum_refusal(error)) and error.get("param") not in RULED]
    assert len(schema) >= {"POST /v1/responses": 3, "POST /v1/completions": 1}.get(operation, 0), schema
    for line, error in schema:
        ours = _refusal(operation, line)
        assert ours is not None, f"{line.cite}: the real API refused it ({error.get('message')}), ours accepts it"
        real = str(error.get("param"))
        # the real API names an input item for its unknown type (input[0]), ours the type in it (input[0].type)
        assert ours.param in (real, f"{real}.type"), f"{line.cite}: ours names {ours.param!r}, the real API {real!r}"
