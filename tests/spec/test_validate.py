"""ResponseValidator.validate: bodies, error envelopes, statuses and content types."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from openai_rulebook.spec import ResponseValidator, SpecMismatch

JSON = "application/json"


def check(validator: ResponseValidator, body: Any, *, method: str = "GET", path: str = "/v1/vector_stores/vs_abc123",
          status: int = 200, content_type: str | None = JSON) -> list[SpecMismatch]:
    return validator.validate(method=method, path=path, status=status, content_type=content_type, body=body)


def test_valid_vector_store_passes(validator: ResponseValidator, vector_store: dict) -> None:
    assert check(validator, vector_store) == []
    assert check(validator, vector_store, content_type="application/json; charset=utf-8") == []


def test_wrong_object_value_fails_at_object(validator: ResponseValidator, vector_store: dict) -> None:
    [problem] = check(validator, {**vector_store, "object": "vector_store.file"})
    assert problem.kind == "body"
    assert problem.instance_path == "/object"
    assert problem.schema_path == "#/components/schemas/VectorStoreObject/properties/object/enum"
    assert problem.message == "'vector_store.file' is not one of ['vector_store']"
    assert (problem.operation_id, problem.method, problem.status) == ("getVectorStore", "GET", 200)
    assert problem.spec_path == "/vector_stores/{vector_store_id}"
    assert problem.path == "/v1/vector_stores/vs_abc123"


def test_missing_required_field_fails(validator: ResponseValidator, vector_store: dict) -> None:
    del vector_store["usage_bytes"]
    [problem] = check(validator, vector_store)
    assert problem.instance_path == ""
    assert problem.schema_path == "#/components/schemas/VectorStoreObject/required"
    assert "'usage_bytes' is a required property" in problem.message


def test_nested_problem_has_a_nested_pointer(validator: ResponseValidator, vector_store: dict) -> None:
    vector_store["file_counts"]["failed"] = "none"
    [problem] = check(validator, vector_store)
    assert problem.instance_path == "/file_counts/failed"


def test_list_items_are_checked(validator: ResponseValidator, vector_store: dict) -> None:
    page = {"object": "list", "data": [vector_store, {**vector_store, "status": "gone"}],
            "first_id": "vs_abc123", "last_id": "vs_abc123", "has_more": False}
    [problem] = check(validator, page, path="/v1/vector_stores")
    assert problem.instance_path == "/data/1/status"
    assert problem.operation_id == "listVectorStores"


GOOD_ERROR = {
    "error": {
        "message": "No vector store found with id 'vs_abc123'.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
}


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_error_envelope_passes(validator: ResponseValidator, status: int) -> None:
    # getVectorStore documents only 200 and 429: the others fall back to ErrorResponse
    assert check(validator, GOOD_ERROR, status=status) == []


@pytest.mark.parametrize(
    ("body", "instance_path", "fragment"),
    [
        ({"message": "flat, not enveloped"}, "", "'error' is a required property"),
        ({"error": {"message": "m", "type": "t", "param": None}}, "/error", "'code' is a required property"),
        ({"error": {"message": 5, "type": "t", "param": None, "code": None}}, "/error/message", "not of type"),
        ({"error": "string"}, "/error", "is not of type 'object'"),
    ],
)
@pytest.mark.parametrize("status", [400, 401, 404])
def test_bad_error_envelope_fails(
    validator: ResponseValidator, status: int, body: dict, instance_path: str, fragment: str
) -> None:
    problems = check(validator, body, status=status)
    assert [p.instance_path for p in problems] == [instance_path]
    assert fragment in problems[0].message
    assert problems[0].schema_path.startswith("#/components/schemas/Error")


def test_documented_429_follows_the_components_responses_ref(validator: ResponseValidator) -> None:
    [problem] = check(validator, {"detail": "slow down"}, status=429)
    assert problem.schema_path == "#/components/schemas/ErrorResponse/required"


def test_documented_error_status_uses_the_operation_schema(validator: ResponseValidator) -> None:
    # modify-project documents its own 400; the body is held to that schema (ErrorResponse as well)
    path = "/v1/organization/projects/proj_1"
    assert check(validator, GOOD_ERROR, method="POST", path=path, status=400) == []
    [problem] = check(validator, {"error": None}, method="POST", path=path, status=400)
    assert problem.instance_path == "/error"


def test_undocumented_success_status(validator: ResponseValidator, vector_store: dict) -> None:
    [problem] = check(validator, vector_store, status=201)
    assert problem.kind == "status"
    assert problem.message == "Received: status 201; Documented: 200, 429"


def test_undocumented_content_type(validator: ResponseValidator) -> None:
    [problem] = check(validator, None, content_type="text/html; charset=utf-8")
    assert problem.kind == "content-type"
    assert problem.message == "Received: Content-Type text/html; Documented: application/json"


def test_missing_content_type(validator: ResponseValidator, vector_store: dict) -> None:
    [problem] = check(validator, vector_store, content_type=None)
    assert problem.kind == "content-type"


def test_json_content_type_without_a_body(validator: ResponseValidator) -> None:
    [problem] = check(validator, None)
    assert problem.kind == "body" and "no JSON body" in problem.message


def test_non_json_documented_type_is_accepted_unvalidated(validator: ResponseValidator) -> None:
    assert check(validator, None, method="POST", path="/v1/audio/speech", content_type="application/octet-stream") == []
    assert check(validator, None, method="POST", path="/v1/chat/completions", content_type="text/event-stream") == []


def test_json_where_only_other_types_are_documented(validator: ResponseValidator) -> None:
    [problem] = check(validator, {}, method="POST", path="/v1/audio/speech")
    assert problem.kind == "content-type"
    assert "application/octet-stream, text/event-stream" in problem.message


def test_status_without_documented_content_accepts_any_body(validator: ResponseValidator) -> None:
    # DELETE /containers/{container_id} documents a 200 with no content at all
    assert check(validator, {"deleted": True}, method="DELETE", path="/v1/containers/cntr_1") == []


def test_messages_are_short(validator: ResponseValidator) -> None:
    huge = {"error": {"message": "x" * 10_000, "type": 1, "param": None, "code": None}}
    problems = check(validator, huge, status=400)
    assert problems and all(len(p.message) <= 200 for p in problems)


def test_problems_are_capped(spec: dict, vector_store: dict) -> None:
    capped = ResponseValidator(spec, max_problems=2)
    problems = check(capped, {"unrelated": True})
    assert len(problems) == 3
    assert "more problems not listed" in problems[-1].message


def test_mismatch_is_frozen_and_printable(validator: ResponseValidator, vector_store: dict) -> None:
    [problem] = check(validator, {**vector_store, "object": "x"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        problem.status = 500  # type: ignore[misc]
    assert str(problem) == (
        "GET /v1/vector_stores/vs_abc123 -> 200 (getVectorStore) at /object: 'x' is not one of ['vector_store']"
    )


def test_discriminated_union_validates(validator: ResponseValidator) -> None:
    # tool_calls items are a oneOf with an OpenAPI discriminator (ignored by 2020-12): must not break anything
    completion = {
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o",
        "choices": [{
            "index": 0, "finish_reason": "tool_calls", "logprobs": None,
            "message": {
                "role": "assistant", "content": None, "refusal": None,
                "tool_calls": [{"id": "call_1", "type": "function",
                                "function": {"name": "f", "arguments": "{}"}}],
            },
        }],
    }
    assert check(validator, completion, method="POST", path="/v1/chat/completions") == []
    completion["choices"][0]["message"]["tool_calls"][0]["type"] = "bogus"
    problems = check(validator, completion, method="POST", path="/v1/chat/completions")
    assert problems and problems[0].instance_path.startswith("/choices/0/message/tool_calls/0")


def test_public_api_is_exactly_all() -> None:
    import openai_rulebook.spec as package

    assert sorted(package.__all__) == package.__all__
    public = {name for name in vars(package) if name.isidentifier() and not name.startswith("_")}
    assert public == set(package.__all__)


TINY = {
    "openapi": "3.1.0",
    "servers": [{"url": "https://example.test/api/v2"}],
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "responses": {
                    "200": {"$ref": "#/components/responses/Thing"},
                    "4XX": {"description": "x", "content": {"application/problem+json": {"schema": {"type": "object",
                            "required": ["title"]}}}},
                    "default": {"description": "x", "content": {"*/*": {}}},
                },
            }
        }
    },
    "components": {
        "responses": {"Thing": {"$ref": "#/components/responses/RealThing"},
                      "RealThing": {"description": "x", "content": {"application/json": {"schema": {"type": "object",
                                    "required": ["id"]}}}}},
        "schemas": {},
    },
}


def test_ranges_defaults_chained_refs_and_other_base_paths() -> None:
    tiny = ResponseValidator(TINY)
    assert tiny.operation("GET", "/api/v2/things/1") == ("getThing", "/things/{id}")
    ok = dict(method="GET", path="/api/v2/things/1")
    assert tiny.validate(status=200, content_type=JSON, body={"id": 1}, **ok) == []
    [problem] = tiny.validate(status=200, content_type=JSON, body={}, **ok)
    assert problem.schema_path == "#/components/responses/RealThing/content/application~1json/schema/required"
    assert tiny.validate(status=404, content_type="application/problem+json", body={"title": "t"}, **ok) == []
    assert tiny.validate(status=404, content_type="application/problem+json", body={}, **ok) != []
    assert tiny.validate(status=503, content_type="text/plain", body=None, **ok) == []  # default, */*
