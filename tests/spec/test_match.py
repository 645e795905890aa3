"""Which spec operation a request hit."""

from __future__ import annotations

import pytest

from openai_rulebook.spec import ResponseValidator


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/v1/vector_stores/vs_1", ("getVectorStore", "/vector_stores/{vector_store_id}")),
        ("get", "/v1/vector_stores/vs_1", ("getVectorStore", "/vector_stores/{vector_store_id}")),
        ("GET", "/v1/vector_stores/vs_1/files", ("listVectorStoreFiles", "/vector_stores/{vector_store_id}/files")),
        ("POST", "/v1/vector_stores/vs_1/search", ("searchVectorStore", "/vector_stores/{vector_store_id}/search")),
        (
            "GET",
            "/v1/vector_stores/vs_1/files/file-1",
            ("getVectorStoreFile", "/vector_stores/{vector_store_id}/files/{file_id}"),
        ),
        ("GET", "/v1/vector_stores?limit=2&order=asc", ("listVectorStores", "/vector_stores")),
        ("GET", "https://api.openai.com/v1/models/gpt-4o", ("retrieveModel", "/models/{model}")),
        ("GET", "/vector_stores/vs_1", ("getVectorStore", "/vector_stores/{vector_store_id}")),  # spec-relative
    ],
)
def test_operation(validator: ResponseValidator, method: str, path: str, expected: tuple[str, str]) -> None:
    assert validator.operation(method, path) == expected


def test_literal_segment_beats_template(validator: ResponseValidator) -> None:
    # /responses/compact (POST) is literal; /responses/{response_id} would match it too
    assert validator.operation("POST", "/v1/responses/compact")[1] == "/responses/compact"
    # ... but there is no GET on /responses/compact: the template answers, as the live API does
    assert validator.operation("GET", "/v1/responses/compact")[1] == "/responses/{response_id}"


def test_beta_query_selects_the_beta_variant(validator: ResponseValidator) -> None:
    assert validator.operation("POST", "/v1/responses")[1] == "/responses"
    assert validator.operation("POST", "/v1/responses?beta=true")[1] == "/responses?beta=true"
    assert validator.operation("POST", "/v1/responses?beta=false")[1] == "/responses"


@pytest.mark.parametrize("path", ["/v1/nope", "/v1/vector_stores/vs_1/bogus", "/v1/vector_stores/", "/v2/models"])
def test_unknown_path_is_none(validator: ResponseValidator, path: str) -> None:
    assert validator.operation("GET", path) is None


def test_unknown_path_is_one_route_mismatch(validator: ResponseValidator) -> None:
    [problem] = validator.validate(
        method="GET", path="/v1/nope/x", status=404, content_type="application/json", body={"error": {}}
    )
    assert problem.kind == "route"
    assert problem.operation_id is None and problem.spec_path is None
    assert problem.path == "/v1/nope/x" and problem.status == 404
    assert "no path in the spec matches /nope/x" in problem.message


def test_known_path_with_undocumented_method(validator: ResponseValidator) -> None:
    [problem] = validator.validate(method="PUT", path="/v1/models/m", status=200, content_type=None, body=None)
    assert problem.kind == "route"
    assert problem.message.endswith("Documented: /models/{model} has only DELETE, GET")
    assert problem.schema_path == "#/paths/~1models~1{model}"


def test_every_spec_operation_is_found_by_its_own_template(validator: ResponseValidator, spec: dict) -> None:
    methods = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
    found = 0
    for spec_path, item in spec["paths"].items():
        concrete = "/v1" + spec_path.replace("{", "x").replace("}", "")
        for method, operation in item.items():
            if method in methods:
                assert validator.operation(method, concrete) == (operation["operationId"], spec_path)
                found += 1
    assert found == len(validator) == 288
