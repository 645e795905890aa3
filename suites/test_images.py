"""Images: generations, edits and variations (R04.1.7-R04.1.9, R05.1.2, R05.1.3, R05.2.*, R06.5.7-R06.5.10).

The model x parameter rules are tables in the catalog (``images.yaml`` ``matrices:``); ``test_<table>_matrix`` runs
one test per cell of each table (``dall-e-3-size-1792x1024``): an accepted value must be answered 2xx, a forbidden
one refused naming its parameter, against the model's base request as control. A model the target does not serve
makes its cells unsupported. The media rules (formats, squareness, masks, byte limits) send images made here with
Pillow; the 4 MB and 50 MB files are valid PNGs padded to the byte, the 50 MB one streamed as it is sent.
Every request is the cheapest the rule allows: the smallest size, the lowest quality, one image.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

import httpx
import pytest

from openai_rulebook import matrix_tests
from openai_rulebook.catalog import Cell
from openai_rulebook.checks import expect, expect_accepted, expect_rejected, precondition
from openai_rulebook.client import MULTIPART_BOUNDARY
from openai_rulebook.models import require_served
from openai_rulebook.sample_images import image, padded_png, padded_png_chunks

GENERATIONS = "/images/generations"
EDITS = "/images/edits"
VARIATIONS = "/images/variations"
PROMPT = "a blue dot"
SIDE = 256

ENDPOINTS = "images.endpoints_exist"
URL_EXPIRY = "images.url_expiry"
BASE64 = "images.gpt_image_returns_base64"
TRANSPARENT = "images.generation.transparent_needs_alpha_format"
STREAM = "images.generation.stream_gpt_image_only"
GEN_PROMPT = "images.generation.prompt_length"
EDIT_PROMPT = "images.edit.prompt_length"
EDIT_IMAGE = "images.edit.image_constraints"
MASK = "images.edit.mask_constraints"
VARIATION_IMAGE = "images.variation.image_constraints"

#: each matrix test and the table it runs
MATRIX_TESTS = {"test_generations_matrix": "images.generations", "test_edits_matrix": "images.edits",
                "test_variations_matrix": "images.variations"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per cell of the function's table, marked with the rule of the cell's parameter."""
    matrix_tests.parametrize(metafunc, MATRIX_TESTS)


