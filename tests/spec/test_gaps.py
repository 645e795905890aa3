"""Known gaps: patched into a copy of the spec, each changing what it says and nothing else."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from openai_rulebook.spec import KNOWN_GAPS, ResponseValidator, load_spec

JSON = "application/json"


def check(validator: ResponseValidator, body: Any, method: str, path: str) -> list:
    return validator.validate(method=method, path=path, status=200, content_type=JSON, body=body)


def test_gaps_have_unique_ids_and_reasons() -> None:
    ids = [gap.id for gap in KNOWN_GAPS]
    assert len(ids) == len(set(ids))
    assert all(len(gap.reason) > 40 for gap in KNOWN_GAPS)


def test_every_gap_applies_to_the_real_spec(validator: ResponseValidator) -> None:
    assert validator.gaps_applied == tuple(gap.id for gap in KNOWN_GAPS)
    assert "#/components/schemas/ListVectorStoresResponse/properties/first_id" in (
        validator.gap_sites["list-page-null-cursor-ids"]
    )


def test_no_gaps_means_none_applied(raw_validator: ResponseValidator) -> None:
    assert raw_validator.gaps_applied == ()


def test_a_gap_that_finds_nothing_is_not_applied() -> None:
    tiny = {"openapi": "3.1.0", "paths": {}, "components": {"schemas": {"A": {"type": "string"}}}}
    assert ResponseValidator(tiny).gaps_applied == ()


def test_the_loaded_spec_is_not_modified(spec_path) -> None:
    shared = load_spec(spec_path)
    schemas = shared["components"]["schemas"]
    before = copy.deepcopy(schemas["ListVectorStoresResponse"]), copy.deepcopy(schemas["RunObject"])
    patched = ResponseValidator(shared)
    assert (schemas["ListVectorStoresResponse"], schemas["RunObject"]) == before
    assert patched.spec is not shared
    assert patched.spec["components"]["schemas"]["ListVectorStoresResponse"]["properties"]["first_id"]["type"] == [
        "string",
        "null",
    ]


EMPTY_PAGE = {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/vector_stores"), ("GET", "/v1/files"), ("GET", "/v1/chat/completions"),
     ("GET", "/v1/vector_stores/vs_1/files")],
)
def test_empty_list_page_with_null_cursor_ids(
    validator: ResponseValidator, raw_validator: ResponseValidator, method: str, path: str
) -> None:
    assert check(validator, EMPTY_PAGE, method, path) == []
    assert {p.instance_path for p in check(raw_validator, EMPTY_PAGE, method, path)} >= {"/first_id", "/last_id"}


def test_cursor_ids_must_still_be_strings_or_null(validator: ResponseValidator) -> None:
    problems = check(validator, {**EMPTY_PAGE, "first_id": 5}, "GET", "/v1/vector_stores")
    assert [p.instance_path for p in problems] == ["/first_id"]


RUN = {
    "id": "run_abc123", "object": "thread.run", "created_at": 1699075072, "assistant_id": "asst_abc123",
    "thread_id": "thread_abc123", "status": "queued", "required_action": None, "last_error": None,
    "expires_at": None, "started_at": None, "cancelled_at": None, "failed_at": None, "completed_at": None,
    "model": "gpt-4o", "instructions": "Be brief.", "incomplete_details": None,
    "tools": [{"type": "code_interpreter"}], "metadata": {}, "usage": None, "temperature": None, "top_p": None,
    "max_prompt_tokens": None, "max_completion_tokens": None,
    "truncation_strategy": {"type": "auto", "last_messages": None},
    "response_format": "auto", "tool_choice": "auto", "parallel_tool_calls": True,
}


def test_openapi30_nullable_is_honoured(validator: ResponseValidator, raw_validator: ResponseValidator) -> None:
    path = "/v1/threads/thread_abc123/runs/run_abc123"
    assert check(validator, RUN, "GET", path) == []
    raw = {p.instance_path for p in check(raw_validator, RUN, "GET", path)}
    assert {"/started_at", "/required_action"} <= raw


def test_nullable_still_checks_non_null_values(validator: ResponseValidator) -> None:
    path = "/v1/threads/thread_abc123/runs/run_abc123"
    assert [p.instance_path for p in check(validator, {**RUN, "started_at": "soon"}, "GET", path)] == ["/started_at"]
    bad_strategy = {**RUN, "truncation_strategy": {"type": "sometimes"}}  # allOf [$ref, {nullable}] became anyOf
    assert check(validator, bad_strategy, "GET", path) != []


FINE_TUNING_JOB = {
    "object": "fine_tuning.job", "id": "ftjob-abc123", "model": "davinci-002", "created_at": 1692661014,
    "finished_at": 1692661190, "fine_tuned_model": "ft:davinci-002:my-org:custom_suffix:7q8mpxmy",
    "organization_id": "org-123", "result_files": ["file-abc123"], "status": "succeeded", "error": None,
    "validation_file": None, "training_file": "file-abc123",
    "hyperparameters": {"n_epochs": 4, "batch_size": 1, "learning_rate_multiplier": 1.0},
    "trained_tokens": 5768, "seed": 0,
}


@pytest.mark.parametrize(("multiplier", "ok"), [(1.0, True), (0.5, True), ("auto", True), (0, False), (-1, False)])
def test_openapi30_exclusive_minimum(validator: ResponseValidator, multiplier: Any, ok: bool) -> None:
    job = copy.deepcopy(FINE_TUNING_JOB)
    job["hyperparameters"]["learning_rate_multiplier"] = multiplier
    problems = check(validator, job, "GET", "/v1/fine_tuning/jobs/ftjob-abc123")
    assert (problems == []) is ok


def test_compound_filter_recursion(validator: ResponseValidator, raw_validator: ResponseValidator) -> None:
    checker = validator._validator("#/components/schemas/CompoundFilter")
    nested = {"type": "and", "filters": [{"type": "eq", "key": "a", "value": "b"},
                                         {"type": "or", "filters": [{"type": "eq", "key": "c", "value": 1}]}]}
    assert list(checker.iter_errors(nested)) == []
    assert list(raw_validator._validator("#/components/schemas/CompoundFilter").iter_errors(nested)) != []
    nested["filters"][1]["filters"][0]["type"] = "nope"  # the recursion is really followed now
    assert list(checker.iter_errors(nested)) != []


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("DELETE", "/v1/responses/resp_1", 404), ("POST", "/v1/responses/resp_1/cancel", 404),
     ("DELETE", "/v1/evals/eval_1", 404), ("POST", "/v1/evals/eval_1/runs", 400),
     ("DELETE", "/v1/responses/resp_1?beta=true", 404)],
)
def test_documented_bare_error_expects_the_envelope(
    validator: ResponseValidator, raw_validator: ResponseValidator, method: str, path: str, status: int
) -> None:
    envelope = {"error": {"message": "Not found", "type": "invalid_request_error", "param": None, "code": None}}
    kwargs = dict(method=method, path=path, status=status, content_type=JSON)
    assert validator.validate(body=envelope, **kwargs) == []
    assert validator.validate(body=envelope["error"], **kwargs) != []  # the bare object is what is wrong now
    assert raw_validator.validate(body=envelope, **kwargs) != []


SEGMENT = {"id": 0, "seek": 0, "start": 0.0, "end": 1.0, "text": " Hi.", "tokens": [50364, 2421, 13],
           "temperature": 0.0, "avg_logprob": -0.2, "compression_ratio": 0.6, "no_speech_prob": 0.01}
VERBOSE = {"task": "transcribe", "language": "english", "duration": 1.0, "text": "Hi.", "segments": [SEGMENT]}


@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/v1/audio/translations"])
def test_verbose_audio_json_matches_one_alternative(
    validator: ResponseValidator, raw_validator: ResponseValidator, path: str
) -> None:
    assert check(validator, VERBOSE, "POST", path) == []
    assert check(validator, {"text": "Hi."}, "POST", path) == []
    assert check(raw_validator, VERBOSE, "POST", path) != []  # valid as plain and as verbose: oneOf fails
    # the verbose schema still holds: a segment without its tokens, or a verbose body without language, fails
    assert check(validator, {**VERBOSE, "segments": [{**SEGMENT, "tokens": None}]}, "POST", path) != []
    assert check(validator, {key: value for key, value in VERBOSE.items() if key != "language"}, "POST", path) != []


@pytest.mark.parametrize("path", ["/v1/audio/transcriptions", "/v1/audio/translations"])
def test_audio_text_formats_are_text_plain(
    validator: ResponseValidator, raw_validator: ResponseValidator, path: str
) -> None:
    kwargs = dict(method="POST", path=path, status=200, content_type="text/plain; charset=utf-8", body=None)
    assert validator.validate(**kwargs) == []
    assert [problem.kind for problem in raw_validator.validate(**kwargs)] == ["content-type"]
    assert validator.validate(**{**kwargs, "content_type": "text/html"}) != []


def test_paused_fine_tuning_job(validator: ResponseValidator, raw_validator: ResponseValidator) -> None:
    paused = {**FINE_TUNING_JOB, "status": "paused", "finished_at": None}
    path = "/v1/fine_tuning/jobs/ftjob-abc123/pause"
    assert check(validator, paused, "POST", path) == []
    assert "/status" in {problem.instance_path for problem in check(raw_validator, paused, "POST", path)}
    assert check(validator, {**paused, "status": "sleeping"}, "POST", path) != []
