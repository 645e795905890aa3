"""What a fine-tuning job's validation reads in its training and validation files (R05.6.1, R05.6.2, R10.1.2).

The live API reads the files after the job is created: a file it cannot train on moves the job from
``validating_files`` to ``failed`` with ``error`` (code, message, param), never to ``queued``. The reference server
reads them at create and keeps the verdict for the moment validation ends.

Chat examples are ``{"messages": [...]}`` lines; a message's ``content`` is a string or a list of parts, and only
``text`` and ``image_url`` parts are allowed (R05.6.2: no audio, no files). ``functions`` (deprecated, R10.1.2) is
still accepted beside ``tools``: what callers send is judged over recorded traffic, not here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from openai_rulebook.server.core.faults import Fault, Rules, register

TEXT_AND_IMAGE_ONLY = "fine_tuning.text_and_image_inputs_only"
FUNCTIONS_ACCEPTED = "fine_tuning.deprecated_functions_accepted"
#: content part types a training message may carry (R05.6.2)
ALLOWED_PARTS = ("text", "image_url")

register(
    Fault(
        "fine_tuning.accept_audio_and_file_parts",
        rule=TEXT_AND_IMAGE_ONLY,
        description="training messages with input_audio or file content parts pass validation; the job goes on to "
                    "queued and running",
    ),
    Fault(
        "fine_tuning.reject_functions_in_training_data",
        rule=FUNCTIONS_ACCEPTED,
        description="training examples with the deprecated functions key fail validation",
    ),
)


@dataclass(frozen=True)
class DataError:
    """Why validation failed: the job's ``error`` object."""

    code: str
    message: str
    param: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "param": self.param}


def check_training_data(rules: Rules, content: bytes | None, param: str) -> DataError | None:
    """The first reason the file cannot be trained on, or None. ``content`` None: a file too large to keep, which
    the reference server cannot read and so lets through."""
    if content is None:
        return None
    for number, raw in enumerate(content.decode("utf-8", errors="replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            return DataError("invalid_training_file", f"Line {number} of the {param} is not valid JSON.", param)
        if not isinstance(line, dict):
            return DataError("invalid_training_file", f"Line {number} of the {param} is not a JSON object.", param)
        if "functions" in line and rules.behaviour(FUNCTIONS_ACCEPTED, False, True):
            return DataError("invalid_training_file", f"Line {number} of the {param}: 'functions' is no longer "
                             "supported; use 'tools'.", param)
        bad = _disallowed_part(line)
        if bad is not None and not rules.behaviour(TEXT_AND_IMAGE_ONLY, False, True):
            return DataError(
                "invalid_training_file",
                f"Line {number} of the {param}: content parts of type {bad!r} are not supported for fine-tuning; "
                f"messages may contain {' or '.join(ALLOWED_PARTS)} parts only.",
                param,
            )
    return None


def _disallowed_part(line: dict) -> str | None:
    """The type of the first content part that is neither text nor image (chat and DPO lines alike)."""
    messages = list(line.get("messages") or [])
    if isinstance(line.get("input"), dict):  # DPO: {"input": {"messages": [...]}, "preferred_output": [...]}
        messages += line["input"].get("messages") or []
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            for part in content:
                kind = part.get("type") if isinstance(part, dict) else None
                if kind not in ALLOWED_PARTS:
                    return str(kind)
    return None
