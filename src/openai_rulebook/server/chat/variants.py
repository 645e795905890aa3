"""The chat area's legal liberties: what the live API (or another compatible server) may do differently, which no
verdict may notice."""

from __future__ import annotations

from openai_rulebook.server.core.variants import Variant, register_variant

PROMPT_TOKENS_PLUS_ONE = "chat.prompt_tokens_plus_one"
CHUNK_OBFUSCATION = "chat.chunk_obfuscation"
STORED_LIKE_CREATED = "chat.stored_like_created"
ASKED_MODEL_NAME = "chat.asked_model_name"
CHOICES_INTERLEAVED = "chat.stream_choices_interleaved"

register_variant(
    Variant(PROMPT_TOKENS_PLUS_ONE, description="prompt_tokens is one more (another tokenizer, a special token), "
                                                "and total_tokens with it"),
    Variant(CHUNK_OBFUSCATION, description="every stream chunk carries an 'obfuscation' string of random length, "
                                           "as the live API's chunks do (chat.jsonl, 2025-2026)"),
    Variant(STORED_LIKE_CREATED, description="stored completions are answered as the create answered them (plus "
                                             "metadata): usage with details, messages with refusal and annotations, "
                                             "none of the request's echoed parameters"),
    Variant(ASKED_MODEL_NAME, description="'model' echoes the name asked instead of the dated snapshot"),
    Variant(CHOICES_INTERLEAVED, description="a stream of several choices (n > 1) interleaves their chunks, a chunk "
                                             "of each in turn, as the live API's do (chat.jsonl: all 7 streams of "
                                             "several choices)"),
)