# -- requests ---------------------------------------------------------------------------------------------------------
def form_value(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def form(fields: dict[str, Any]) -> dict[str, str]:
    return {name: form_value(value) for name, value in fields.items()}


def png_file(width: int = SIDE, height: int = SIDE, fmt: str = "png", name: str = "image") -> tuple[str, Any]:
    kind = {"jpg": "jpeg"}.get(fmt, fmt)
    return name, (f"rulebook.{fmt}", image(width, height, fmt), f"image/{kind}")


def edit(api, fields: dict[str, Any], files: list[tuple[str, Any]] | None = None) -> httpx.Response:
    return api.post(EDITS, None, data=form({"prompt": PROMPT, **fields}), files=files or [png_file()])


def variation(api, fields: dict[str, Any], files: list[tuple[str, Any]] | None = None) -> httpx.Response:
    return api.post(VARIATIONS, None, data=form(fields), files=files or [png_file()])


def generate(api, fields: dict[str, Any]) -> httpx.Response:
    return api.post(GENERATIONS, {"prompt": PROMPT, **fields})


class _Streamed:
    """A multipart body whose one file part is yielded as it is sent (a 50 MB image is never held)."""

    def __init__(self, head: bytes, body: Iterable[bytes], tail: bytes) -> None:
        self.head, self.body, self.tail = head, body, tail

    def __iter__(self) -> Iterator[bytes]:
        yield self.head
        yield from self.body
        yield self.tail


def post_streamed(api, path: str, fields: dict[str, str], chunks: Iterable[bytes], size: int) -> httpx.Response:
    """POST ``fields`` and one ``image`` part of ``size`` bytes from ``chunks``, with its Content-Length."""
    boundary = MULTIPART_BOUNDARY.encode()
    head = b"".join(b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                    % (boundary, name.encode(), value.encode()) for name, value in fields.items())
    head += (b'--%s\r\nContent-Disposition: form-data; name="image"; filename="rulebook.png"\r\n'
             b"Content-Type: image/png\r\n\r\n" % boundary)
    tail = b"\r\n--%s--\r\n" % boundary
    headers = {"Content-Type": f"multipart/form-data; boundary={MULTIPART_BOUNDARY}",
               "Content-Length": str(len(head) + size + len(tail))}
    return api.request("POST", path, content=_Streamed(head, chunks, tail), headers=headers)


def matrix_base(rulebook_catalog, table: str, model: str) -> dict[str, Any]:
    """A model's cheapest valid request, from the catalog's table."""
    return {"model": model, **rulebook_catalog.matrices[f"images.{table}"].models[model]}


# -- the matrices -----------------------------------------------------------------------------------------------------
def test_generations_matrix(api, cell: Cell):
    matrix_tests.judge(cell, lambda fields: generate(api, fields))


def test_edits_matrix(api, cell: Cell):
    matrix_tests.judge(cell, lambda fields: edit(api, fields))


def test_variations_matrix(api, cell: Cell):
    matrix_tests.judge(cell, lambda fields: variation(api, fields))


# -- the endpoints and what they answer -----------------------------------------------------------------------------
def check_images(rule_id: str, response: httpx.Response, *, want: str | None = None) -> list[Any]:
    """``created`` and a ``data`` list of images, each with ``url`` or ``b64_json`` (``want``: that one)."""
    body = expect_accepted(response, rule_id)
    expect(rule_id, isinstance(body, dict) and isinstance(body.get("created"), int)
           and not isinstance(body.get("created"), bool), expected="an integer `created`",
           actual=body.get("created") if isinstance(body, dict) else body, response=response)
    items = body.field("data", list)
    for index, item in enumerate(items):
        keys = [key for key in ("url", "b64_json") if isinstance(item, dict) and isinstance(item.get(key), str)]
        ok = bool(keys) if want is None else keys == [want] and not (isinstance(item, dict) and item.get("url"))
        expect(rule_id, ok, expected=f"data[{index}] with {want or 'url or b64_json'}",
               actual={key: str(value)[:40] for key, value in item.items()} if isinstance(item, dict) else item,
               response=response)
    expect(rule_id, bool(items), expected="at least one image in data", actual=items, response=response)
    return items


@pytest.mark.rule(ENDPOINTS)
@pytest.mark.parametrize("path", [GENERATIONS, EDITS, VARIATIONS])
def test_each_endpoint_answers_images(api, model, rulebook_catalog, path):
    name = model()
    table = path.rsplit("/", 1)[1]
    base = matrix_base(rulebook_catalog, table, name) if name in rulebook_catalog.matrices[
        f"images.{table}"].models else {"model": name}
    response = {GENERATIONS: generate, EDITS: edit, VARIATIONS: variation}[path](api, base)
    require_served(response, name, ENDPOINTS)
    check_images(ENDPOINTS, response)


@pytest.mark.rule(BASE64)
@pytest.mark.parametrize("path", [GENERATIONS, EDITS])
def test_gpt_image_answers_base64(api, rule, rulebook_catalog, path):
    name = str(rule.params["model"])
    table = path.rsplit("/", 1)[1]
    base = matrix_base(rulebook_catalog, table, name)
    response = generate(api, base) if path == GENERATIONS else edit(api, base)
    require_served(response, name, rule.id)
    check_images(rule.id, response, want="b64_json")


@pytest.mark.rule(URL_EXPIRY)
@pytest.mark.parametrize("path", [GENERATIONS, VARIATIONS])
def test_image_urls_expire_after_an_hour(api, rule, rulebook_catalog, server_clock, path):
    base = {**matrix_base(rulebook_catalog, path.rsplit("/", 1)[1], "dall-e-2"), "response_format": "url"}
    response = generate(api, base) if path == GENERATIONS else variation(api, base)
    require_served(response, "dall-e-2", rule.id)
    url = precondition(response, "an image with response_format url")["data"][0].get("url")
    expect(rule.id, isinstance(url, str) and url.startswith(("http://", "https://")),
           expected="an image `url` (response_format url)", actual=url, response=response)
    # an image URL is a presigned link (on api.openai.com: a blob store), not an API route: sent without the key and
    # outside the spec's and the route-not-found judgement (``probing``), recorded all the same
    fresh = api.request("GET", url, auth=False, probing=True)
    expect(rule.id, fresh.is_success, expected="the image URL served right away", actual=fresh.status_code,
           response=fresh)
    server_clock.advance(int(rule.params["minutes"]) * 60 + 1)
    stale = api.request("GET", url, auth=False, probing=True)
    expect(rule.id, not stale.is_success, expected=f"the image URL no longer served after {rule.params['minutes']} "
           "minutes", actual=stale.status_code, response=stale)


@pytest.mark.rule(TRANSPARENT)
@pytest.mark.parametrize("output_format", ["png", "webp", "jpeg"])
def test_transparent_background_needs_an_alpha_format(api, rule, rulebook_catalog, output_format):
    name = str(rule.params["model"])
    fields = {**matrix_base(rulebook_catalog, "generations", name), "background": "transparent"}
    response = generate(api, {**fields, "output_format": output_format})
    require_served(response, name, rule.id)
    if output_format in rule.params["values"]:
        expect_accepted(response, rule.id, why=f"transparent with {output_format}")
    else:
        expect_rejected(response, rule.id, status=400, why=f"transparent with {output_format}",
                        control=lambda: generate(api, {**fields, "output_format": rule.params["values"][0]}))


def sse_events(response: httpx.Response) -> list[Any]:
    events = []
    for block in response.text.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(line[5:].lstrip() for line in block.split("\n") if line.startswith("data:"))
        if data:
            try:
                events.append(json.loads(data))
            except ValueError:
                events.append(data)
    return events


@pytest.mark.rule(STREAM)
def test_a_streamed_generation_is_an_event_stream(api, rule, rulebook_catalog):
    name = str(rule.params["model"])
    response = generate(api, {**matrix_base(rulebook_catalog, "generations", name), "stream": True})
    require_served(response, name, rule.id)
    expect(rule.id, response.is_success and response.headers.get("content-type", "").startswith("text/event-stream"),
           expected="2xx text/event-stream", actual=f"{response.status_code} {response.headers.get('content-type')}",
           response=response)
    events = sse_events(response)
    images = [event for event in events if isinstance(event, dict) and isinstance(event.get("b64_json"), str)]
    expect(rule.id, bool(images) and str(images[-1].get("type", "")).endswith(".completed"),
           expected="events with b64_json images, the last of type *.completed",
           actual=[event.get("type") if isinstance(event, dict) else event for event in events], response=response)


# -- prompts --------------------------------------------------------------------------------------------------------
@pytest.mark.rule(GEN_PROMPT)
@pytest.mark.parametrize("name", ["gpt-image-1", "dall-e-2", "dall-e-3"])
def test_generation_prompt_length(api, rule, rulebook_catalog, name):
    limit = int(rule.params[f"max_length_{name.replace('-', '_')}"])
    base = matrix_base(rulebook_catalog, "generations", name)
    response = generate(api, {**base, "prompt": "a" * (limit + 1)})
    require_served(response, name, rule.id)
    expect_rejected(response, rule.id, param="prompt", why=f"{limit + 1} characters for {name}",
                    control=lambda: generate(api, {**base, "prompt": "a" * limit}))


@pytest.mark.rule(EDIT_PROMPT)
@pytest.mark.parametrize("name", ["gpt-image-1", "dall-e-2"])
def test_edit_prompt_length(api, rule, rulebook_catalog, name):
    limit = int(rule.params[f"max_length_{name.replace('-', '_')}"])
    base = matrix_base(rulebook_catalog, "edits", name)
    response = edit(api, {**base, "prompt": "a" * (limit + 1)})
    require_served(response, name, rule.id)
    expect_rejected(response, rule.id, param="prompt", why=f"{limit + 1} characters for {name}",
                    control=lambda: edit(api, {**base, "prompt": "a" * limit}))


# -- uploaded images: edits --------------------------------------------------------------------------------------------
def _refused_file(response: httpx.Response, rule_id: str, model: str, why: str, control) -> None:
    require_served(response, model, rule_id)
    expect_rejected(response, rule_id, why=why, control=control)


GPT_EDIT_OK = {"png": [png_file()], "webp": [png_file(fmt="webp")], "jpg": [png_file(fmt="jpg")],
               "16-images": [png_file(name="image[]")] * 16}


@pytest.mark.rule(EDIT_IMAGE)
@pytest.mark.parametrize("case", list(GPT_EDIT_OK))
def test_gpt_image_edit_takes_its_images(api, rule, rulebook_catalog, case):
    response = edit(api, matrix_base(rulebook_catalog, "edits", "gpt-image-1"), GPT_EDIT_OK[case])
    require_served(response, "gpt-image-1", rule.id)
    expect_accepted(response, rule.id, why=f"{case} for gpt-image-1")


@pytest.mark.rule(EDIT_IMAGE)
@pytest.mark.parametrize("case", ["17-images", "gif", "50mb"])
def test_gpt_image_edit_refuses_other_images(api, rule, rulebook_catalog, case):
    base = matrix_base(rulebook_catalog, "edits", "gpt-image-1")
    control = lambda: edit(api, base)  # noqa: E731
    if case == "50mb":
        size = int(rule.params["max_bytes_gpt_image_1"])
        response = post_streamed(api, EDITS, form({"prompt": PROMPT, **base}), padded_png_chunks(SIDE, SIDE, size),
                                 size)
    else:
        files = [png_file(name="image[]")] * (int(rule.params["max_images"]) + 1) if case == "17-images" \
            else [png_file(fmt=str(rule.params["refused_format"]))]
        response = edit(api, base, files)
    _refused_file(response, rule.id, "gpt-image-1", f"{case} for gpt-image-1", control)


@pytest.mark.rule(EDIT_IMAGE)
@pytest.mark.parametrize("case", ["non-square", "jpeg", "4mb", "2-images"])
def test_dall_e_2_edit_takes_one_square_png(api, rule, rulebook_catalog, case):
    base = matrix_base(rulebook_catalog, "edits", "dall-e-2")
    files = {
        "non-square": [png_file(SIDE, SIDE // 2)],
        "jpeg": [png_file(fmt="jpeg")],
        "4mb": [("image", ("rulebook.png", padded_png(SIDE, SIDE, int(rule.params["max_bytes_dall_e_2"])),
                           "image/png"))],
        "2-images": [png_file(name="image[]")] * 2,
    }[case]
    _refused_file(edit(api, base, files), rule.id, "dall-e-2", f"{case} for dall-e-2", lambda: edit(api, base))


@pytest.mark.rule(MASK)
@pytest.mark.parametrize("case", ["same-size-png", "jpeg", "other-size", "4mb"])
def test_edit_mask(api, rule, rulebook_catalog, case):
    base = matrix_base(rulebook_catalog, "edits", "dall-e-2")
    mask = {
        "same-size-png": png_file(name="mask"),
        "jpeg": png_file(fmt="jpeg", name="mask"),
        "other-size": png_file(SIDE // 2, SIDE // 2, name="mask"),
        "4mb": ("mask", ("mask.png", padded_png(SIDE, SIDE, int(rule.params["max_bytes"])), "image/png")),
    }[case]
    response = edit(api, base, [png_file(), mask])
    require_served(response, "dall-e-2", rule.id)
    if case == "same-size-png":
        expect_accepted(response, rule.id, why="a PNG mask of the image's dimensions")
    else:
        expect_rejected(response, rule.id, why=f"a {case} mask",
                        control=lambda: edit(api, base, [png_file(), png_file(name="mask")]))


# -- uploaded images: variations -------------------------------------------------------------------------------------
@pytest.mark.rule(VARIATION_IMAGE)
@pytest.mark.parametrize("case", ["square-png", "jpeg", "non-square", "4mb"])
def test_variation_image(api, rule, rulebook_catalog, case):
    base = matrix_base(rulebook_catalog, "variations", "dall-e-2")
    files = {
        "square-png": [png_file()],
        "jpeg": [png_file(fmt="jpeg")],
        "non-square": [png_file(SIDE, SIDE // 2)],
        "4mb": [("image", ("rulebook.png", padded_png(SIDE, SIDE, int(rule.params["max_bytes"])), "image/png"))],
    }[case]
    response = variation(api, base, files)
    require_served(response, "dall-e-2", rule.id)
    if case == "square-png":
        expect_accepted(response, rule.id, why="a square PNG under 4 MB")
    else:
        expect_rejected(response, rule.id, why=f"a {case} image", control=lambda: variation(api, base))

