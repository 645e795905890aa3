"""The image models the reference server serves and what each takes: the rulebook's tables (R05.1.2, R05.1.3,
R05.2.*, R06.5.7-R06.5.10), as the catalog's ``images.yaml`` ``matrices:`` state them (a server test holds the two
together, cell by cell). The GPT image models share gpt-image-1's tables (the spec's reading: see the disputes in
the catalog), except that gpt-image-1-mini takes no ``input_fidelity``."""

from __future__ import annotations

from dataclasses import dataclass

GPT_QUALITIES = ("low", "medium", "high", "auto")
GPT_SIZES = ("auto", "1024x1024", "1536x1024", "1024x1536")
BACKGROUNDS = ("transparent", "opaque", "auto")
MODERATIONS = ("low", "auto")
OUTPUT_FORMATS = ("png", "jpeg", "webp")
STYLES = ("vivid", "natural")
INPUT_FIDELITIES = ("high", "low")
RESPONSE_FORMATS = ("url", "b64_json")
COMPRESSION = (0, 100)
PARTIAL_IMAGES = (0, 3)
#: the sizes edits take (the spec's list); dall-e-2's are its generation sizes
EDIT_SIZES_GPT = GPT_SIZES
MAX_IMAGES_GPT = 16
MAX_BYTES_GPT = 50 * 1024 * 1024
MAX_BYTES_DALL_E = 4 * 1024 * 1024
IMAGE_FORMATS_GPT = ("png", "webp", "jpeg")


@dataclass(frozen=True)
class ImageModel:
    id: str
    #: a GPT image model (base64 only, background/moderation/output_format/stream...) or a DALL-E model
    gpt: bool
    prompt_max: int
    n_max: int
    qualities: tuple[str, ...]
    sizes: tuple[str, ...]
    #: the longest edit prompt; 0: the model does no edits
    edit_prompt_max: int = 0
    variations: bool = False
    style: bool = False
    input_fidelity: bool = False


MODELS: dict[str, ImageModel] = {model.id: model for model in (
    ImageModel("gpt-image-1", True, 32000, 10, GPT_QUALITIES, GPT_SIZES, edit_prompt_max=32000, input_fidelity=True),
    ImageModel("gpt-image-1-mini", True, 32000, 10, GPT_QUALITIES, GPT_SIZES, edit_prompt_max=32000),
    ImageModel("dall-e-2", False, 1000, 10, ("standard", "auto"), ("256x256", "512x512", "1024x1024"),
               edit_prompt_max=1000, variations=True),
    ImageModel("dall-e-3", False, 4000, 1, ("standard", "hd", "auto"), ("1024x1024", "1792x1024", "1024x1792"),
               style=True),
)}
#: every quality and size some model takes: a fault lets another model's value through, never a made-up one
ALL_QUALITIES = tuple(dict.fromkeys(q for model in MODELS.values() for q in model.qualities))
ALL_SIZES = tuple(dict.fromkeys(s for model in MODELS.values() for s in model.sizes))

#: what ``auto`` becomes in the response (the spec's response enums have no ``auto``)
RESOLVED = {"size": "1024x1024", "quality": "medium", "background": "opaque"}
#: output tokens of one 1024x1024 GPT image by quality (real traffic: 272, 1056, 4160); non-square is 1.5 times
OUTPUT_TOKENS = {"low": 272, "medium": 1056, "high": 4160}


def dimensions(size: str) -> tuple[int, int]:
    width, height = (RESOLVED["size"] if size == "auto" else size).split("x")
    return int(width), int(height)
