"""What a rule's tests cost on the live API, measured on a recording: each exchange priced by what it used.

A cassette set recorded from the reference server holds, per test, every request and its answer; the scripted model
reports token ``usage`` as the real API does, so a 200 with usage is priced at its model's per-token rates (a chat or
completions stream without a usage chunk by its text chunks and its request's words), a media endpoint at its flat
rate, and a rejection (4xx) at nothing (the API bills no work it refused). A test's cost is
shared evenly among the rules it checks. ``rulebook plan --measure-from DIR --write`` puts the result in the
catalog as each paying rule's ``cost_usd``.

The prices are the official pricing page's standard (non-batch) rates, USD, noted when the table was written; they
move, so the estimates are rough by design: the plan says what order of money a run puts at stake.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: USD per million tokens: (input, output); the embeddings models bill input only
TOKEN_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40), "gpt-4.1": (2.00, 8.00), "gpt-3.5-turbo": (0.50, 1.50),
    "o4-mini": (1.10, 4.40), "o3-mini": (1.10, 4.40), "o3": (2.00, 8.00), "o1": (15.00, 60.00),
    "gpt-5": (1.25, 10.00), "gpt-5-mini": (0.25, 2.00), "gpt-5-nano": (0.05, 0.40), "gpt-5-pro": (15.00, 120.00),
    "gpt-3.5-turbo-instruct": (1.50, 2.00), "davinci-002": (2.00, 2.00), "babbage-002": (0.40, 0.40),
    "text-embedding-3-small": (0.02, 0.0), "text-embedding-3-large": (0.13, 0.0),
    "text-embedding-ada-002": (0.10, 0.0),
    # gpt-image-1: text input, image output tokens
    "gpt-image-1": (5.00, 40.00), "gpt-image-1-mini": (2.00, 8.00),
    "gpt-4o-transcribe": (2.50, 10.00), "gpt-4o-mini-transcribe": (1.25, 5.00), "gpt-4o-mini-tts": (0.60, 12.00),
}
#: what an accepted request to an endpoint costs when its answer carries no token usage (USD): the smallest image,
#: a few seconds of audio, a few words of speech; moderations and the free endpoints cost nothing
FLAT_PRICES: dict[str, float] = {
    "/v1/images/generations": 0.016, "/v1/images/edits": 0.016, "/v1/images/variations": 0.016,
    "/v1/audio/transcriptions": 0.0003, "/v1/audio/translations": 0.0003, "/v1/audio/speech": 0.0005,
    "/v1/fine_tuning/jobs": 0.01,
}
_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def _model_price(model: object) -> tuple[float, float] | None:
    if not isinstance(model, str):
        return None
    return TOKEN_PRICES.get(model) or TOKEN_PRICES.get(_DATED.sub("", model))


def _tokens(usage: Mapping[str, Any]) -> tuple[int, int]:
    def number(*names: str) -> int:
        for name in names:
            value = usage.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return 0

    return number("prompt_tokens", "input_tokens"), number("completion_tokens", "output_tokens")


def _json(text: object) -> Any:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _sent_text(request_body: Any) -> str:
    """The words a chat or completions request sends: its messages' text contents, or its prompt."""
    sent = _json(request_body)
    if not isinstance(sent, dict):
        return ""
    prompt = sent.get("prompt")
    texts = [prompt] if isinstance(prompt, str) else [p for p in prompt if isinstance(p, str)] \
        if isinstance(prompt, list) else []
    for message in sent.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        texts.extend([content] if isinstance(content, str) else [part.get("text", "") for part in content or []
                                                                if isinstance(part, dict)])
    return "\n".join(text for text in texts if isinstance(text, str))


