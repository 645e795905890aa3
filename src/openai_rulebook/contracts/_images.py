"""Contract checks of the images rules: what one image response must hold, recorded or live."""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


def _data(seen: Seen) -> list[Any]:
    data = _body(seen).get("data")
    return data if isinstance(data, list) else []


def _model_sent(seen: Seen) -> Any:
    """The ``model`` of the request: a JSON member or a recorded multipart field (None when not recorded)."""
    body = seen.request_body
    if not isinstance(body, dict):
        return None
    if "multipart" in body:
        parts = body.get("multipart") or []
        return next((part.get("value") for part in parts if isinstance(part, dict) and part.get("name") == "model"),
                    None)
    return body.get("model")


@contract("images.endpoints_exist")
def images_answer_images(rule: Rule, seen: Seen) -> None:
    body = _body(seen)
    created = body.get("created")
    expect(rule.id, isinstance(created, int) and not isinstance(created, bool), expected="an integer `created`",
           actual=created)
    expect(rule.id, isinstance(body.get("data"), list), expected="a `data` list", actual=body.get("data"))
    for index, item in enumerate(_data(seen)):
        has = isinstance(item, dict) and any(isinstance(item.get(key), str) for key in ("url", "b64_json"))
        expect(rule.id, has, expected=f"data[{index}] with `url` or `b64_json`",
               actual=sorted(item) if isinstance(item, dict) else item)


@contract("images.gpt_image_returns_base64", when=lambda seen: _model_sent(seen) == "gpt-image-1")
def gpt_image_answers_base64(rule: Rule, seen: Seen) -> None:
    for index, item in enumerate(_data(seen)):
        item = item if isinstance(item, dict) else {}
        expect(rule.id, isinstance(item.get("b64_json"), str) and item.get("url") is None,
               expected=f"data[{index}] with `b64_json` and no `url` (gpt-image-1)", actual=sorted(item))
