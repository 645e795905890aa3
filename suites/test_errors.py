"""Errors: every 4xx carries OpenAI's error envelope (ErrorResponse in the official spec)."""

from __future__ import annotations

import pytest

from openai_rulebook.checks import error_envelope, expect

UNKNOWN_ID = "vs_rulebook_does_not_exist"


@pytest.mark.rule("errors.envelope")
def test_unknown_object_answers_with_the_envelope(api, rule, endpoint):
    """A request about an object that does not exist gets a 4xx with the envelope."""
    if "vector_store_id" not in endpoint.placeholders:
        pytest.skip(f"{endpoint} addresses no single object")
    response = api.request(endpoint.method, endpoint.path(vector_store_id=UNKNOWN_ID), json_body=endpoint.empty_body())
    expect(rule.id, 400 <= response.status_code < 500, expected="4xx for an unknown id",
           actual=f"{response.status_code} {response.text[:200]}")
    error_envelope(response)


@pytest.mark.rule("errors.envelope")
def test_malformed_json_answers_with_the_envelope(api, rule):
    """A body that is not JSON at all, though labelled JSON, gets a 4xx with the envelope."""
    response = api.request("POST", "/vector_stores", content=b"{not json", headers={"Content-Type": "application/json"})
    expect(rule.id, 400 <= response.status_code < 500, expected="4xx for a malformed JSON body",
           actual=f"{response.status_code} {response.text[:200]}")
    error_envelope(response)
