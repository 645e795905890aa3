"""Stored chat completions: what a create with ``store: true`` keeps, and how it is answered later.

Only completions created with ``store: true`` are kept (R07.11); only their ``metadata`` changes (R07.12.2). The
request's messages are kept for ``GET .../messages`` as real traffic shows them (``id`` = completion id + ``-`` +
position, ``role``, ``content``, ``content_parts`` for array contents, ``name``), minus image inputs over 8 MB
(R11.4).
"""

from __future__ import annotations

import base64
import binascii
import copy
from hashlib import blake2b
from dataclasses import dataclass, field
from typing import Any

from openai_rulebook.server.chat.variants import STORED_LIKE_CREATED
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.scripted_model import message_text

STORED_ONLY = "chat.stored_completions_only"
LARGE_IMAGES = "chat.store_large_images_dropped"
KIND = "chat_completions"
#: image inputs over this many bytes are not stored (R11.4: "over 8MB")
MAX_IMAGE_BYTES = 8 * 1024 * 1024

register(
    Fault("chat.store_every_completion", rule=STORED_ONLY,
          description="completions created without store: true are stored (found, listed, updated, deleted) too"),
    Fault("chat.store_large_images", rule=LARGE_IMAGES,
          description="image inputs over 8 MB are kept in a stored completion's messages"),
)

#: the request parameters a stored completion echoes (real traffic, openai-dotnet ChatStoreTests, Sep-Oct 2025)
_ECHOED = {"top_p": 1.0, "temperature": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0,
           "tools": None, "tool_choice": None, "response_format": None}


@dataclass
class StoredMessage:
    id: str
    #: its position in the request: messages of one completion share a second, so they are listed by position
    created_at: int
    role: str
    content: str
    content_parts: list[dict[str, Any]] | None
    name: str | None

    def render(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "content": self.content, "content_parts": self.content_parts,
                "name": self.name}


@dataclass
class StoredCompletion:
    id: str
    created_at: int
    #: the model as asked, and as answered (a dated snapshot)
    asked_model: str
    completion: dict[str, Any]
    request: dict[str, Any]
    metadata: dict[str, Any]
    messages: list[StoredMessage] = field(default_factory=list)

    def render(self, rules: Rules) -> dict[str, Any]:
        body = {**copy.deepcopy(self.completion), "metadata": dict(self.metadata)}
        # live answers a stored completion in its own shape (chat.jsonl, openai-dotnet ChatStoreTests, Sep-Oct
        # 2025): the request's parameters echoed, usage without details, messages with tool_calls and function_call
        # null and no refusal or annotations; a variant answers it as the create did
        rules.variants.note(STORED_LIKE_CREATED)
        if STORED_LIKE_CREATED in rules.variants:
            return body
        for choice in body.get("choices", []):
            message = choice.get("message", {})
            message.pop("refusal", None)
            message.pop("annotations", None)
            message.setdefault("tool_calls", None)
            message["function_call"] = None
        usage = body.get("usage") or {}
        body["usage"] = {key: usage.get(key) for key in ("total_tokens", "completion_tokens", "prompt_tokens")}
        body["request_id"] = "req_" + self.id.rsplit("-", 1)[-1][:24]
        body["input_user"] = self.request.get("user")
        body.update({name: self.request.get(name, default) for name, default in _ECHOED.items()})
        # the seed the completion was sampled with: the one sent, else one drawn (here: derived from the id)
        drawn = int.from_bytes(blake2b(self.id.encode(), digest_size=8).digest(), "big", signed=True)
        body["seed"] = self.request.get("seed") if isinstance(self.request.get("seed"), int) else drawn
        return body


def image_bytes(part: dict[str, Any]) -> int | None:
    """The size of an image part's data (a base64 data URL), None for a URL the server cannot size."""
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        return None
    encoded = url.split(",", 1)[1]
    try:
        return len(base64.b64decode(encoded, validate=False))
    except (binascii.Error, ValueError):
        return len(encoded) * 3 // 4


def _kept_parts(content: Any, rules: Rules) -> list[dict[str, Any]] | None:
    if not isinstance(content, list):
        return None
    kept = []
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "image_url":
            size = image_bytes(part)
            if size is not None and size > MAX_IMAGE_BYTES and rules.behaviour(LARGE_IMAGES, True, False):
                continue
        if part.get("type") in ("text", "image_url"):
            kept.append(part)
    return kept


def stored_messages(completion_id: str, messages: list[Any], rules: Rules) -> list[StoredMessage]:
    return [StoredMessage(f"{completion_id}-{index}", index, str(message.get("role")),
                          message_text(message.get("content")), _kept_parts(message.get("content"), rules),
                          message.get("name") if isinstance(message.get("name"), str) else None)
            for index, message in enumerate(messages) if isinstance(message, dict)]


def keeps(body: dict[str, Any], rules: Rules) -> bool:
    """Whether a create is stored: only with ``store: true``."""
    return rules.behaviour(STORED_ONLY, body.get("store") is True, True)
