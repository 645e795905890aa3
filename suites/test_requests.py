"""Request bodies: JSON is sent as `Content-Type: application/json` (R03.1)."""

from __future__ import annotations

import json

import pytest

from openai_rulebook.checks import expect_accepted, expect_rejected

BODY = json.dumps({"metadata": {"suite": "requests"}})


@pytest.mark.rule("requests.json_content_type")
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_json_body_with_another_media_type_is_rejected(api, rule, endpoint, endpoint_path, content_type):
    """A JSON body labelled with another media type is not parsed as JSON."""
    response = api.request(endpoint.method, endpoint_path, content=BODY, headers={"Content-Type": content_type})
    expect_rejected(response, rule.id, why=f"Content-Type: {content_type}")


@pytest.mark.rule("requests.json_content_type")
@pytest.mark.parametrize("suffix", ["", "; charset=utf-8"])
def test_json_body_as_application_json_is_accepted(api, rule, endpoint, endpoint_path, suffix):
    """The boundary: `application/json`, with or without a charset parameter."""
    content_type = rule.params["media_type"] + suffix
    response = api.request(endpoint.method, endpoint_path, content=BODY, headers={"Content-Type": content_type})
    expect_accepted(response, rule.id, why=f"Content-Type: {content_type}")
