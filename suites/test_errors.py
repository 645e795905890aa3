"""Errors: every 4xx carries OpenAI's error envelope (ErrorResponse in the official spec), on every endpoint.

Refusals are provoked without creating anything: a request without the key, and one naming ids that do not exist.
A target that answers neither with a 4xx leaves the test inconclusive (nothing to judge), never passed.
"""

from __future__ import annotations

import pytest

from openai_rulebook.checks import error_envelope, expect
from openai_rulebook.errors import Inconclusive

UNKNOWN_ID = "rulebook-does-not-exist"


@pytest.mark.rule("errors.envelope")
def test_refusals_answer_with_the_envelope(api, rule, endpoint):
    """A request without the key, and one about objects that do not exist, get the envelope with their 4xx."""
    path = endpoint.path(**dict.fromkeys(endpoint.placeholders, UNKNOWN_ID))
    attempts = [api.request(endpoint.method, path, json_body=endpoint.empty_body(), auth=False)]
    if endpoint.placeholders:
        attempts.append(api.request(endpoint.method, path, json_body=endpoint.empty_body()))
    refusals = [response for response in attempts if 400 <= response.status_code < 500]
    if not refusals:
        raise Inconclusive(f"no 4xx to judge: {endpoint} answered {[r.status_code for r in attempts]} without the "
                           "key and with unknown ids")
    for response in refusals:
        error_envelope(response)


@pytest.mark.rule("errors.envelope")
def test_malformed_json_answers_with_the_envelope(api, rule):
    """A body that is not JSON at all, though labelled JSON, gets a 4xx with the envelope."""
    response = api.request("POST", "/vector_stores", content=b"{not json", headers={"Content-Type": "application/json"})
    expect(rule.id, 400 <= response.status_code < 500, expected="4xx for a malformed JSON body",
           actual=f"{response.status_code} {response.text[:200]}")
    error_envelope(response)
