"""The chat area's legal liberties: what the live API (or another compatible server) may do differently, which no
verdict may notice."""

from __future__ import annotations

from openai_rulebook.server.core.variants import Variant, register_variant

PROMPT_TOKENS_PLUS_ONE = "chat.prompt_tokens_plus_one"
CHUNK_OBFUSCATION = "chat.chunk_obfuscation"
STORED_SHAPE = "chat.stored_shape"
ASKED_MODEL_NAME = "chat.asked_model_name"

register_variant(
    Variant(PROMPT_TOKENS_PLUS_ONE, description="prompt_tokens is one more (another tokenizer, a special token), "
                                                "and total_tokens with it"),
    Variant(CHUNK_OBFUSCATION, description="every stream chunk carries an 'obfuscation' string of random length, "
                                           "as the live API's chunks do (chat.jsonl, 2025-2026)"),
    Variant(STORED_SHAPE, description="stored completions are answered as live (chat.jsonl, openai-dotnet "
                                      "ChatStoreTests): request_id, seed, top_p, temperature, penalties, tools, "
                                      "tool_choice, response_format, input_user; usage without details; messages "
                                      "with tool_calls and function_call null and no refusal or annotations"),
    Variant(ASKED_MODEL_NAME, description="'model' echoes the name asked instead of the dated snapshot"),
)
