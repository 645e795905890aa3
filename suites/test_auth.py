"""Authentication: every request carries `Authorization: Bearer <key>` (R01.2.1, R01.2.2, H.2).

Each rule is checked on every endpoint the target serves, with a valid request (``valid_request``) sent without or
with a malformed header, and the same request with the key as the control: a 401 counts only if the control gets
past authentication (any answer but 401: a cancel of a batch that finished in between may rightly answer 400).
"""

from __future__ import annotations

import pytest

from openai_rulebook.checks import expect, expect_rejected

#: Authorization values that are not `Bearer <key>`; none of them holds a real key
MALFORMED = {
    "basic": "Basic cnVsZWJvb2s6cnVsZWJvb2s=",
    "bare-key": "sk-not-a-bearer",
    "scheme-only": "Bearer",
    "other-scheme": "Token sk-not-a-bearer",
}


def past_auth(response) -> bool:
    return response.status_code != 401


@pytest.mark.rule("auth.header_required")
def test_request_without_authorization_is_rejected(api, rule, endpoint, valid_request):
    """Each endpoint answers a request without the header with 401 and the error envelope."""
    prepared = valid_request(endpoint)
    response = prepared.send(api, auth=False)
    expect_rejected(response, rule.id, status=rule.params["status"], why="no Authorization header",
                    control=lambda: prepared.send(api), control_accepted=past_auth)


@pytest.mark.rule("auth.bearer_scheme")
@pytest.mark.parametrize("value", MALFORMED.values(), ids=MALFORMED.keys())
def test_authorization_that_is_not_bearer_is_rejected(api, rule, endpoint, valid_request, value):
    """Each endpoint answers a malformed Authorization header with 401."""
    prepared = valid_request(endpoint)
    response = prepared.send(api, headers={"Authorization": value})
    expect_rejected(response, rule.id, status=rule.params["status"], why=f"Authorization: {value.split()[0]} …",
                    control=lambda: prepared.send(api), control_accepted=past_auth)


@pytest.mark.rule("auth.bearer_scheme")
def test_bearer_key_is_accepted(api, rule, endpoint, valid_request):
    """The boundary: a well-formed `Bearer <key>` gets past authentication (a cancel of a batch that failed in the
    meantime may rightly answer 400; only a 401 says the key was refused)."""
    response = valid_request(endpoint).send(api)
    expect(rule.id, past_auth(response), expected=f"an answer past authentication to Authorization: "
                                                  f"{rule.params['scheme']} <key>",
           actual=f"{response.status_code} {response.text[:200]}")
