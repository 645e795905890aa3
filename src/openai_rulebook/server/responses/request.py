"""What a Responses request may hold, as the official spec says (CreateResponse; getResponse's query), less what a
catalog rule judges in its own check (``routes.py``): the ranges of temperature, top_p, top_logprobs and
max_output_tokens, the include values, safety_identifier's length, metadata. Those members are held to their types
here (metadata not at all: the metadata rules' check has it), the rest to everything the spec's schema says. What
rules say beyond the schema (reasoning.effort per model, json_object's mention of JSON, a previous response that
exists) is checked after this, under those rules.

``input`` and ``tools`` are held to their shapes, not to everything each of the dozens of item and tool kinds the
spec lists may hold: an input item or a tool is an object of a kind the spec names, a message has a known role and
a string or an array of parts, a function tool a name. Unknown top-level members pass: the spec does not forbid
them, and the API grows.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.request_schema import URI, RequestSchema, enum, nullable

#: the spec's IncludeEnum: the values ``include`` takes (responses.include_values judges them on create)
INCLUDE = ("file_search_call.results", "web_search_call.results", "web_search_call.action.sources",
           "message.input_image.image_url", "computer_call_output.output.image_url", "code_interpreter_call.outputs",
           "reasoning.encrypted_content", "message.output_text.logprobs")
#: the spec's ReasoningEffort
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh", "max")
TRUNCATIONS = ("auto", "disabled")
#: the ``type`` of an input item (InputItem: EasyInputMessage, Item, ItemReferenceParam and the rest of its oneOf)
INPUT_ITEM_TYPES = (
    "additional_tools", "apply_patch_call", "apply_patch_call_output", "code_interpreter_call", "compaction",
    "compaction_trigger", "computer_call", "computer_call_output", "custom_tool_call", "custom_tool_call_output",
    "file_search_call", "function_call", "function_call_output", "image_generation_call", "item_reference",
    "local_shell_call", "local_shell_call_output", "mcp_approval_request", "mcp_approval_response", "mcp_call",
    "mcp_list_tools", "message", "program", "program_output", "reasoning", "shell_call", "shell_call_output",
    "tool_search_call", "tool_search_output", "web_search_call")
#: the ``type`` of a tool (Tool's oneOf)
TOOL_TYPES = (
    "apply_patch", "code_interpreter", "computer", "computer_use_preview", "custom", "file_search", "function",
    "image_generation", "local_shell", "mcp", "namespace", "programmatic_tool_calling", "shell", "tool_search",
    "web_search", "web_search_2025_08_26", "web_search_preview", "web_search_preview_2025_03_11")

STRING, INTEGER, NUMBER, BOOLEAN = ({"type": kind} for kind in ("string", "integer", "number", "boolean"))
OBJECT: dict[str, Any] = {"type": "object"}


def _typed(kind: str, required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """An object whose ``type`` is ``kind``, with its required members and their schemas."""
    return {"if": {"properties": {"type": {"const": kind}}, "required": ["type"]},
            "then": {"required": list(required), "properties": properties}}


def _kinds(*kinds: str, extra: tuple[dict[str, Any], ...] = ()) -> dict[str, Any]:
    """An object with a ``type`` among ``kinds`` (the spec's oneOf of objects told apart by ``type``)."""
    return {"type": "object", "required": ["type"], "properties": {"type": enum(*kinds)}, "allOf": list(extra)}


_TEXT_FORMAT = _kinds("text", "json_object", "json_schema", extra=(
    _typed("json_schema", ("name", "schema"), name=STRING, schema=OBJECT, description=STRING,
           strict=nullable(BOOLEAN)),))
_TOOL_CHOICE = {"anyOf": [enum("none", "auto", "required"), _kinds(
    "allowed_tools", "file_search", "web_search_preview", "computer", "computer_use_preview", "computer_use",
    "web_search_preview_2025_03_11", "image_generation", "code_interpreter", "function", "mcp", "custom",
    "programmatic_tool_calling", "apply_patch", "shell", extra=(
        _typed("allowed_tools", ("mode", "tools"), mode=enum("auto", "required"),
               tools={"type": "array", "items": OBJECT}),
        _typed("function", ("name",), name=STRING),
        _typed("custom", ("name",), name=STRING),
        _typed("mcp", ("server_label",), server_label=STRING, name=nullable(STRING)),
    ))]}
_MESSAGE = {"if": {"anyOf": [{"required": ["role"]}, {"properties": {"type": {"const": "message"}},
                                                      "required": ["type"]}]},
            "then": {"required": ["role", "content"], "properties": {
                "role": enum("user", "assistant", "system", "developer"),
                "content": {"anyOf": [STRING, {"type": "array", "items": {
                    "type": "object", "required": ["type"], "properties": {"type": STRING}}}]}}}}
# an item reference may say type null
_INPUT_ITEM = {"type": "object", "properties": {"type": nullable(enum(*INPUT_ITEM_TYPES))}, "allOf": [_MESSAGE]}
_TOOL = {"type": "object", "required": ["type"], "properties": {"type": enum(*TOOL_TYPES)}, "allOf": [
    _typed("function", ("name",), name=STRING, description=nullable(STRING), parameters=nullable(OBJECT),
           strict=nullable(BOOLEAN))]}
#: a prompt template's variables: strings or input parts (InputTextContent, InputImageContent, InputFileContent)
_BREAKPOINT = {"type": "object", "required": ["mode"], "properties": {"mode": enum("explicit")}}
_VARIABLES = nullable({"type": "object", "additionalProperties": {"anyOf": [STRING, _kinds(
    "input_text", "input_image", "input_file", extra=(
        _typed("input_text", ("text",), text=STRING, prompt_cache_breakpoint=_BREAKPOINT),
        _typed("input_image", ("detail",), detail=enum("low", "high", "auto", "original"), image_url=nullable(URI),
               file_id=nullable(STRING), prompt_cache_breakpoint=_BREAKPOINT),
        _typed("input_file", (), file_id=nullable(STRING), filename=STRING, file_data=STRING, file_url=URI,
               detail=enum("auto", "low", "high"), prompt_cache_breakpoint=_BREAKPOINT),
    ))]}})
_MODERATION_CONFIG = nullable({"type": "object", "required": ["mode"], "properties": {"mode": enum("score", "block")}})

CREATE = RequestSchema({
    "type": "object",
    "properties": {
        "model": STRING,
        "input": {"anyOf": [STRING, {"type": "array", "items": _INPUT_ITEM}]},
        "instructions": nullable(STRING),
        "previous_response_id": nullable(STRING),
        "conversation": nullable({"anyOf": [STRING, {"type": "object", "required": ["id"],
                                                     "properties": {"id": STRING}}]}),
        "prompt": nullable({"type": "object", "required": ["id"], "properties": {
            "id": STRING, "version": nullable(STRING), "variables": _VARIABLES}}),
        "tools": {"type": "array", "items": _TOOL},
        "tool_choice": _TOOL_CHOICE,
        "parallel_tool_calls": nullable(BOOLEAN),
        "max_tool_calls": nullable(INTEGER),
        "text": {"type": "object", "properties": {"format": _TEXT_FORMAT,
                                                  "verbosity": nullable(enum("low", "medium", "high"))}},
        "reasoning": nullable({"type": "object", "properties": {
            "mode": STRING,
            "effort": nullable(enum(*EFFORTS)),
            "summary": nullable(enum("auto", "concise", "detailed")),
            "context": nullable(enum("auto", "current_turn", "all_turns")),
            "generate_summary": nullable(enum("auto", "concise", "detailed")),
        }}),
        "include": nullable({"type": "array", "items": STRING}),  # the values: responses.include_values
        "max_output_tokens": nullable(INTEGER),  # the minimum: responses.max_output_tokens_min
        "temperature": nullable(NUMBER),  # the range: responses.temperature_range
        "top_p": nullable(NUMBER),  # the range: responses.top_p_range
        "top_logprobs": nullable(INTEGER),  # the range: responses.top_logprobs_range
        "truncation": nullable(enum(*TRUNCATIONS)),
        "service_tier": nullable(enum("auto", "default", "flex", "scale", "priority", "fast", "ultrafast")),
        "store": nullable(BOOLEAN),
        "background": nullable(BOOLEAN),
        "stream": nullable(BOOLEAN),
        "stream_options": nullable({"type": "object", "properties": {"include_obfuscation": BOOLEAN}}),
        "user": STRING,
        "safety_identifier": nullable(STRING),  # the length: chat.safety_identifier_length
        "prompt_cache_key": nullable(STRING),
        "prompt_cache_retention": nullable(enum("in_memory", "24h")),
        "prompt_cache_options": {"type": "object", "properties": {"ttl": enum("30m"),
                                                                  "mode": enum("implicit", "explicit")}},
        "context_management": nullable({"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["type"], "properties": {
                "type": STRING, "compact_threshold": nullable({"type": "integer", "minimum": 1000})}}}),
        "moderation": nullable({"type": "object", "required": ["model"], "properties": {
            "model": STRING, "policy": nullable({"type": "object", "properties": {
                "input": _MODERATION_CONFIG, "output": _MODERATION_CONFIG}})}}),
    },
})


def check_create(body: dict[str, Any]) -> None:
    """Refuse a create whose members break the spec's request schema (400 naming the member)."""
    CREATE.check(body)


def check_retrieve_query(query: Any) -> None:
    """GET /v1/responses/{response_id}'s query: ``include`` values of the IncludeEnum (``include`` or, as the SDK
    sends it, ``include[]``), booleans ``stream`` and ``include_obfuscation``, an integer ``starting_after``."""
    for name in ("include", "include[]"):
        for value in query.getlist(name):
            if value not in INCLUDE:
                raise APIError(400, f"Invalid value: '{value}'. Supported values are: "
                                    f"{', '.join(repr(known) for known in INCLUDE)}.", param="include",
                               code="invalid_value")
    for name in ("stream", "include_obfuscation"):
        value = query.get(name)
        if value is not None and value not in ("true", "false"):
            raise APIError(400, f"Invalid type for '{name}': expected a boolean, but got '{value}' instead.",
                           param=name, code="invalid_type")
    value = query.get("starting_after")
    if value is not None and not value.lstrip("-").isdigit():
        raise APIError(400, f"Invalid type for 'starting_after': expected an integer, but got '{value}' instead.",
                       param="starting_after", code="invalid_type")
