"""Request bodies: JSON is sent as `Content-Type: application/json` (R03.1), on every endpoint that takes JSON.

The body is a valid request's (``valid_request``); only the media type changes, and the same body sent as
`application/json` is the control of each refusal.
"""

from __future__ import annotations

import json

import pytest

from openai_rulebook.checks import expect_accepted, expect_rejected


def as_bytes(prepared) -> bytes:
    return json.dumps(prepared.json_body or {}).encode()


@pytest.mark.rule("requests.json_content_type")
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_json_body_with_another_media_type_is_rejected(api, rule, endpoint, valid_request, content_type):
    """A JSON body labelled with another media type is not parsed as JSON."""
    prepared = valid_request(endpoint)
    body = as_bytes(prepared)
    response = prepared.send(api, json_body=None, content=body, headers={"Content-Type": content_type})
    control = lambda: prepared.send(api, json_body=None, content=body,  # noqa: E731
                                    headers={"Content-Type": rule.params["media_type"]})
    expect_rejected(response, rule.id, why=f"Content-Type: {content_type}", control=control)


@pytest.mark.rule("requests.json_content_type")
@pytest.mark.parametrize("suffix", ["", "; charset=utf-8"])
def test_json_body_as_application_json_is_accepted(api, rule, endpoint, valid_request, suffix):
    """The boundary: `application/json`, with or without a charset parameter."""
    prepared = valid_request(endpoint)
    content_type = rule.params["media_type"] + suffix
    response = prepared.send(api, json_body=None, content=as_bytes(prepared), headers={"Content-Type": content_type})
    expect_accepted(response, rule.id, why=f"Content-Type: {content_type}")
