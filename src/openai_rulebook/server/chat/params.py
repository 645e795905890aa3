"""What a chat completion request may ask: each parameter rule of the catalog, checked in one place, with its fault.

The ranges are the rulebook's (temperature, top_logprobs, safety_identifier) and the official spec's (n, penalties,
logit_bias, stop, tool_choice, top_p); model-specific refusals (``max_tokens`` and ``stop`` on reasoning models) read
the model table. ``check_temperature``, ``check_top_p`` and ``check_safety_identifier`` are shared with the other
model-backed areas whose rules they also cover (legacy completions, Responses), so that each rule keeps one fault.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.core.model_table import Model
from openai_rulebook.server.core.scripted_model import message_text

TEMPERATURE = "chat.temperature_range"
TOP_P = "chat.top_p_range"
MAX_TOKENS_O_SERIES = "chat.max_tokens_rejected_for_o_series"
JSON_MENTION = "chat.json_object_requires_json_mention"
SAFETY_IDENTIFIER = "chat.safety_identifier_length"
TOP_LOGPROBS = "chat.top_logprobs_range"
STOP_REASONING = "chat.stop_not_for_o3"
DEPRECATED = "chat.deprecated_parameters_accepted"
N_RANGE = "chat.n_range"
PENALTIES = "chat.penalty_range"
LOGIT_BIAS = "chat.logit_bias_range"
STOP_MAX = "chat.stop_max_sequences"
TOOL_CHOICE = "chat.tool_choice_values"

SAFETY_IDENTIFIER_MAX = 64
N_MAX = 128
STOP_SEQUENCES_MAX = 4
TOOL_CHOICE_MODES = ("none", "auto", "required")
#: what a float-range fault lets through beyond each bound (the rules' tests probe 0.1 past the edge)
FLOAT_SLACK = 0.1 + 1e-9

register(
    Fault("chat.accept_temperature_off_range", rule=TEMPERATURE,
          description="temperature -0.1 and 2.1 are accepted (-0.2 and 2.2 are still refused)"),
    Fault("chat.accept_top_p_off_range", rule=TOP_P,
          description="top_p -0.1 and 1.1 are accepted (-0.2 and 1.2 are still refused)"),
    Fault("chat.accept_max_tokens_for_reasoning", rule=MAX_TOKENS_O_SERIES,
          description="max_tokens is accepted for o-series (reasoning) models, as the bound"),
    Fault("chat.json_object_without_mention", rule=JSON_MENTION,
          description="response_format json_object is accepted when no message mentions JSON"),
    Fault("chat.accept_65_character_safety_identifier", rule=SAFETY_IDENTIFIER,
          description="a safety_identifier of 65 characters is accepted (66 is still refused)"),
    Fault("chat.accept_top_logprobs_off_by_one", rule=TOP_LOGPROBS,
          description="top_logprobs -1 and 21 are accepted (-2 and 22 are still refused)"),
    Fault("chat.accept_stop_for_reasoning", rule=STOP_REASONING,
          description="stop is accepted for o3 and o4-mini (and ignored)"),
    Fault("chat.reject_seed", rule=DEPRECATED,
          description="the deprecated seed is refused with 400 'unsupported_parameter' (other deprecated ones work)"),
    Fault("chat.accept_n_off_by_one", rule=N_RANGE, description="n=0 and n=129 are accepted (-1 and 130 are not)"),
    Fault("chat.accept_penalties_off_range", rule=PENALTIES,
          description="frequency and presence penalties of -2.1 and 2.1 are accepted"),
    Fault("chat.accept_logit_bias_off_by_one", rule=LOGIT_BIAS,
          description="logit_bias values -101 and 101 are accepted (-102 and 102 are not)"),
    Fault("chat.accept_five_stop_sequences", rule=STOP_MAX, description="5 stop sequences are accepted (6 are not)"),
    Fault("chat.accept_any_tool_choice", rule=TOOL_CHOICE,
          description="any tool_choice string is accepted and read as auto"),
)


def _invalid(param: str, message: str, code: str = "invalid_value") -> APIError:
    return APIError(400, message, param=param, code=code)


def _number(body: dict[str, Any], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid(name, f"Invalid type for '{name}': expected a number, but got {type(value).__name__}.",
                       "invalid_type")
    return float(value)


def _integer(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, f"Invalid type for '{name}': expected an integer, but got {type(value).__name__}.",
                       "invalid_type")
    return value


def _float_range(rules: Rules, rule: str, body: dict[str, Any], name: str, low: float, high: float) -> None:
    value = _number(body, name)
    if value is None:
        return
    rules.enforce(
        rule, low <= value <= high, broken_ok=low - FLOAT_SLACK <= value <= high + FLOAT_SLACK, param=name,
        code="decimal_above_max_value" if value > high else "decimal_below_min_value",
        message=f"Invalid '{name}': expected a number between {low:g} and {high:g}, but got {value:g} instead.",
    )


def check_temperature(rules: Rules, body: dict[str, Any]) -> None:
    """``temperature`` from 0 to 2 (chat and legacy completions)."""
    _float_range(rules, TEMPERATURE, body, "temperature", 0, 2)


def check_top_p(rules: Rules, body: dict[str, Any]) -> None:
    """``top_p`` from 0 to 1 (chat and legacy completions)."""
    _float_range(rules, TOP_P, body, "top_p", 0, 1)


def check_safety_identifier(rules: Rules, body: dict[str, Any]) -> None:
    """``safety_identifier``: a string of at most 64 characters (chat completions and Responses)."""
    value = body.get("safety_identifier")
    if value is None:
        return
    ok_type = isinstance(value, str)
    length = len(value) if ok_type else 0
    rules.enforce(
        SAFETY_IDENTIFIER, ok_type and length <= SAFETY_IDENTIFIER_MAX,
        broken_ok=ok_type and length <= SAFETY_IDENTIFIER_MAX + 1, param="safety_identifier",
        code="string_above_max_length" if ok_type else "invalid_type",
        message=f"Invalid 'safety_identifier': string too long. Expected a string with maximum length "
        f"{SAFETY_IDENTIFIER_MAX}, but got a string with length {length} instead." if ok_type else
        "Invalid type for 'safety_identifier': expected a string.",
    )


def mentions_json(messages: list[Any]) -> bool:
    """Whether a system, developer or user message asks for JSON (the word, in any case)."""
    return any(isinstance(message, dict) and message.get("role") in ("system", "developer", "user")
               and "json" in message_text(message.get("content")).lower() for message in messages)


def _check_tools(rules: Rules, body: dict[str, Any]) -> None:
    choice = body.get("tool_choice")
    if choice is None:
        return
    names = {tool.get("function", {}).get("name") for tool in body.get("tools") or []
             if isinstance(tool, dict) and isinstance(tool.get("function"), dict)}
    if isinstance(choice, str):
        rules.enforce(TOOL_CHOICE, choice in TOOL_CHOICE_MODES, param="tool_choice",
                      message=f"Invalid value: '{choice}'. Supported values are: 'none', 'auto', and 'required'.")
        if choice != "none" and choice in TOOL_CHOICE_MODES and not names:
            raise _invalid("tool_choice", "Invalid value for 'tool_choice': 'tool_choice' is only allowed when "
                                          "'tools' are specified.")
        return
    named = choice.get("function", {}).get("name") if isinstance(choice, dict) and isinstance(
        choice.get("function"), dict) else None
    if not (isinstance(choice, dict) and choice.get("type") == "function" and isinstance(named, str)):
        raise _invalid("tool_choice", "Invalid 'tool_choice': expected 'none', 'auto', 'required' or "
                                      "{'type': 'function', 'function': {'name': ...}}.")
    if named not in names:
        raise _invalid("tool_choice", f"Invalid value for 'tool_choice': function '{named}' not found in 'tools'.")


def check_request(rules: Rules, body: dict[str, Any], model: Model) -> None:
    """Reject a create that breaks a parameter rule, naming the parameter; return quietly when it keeps them all."""
    check_temperature(rules, body)
    _float_range(rules, PENALTIES, body, "frequency_penalty", -2, 2)
    _float_range(rules, PENALTIES, body, "presence_penalty", -2, 2)
    check_top_p(rules, body)
    n = _integer(body, "n")
    if n is not None:
        rules.enforce_range(N_RANGE, n, 1, N_MAX, param="n", name="n")
    top_logprobs = _integer(body, "top_logprobs")
    if top_logprobs is not None:
        rules.enforce_range(TOP_LOGPROBS, top_logprobs, 0, 20, param="top_logprobs", name="top_logprobs")
    bias = body.get("logit_bias")
    if bias is not None:
        if not isinstance(bias, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in bias.values()):
            raise _invalid("logit_bias", "Invalid 'logit_bias': expected a map of token ids to numbers.",
                           "invalid_type")
        worst = max((abs(v) for v in bias.values()), default=0)
        rules.enforce(LOGIT_BIAS, worst <= 100, broken_ok=worst <= 101, param="logit_bias",
                      message=f"Invalid 'logit_bias': bias values must be between -100 and 100, got {worst:g}.")
    stop = body.get("stop")
    if isinstance(stop, list):
        rules.enforce(STOP_MAX, len(stop) <= STOP_SEQUENCES_MAX, broken_ok=len(stop) <= STOP_SEQUENCES_MAX + 1,
                      param="stop", code="array_above_max_length",
                      message=f"Invalid 'stop': array too long. Expected an array with maximum length "
                      f"{STOP_SEQUENCES_MAX}, but got an array with length {len(stop)} instead.")
    if stop is not None and model.kind == "reasoning":
        rules.enforce(STOP_REASONING, False, param="stop", code="unsupported_parameter",
                      message="Unsupported parameter: 'stop' is not supported with this model.")
    if body.get("max_tokens") is not None and model.kind == "reasoning":
        rules.enforce(MAX_TOKENS_O_SERIES, False, param="max_tokens", code="unsupported_parameter",
                      message="Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                      "'max_completion_tokens' instead.")
    if body.get("seed") is not None:
        rules.enforce(DEPRECATED, True, broken_ok=False, param="seed", code="unsupported_parameter",
                      message="Unsupported parameter: 'seed' is no longer supported.")
    check_safety_identifier(rules, body)
    _check_tools(rules, body)
    response_format = body.get("response_format")
    if isinstance(response_format, dict) and response_format.get("type") == "json_object":
        rules.enforce(JSON_MENTION, mentions_json(body.get("messages") or []), param="messages",
                      message="'messages' must contain the word 'json' in some form, to use 'response_format' of "
                      "type 'json_object'.")
