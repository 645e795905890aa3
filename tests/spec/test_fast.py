"""The fast validator must agree with jsonschema's own on every verdict, message and location."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

import pytest

from openai_rulebook.spec import ResponseValidator

METHODS = {"get", "post", "put", "patch", "delete"}


def _examples(spec: dict[str, Any]) -> Iterator[tuple[str, str, int, Any]]:
    """The example responses the spec carries in x-oaiMeta (many of which do not match its own schemas)."""
    for spec_path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            examples = (operation.get("x-oaiMeta") or {}).get("examples") or []
            for example in examples if isinstance(examples, list) else [examples]:
                try:
                    body = json.loads(example["response"])
                except (TypeError, KeyError, ValueError):
                    continue
                status = 200 if "200" in operation["responses"] else 201
                yield method, "/v1" + spec_path, status, body


def _mutations(body: Any, rng: random.Random) -> Iterator[Any]:
    """The body, then copies with one value somewhere inside replaced by a value of another type."""
    yield body
    for _ in range(8):
        mutated = copy.deepcopy(body)
        parent: Any = None
        key: Any = None
        node = mutated
        while isinstance(node, (dict, list)) and node and (parent is None or rng.random() < 0.7):
            parent, key = node, rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            node = parent[key]
        if parent is not None:
            parent[key] = rng.choice([None, 0, 1.5, True, "zz", {}, []])
            yield mutated


def test_fast_and_plain_agree_on_spec_examples(spec: dict[str, Any], validator: ResponseValidator) -> None:
    plain = ResponseValidator(spec, fast=False)
    rng = random.Random(20261125)
    compared = failing = 0
    for method, path, status, body in _examples(spec):
        for candidate in _mutations(body, rng):
            kwargs = dict(method=method, path=path, status=status, content_type="application/json", body=candidate)
            expected = plain.validate(**kwargs)
            assert validator.validate(**kwargs) == expected, (method, path)
            compared += 1
            failing += bool(expected)
    if compared == 0:
        pytest.fail("the spec carries no JSON example responses any more: this test compares nothing")
    assert 0 < failing < compared  # both verdicts were exercised
