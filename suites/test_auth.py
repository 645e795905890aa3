"""Authentication: every request carries `Authorization: Bearer <key>` (R01.2.1, R01.2.2, H.2)."""

from __future__ import annotations

import pytest

from openai_rulebook.checks import expect_accepted, expect_rejected

#: Authorization values that are not `Bearer <key>`; none of them holds a real key
MALFORMED = {
    "basic": "Basic cnVsZWJvb2s6cnVsZWJvb2s=",
    "bare-key": "sk-not-a-bearer",
    "scheme-only": "Bearer",
    "other-scheme": "Token sk-not-a-bearer",
}


def body_for(endpoint):
    """A valid body for the POST endpoints (a name: what an empty body does is another rule's business)."""
    return {"name": "rulebook-auth"} if endpoint.method == "POST" else None


@pytest.mark.rule("auth.header_required")
def test_request_without_authorization_is_rejected(api, rule, endpoint, endpoint_path):
    """Each endpoint answers a request without the header with 401 and the error envelope."""
    response = api.request(endpoint.method, endpoint_path, json_body=body_for(endpoint), auth=False)
    expect_rejected(response, rule.id, status=rule.params["status"], why="no Authorization header")


@pytest.mark.rule("auth.bearer_scheme")
@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_authorization_that_is_not_bearer_is_rejected(api, rule, endpoint, endpoint_path, value):
    """Each endpoint answers a malformed Authorization header with 401."""
    response = api.request(endpoint.method, endpoint_path, json_body=body_for(endpoint),
                           headers={"Authorization": value})
    expect_rejected(response, rule.id, status=rule.params["status"], why=f"Authorization: {value.split()[0]} …")


@pytest.mark.rule("auth.bearer_scheme")
def test_bearer_key_is_accepted(api, rule, endpoint, endpoint_path):
    """The boundary: a well-formed `Bearer <key>` is served."""
    response = api.request(endpoint.method, endpoint_path, json_body=body_for(endpoint))
    expect_accepted(response, rule.id, why=f"Authorization: {rule.params['scheme']} <key>")
