"""Images: the server's model tables against the catalog's matrices, media validation with Pillow, generated
images, URLs that expire, streamed partial images, and the faults."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from openai_rulebook.catalog import cells
from openai_rulebook.sample_images import image, padded_png, padded_png_chunks
from openai_rulebook.server import create_app
from openai_rulebook.server.core.multipart import FilePart
from openai_rulebook.server.images import media

GENERATIONS, EDITS, VARIATIONS = "/v1/images/generations", "/v1/images/edits", "/v1/images/variations"
PATHS = {"images.generations": GENERATIONS, "images.edits": EDITS, "images.variations": VARIATIONS}


def form(fields: dict[str, Any]) -> dict[str, str]:
    return {name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in fields.items()}


def send(client: httpx.Client, path: str, fields: dict[str, Any], files: list | None = None) -> httpx.Response:
    if path == GENERATIONS:
        return client.post(path, json={"prompt": "a dot", **fields})
    if path == EDITS:
        fields = {"prompt": "a dot", **fields}
    return client.post(path, data=form(fields), files=files or [("image", ("a.png", image(64, 64), "image/png"))])


def decoded(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def test_the_server_keeps_every_cell_of_the_catalog_tables(client, catalog) -> None:
    """The reference server's tables (server/images/models.py) are the catalog's, cell by cell."""
    wrong = []
    for name, matrix in catalog.matrices.items():
        if not name.startswith("images."):
            continue
        for cell in cells(name, matrix):
            response = send(client, PATHS[name], cell.request())
            param = response.json().get("error", {}).get("param") if not response.is_success and \
                response.headers["content-type"].startswith("application/json") else None
            if cell.accepted != response.is_success or (not cell.accepted and param != cell.param):
                wrong.append(f"{name} {cell.id}: {response.status_code} {response.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_a_gpt_image_answers_base64_of_the_requested_size_and_format(client) -> None:
    body = send(client, GENERATIONS, {"model": "gpt-image-1", "size": "1536x1024", "quality": "low",
                                      "output_format": "webp", "background": "transparent", "n": 2}).json()
    assert set(body) == {"created", "data", "background", "output_format", "quality", "size", "usage"}
    assert [set(item) for item in body["data"]] == [{"b64_json"}] * 2
    picture = decoded(body["data"][0]["b64_json"])
    assert (picture.format, picture.size, picture.mode) == ("WEBP", (1536, 1024), "RGBA")
    assert (body["background"], body["output_format"], body["size"]) == ("transparent", "webp", "1536x1024")
    usage = body["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]


def test_the_same_prompt_gives_the_same_image(client) -> None:
    first, second = (send(client, GENERATIONS, {"model": "dall-e-2", "size": "256x256",
                                                "response_format": "b64_json"}).json() for _ in range(2))
    assert first["data"] == second["data"]
    assert decoded(first["data"][0]["b64_json"]).size == (256, 256)


def test_dall_e_urls_are_served_for_an_hour_without_a_key(client, anonymous, clock) -> None:
    body = send(client, GENERATIONS, {"model": "dall-e-3"}).json()
    assert body["data"][0]["revised_prompt"] == "a dot"
    url = body["data"][0]["url"]
    fetched = anonymous.get(url)
    assert fetched.status_code == 200 and fetched.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(fetched.content)).size == (1024, 1024)
    clock.advance(3599)
    assert anonymous.get(url).status_code == 200
    clock.advance(1)
    assert anonymous.get(url).status_code == 403


def test_a_stream_sends_partial_images_then_the_completed_one(client) -> None:
    response = send(client, GENERATIONS, {"model": "gpt-image-1", "stream": True, "partial_images": 2})
    assert response.headers["content-type"].startswith("text/event-stream")
    names = [line.split(": ", 1)[1] for line in response.text.splitlines() if line.startswith("event: ")]
    assert names == ["image_generation.partial_image"] * 2 + ["image_generation.completed"]


def test_media_inspection_reads_format_and_dimensions() -> None:
    for fmt, name in (("png", "png"), ("jpeg", "jpeg"), ("webp", "webp"), ("gif", "gif")):
        data = image(30, 20, fmt)
        part = FilePart("image", "x", None, size=len(data), kept=bytearray(data), head=bytearray(data[:64 * 1024]))
        assert media.inspect(part) == media.Media(len(data), name, 30, 20)
    junk = FilePart("image", "x", None, size=5, kept=bytearray(b"hello"), head=bytearray(b"hello"))
    assert media.inspect(junk).format is None


def test_a_padded_png_is_exactly_its_size_and_still_decodes() -> None:
    data = padded_png(16, 16, 100_000)
    assert len(data) == 100_000
    with Image.open(io.BytesIO(data)) as picture:
        picture.load()
        assert picture.size == (16, 16)


def test_a_50_mb_image_is_refused(client, expect_error) -> None:
    size = 50 * 1024 * 1024

    def body():
        yield (b'--b\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nx\r\n'
               b'--b\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-1\r\n'
               b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
               b'Content-Type: image/png\r\n\r\n')
        yield from padded_png_chunks(16, 16, size)
        yield b"\r\n--b--\r\n"

    response = client.post(EDITS, content=b"".join(body()), headers={"Content-Type": "multipart/form-data; boundary=b"})
    expect_error(response, 400, param="image")


@pytest.mark.parametrize(("files", "param"), [
    ([("image", ("a.png", image(64, 32), "image/png"))], "image"),
    ([("image", ("a.jpg", image(64, 64, "jpeg"), "image/jpeg"))], "image"),
    ([("image[]", ("a.png", image(64, 64), "image/png"))] * 2, "image"),
    ([("image", ("a.png", padded_png(64, 64, 4 * 1024 * 1024), "image/png"))], "image"),
    ([("image", ("a.png", image(64, 64), "image/png")), ("mask", ("m.png", image(32, 32), "image/png"))], "mask"),
    ([("image", ("a.png", image(64, 64), "image/png")), ("mask", ("m.jpg", image(64, 64, "jpeg"), "image/jpeg"))],
     "mask"),
    ([("image", ("a.png", b"not an image", "image/png"))], "image"),
])
def test_dall_e_2_edits_refuse_bad_media(client, expect_error, files, param) -> None:
    expect_error(send(client, EDITS, {"model": "dall-e-2", "size": "256x256"}, files), 400, param=param)


def test_gpt_image_edits_take_sixteen_images_of_three_formats(client, expect_error) -> None:
    files = [("image[]", (f"a.{fmt}", image(40, 30, fmt), f"image/{fmt}")) for fmt in ("png", "jpeg", "webp")] * 5
    files.append(files[0])
    assert send(client, EDITS, {"model": "gpt-image-1"}, files).status_code == 200
    expect_error(send(client, EDITS, {"model": "gpt-image-1"}, files + [files[0]]), 400, param="image")


@pytest.mark.parametrize(("fault", "path", "fields", "files"), [
    ("images.edit_non_square_dall_e_2", EDITS, {"model": "dall-e-2"},
     [("image", ("a.png", image(64, 32), "image/png"))]),
    ("images.variation_non_square", VARIATIONS, {}, [("image", ("a.png", image(64, 32), "image/png"))]),
    ("images.mask_of_other_dimensions", EDITS, {"model": "dall-e-2"},
     [("image", ("a.png", image(64, 64), "image/png")), ("mask", ("m.png", image(32, 32), "image/png"))]),
    ("images.transparent_jpeg", GENERATIONS, {"model": "gpt-image-1", "background": "transparent",
                                              "output_format": "jpeg"}, None),
])
def test_a_fault_lets_through_what_its_rule_refuses(client_for, fault, path, fields, files) -> None:
    assert send(client_for(create_app()), path, fields, files).status_code == 400
    assert send(client_for(create_app(faults=[fault])), path, fields, files).status_code == 200


def test_faults_that_change_the_answer(client_for) -> None:
    broken = client_for(create_app(faults=["images.gpt_image_answers_url", "images.variation_without_created"]))
    assert "url" in send(broken, GENERATIONS, {"model": "gpt-image-1"}).json()["data"][0]
    assert "created" not in send(broken, VARIATIONS, {}).json()
