"""Images: generations (JSON), edits and variations (multipart), with real media validation and generated images.

Every image is a flat colour derived from the prompt, of the requested size and format (``media.py``). GPT image
models answer base64 with ``background``, ``output_format``, ``quality``, ``size`` and ``usage`` (real traffic's
shape), or an event stream of partial images when ``stream`` is true; DALL-E models answer a ``url`` (served by
``public_router`` for 60 minutes on the server's clock) or ``b64_json``. Uploaded files are read as they stream: only
their first bytes are held past ``media.FULL_DECODE_BYTES``, and reading stops once one passes the largest limit.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.core import sse
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.multipart import FilePart, read_form
from openai_rulebook.server.core.state import ServerState, StateDep
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.images import media
from openai_rulebook.server.images import models as table
from openai_rulebook.server.images import parameters as p
from openai_rulebook.server.images.models import MODELS, ImageModel
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "images.endpoints_exist"
URL_EXPIRY = "images.url_expiry"
BASE64 = "images.gpt_image_returns_base64"
EDIT_IMAGE = "images.edit.image_constraints"
MASK = "images.edit.mask_constraints"
VARIATION_IMAGE = "images.variation.image_constraints"

URL_SECONDS = 3600
#: where generated images are served (outside /v1: a presigned URL needs no API key)
IMAGE_FILES = "/rulebook-images"
NO_REVISED_PROMPT = "images.no_revised_prompt"
NO_OUTPUT_DETAILS = "images.usage_without_output_details"
NO_DALL_E_3 = "images.dall_e_3_not_served"

register(
    Fault("images.variation_without_created", rule=ENDPOINTS,
          description="POST /v1/images/variations answers without `created`"),
    Fault("images.urls_never_expire", rule=URL_EXPIRY, description="image URLs are served past their 60 minutes"),
    Fault("images.gpt_image_answers_url", rule=BASE64,
          description="gpt-image-1 generations and edits answer a `url` instead of `b64_json`"),
    Fault("images.edit_non_square_dall_e_2", rule=EDIT_IMAGE,
          description="a non-square PNG is accepted for a dall-e-2 edit"),
    Fault("images.mask_of_other_dimensions", rule=MASK,
          description="a PNG mask whose dimensions differ from the image's is accepted"),
    Fault("images.variation_non_square", rule=VARIATION_IMAGE,
          description="a non-square PNG is accepted for a variation"),
)
register_variant(
    Variant(NO_REVISED_PROMPT, "dall-e-3 images come without `revised_prompt` (the spec makes it optional)"),
    Variant(NO_OUTPUT_DETAILS, "GPT image usage has no `output_tokens_details` (real traffic shows both)"),
    Variant(NO_DALL_E_3, "dall-e-3 is not served (404 model_not_found): its matrix cells must end unsupported and "
            "the rules are judged on the other models"),
)

router = APIRouter(prefix="/images", tags=["images"])
public_router = APIRouter(tags=["images"])


# -- what is generated ----------------------------------------------------------------------------------------------
@dataclass
class StoredImage:
    id: str
    created_at: int
    content: bytes
    media_type: str
    expires_at: int


@dataclass
class Job:
    """One request's images, as the parameters resolved them."""

    model: ImageModel
    prompt: str
    n: int
    size: str
    quality: str
    background: str
    output_format: str
    compression: int
    response_format: str
    partial_images: int = 0
    stream: bool = False
    input_images: int = 0

    def image(self) -> bytes:
        width, height = table.dimensions(self.size)
        return media.render(media.colour_of(self.prompt), width, height, self.output_format,
                            transparent=self.background == "transparent", compression=self.compression)

    def resolved(self, name: str) -> str:
        value = getattr(self, name)
        return table.RESOLVED[name] if value == "auto" else value

    def usage(self, rules: Rules) -> dict[str, Any]:
        text_tokens = max(1, len(self.prompt) // 4)  # about four characters a token; loading a tokenizer costs seconds
        image_in = 194 * self.input_images
        width, height = table.dimensions(self.size)
        # a dall-e quality (standard, hd) reaches a gpt-image model only under a fault: count it as medium
        quality = self.resolved("quality")
        per_image = table.OUTPUT_TOKENS.get(quality, table.OUTPUT_TOKENS["medium"]) * (3 if width != height else 2) // 2
        output = per_image * self.n
        usage: dict[str, Any] = {
            "input_tokens": text_tokens + image_in,
            "input_tokens_details": {"image_tokens": image_in, "text_tokens": text_tokens},
            "output_tokens": output,
            "output_tokens_details": {"image_tokens": output, "text_tokens": 0},
            "total_tokens": text_tokens + image_in + output,
        }
        if rules.variants.choose(NO_OUTPUT_DETAILS, False, True):
            del usage["output_tokens_details"]
        return usage


def _model(rules: Rules, fields: dict[str, Any], default: str, *, edits: bool = False,
           variations: bool = False) -> ImageModel:
    name = fields.get("model") or default
    model = MODELS.get(name) if isinstance(name, str) else None
    if model is not None and model.id == "dall-e-3":
        model = rules.variants.choose(NO_DALL_E_3, model, None)
    if model is None:
        raise APIError(404, f"The model '{name}' does not exist or you do not have access to it.", param="model",
                       code="model_not_found")
    if (edits and not model.edit_prompt_max) or (variations and not model.variations):
        kind = "edits" if edits else "variations"
        raise APIError(400, f"Image {kind} are not supported with model {model.id!r}.", param="model",
                       code="invalid_value")
    return model


def _url(request: Request, state: ServerState, content: bytes, fmt: str, now: int) -> str:
    stored = StoredImage(state.ids.next("img"), now, content, media.MEDIA_TYPES[fmt], now + URL_SECONDS)
    state.collection("images").add(stored)
    return f"{str(request.base_url).rstrip('/')}{IMAGE_FILES}/{stored.id}.{fmt}?se={stored.expires_at}"


def _answer(job: Job, request: Request, state: ServerState, rules: Rules, *, event_prefix: str,
            endpoint_rule_broken: bool = False) -> Any:
    """The ImagesResponse (or, streaming, its events) for ``job``."""
    now = state.clock.now()
    content = job.image()
    encoded = base64.b64encode(content).decode("ascii")
    if job.stream:
        return sse.stream(_events(job, encoded, now, rules, event_prefix))
    wants_url = job.response_format == "url"
    if job.model.id == "gpt-image-1":
        wants_url = rules.behaviour(BASE64, False, True)
    data: list[dict[str, Any]] = []
    for _ in range(job.n):
        item: dict[str, Any] = ({"url": _url(request, state, content, job.output_format, now)} if wants_url
                                else {"b64_json": encoded})
        if job.model.id == "dall-e-3" and not rules.variants.choose(NO_REVISED_PROMPT, False, True):
            item["revised_prompt"] = job.prompt
        data.append(item)
    body: dict[str, Any] = {"created": now, "data": data}
    if job.model.gpt:
        body.update(background=job.resolved("background"), output_format=job.output_format,
                    quality=job.resolved("quality"), size=job.resolved("size"), usage=job.usage(rules))
    if endpoint_rule_broken:
        del body["created"]
    return body


def _events(job: Job, encoded: str, now: int, rules: Rules, prefix: str) -> list[str]:
    common = {"created_at": now, "size": job.resolved("size"), "quality": job.resolved("quality"),
              "background": job.resolved("background"), "output_format": job.output_format}
    events = [sse.named_event({"type": f"{prefix}.partial_image", "b64_json": encoded, **common,
                               "partial_image_index": index}) for index in range(job.partial_images)]
    events += [sse.named_event({"type": f"{prefix}.completed", "b64_json": encoded, **common,
                                "usage": job.usage(rules)}) for _ in range(job.n)]
    return events


def _gpt_parameters(rules: Rules, fields: dict[str, Any], model: ImageModel) -> dict[str, Any]:
    """background, moderation, output_format, output_compression, partial_images: the GPT image models' own."""
    background = p.gpt_only(rules, fields, model, "background", p.BACKGROUND, table.BACKGROUNDS, "auto")
    p.gpt_only(rules, fields, model, "moderation", p.MODERATION, table.MODERATIONS, "auto")
    output_format = p.gpt_only(rules, fields, model, "output_format", p.OUTPUT_FORMAT, table.OUTPUT_FORMATS, "png")
    p.transparent_format(rules, background, output_format)
    if background == "transparent" and output_format == "jpeg":  # let through by the fault: opaque after all
        background = "opaque"
    return {"background": background, "output_format": output_format,
            "compression": p.compression(rules, fields, model),
            "partial_images": p.partial_images(rules, fields, model)}


# -- generations ----------------------------------------------------------------------------------------------------
class GenerationRequest(BaseModel):
    """CreateImageRequest's members; their values are judged by ``parameters`` (model by model)."""

    model_config = ConfigDict(extra="forbid")
    prompt: Any = None
    model: Any = None
    n: Any = None
    quality: Any = None
    response_format: Any = None
    output_format: Any = None
    output_compression: Any = None
    stream: Any = None
    partial_images: Any = None
    size: Any = None
    moderation: Any = None
    background: Any = None
    style: Any = None
    user: Any = None


@router.post("/generations")
async def create_image(body: Annotated[GenerationRequest, Depends(json_body(GenerationRequest))], request: Request,
                       state: StateDep, rules: RulesDep) -> Any:
    fields = body.model_dump(exclude_none=True)
    model = _model(rules, fields, "dall-e-2")
    prompt = p.prompt(rules, fields, model, edit=False)
    n = p.n_images(rules, fields, model, judged=True)
    quality = p.quality(rules, fields, model, judged=True)
    size = p.size(rules, fields, model, judged=True)
    extra = _gpt_parameters(rules, fields, model)
    stream = p.stream(rules, fields, model, judged=True)
    p.style(rules, fields, model)
    response_format = p.response_format(rules, fields, model, judged=False)
    job = Job(model, prompt, n, size, quality, response_format=response_format, stream=stream, **extra)
    return _answer(job, request, state, rules, event_prefix="image_generation")


# -- edits and variations: multipart ------------------------------------------------------------------------------
def _images(form_parts: list[FilePart]) -> list[FilePart]:
    return [part for part in form_parts if part.name in ("image", "image[]")]


def _judge_image(rules: Rules, rule: str, image: media.Media, *, formats: tuple[str, ...], max_bytes: int,
                 square: bool, truncated: bool, name: str = "image") -> None:
    """One uploaded image: a format the model takes, under ``max_bytes``, square if asked; the fault of the rule
    lets a non-square image through (nothing else)."""
    rules.enforce(rule, image.size < max_bytes and not truncated, broken_ok=image.size < max_bytes and not truncated,
                  param=name, code="image_too_large",
                  message=f"Invalid '{name}': the file is {image.size} bytes; it must be less than {max_bytes} bytes.")
    ok_format = image.format in formats
    rules.enforce(rule, ok_format, broken_ok=ok_format, param=name,
                  code="invalid_image_file" if image.format is None else "unsupported_file_mimetype",
                  message=f"Invalid '{name}': {'not an image' if image.format is None else image.format} is not "
                  f"supported; supported formats are {', '.join(formats)}.")
    if square:
        rules.enforce(rule, image.square, param=name, code="invalid_image_file",
                      message=f"Invalid '{name}': the image must be square, got {image.width}x{image.height}.")


async def _form(request: Request) -> tuple[dict[str, str], list[FilePart], bool]:
    form = await read_form(request, file_fields=("image", "image[]", "mask"), keep=media.FULL_DECODE_BYTES,
                           stop_after=table.MAX_BYTES_GPT)
    return form.fields, form.parts, form.truncated


#: CreateImageEditRequest's text members
EDIT_FIELDS = frozenset({"model", "prompt", "n", "size", "quality", "response_format", "output_format",
                         "output_compression", "stream", "partial_images", "background", "input_fidelity", "user",
                         "moderation"})


@router.post("/edits")
async def create_image_edit(request: Request, state: StateDep, rules: RulesDep) -> Any:
    fields, parts, truncated = await _form(request)
    unknown = sorted(set(fields) - EDIT_FIELDS)
    if unknown:
        raise APIError(400, f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter")
    model = _model(rules, fields, "gpt-image-1", edits=True)
    images = _images(parts)
    if not images:
        raise APIError(400, "Missing required parameter: 'image'.", param="image", code="missing_required_parameter")
    limit = table.MAX_IMAGES_GPT if model.gpt else 1
    rules.enforce(EDIT_IMAGE, len(images) <= limit, broken_ok=len(images) <= limit, param="image",
                  message=f"Invalid 'image': at most {limit} image(s) with model {model.id!r}, got {len(images)}.")
    seen = [media.inspect(part) for part in images]
    for index, image in enumerate(seen):
        _judge_image(rules, EDIT_IMAGE, image, truncated=truncated and index == len(seen) - 1,
                     formats=table.IMAGE_FORMATS_GPT if model.gpt else ("png",),
                     max_bytes=table.MAX_BYTES_GPT if model.gpt else table.MAX_BYTES_DALL_E, square=not model.gpt)
    mask = next((part for part in parts if part.name == "mask"), None)
    if mask is not None:
        seen_mask = media.inspect(mask)
        _judge_image(rules, MASK, seen_mask, formats=("png",), max_bytes=table.MAX_BYTES_DALL_E, square=False,
                     truncated=truncated, name="mask")
        rules.enforce(MASK, seen_mask.dimensions == seen[0].dimensions, param="mask", code="invalid_image_file",
                      message=f"Invalid 'mask': {seen_mask.width}x{seen_mask.height} differs from the image's "
                      f"{seen[0].width}x{seen[0].height}.")
    prompt = p.prompt(rules, fields, model, edit=True)
    n = p.n_images(rules, fields, model, judged=False)
    size = p.size(rules, fields, model, judged=False)
    quality = p.quality(rules, fields, model, judged=False)
    extra = _gpt_parameters(rules, fields, model)
    stream = p.stream(rules, fields, model, judged=False)
    p.input_fidelity(rules, fields, model)
    response_format = p.response_format(rules, fields, model, judged=True)
    job = Job(model, prompt, n, size, quality, response_format=response_format, stream=stream,
              input_images=len(images), **extra)
    return _answer(job, request, state, rules, event_prefix="image_edit")


@router.post("/variations")
async def create_image_variation(request: Request, state: StateDep, rules: RulesDep) -> Any:
    fields, parts, truncated = await _form(request)
    model = _model(rules, fields, "dall-e-2", variations=True)
    images = _images(parts)
    if len(images) != 1:
        raise APIError(400, "Exactly one 'image' is required.", param="image",
                       code="missing_required_parameter" if not images else "invalid_value")
    image = media.inspect(images[0])
    _judge_image(rules, VARIATION_IMAGE, image, formats=("png",), max_bytes=table.MAX_BYTES_DALL_E, square=True,
                 truncated=truncated)
    n = p.n_images(rules, fields, model, judged=False)
    size = p.size(rules, fields, model, judged=False)
    response_format = p.response_format(rules, fields, model, judged=True)
    unknown = sorted(set(fields) - {"model", "n", "size", "response_format", "user"})
    if unknown:
        raise APIError(400, f"Unknown parameter: '{unknown[0]}'.", param=unknown[0], code="unknown_parameter")
    job = Job(model, f"variation {image.width}x{image.height} {image.size}", n, size, "auto", "auto", "png", 100,
              response_format)
    return _answer(job, request, state, rules, event_prefix="image_variation",
                   endpoint_rule_broken=rules.behaviour(ENDPOINTS, False, True))


# -- the images' URLs -------------------------------------------------------------------------------------------------
@public_router.get(IMAGE_FILES + "/{name}")
async def image_file(name: str, state: StateDep, rules: RulesDep) -> Response:
    stored = state.collection("images").get(name.rsplit(".", 1)[0])
    if stored is None:
        raise APIError(404, "The specified blob does not exist.", code="BlobNotFound")
    fresh = state.clock.now() < stored.expires_at
    rules.enforce(URL_EXPIRY, fresh, status=403, code="AuthenticationFailed",
                  message="Signed expiry time has passed: this image URL was valid for 60 minutes.")
    return Response(stored.content, media_type=stored.media_type)
