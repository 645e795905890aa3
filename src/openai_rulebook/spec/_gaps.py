"""Known gaps: where the live API and the spec disagree and the harness sides with the live API.

Each gap patches the spec when a ``ResponseValidator`` is built (copy-on-write: the dict from ``load_spec``
is shared and never touched), so that what the live API really sends validates; messages are never filtered
after the fact. A gap whose patch finds nothing to change is not reported as applied.

Three families: what the live API does and the spec does not say (``list-page-null-cursor-ids``,
``unwrapped-error-schema``, ``file-batch-object-type``); spec drift, where the spec gives a field a type without
null and the real API sends null (``null-drift-*``: each names the recorded exchanges that show it, and the
validator reports every such null it lets through, so drift is counted, not hidden); and places where the spec,
which declares OpenAPI 3.1 (JSON Schema 2020-12), is still written in an older dialect that 2020-12 reads otherwise
than its authors meant, so that responses the live API rightly sends would fail (``openapi30-*``, ``draft2019-*``).
A few more mend the spec where it contradicts itself: a oneOf whose alternatives overlap (``input-item-one-of``,
``audio-json-one-of``), and an example the schema forbids (``fine-tuning-job-paused``, where no recording shows the
live API either way: its reason says so).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openai_rulebook.spec._editor import Parts, SpecEditor
from openai_rulebook.spec._pointer import pointer


@dataclass(frozen=True, slots=True)
class KnownGap:
    """A documented deviation of the live API from the spec."""

    id: str
    reason: str  #: why the harness sides with the live API; shown in reports
    apply: Callable[[SpecEditor], list[str]]  #: patches the spec, returns the pointers it changed
    #: real-traffic lines that show the gap: ``<family>.jsonl <source> seq <n>``
    evidence: tuple[str, ...] = ()
    #: for spec drift: the ``(component schema, property)`` pairs where the real API sends null
    nulls: tuple[tuple[str, str], ...] = ()


def _without(schema: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in schema.items() if key not in keys}


def _allow_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` that also accepts null, keeping a plain ``type`` so jsonschema's messages stay precise."""
    schema = _without(schema, "nullable")
    if "type" in schema and not any(key in schema for key in ("$ref", "allOf", "anyOf", "oneOf", "const")):
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = types if "null" in types else [*types, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    return {"anyOf": [{"type": "null"}, schema]}


def _list_page_cursor_ids(editor: SpecEditor) -> list[str]:
    changed = []
    for name, schema in editor.root.get("components", {}).get("schemas", {}).items():
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not properties or (properties.get("data") or {}).get("type") != "array":
            continue
        for field in ("first_id", "last_id"):
            field_schema = properties.get(field)
            if isinstance(field_schema, dict) and field_schema.get("type") == "string":
                parts = ("components", "schemas", name, "properties", field)
                editor.set(parts, _allow_null(field_schema))
                changed.append(pointer(parts))
    return changed


def _openapi30_nullable(editor: SpecEditor) -> list[str]:
    sites: dict[Parts, None] = {}  # ordered and deduplicated: one schema may own several nullable members
    for parts, schema in editor.schemas():
        if schema.get("nullable") is True:
            # ``allOf: [{$ref: X}, {nullable: true}]`` means "X or null": the owner of allOf is what is nullable.
            sites[parts[:-2] if len(parts) >= 2 and parts[-2] == "allOf" else parts] = None
    changed = []
    for parts in sorted(sites, key=len, reverse=True):  # deepest first: wrapping in anyOf moves what is inside
        schema = editor.get(parts)
        if "allOf" in schema:
            schema = dict(schema, allOf=[_without(m, "nullable") if isinstance(m, dict) else m for m in schema["allOf"]])
        editor.set(parts, _allow_null(schema))
        changed.append(pointer(parts))
    return changed


def _openapi30_exclusive_bounds(editor: SpecEditor) -> list[str]:
    sites = [
        parts
        for parts, schema in editor.schemas()
        if isinstance(schema.get("exclusiveMinimum"), bool) or isinstance(schema.get("exclusiveMaximum"), bool)
    ]
    for parts in sites:
        schema = editor.get(parts)  # read again: an earlier patch may have replaced it
        for exclusive, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
            flag = schema.get(exclusive)
            if isinstance(flag, bool):
                schema = _without(schema, exclusive)
                if flag and bound in schema:  # 3.0 {minimum: 0, exclusiveMinimum: true} is 3.1 {exclusiveMinimum: 0}
                    schema[exclusive] = schema.pop(bound)
        editor.set(parts, schema)
    return [pointer(parts) for parts in sites]


def _draft2019_recursive_ref(editor: SpecEditor) -> list[str]:
    sites = [
        parts
        for parts, schema in editor.schemas()
        if parts[:2] == ("components", "schemas") and ("$recursiveRef" in schema or "$recursiveAnchor" in schema)
    ]
    for parts in sites:  # children first, and a patch never moves anything: paths stay valid
        schema = editor.get(parts)
        patched = _without(schema, "$recursiveRef", "$recursiveAnchor")
        if schema.get("$recursiveRef") == "#":  # the spec has no $id: "#" is the component that holds it
            patched["$ref"] = pointer(parts[:3])
        editor.set(parts, patched)
    return [pointer(parts) for parts in sites]


_BARE_ERRORS = frozenset({"#/components/schemas/Error", "#/components/schemas/BetaError"})


def _unwrapped_error_schema(editor: SpecEditor) -> list[str]:
    changed = []
    for spec_path, item in editor.root["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, response in (operation.get("responses") or {}).items():
                if str(status)[0] not in "45" and status != "default":
                    continue
                for kind, media in (response.get("content") or {}).items():
                    if (media or {}).get("schema", {}).get("$ref") in _BARE_ERRORS:
                        parts = ("paths", spec_path, method, "responses", status, "content", kind, "schema")
                        editor.set(parts, {"$ref": "#/components/schemas/ErrorResponse"})
                        changed.append(pointer(parts))
    return changed


def _file_content_binary(editor: SpecEditor) -> list[str]:
    parts = ("paths", "/files/{file_id}/content", "get", "responses", "200", "content")
    try:
        content = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(content, dict) or "application/octet-stream" in content:
        return []
    editor.set(parts, {**content, "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}})
    return [pointer(parts)]


def _file_purpose_evals(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "OpenAIFile", "properties", "purpose")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or "evals" in schema.get("enum", ["evals"]):
        return []
    editor.set(parts, {**schema, "enum": [*schema["enum"], "evals"]})
    return [pointer(parts)]


def _property_parts(editor: SpecEditor, schema_name: str, field: str) -> tuple[Any, ...] | None:
    """Where a component's property is: under its ``properties``, or those of one of its ``allOf`` members (the
    spec's Response is an ``allOf``)."""
    base = ("components", "schemas", schema_name)
    candidates = [(*base, "properties", field)]
    try:
        members = editor.get((*base, "allOf"))
    except (KeyError, IndexError, TypeError):
        members = None
    if isinstance(members, list):
        candidates += [(*base, "allOf", index, "properties", field) for index in range(len(members))]
    for parts in candidates:
        try:
            editor.get(parts)
        except (KeyError, IndexError, TypeError):
            continue
        return parts
    return None


def _embedding_base64(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "Embedding", "properties", "embedding")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or schema.get("type") != "array":
        return []
    editor.set(parts, {"anyOf": [schema, {"type": "string", "contentEncoding": "base64"}],
                       "description": schema.get("description", "")})
    return [pointer(parts)]


def _nullable_properties(nulls: tuple[tuple[str, str], ...]) -> Callable[[SpecEditor], list[str]]:
    def apply(editor: SpecEditor) -> list[str]:
        changed = []
        for schema_name, field in nulls:
            parts = _property_parts(editor, schema_name, field)
            if parts is None:
                continue
            schema = editor.get(parts)
            if isinstance(schema, dict):
                editor.set(parts, _allow_null(schema))
                changed.append(pointer(parts))
        return changed

    return apply


def _file_batch_object_type(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "VectorStoreFileBatchObject", "properties", "object")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or "vector_store.file_batch" in schema.get("enum", ["vector_store.file_batch"]):
        return []
    editor.set(parts, {**schema, "enum": [*schema["enum"], "vector_store.file_batch"]})
    return [pointer(parts)]


def _fine_tuning_job_empty_error(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "FineTuningJob", "properties", "error")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or not isinstance(schema.get("anyOf"), list):
        return []
    editor.set(parts, {**schema, "anyOf": [*schema["anyOf"], {"type": "object", "maxProperties": 0}]})
    return [pointer(parts)]


#: a fine-tuning job create (2025-09, dd-trace-js) answering error: {} while validating_files
_DD_FINE_TUNING = ("DataDog/dd-trace-js:packages/dd-trace/test/llmobs/cassettes/openai/"
                   "openai_fine_tuning_jobs_post_c3b6e4a9.json@5735ffe7643cd9a984a8d21bde2131cc2fbe3a50")


def _null_drift(gap_id: str, schema: str, fields: tuple[str, ...], evidence: tuple[str, ...], what: str) -> KnownGap:
    nulls = tuple((schema, field) for field in fields)
    return KnownGap(
        id=gap_id,
        reason=(
            f"{schema} gives {', '.join(fields)} a type without null, but the real API sends null there ({what}); "
            "the spec's own examples show the nulls. Spec drift: each property is patched to also accept null, "
            "and every null it lets through is reported under spec_drift."
        ),
        apply=_nullable_properties(nulls),
        evidence=evidence,
        nulls=nulls,
    )


_RUBY_LLM = "crmne/ruby_llm:spec/fixtures/vcr_cassettes/"
_RUBY_LLM_COMMIT = "@fb5a49bf04da78d3e74496431ad1c99df5e7e5f0"
_EMBEDS_BATCH = (
    f"{_RUBY_LLM}batch_with_openai_text-embedding-3-small_embeddings_embeds_staged_texts_and_hydrates_each_"
    f"request_result.yml{_RUBY_LLM_COMMIT}"
)
_DOTNET_FILE_SEARCH = (
    "openai/openai-dotnet:tests/SessionRecords/ResponsesToolTests/FileSearchStreamingAsync.json"
    "@e5245b6c3f57abe5a4fb4f8eb850b4a6588cfdf7"
)
_DOTNET_FILE_BATCH = (
    "openai/openai-dotnet:tests/SessionRecords/VectorStoresTests/CanTestGetVectorStoreFilesInBatchCollectionOptions"
    ".json@b3b4bbbc31cebef0f4978071d586856360173c89"
)

_ELLMER_TOOLS = "tidyverse/ellmer:vignettes/_vcr/tool-calling-with-tool.yml@57e3d72d5dbe1a8bce4a3017b3468ad5fe3b2945"
_DOTNET_CANCEL = ("openai/openai-dotnet:tests/SessionRecords/ResponsesTests/CanCancelBackgroundResponses.json"
                  "@b3b4bbbc31cebef0f4978071d586856360173c89")

NULL_DRIFT_GAPS: tuple[KnownGap, ...] = (
    KnownGap(
        id="null-drift-response",
        reason=(
            "ModelResponseProperties gives user, and Response gives usage, a type without null, but the real API "
            "sends null there (user when none was sent, in 1,053 of 1,059 recorded creates; usage while a background "
            "response is queued or after it is cancelled, as of 2025-09). Spec drift: each property is patched to "
            "also accept null, and every null it lets through is reported under spec_drift."
        ),
        apply=_nullable_properties((("ModelResponseProperties", "user"), ("Response", "usage"))),
        evidence=(f"responses.jsonl {_ELLMER_TOOLS} seq 0", f"responses.jsonl {_DOTNET_CANCEL} seq 0"),
        nulls=(("ModelResponseProperties", "user"), ("Response", "usage")),
    ),
    _null_drift(
        "null-drift-batch", "Batch",
        ("model", "errors", "output_file_id", "error_file_id", "in_progress_at", "finalizing_at", "completed_at",
         "failed_at", "expired_at", "cancelling_at", "cancelled_at"),
        (f"batches.jsonl {_EMBEDS_BATCH} seq 5", f"batches.jsonl {_EMBEDS_BATCH} seq 7"),
        "a batch's timestamps of states it has not reached, its errors and output files before it has any, "
        "and model before validation, as of 2026-08-19",
    ),
    _null_drift(
        "null-drift-file", "OpenAIFile", ("expires_at", "status_details"),
        (f"files.jsonl {_RUBY_LLM}uploadedfile_live_uploads_openai_gpt-5-nano_reuses_an_uploaded_file_in_chat.yml"
         f"{_RUBY_LLM_COMMIT} seq 0", f"files.jsonl {_EMBEDS_BATCH} seq 0"),
        "expires_at of a file that never expires, status_details of a file without details, as of 2026-08-19",
    ),
    _null_drift(
        "null-drift-vector-store", "VectorStoreObject", ("name", "expires_after"),
        (f"vector_stores.jsonl {_DOTNET_FILE_SEARCH} seq 1",),
        "a store created without name or expiry policy, as of 2026-03-07",
    ),
)

def _response_only_closed_objects(editor: SpecEditor) -> list[str]:
    """Drop ``additionalProperties: false`` from component schemas that only responses use (never a request)."""
    root = editor.root

    def reachable(starts: list[Any]) -> set[str]:
        names: set[str] = set()
        stack = list(starts)
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                    name = ref.rsplit("/", 1)[1]
                    if name not in names:
                        names.add(name)
                        stack.append(root["components"]["schemas"].get(name))
                stack.extend(value for key, value in node.items() if key != "$ref")
        return names

    operations = [op for item in root.get("paths", {}).values() for op in item.values() if isinstance(op, dict)]
    requests = reachable([[op.get("requestBody"), op.get("parameters")] for op in operations])
    responses = reachable([[r for status, r in (op.get("responses") or {}).items() if str(status).startswith("2")]
                           for op in operations])
    changed = []
    for name in sorted(responses - requests):
        schema = root["components"]["schemas"].get(name)
        if isinstance(schema, dict) and schema.get("additionalProperties") is False:
            parts = ("components", "schemas", name)
            editor.set(parts, _without(schema, "additionalProperties"))
            changed.append(pointer(parts))
    return changed


def _stored_chat_messages(editor: SpecEditor) -> list[str]:
    """A stored completion's message may lack ``refusal``; its messages list holds the request's messages too."""
    changed = []
    message = ("components", "schemas", "ChatCompletionResponseMessage")
    try:
        schema = editor.get(message)
    except (KeyError, IndexError, TypeError):
        return []
    if "refusal" in schema.get("required", []):
        editor.set((*message, "required"), [name for name in schema["required"] if name != "refusal"])
        changed.append(pointer((*message, "required")))
    items = ("components", "schemas", "ChatCompletionMessageList", "properties", "data", "items", "allOf", 0)
    try:
        first = editor.get(items)
    except (KeyError, IndexError, TypeError):
        return changed
    if first == {"$ref": "#/components/schemas/ChatCompletionResponseMessage"}:
        relaxed = editor.get(message)
        editor.set(items, {**relaxed, "properties": {**relaxed["properties"], "role": {
            "type": "string", "enum": ["developer", "system", "user", "assistant", "tool", "function"]}}})
        changed.append(pointer(items))
    return changed


def _speech_audio_types(editor: SpecEditor) -> list[str]:
    parts = ("paths", "/audio/speech", "post", "responses", "200", "content")
    try:
        content = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    binary = {"schema": {"type": "string", "format": "binary"}}
    added = {media: binary for media in SPEECH_AUDIO_TYPES if media not in content}
    if not added:
        return []
    editor.set(parts, {**content, **added})
    return [pointer(parts)]


#: the plain JSON form of each audio operation's 200 (only ``text`` is required, and it is open)
_AUDIO_PLAIN_JSON = (("/audio/transcriptions", "CreateTranscriptionResponseJson"),
                     ("/audio/translations", "CreateTranslationResponseJson"))


def _audio_text_formats(editor: SpecEditor) -> list[str]:
    changed = []
    for spec_path, _ in _AUDIO_PLAIN_JSON:
        parts = ("paths", spec_path, "post", "responses", "200", "content")
        try:
            content = editor.get(parts)
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(content, dict) and "text/plain" not in content:
            editor.set(parts, {**content, "text/plain": {"schema": {"type": "string"}}})
            changed.append(pointer(parts))
    return changed


def _audio_json_one_of(editor: SpecEditor) -> list[str]:
    """The plain form excludes ``duration``, which every richer form (verbose, diarized) requires: then exactly one
    alternative matches, as oneOf means, and a verbose body is still held to the verbose schema (read as anyOf,
    any body with a text would pass as the plain form)."""
    changed = []
    for spec_path, plain in _AUDIO_PLAIN_JSON:
        parts = ("paths", spec_path, "post", "responses", "200", "content", "application/json", "schema", "oneOf")
        try:
            members = editor.get(parts)
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(members, list):
            continue
        for index, member in enumerate(members):
            if member == {"$ref": f"#/components/schemas/{plain}"}:
                editor.set((*parts, index), {**member, "not": {"required": ["duration"]}})
                changed.append(pointer((*parts, index)))
    return changed


def _fine_tuning_job_paused(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "FineTuningJob", "properties", "status")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or "paused" in schema.get("enum", ["paused"]):
        return []
    editor.set(parts, {**schema, "enum": [*schema["enum"], "paused"]})
    return [pointer(parts)]


def _not_required(entries: tuple[tuple[Parts, tuple[str, ...]], ...]) -> Callable[[SpecEditor], list[str]]:
    """Drop members from the ``required`` list of the schema at each pointer."""

    def apply(editor: SpecEditor) -> list[str]:
        changed = []
        for parts, members in entries:
            try:
                schema = editor.get(parts)
            except (KeyError, IndexError, TypeError):
                continue
            required = schema.get("required") if isinstance(schema, dict) else None
            if isinstance(required, list) and set(members) & set(required):
                editor.set((*parts, "required"), [name for name in required if name not in members])
                changed.append(pointer((*parts, "required")))
        return changed

    return apply


def _stream_media_type(operations: tuple[tuple[str, str], ...]) -> Callable[[SpecEditor], list[str]]:
    """Document ``text/event-stream`` (any body: the stream checkers judge events) beside an operation's JSON 200."""

    def apply(editor: SpecEditor) -> list[str]:
        changed = []
        for spec_path, method in operations:
            parts = ("paths", spec_path, method, "responses", "200", "content")
            try:
                content = editor.get(parts)
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(content, dict) and "text/event-stream" not in content:
                editor.set(parts, {**content, "text/event-stream": {"schema": {"type": "string"}}})
                changed.append(pointer(parts))
        return changed

    return apply


def _input_item_any_of(editor: SpecEditor) -> list[str]:
    parts = ("components", "schemas", "InputItem")
    try:
        schema = editor.get(parts)
    except (KeyError, IndexError, TypeError):
        return []
    if not isinstance(schema, dict) or "oneOf" not in schema:
        return []
    editor.set(parts, {**_without(schema, "oneOf"), "anyOf": schema["oneOf"]})
    return [pointer(parts)]


#: every category the moderation results name (the list grew from 2023 to the omni models)
MODERATION_CATEGORIES = ("harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
                         "illicit/violent", "self-harm", "self-harm/intent", "self-harm/instructions", "sexual",
                         "sexual/minors", "violence", "violence/graphic")
_MCP_APPROVAL = ("components", "schemas", "MCPTool", "properties", "require_approval", "anyOf", 0, "oneOf", 0,
                 "properties")


def _mcp_approval_nulls(editor: SpecEditor) -> list[str]:
    changed = []
    for name in ("always", "never"):
        parts = (*_MCP_APPROVAL, name)
        try:
            schema = editor.get(parts)
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(schema, dict) and "anyOf" not in schema:
            editor.set(parts, _allow_null(schema))
            changed.append(pointer(parts))
    return changed


_DD_JS = "DataDog/dd-trace-js:packages/dd-trace/test/llmobs/cassettes/openai/"
_DD_JS_COMMIT = "@5735ffe7643cd9a984a8d21bde2131cc2fbe3a50"
_CHAT = ("components", "schemas", "CreateChatCompletionResponse")
_COMPLETION = ("components", "schemas", "CreateCompletionResponse")
_MODERATION = ("components", "schemas", "CreateModerationResponse", "properties", "results", "items")

#: the model endpoints' responses as recorded (chat, completions, responses, moderations): the spec describes the
#: newest shapes; recordings of the same operations made before a member existed lack it
MODEL_RESPONSE_GAPS: tuple[KnownGap, ...] = (
    _null_drift(
        "null-drift-chat-completion", "CreateChatCompletionResponse", ("system_fingerprint",),
        ("chat.jsonl AgentOps-AI/agentops:tests/fixtures/recordings/test_autogen.yaml"
         "@e520cc3927e51a06e34dd8a45c57cfccd1ffd472 seq 4",),
        "a completion served without a fingerprint, in 568 recorded creates from 2024-02 to 2026-07",
    ),
    _null_drift(
        "null-drift-response-text-format", "TextResponseFormatJsonSchema", ("description",),
        (f"responses.jsonl {_DD_JS}openai_responses_post_233e177b.json{_DD_JS_COMMIT} seq 0",),
        "a JSON schema format given without a description, echoed in 124 recorded creates from 2025-07 to 2026-08",
    ),
    _null_drift(
        "null-drift-mcp-tool", "MCPTool", ("server_description",),
        ("responses.jsonl activeagents/activeagent:test/fixtures/vcr_cassettes/docs/actions/mcps/multiple_servers.yml"
         "@a76142897fc61fe7a6f53d28b030fff35a46c3d6 seq 0",),
        "an MCP tool given without a server description, echoed, from 2025-11 to 2026-05",
    ),
    KnownGap(  # not counted as drift: the validator reports drift only where a component is used directly
        id="null-drift-mcp-tool-filter",
        reason=("MCPToolFilter gives read_only a type without null, but the real API echoes null for a filter "
                "given without read_only (as of 2025-09-26); it also accepts null."),
        apply=_nullable_properties((("MCPToolFilter", "read_only"),)),
        evidence=("responses.jsonl openai/openai-dotnet:tests/SessionRecords/ResponsesToolTests/"
                  "MCPToolWithAllowedTools.json@b3b4bbbc31cebef0f4978071d586856360173c89 seq 0",),
    ),
    KnownGap(
        id="mcp-approval-null",
        reason=(
            "An MCP tool's require_approval object gives always and never an MCPToolFilter, but the real API "
            "echoes the one not given as null; each also accepts null."
        ),
        apply=_mcp_approval_nulls,
        evidence=("responses.jsonl openai/openai-dotnet:tests/SessionRecords/ResponsesToolTests/"
                  "MCPToolAlwaysRequiresApproval(False).json@b3b4bbbc31cebef0f4978071d586856360173c89 seq 0",),
    ),
    KnownGap(
        id="model-responses-older-members",
        reason=(
            "The spec requires members the API added over time, and recordings made before them lack them: a "
            "chat choice's logprobs and finish_reason (2023-2024 creates), a completion choice's logprobs and "
            "usage.completion_tokens, Responses usage.input_tokens_details.cache_write_tokens (absent from every "
            "recording, 2025-03 to 2026-07), an output_text part's logprobs (2025-03 to 2025-06), and moderation "
            "categories that did not exist yet (self-harm/intent and harassment before 2023-06, illicit and "
            "category_applied_input_types before the omni models). They are no longer required; their types still "
            "hold where they are sent."
        ),
        apply=_not_required((
            ((*_CHAT, "properties", "choices", "items"), ("logprobs", "finish_reason")),
            ((*_COMPLETION, "properties", "choices", "items"), ("logprobs",)),
            (("components", "schemas", "CompletionUsage"), ("completion_tokens",)),
            (("components", "schemas", "ResponseUsage", "properties", "input_tokens_details"),
             ("cache_write_tokens",)),
            (("components", "schemas", "OutputTextContent"), ("logprobs",)),
            (_MODERATION, ("category_applied_input_types",)),
            ((*_MODERATION, "properties", "categories"), MODERATION_CATEGORIES),
            ((*_MODERATION, "properties", "category_scores"), MODERATION_CATEGORIES),
        )),
        evidence=(f"chat.jsonl {_DD_JS}openai_chat_completions_post_781929fc.json{_DD_JS_COMMIT} seq 0",
                  f"responses.jsonl {_DD_JS}openai_responses_post_01aba65f.json{_DD_JS_COMMIT} seq 0",
                  f"moderations.jsonl {_DD_JS}openai_moderations_post_532b3315.json{_DD_JS_COMMIT} seq 0",
                  "completions.jsonl DataDog/dd-trace-py:tests/cassettes/openai/openai_completions_post_2dbdd8b1.json"
                  "@3bb9ecda22830e3303b18b0ffa5abe7586aef6a7 seq 0"),
    ),
    KnownGap(
        id="model-streams-undocumented",
        reason=(
            "createCompletion documents only application/json, and getResponse too, but with stream: true (a "
            "query parameter for getResponse) both answer text/event-stream, as createChatCompletion and "
            "createResponse document. The media type is added; the stream checkers judge the events."
        ),
        apply=_stream_media_type((("/completions", "post"), ("/responses/{response_id}", "get"))),
        evidence=(f"completions.jsonl {_DD_JS}openai_completions_post_87f617af.json{_DD_JS_COMMIT} seq 0",
                  "responses.jsonl openai/openai-dotnet:tests/SessionRecords/ResponsesTests/"
                  "CanUseStreamingBackgroundResponses.json@b52c9e3b9c7c0006234ee5447e0be38056258184 seq 2"),
    ),
    KnownGap(
        id="input-item-one-of",
        reason=(
            "InputItem is a oneOf of EasyInputMessage and Item, but a message such as {type: message, role: "
            "developer, content: [...]} is valid under both, so any echoed instructions list fails oneOf; the "
            "alternatives overlap by design, so it is read as anyOf."
        ),
        apply=_input_item_any_of,
        evidence=(f"responses.jsonl DataDog/dd-trace-js:packages/dd-trace/test/llmobs/cassettes/openai/"
                  f"openai_responses_post_25bde1c7.yaml@d9599e806fffa96bd45f025238e3b45c7d1bfe9d seq 0",),
    ),
)

#: what POST /v1/audio/speech answers per response_format (real traffic: audio.jsonl)
SPEECH_AUDIO_TYPES = ("audio/mpeg", "audio/opus", "audio/aac", "audio/flac", "audio/wav", "audio/pcm")
_DOTNET_CHAT_STORE = "openai/openai-dotnet:tests/SessionRecords/ChatStoreTests/"
_DOTNET_CHAT_STORE_COMMIT = "@b3b4bbbc31cebef0f4978071d586856360173c89"

_DOTNET_TRANSCRIPTION = "openai/openai-dotnet:tests/SessionRecords/TranscriptionTests/"
_DOTNET_TRANSLATION = "openai/openai-dotnet:tests/SessionRecords/TranslationTests/"
_DOTNET_AUDIO_COMMIT = "@849cbde35efc08d9adcf2236da7159445ae668bc"

KNOWN_GAPS: tuple[KnownGap, ...] = (
    KnownGap(
        id="stored-chat-completion-message",
        reason=(
            "ChatCompletionResponseMessage requires refusal, and ChatCompletionMessageList gives each stored "
            "message that schema (role: assistant only), but the real API's stored completions (retrieve, update, "
            "list) carry messages without refusal, and a stored completion's messages list holds the request's "
            "user messages. refusal is no longer required, and the list's messages take any chat role."
        ),
        apply=_stored_chat_messages,
        evidence=(f"chat.jsonl {_DOTNET_CHAT_STORE}StoredChatCompletionsWork.json{_DOTNET_CHAT_STORE_COMMIT} seq 4",
                  f"chat.jsonl {_DOTNET_CHAT_STORE}GetChatCompletionMessagesWithAfterIdPagination.json"
                  f"{_DOTNET_CHAT_STORE_COMMIT} seq 2"),
    ),
    _null_drift(
        "null-drift-chat-message", "ChatCompletionResponseMessage", ("tool_calls", "function_call"),
        (f"chat.jsonl {_DOTNET_CHAT_STORE}StoredChatCompletionsWork.json{_DOTNET_CHAT_STORE_COMMIT} seq 4",
         "chat.jsonl openai/openai-dotnet:tests/SessionRecords/ChatStoreTests/UpdateChatCompletionWorks.json"
         "@4934d8fdc500a9fd1d2818aaea65d220725e7b26 seq 2"),
        "a stored completion's message without tool calls, retrieved, updated or listed, as of 2025-10-24",
    ),
    KnownGap(
        id="speech-audio-content-types",
        reason=(
            "createSpeech documents its audio as application/octet-stream, but the real API names the format: "
            "audio/mpeg (mp3, the default), audio/opus, audio/aac, audio/flac, audio/wav, audio/pcm. Those are "
            "added as documented media types of the same binary body."
        ),
        apply=_speech_audio_types,
        evidence=("audio.jsonl crmne/ruby_llm:spec/fixtures/vcr_cassettes/speech_basic_functionality_openai_gpt-4o-"
                  "mini-tts_can_speak.yml@fb5a49bf04da78d3e74496431ad1c99df5e7e5f0 seq 0",),
    ),
    KnownGap(
        id="audio-text-formats",
        reason=(
            "createTranscription and createTranslation offer response_format text, srt and vtt, but document their "
            "200 only as application/json (and text/event-stream); the real API answers those formats as "
            "text/plain; charset=utf-8 (the transcript, SubRip or WebVTT text), in every recording of them "
            "(2023-05 to 2025-11). text/plain is added as a documented media type holding a string."
        ),
        apply=_audio_text_formats,
        evidence=(*(f"audio.jsonl {_DOTNET_TRANSCRIPTION}TranscriptionFormatsWork(%{fmt}%).json{_DOTNET_AUDIO_COMMIT}"
                    " seq 0" for fmt in ("text", "srt", "vtt")),
                  f"audio.jsonl {_DOTNET_TRANSLATION}TranslationFormatsWork(%srt%).json{_DOTNET_AUDIO_COMMIT} seq 0",
                  "audio.jsonl DataDog/dd-trace-py:tests/contrib/openai/cassettes/atranslate.yaml"
                  "@b4eb548f03acf07ba3657e70db8cf9396f088e59 seq 0"),
    ),
    KnownGap(
        id="audio-json-one-of",
        reason=(
            "createTranscription's 200 is a oneOf of the plain, diarized and verbose JSON forms, and "
            "createTranslation's of the plain and verbose forms, but the plain form requires only text and is "
            "open, so every verbose or diarized body (which also has a text) is valid under two alternatives and "
            "fails oneOf: every recorded verbose_json and diarized_json answer does (44 transcriptions, 3 "
            "translations, 2023-05 to 2026-08). The plain alternative is patched to exclude duration, which the "
            "verbose and diarized forms require and no plain answer carries, so exactly one alternative matches "
            "and a verbose body is still held to the verbose schema."
        ),
        apply=_audio_json_one_of,
        evidence=(f"audio.jsonl {_DOTNET_TRANSCRIPTION}TimestampsWork(Default).json{_DOTNET_AUDIO_COMMIT} seq 0",
                  f"audio.jsonl {_DOTNET_TRANSLATION}TranslationFormatsWork(%verbose_json%).json"
                  f"{_DOTNET_AUDIO_COMMIT} seq 0",
                  "audio.jsonl DataDog/dd-trace-py:tests/contrib/openai/cassettes/transcribe.yaml"
                  "@b4eb548f03acf07ba3657e70db8cf9396f088e59 seq 0",
                  "audio.jsonl crmne/ruby_llm:spec/fixtures/vcr_cassettes/transcription_basic_functionality_openai_"
                  "gpt-4o-transcribe-diarize_can_transcribe_audio.yml@fb5a49bf04da78d3e74496431ad1c99df5e7e5f0 seq 0"),
    ),
    KnownGap(
        id="fine-tuning-job-paused",
        reason=(
            "The spec has pauseFineTuningJob and resumeFineTuningJob, and its own example answer to a pause says "
            "status: paused, but FineTuningJob's status enum has no 'paused', so a paused job has no valid status. "
            "No real evidence either way: no recording pauses a job (fine_tuning.jsonl, 2025-06 to 2025-09, has "
            "creates, cancels, lists, events and checkpoints only). The harness follows the spec's example and "
            "the catalog (fine_tuning.pause_resume, whose disputed text records this); 'paused' is added to the "
            "enum."
        ),
        apply=_fine_tuning_job_paused,
    ),
    KnownGap(
        id="list-page-null-cursor-ids",
        reason=(
            "An empty list page carries first_id: null and last_id: null, while many list schemas "
            "(ListVectorStoresResponse, ListFilesResponse, ChatCompletionList, ...) require them as strings. "
            "Every list page schema (a 'data' array with string first_id/last_id) is patched to allow null."
        ),
        apply=_list_page_cursor_ids,
    ),
    KnownGap(
        id="unwrapped-error-schema",
        reason=(
            "A few operations (deleteEval, createEvalRun, deleteEvalRun, deleteResponse, cancelResponse and "
            "their beta twins) document their 400/404 body as the bare Error object, but the live API wraps "
            "every error as {\"error\": {...}} (ErrorResponse), as every other operation documents. "
            "Those responses are patched to ErrorResponse."
        ),
        apply=_unwrapped_error_schema,
    ),
    KnownGap(
        id="openapi30-nullable",
        reason=(
            "The spec declares OpenAPI 3.1, where 'nullable' is no keyword and is ignored, yet about a hundred "
            "schemas still say 'nullable: true' in the 3.0 way (RunObject.started_at, RunObject.last_error, "
            "CreateChatCompletionStreamResponse.usage, ...). The live API sends null there, as the authors meant; "
            "each such schema is patched to also accept null."
        ),
        apply=_openapi30_nullable,
    ),
    KnownGap(
        id="openapi30-exclusive-bounds",
        reason=(
            "Fine-tuning hyperparameters say '{minimum: 0, exclusiveMinimum: true}' (OpenAPI 3.0: greater than 0). "
            "In 3.1 exclusiveMinimum is a number, and true reads as 1, so a job's learning_rate_multiplier of 1.0 "
            "or 0.5 would fail. Patched to the 3.1 form '{exclusiveMinimum: 0}'."
        ),
        apply=_openapi30_exclusive_bounds,
    ),
    KnownGap(
        id="draft2019-recursive-ref",
        reason=(
            "CompoundFilter nests filters with the draft 2019-09 '$recursiveRef: \"#\"', which 2020-12 ignores: "
            "the item schema becomes 'anything', so 'oneOf: [ComparisonFilter, anything]' rejects every valid "
            "comparison filter (it matches both). Patched to a '$ref' to the enclosing component schema."
        ),
        apply=_draft2019_recursive_ref,
    ),
    KnownGap(
        id="file-content-binary",
        reason=(
            "GET /v1/files/{file_id}/content documents a 200 of application/json holding a string, but the live "
            "API sends the file's bytes as they were uploaded, with Content-Type application/octet-stream (the "
            "SDKs return a binary response for it). application/octet-stream is added as a documented media type."
        ),
        apply=_file_content_binary,
    ),
    KnownGap(
        id="file-purpose-evals",
        reason=(
            "CreateFileRequest accepts purpose 'evals', but the OpenAIFile object's purpose enum lacks it, so the "
            "file an upload with purpose evals creates has no valid purpose in the response schema. 'evals' is "
            "added to OpenAIFile.purpose (the catalog's files.purpose_values records the dispute)."
        ),
        apply=_file_purpose_evals,
    ),
    KnownGap(
        id="file-batch-object-type",
        reason=(
            "VectorStoreFileBatchObject.object is documented as 'always vector_store.file_batch' but enumerated as "
            "'vector_store.files_batch'; every recorded response (2025-09-16 to 2025-10-30) says "
            "'vector_store.file_batch'. The description and the API win: the value is added to the enum "
            "(the catalog's vector_store_file_batches.object_type records the dispute)."
        ),
        apply=_file_batch_object_type,
        evidence=(f"vector_stores.jsonl {_DOTNET_FILE_BATCH} seq 4",),
    ),
    KnownGap(
        id="embedding-base64",
        reason=(
            "CreateEmbeddingRequest offers encoding_format 'base64', and the live API then answers each "
            "Embedding.embedding as a base64 string of float32 values, but the Embedding schema allows only an "
            "array of numbers (the SDKs decode the string themselves). A base64 string is added as a second form."
        ),
        apply=_embedding_base64,
        evidence=("embeddings.jsonl envoyproxy/ai-gateway:tests/internal/testopenai/cassettes/embeddings-dimensions"
                  ".yaml@c217da8a539570ba3f6014a60c2687c29a945f1f seq 0",),
    ),
    KnownGap(
        id="fine-tuning-job-empty-error",
        reason=(
            "FineTuningJob.error is documented as an error object (code, message, param required) or null, but "
            "every recorded job that has not failed (31 lines, 2025-06 to 2025-09) carries error: {}. The empty "
            "object is added to what the schema accepts."
        ),
        apply=_fine_tuning_job_empty_error,
        evidence=(f"fine_tuning.jsonl {_DD_FINE_TUNING} seq 0",),
    ),
    *NULL_DRIFT_GAPS,
    *MODEL_RESPONSE_GAPS,
    KnownGap(
        id="new-response-members",
        reason=(
            "OpenAI adds members to response objects without notice (its changelog lists them as backwards-"
            "compatible changes), so a response object the spec closes with additionalProperties: false "
            "(VectorStoreSearchResultsPage, ...) may carry more. Closed schemas no request uses are opened."
        ),
        apply=_response_only_closed_objects,
    ),
)