def _stream_usage(text: str, request_body: Any = None) -> tuple[Any, Any]:
    """The model and the last usage an SSE body reports (chat's usage chunk, Responses' completed event). A chat or
    completions stream without a usage chunk (no ``include_usage``) is counted: a token per chunk with text (the
    scripted model streams a token a chunk) and the request's words by the bundled tokenizer."""
    model, usage, pieces = None, None, 0
    for line in text.splitlines():
        if not line.startswith("data:"):
            continue
        payload = _json(line[5:].strip())
        if not isinstance(payload, dict):
            continue
        inner = payload.get("response") if isinstance(payload.get("response"), dict) else payload
        model = inner.get("model") or model
        usage = inner.get("usage") if isinstance(inner.get("usage"), dict) else usage
        for choice in inner.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) and isinstance(choice.get("delta"), dict) else {}
            piece = delta.get("content") or delta.get("tool_calls") or (
                choice.get("text") if isinstance(choice, dict) else None)
            pieces += 1 if piece else 0
    if usage is None and pieces:
        from openai_rulebook.server.core.tokens import count

        usage = {"prompt_tokens": count(_sent_text(request_body)), "completion_tokens": pieces}
    return model, usage


def exchange_cost(path: str, status: int, request_body: Any, response_text: str) -> float:
    """What one recorded exchange would cost live: nothing unless accepted; then its usage priced, or a flat rate."""
    if not 200 <= status < 300:
        return 0.0
    body = _json(response_text)
    model, usage = (body.get("model"), body.get("usage")) if isinstance(body, dict) else _stream_usage(
        response_text, request_body)
    sent = _json(request_body)
    if model is None and isinstance(sent, dict):
        model = sent.get("model")
    price = _model_price(model)
    if price is not None and isinstance(usage, dict):
        tokens_in, tokens_out = _tokens(usage)
        return (tokens_in * price[0] + tokens_out * price[1]) / 1_000_000
    return FLAT_PRICES.get(path.rstrip("/"), 0.0)


def cassette_cost(path: Path) -> float:
    """The cost of every exchange a cassette holds."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    total = 0.0
    for interaction in document.get("interactions") or []:
        request, response = interaction.get("request") or {}, interaction.get("response") or {}
        body = response.get("body") or {}
        text = body.get("string") if isinstance(body, dict) else body
        total += exchange_cost(urlsplit(str(request.get("uri", ""))).path,
                               int((response.get("status") or {}).get("code") or 0), request.get("body"),
                               text if isinstance(text, str) else (text or b"").decode("utf-8", "replace"))
    return total


def rule_costs(tests: Mapping[str, Iterable[str]], cassette_of: Mapping[str, Path]) -> dict[str, float]:
    """Each rule's share of its tests' costs: ``tests`` maps a test's node id to its rules, ``cassette_of`` to its
    cassette (a test with no cassette costs nothing: it sent nothing)."""
    costs: dict[str, float] = defaultdict(float)
    for nodeid, rules in tests.items():
        rules = list(rules)
        path = cassette_of.get(nodeid)
        if not rules or path is None or not path.is_file():
            continue
        share = cassette_cost(path) / len(rules)
        for rule in rules:
            costs[rule] += share
    return dict(costs)


def rounded(usd: float) -> float:
    """An estimate worth writing: two significant digits, at least a millionth of a dollar when not nothing."""
    if usd <= 0:
        return 0.0
    return float(f"{max(usd, 1e-6):.2g}")


def decimal(usd: float) -> str:
    """``usd`` without an exponent: YAML 1.1 (PyYAML) reads ``1e-06`` as a string."""
    return f"{usd:.10f}".rstrip("0").rstrip(".") or "0"


def write_costs(catalog_files: Iterable[Path], costs: Mapping[str, float]) -> list[str]:
    """Set ``cost_usd`` of the rules named in ``costs``, in place, keeping each file's text as written: a line
    after the rule's ``tier:`` (replacing an earlier estimate). Returns the ids written."""
    written: list[str] = []
    rule_start = re.compile(r"^  - id: (\S+)\s*$")
    for path in catalog_files:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        out: list[str] = []
        current: str | None = None
        for line in lines:
            match = rule_start.match(line)
            if match:
                current = match.group(1)
            if current in costs and line.startswith("    cost_usd:"):
                continue  # replaced below, after tier
            out.append(line)
            if current in costs and line.startswith("    tier:"):
                out.append(f"    cost_usd: {decimal(rounded(costs[current]))}\n")
                written.append(current)
        text = "".join(out)
        if text != "".join(lines):
            path.write_text(text, encoding="utf-8")
    return written
