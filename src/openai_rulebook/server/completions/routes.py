"""POST /v1/completions, the legacy Completions API: prompts in, ``text_completion`` objects (or their stream) out.

Replies come from the scripted model (``core.scripted_model``): the same prompt gives the same words, cut at
``max_tokens`` with ``finish_reason: "length"``. Prompt tokens are cl100k's, the encoding of gpt-3.5-turbo-instruct,
so the context-length edge is exact for it. Checks in the live API's order as far as real traffic shows it: the
required fields, the model (unknown: 404 ``model_not_found``; a chat model: 404 naming v1/chat/completions; an
embedding or moderation model: 403), the parameters (first the spec's types and bounds, ``request.py``; a body
refused for two members names the first in the spec's order, as live: max_tokens before temperature), then the
context length.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.chat.params import check_temperature, check_top_p
from openai_rulebook.server.completions.objects import Choice, build_choices, completion, stream_events
from openai_rulebook.server.completions.request import check_create
from openai_rulebook.server.core import sse, tokens
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.served_models import served_model
from openai_rulebook.server.core.state import StateDep
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "completions.endpoints_exist"
REQUIRED = "completions.required_fields"
BEST_OF = "completions.best_of"
LOGPROBS = "completions.logprobs_max"
CONTEXT = "completions.context_length"
STREAM = "completions.stream_sse"
SUFFIX = "completions.suffix_model"
OBJECT_TYPE = "completions.object_type"
USAGE = "completions.usage"
FINISH = "completions.finish_reason"
N_CHOICES = "completions.n_choices"
ECHO = "completions.echo"

#: the models that take ``suffix`` (insert mode): gpt-3.5-turbo-instruct alone, as the rulebook says (R06.5.13)
SUFFIX_MODELS = frozenset({"gpt-3.5-turbo-instruct"})
DEFAULT_MAX_TOKENS = 16
#: what a missing prompt stands for, under the fault (the spec's default)
END_OF_TEXT = "<|endoftext|>"

CONTEXT_ONE_MORE = "completions.context_one_more"
SNAPSHOT_NAME = "completions.model_snapshot_name"
REPEAT_FINISH = "completions.repeat_finish_chunk"
PROMPT_TOKENS_PLUS_ONE = "completions.prompt_tokens_plus_one"
CHOICES_INTERLEAVED = "completions.stream_choices_interleaved"
CHUNK_EXTRA_FIELD = "completions.chunk_extra_field"

register(
    Fault("completions.refuse_token_prompts", rule=ENDPOINTS,
          description="a prompt of token ids (one array of integers, or an array of them) is refused with 400 as "
                      "an invalid prompt; string prompts are answered"),
    Fault("completions.accept_missing_prompt", rule=REQUIRED,
          description="a completion without prompt is accepted (the prompt is <|endoftext|>); a missing model is "
                      "still refused"),
    Fault("completions.accept_best_of_below_n", rule=BEST_OF,
          description="best_of smaller than n is accepted (best_of with stream is still refused)"),
    Fault("completions.accept_logprobs_6", rule=LOGPROBS,
          description="logprobs from -1 to 6 are accepted"),
    Fault("completions.context_ignores_max_tokens", rule=CONTEXT,
          description="the context check counts the prompt alone: a short prompt with max_tokens past the context "
                      "length is accepted"),
    Fault("completions.stream_without_done", rule=STREAM,
          description="a completions stream ends after its last chunk, without data: [DONE]"),
    Fault("completions.suffix_on_any_model", rule=SUFFIX,
          description="suffix is accepted (and ignored) on every completions model"),
    Fault("completions.object_completion", rule=OBJECT_TYPE,
          description="completions say object='completion' instead of 'text_completion'"),
    Fault("completions.total_tokens_plus_one", rule=USAGE,
          description="usage.total_tokens is prompt + completion + 1"),
    Fault("completions.length_says_stop", rule=FINISH,
          description="a completion cut by max_tokens says finish_reason='stop'"),
    Fault("completions.ignore_n", rule=N_CHOICES,
          description="n is accepted but one choice per prompt is answered"),
    Fault("completions.ignore_echo", rule=ECHO,
          description="echo is accepted but the texts do not begin with the prompt"),
)

register_variant(
    Variant(CONTEXT_ONE_MORE, description="the completions context length is one token longer (4,097 for "
                                          "gpt-3.5-turbo-instruct, as the live API's refusals have said)"),
    Variant(SNAPSHOT_NAME, description="a completion names the model's snapshot (`gpt-3.5-turbo-instruct:20230824-v2`"
                                       "), as the live API does"),
    Variant(REPEAT_FINISH, description="a completions stream sends one more empty chunk repeating "
                                       "finish_reason='length' for a choice cut by max_tokens, as the live API does"),
    Variant(PROMPT_TOKENS_PLUS_ONE, description="usage.prompt_tokens (and total_tokens with it) is one more than our "
                                                "tokenizer counts, as another tokenizer's special token makes it"),
    Variant(CHOICES_INTERLEAVED, description="a stream of several choices (n > 1, or several prompts) interleaves "
                                             "their chunks, a chunk of each in turn, as the live API does "
                                             "(completions.jsonl)"),
    Variant(CHUNK_EXTRA_FIELD, description="every stream chunk carries an extra undocumented member "
                                           "('x_rulebook_variant')"),
)

router = APIRouter(tags=["completions"])


class CreateCompletionRequest(BaseModel):
    # every member typed Any: each is judged in the handler, under the rule it concerns
    model_config = ConfigDict(extra="forbid")
    model: Any = None
    prompt: Any = None
    suffix: Any = None
    max_tokens: Any = None
    temperature: Any = None
    top_p: Any = None
    n: Any = None
    stream: Any = None
    stream_options: Any = None
    logprobs: Any = None
    echo: Any = None
    stop: Any = None
    presence_penalty: Any = None
    frequency_penalty: Any = None
    best_of: Any = None
    logit_bias: Any = None
    user: Any = None
    seed: Any = None


def _prompts(rules: Rules, value: Any) -> list[tuple[str, int]]:
    """Each prompt as (text, tokens): a string, an array of strings, one token array or an array of token arrays."""
    def of_tokens(ids: list[int]) -> tuple[str, int]:
        bad = next((t for t in ids if not 0 <= t <= tokens.encoding().max_token_value), None)
        if bad is not None:  # worded as the live API words it (completions.jsonl)
            raise APIError(400, f"Invalid token in prompt: {bad}. Minimum value is 0, maximum value is "
                                f"{tokens.encoding().max_token_value} (inclusive).")
        return tokens.decode(ids), len(ids)

    if isinstance(value, str):
        return [(value, tokens.count(value))]
    if isinstance(value, list) and value:
        kinds = set(map(type, value))
        if kinds == {str}:
            return [(text, tokens.count(text)) for text in value]
        # the fault: prompts of token ids refused as if no such form existed (string prompts still work)
        if kinds == {int} and rules.behaviour(ENDPOINTS, True, False):
            return [of_tokens(value)]
        if kinds == {list} and all(item and set(map(type, item)) == {int} for item in value) and \
                rules.behaviour(ENDPOINTS, True, False):
            return [of_tokens(item) for item in value]
    raise APIError(400, "Invalid 'prompt': expected a string, an array of strings, an array of integers or an array "
                        "of arrays of integers.", param="prompt", code="invalid_type")


def _model(rules: Rules, model_id: Any) -> Any:
    rules.enforce(REQUIRED, model_id is not None, broken_ok=model_id is not None, param="model",
                  code="missing_required_parameter", message="You must provide a model parameter.")
    found = served_model(model_id, ("completions", "chat", "reasoning", "embeddings", "moderation"),
                         wrong_kind=APIError(400, "unreachable"))
    if found.kind in ("chat", "reasoning"):
        raise APIError(404, "This is a chat model and not supported in the v1/completions endpoint. Did you mean to "
                            "use v1/chat/completions?", param="model")
    if found.kind != "completions":
        raise APIError(403, "You are not allowed to sample from this model")
    return found


@router.post("/completions", response_model=None)
async def create_completion(
    body: Annotated[CreateCompletionRequest, Depends(json_body(CreateCompletionRequest))], state: StateDep,
    rules: RulesDep,
) -> Any:
    model = _model(rules, body.model)
    rules.enforce(REQUIRED, body.prompt is not None, param="prompt", code="missing_required_parameter",
                  message="You must provide a prompt parameter.")
    # the spec's types and bounds (request.py), then what the other rules say, each under its rule
    check_create(body.model_dump())
    prompts = _prompts(rules, END_OF_TEXT if body.prompt is None else body.prompt)
    max_tokens: int = DEFAULT_MAX_TOKENS if body.max_tokens is None else body.max_tokens
    n: int = 1 if body.n is None else body.n
    # R03.5.2 (and the spec for top_p) names chat and legacy completions: one rule, check and fault for both
    check_temperature(rules, {"temperature": body.temperature})
    check_top_p(rules, {"top_p": body.top_p})
    stream = body.stream is True
    if body.logprobs is not None:
        rules.enforce_range(LOGPROBS, body.logprobs, 0, 5, param="logprobs", name="logprobs")
    best_of: int | None = body.best_of
    if best_of is not None:
        rules.enforce(BEST_OF, not (stream and best_of > 1), broken_ok=not (stream and best_of > 1),
                      param="best_of", message="Cannot stream results with best_of > 1.")
        rules.enforce(BEST_OF, best_of >= n, param="best_of",
                      message=f"best_of must be greater than or equal to n, got best_of={best_of} and n={n}.")
    if body.suffix is not None:
        rules.enforce(SUFFIX, model.id in SUFFIX_MODELS, param="suffix",
                      message=f"The model {model.id} does not support suffix (insert mode).")
    prompt_tokens = sum(count for _, count in prompts)
    reported_prompt_tokens = rules.variants.choose(PROMPT_TOKENS_PLUS_ONE, prompt_tokens, prompt_tokens + 1)
    window = rules.variants.choose(CONTEXT_ONE_MORE, model.context_window, model.context_window + 1)
    longest = max(count for _, count in prompts)
    rules.enforce(
        CONTEXT, longest + max_tokens <= window, broken_ok=longest <= window, param="max_tokens",
        message=f"This model's maximum context length is {window} tokens, however you requested "
                f"{longest + max_tokens} tokens ({longest} in your prompt; {max_tokens} for the completion). "
                "Please reduce your prompt; or completion length.",
    )
    choices: list[Choice] = build_choices(
        rules, prompts, n=rules.behaviour(N_CHOICES, n, 1) if n > 1 else n, max_tokens=max_tokens,
        echo=body.echo is True and rules.behaviour(ECHO, True, False), logprobs=body.logprobs,
    )
    completion_id = state.ids.next("cmpl").replace("_", "-", 1)
    created = state.clock.now()
    model_name = rules.variants.choose(SNAPSHOT_NAME, body.model, f"{body.model}:20230824-v2")
    # the fault is the JSON object's: stream chunks keep their type (completions.stream_sse judges those)
    object_type = "text_completion" if stream else rules.behaviour(OBJECT_TYPE, "text_completion", "completion")
    completion_tokens = sum(choice.generation.completion_tokens for choice in choices)
    total = reported_prompt_tokens + completion_tokens
    usage = {"prompt_tokens": reported_prompt_tokens, "completion_tokens": completion_tokens,
             "total_tokens": rules.behaviour(USAGE, total, total + 1)}
    if stream:
        options = body.stream_options if isinstance(body.stream_options, dict) else {}
        events = stream_events(
            completion_id, created, model_name, object_type, choices,
            usage=usage if options.get("include_usage") is True else None,
            repeat_finish=rules.variants.choose(REPEAT_FINISH, False, True) if any(
                choice.finish_reason == "length" for choice in choices) else False,
            interleave=rules.variants.choose(CHOICES_INTERLEAVED, False, True),
            extra_field=rules.variants.choose(CHUNK_EXTRA_FIELD, False, True),
        )
        framed = [sse.data_event(event) for event in events]
        if rules.behaviour(STREAM, True, False):
            framed.append(sse.DONE)
        return sse.stream(framed)
    return completion(completion_id, created, model_name, object_type, choices, usage)
