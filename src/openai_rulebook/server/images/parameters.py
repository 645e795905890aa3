"""The parameters of image requests, judged model by model: one function per rule, each refusal naming its param.

Generations send JSON (typed values); edits and variations send multipart forms (strings), so every reader takes
either. An explicit null is the parameter's absence (the spec makes them nullable). Each check goes through
``Rules.enforce``, so that the rule's fault lets exactly the values the fault describes through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, register
from openai_rulebook.server.images import models as table
from openai_rulebook.server.images.models import ImageModel

GEN_PROMPT = "images.generation.prompt_length"
EDIT_PROMPT = "images.edit.prompt_length"
N_RANGE = "images.generation.n_range"
QUALITY = "images.generation.quality_values"
SIZE = "images.generation.size_values"
BACKGROUND = "images.generation.background_values"
TRANSPARENT = "images.generation.transparent_needs_alpha_format"
MODERATION = "images.generation.moderation_values"
COMPRESSION = "images.generation.output_compression_range"
OUTPUT_FORMAT = "images.generation.output_format_values"
PARTIAL = "images.generation.partial_images_range"
STREAM = "images.generation.stream_gpt_image_only"
STYLE = "images.generation.style_values"
INPUT_FIDELITY = "images.edit.input_fidelity_values"
RESPONSE_FORMAT = "images.edit.response_format_dall_e_2_only"

register(
    Fault("images.generation_prompt_one_over", rule=GEN_PROMPT,
          description="a generation prompt one character over the model's limit is accepted"),
    Fault("images.edit_prompt_one_over", rule=EDIT_PROMPT,
          description="an edit prompt one character over the model's limit is accepted"),
    Fault("images.n_range_off_by_one", rule=N_RANGE,
          description="n one beyond either bound is accepted (0, 11, and 2 with dall-e-3)"),
    Fault("images.quality_of_other_models", rule=QUALITY,
          description="any model accepts a quality another model takes (hd with gpt-image-1, low with dall-e-2)"),
    Fault("images.size_of_other_models", rule=SIZE,
          description="any model accepts a size another model takes (1792x1024 with dall-e-2); made-up sizes are "
          "still refused"),
    Fault("images.background_for_dall_e", rule=BACKGROUND,
          description="background is accepted (and ignored) with the DALL-E models"),
    Fault("images.transparent_jpeg", rule=TRANSPARENT,
          description="background transparent with output_format jpeg is accepted (the image comes back opaque)"),
    Fault("images.moderation_for_dall_e", rule=MODERATION,
          description="moderation is accepted (and ignored) with the DALL-E models"),
    Fault("images.output_compression_off_by_one", rule=COMPRESSION,
          description="output_compression -1 and 101 are accepted (clamped)"),
    Fault("images.output_format_for_dall_e", rule=OUTPUT_FORMAT,
          description="output_format is accepted (and ignored: png) with the DALL-E models"),
    Fault("images.partial_images_off_by_one", rule=PARTIAL,
          description="partial_images -1 and 4 are accepted"),
    Fault("images.stream_for_dall_e", rule=STREAM,
          description="stream: true is accepted with the DALL-E models (answered as one JSON body)"),
    Fault("images.style_for_other_models", rule=STYLE,
          description="style vivid or natural is accepted (and ignored) with gpt-image-1, its mini and dall-e-2"),
    Fault("images.input_fidelity_for_other_models", rule=INPUT_FIDELITY,
          description="input_fidelity high or low is accepted with gpt-image-1-mini and dall-e-2"),
    Fault("images.response_format_for_gpt_image", rule=RESPONSE_FORMAT,
          description="response_format url or b64_json is accepted with the GPT image models on edits (base64 "
          "comes back all the same)"),
)


# -- reading a parameter of either kind of body ----------------------------------------------------------------------
def _invalid(name: str, expected: str, value: Any) -> APIError:
    return APIError(400, f"Invalid type for '{name}': expected {expected}, but got {value!r} instead.", param=name,
                    code="invalid_type")


def text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, "a string", value)
    return value


def integer(fields: Mapping[str, Any], name: str) -> int | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, str):  # a form field
        try:
            return int(value.strip())
        except ValueError:
            raise _invalid(name, "an integer", value) from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, "an integer", value)
    return value


def boolean(fields: Mapping[str, Any], name: str) -> bool | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise _invalid(name, "a boolean", value)
    return value


def _value_error(name: str, value: Any, allowed: tuple[Any, ...], model: ImageModel) -> str:
    return (f"Invalid value for '{name}': {value!r} is not supported with model {model.id!r}"
            + (f"; supported values are {', '.join(map(str, allowed))}." if allowed else "."))


def _one_of(rules: Rules, rule: str, name: str, value: Any, allowed: tuple[Any, ...], model: ImageModel,
            *, broken: tuple[Any, ...]) -> None:
    """``value`` must be in ``allowed`` (empty: the model refuses the parameter); the fault lets ``broken`` in."""
    rules.enforce(rule, value in allowed, broken_ok=value in broken, param=name,
                  code="invalid_value" if allowed else "unsupported_parameter",
                  message=_value_error(name, value, allowed, model))


def _in_range(rules: Rules, rule: str, name: str, value: int | None, bounds: tuple[int, int], takes: bool,
              model: ImageModel) -> None:
    if value is None:
        return
    if not takes:  # the model refuses the parameter: no fault of the range lets it through
        rules.enforce(rule, False, broken_ok=False, param=name, code="unsupported_parameter",
                      message=f"'{name}' is not supported with model {model.id!r}.")
    rules.enforce_range(rule, value, *bounds, param=name, name=name)


# -- the rules ---------------------------------------------------------------------------------------------------------
def prompt(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, edit: bool) -> str:
    value = text(fields, "prompt")
    if not value:
        raise APIError(400, "Missing required parameter: 'prompt'.", param="prompt", code="missing_required_parameter")
    limit = model.edit_prompt_max if edit else model.prompt_max
    rules.enforce(EDIT_PROMPT if edit else GEN_PROMPT, len(value) <= limit, broken_ok=len(value) <= limit + 1,
                  param="prompt", code="string_above_max_length",
                  message=f"Invalid 'prompt': string too long. Expected a string with maximum length {limit} for "
                  f"{model.id}, but got a string with length {len(value)} instead.")
    return value


def n_images(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, judged: bool) -> int:
    """``n``: 1-10, only 1 for dall-e-3 (generations: the rule; edits and variations: the spec's 1-10, unfaulted)."""
    value = integer(fields, "n")
    if value is None:
        return 1
    if judged:
        rules.enforce_range(N_RANGE, value, 1, model.n_max, param="n", name="n")
    elif not 1 <= value <= 10:
        raise APIError(400, f"Invalid 'n': expected an integer between 1 and 10, but got {value} instead.", param="n")
    return value


def quality(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, judged: bool) -> str:
    value = text(fields, "quality")
    if value is None:
        return "auto"
    if judged:
        _one_of(rules, QUALITY, "quality", value, model.qualities, model, broken=table.ALL_QUALITIES)
    elif value not in (*model.qualities, "standard"):
        raise APIError(400, _value_error("quality", value, model.qualities, model), param="quality")
    return value


def size(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, judged: bool) -> str:
    value = text(fields, "size")
    default = "auto" if model.gpt else "1024x1024"
    if value is None:
        return default
    if judged:
        _one_of(rules, SIZE, "size", value, model.sizes, model, broken=table.ALL_SIZES)
    elif value not in model.sizes:
        raise APIError(400, _value_error("size", value, model.sizes, model), param="size")
    return value


def gpt_only(rules: Rules, fields: Mapping[str, Any], model: ImageModel, name: str, rule: str,
             values: tuple[str, ...], default: str) -> str:
    """background, moderation, output_format: one of ``values`` with a GPT image model, refused with DALL-E (which
    the rule's fault lets through)."""
    value = text(fields, name)
    if value is None:
        return default
    _one_of(rules, rule, name, value, values if model.gpt else (), model, broken=values)
    return value if model.gpt else default


def transparent_format(rules: Rules, background: str, output_format: str) -> None:
    rules.enforce(TRANSPARENT, not (background == "transparent" and output_format == "jpeg"), param="output_format",
                  message="Transparent backgrounds need an output format with alpha: png or webp, not jpeg.")


def compression(rules: Rules, fields: Mapping[str, Any], model: ImageModel) -> int:
    value = integer(fields, "output_compression")
    _in_range(rules, COMPRESSION, "output_compression", value, table.COMPRESSION, model.gpt, model)
    return 100 if value is None else max(0, min(100, value))


def partial_images(rules: Rules, fields: Mapping[str, Any], model: ImageModel) -> int:
    value = integer(fields, "partial_images")
    if value is None:
        return 0
    rules.enforce_range(PARTIAL, value, *table.PARTIAL_IMAGES, param="partial_images", name="partial_images")
    return max(0, min(3, value))


def stream(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, judged: bool) -> bool:
    value = boolean(fields, "stream")
    if not value:
        return False
    if judged:
        rules.enforce(STREAM, model.gpt, param="stream", code="unsupported_parameter",
                      message=f"Streaming is not supported with model {model.id!r}.")
    elif not model.gpt:
        raise APIError(400, f"Streaming is not supported with model {model.id!r}.", param="stream")
    return model.gpt


def style(rules: Rules, fields: Mapping[str, Any], model: ImageModel) -> None:
    value = text(fields, "style")
    if value is not None:
        _one_of(rules, STYLE, "style", value, table.STYLES if model.style else (), model, broken=table.STYLES)


def input_fidelity(rules: Rules, fields: Mapping[str, Any], model: ImageModel) -> None:
    value = text(fields, "input_fidelity")
    if value is not None:
        _one_of(rules, INPUT_FIDELITY, "input_fidelity", value,
                table.INPUT_FIDELITIES if model.input_fidelity else (), model, broken=table.INPUT_FIDELITIES)


def response_format(rules: Rules, fields: Mapping[str, Any], model: ImageModel, *, judged: bool) -> str:
    """``url`` or ``b64_json``; on edits and variations only with dall-e-2 (the rule), on generations with the DALL-E
    models (the GPT image models return base64 whatever it says)."""
    value = text(fields, "response_format")
    if value is None:
        return "b64_json" if model.gpt else "url"
    if judged:
        _one_of(rules, RESPONSE_FORMAT, "response_format", value, () if model.gpt else table.RESPONSE_FORMATS, model,
                broken=table.RESPONSE_FORMATS)
    elif value not in table.RESPONSE_FORMATS:
        raise APIError(400, _value_error("response_format", value, table.RESPONSE_FORMATS, model),
                       param="response_format")
    return "b64_json" if model.gpt else value
