"""The reference server's audio answers have real traffic's shapes (audio.jsonl), and the audio client rules hold
on the recorded requests.

One walk through the audio operations (JSON answers in each format: whisper-1's json and verbose_json with words
and segments, gpt-4o-transcribe's json with logprobs, the diarize model's diarized_json, translations' json and
verbose_json, a 400) is compared with the corpus operation by operation, as ``test_server_shapes`` does for the
other areas. Speech answers bytes, and its event streams are compared event type by event type.
"""

from __future__ import annotations

import base64
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from openai_rulebook.audio_media import wav_seconds
from openai_rulebook.catalog import Catalog
from openai_rulebook.spec import ResponseValidator
from openai_rulebook.streams import parse_events
from openai_rulebook.traffic import Corpus

from .test_server_shapes import AUTH, Shapes, _InProcess, differences, units

#: differences the reference server keeps on purpose, with the reason
ALLOWED = {
    ("createTranscription", 400, "members real sends (newest"):
        "real 400s of transcriptions carry a top-level `usage: {type: duration, seconds: 0}` next to `error`; the "
        "reference server answers every refusal with the shared envelope (errors.envelope)",
}


def audio_exchanges() -> Iterator[tuple[str, str, int, Any]]:
    clip = ("clip.wav", wav_seconds(1.0), "audio/wav")
    with httpx.Client(transport=_InProcess(), base_url="http://testserver", headers=AUTH) as client:
        def form(path: str, **fields: Any) -> tuple[str, str, int, Any]:
            response = client.post(path, files={"file": clip}, data=fields)
            return "POST", path, response.status_code, response.json()

        transcriptions, translations = "/v1/audio/transcriptions", "/v1/audio/translations"
        yield form(transcriptions, model="whisper-1")
        yield form(transcriptions, model="whisper-1", response_format="verbose_json",
                   **{"timestamp_granularities[]": ["word"]})
        yield form(transcriptions, model="whisper-1", response_format="verbose_json",
                   **{"timestamp_granularities[]": ["word", "segment"]})
        yield form(transcriptions, model="gpt-4o-transcribe", **{"include[]": ["logprobs"]})
        yield form(transcriptions, model="gpt-4o-transcribe-diarize", response_format="diarized_json")
        yield form(transcriptions, model="whisper-1", language="not a language code", response_format="srt",
                   timestamp_granularities="word")
        yield form(translations, model="whisper-1")
        yield form(translations, model="whisper-1", response_format="verbose_json")


@pytest.fixture(scope="module")
def compared(corpus: Corpus, validator: ResponseValidator) -> dict[tuple[str, int, str], tuple[Shapes, Shapes]]:
    real: dict[tuple[str, int, str], Shapes] = defaultdict(Shapes)
    for line in corpus.family("audio"):
        operation = validator.operation(line.method, line.path)
        if operation is not None:
            for unit, body in units(line.json_body):
                real[operation[0], line.status, unit].add(body, line.when)
    ours: dict[tuple[str, int, str], Shapes] = defaultdict(Shapes)
    for method, path, status, body in audio_exchanges():
        operation = validator.operation(method, path)
        assert operation is not None, (method, path)
        for unit, part in units(body):
            ours[operation[0], status, unit].add(part, None)
    return {key: (real[key], shapes) for key, shapes in ours.items() if key in real}


def test_the_walk_reaches_the_recorded_audio_operations(compared) -> None:
    assert {(operation, status) for operation, status, _ in compared} >= {
        ("createTranscription", 200), ("createTranscription", 400), ("createTranslation", 200)}


def test_audio_shapes_match_real_traffic(compared) -> None:
    report = []
    for (operation, status, unit), (real, ours) in sorted(compared.items()):
        for difference in differences(real, ours):
            if not any((operation, status) == key[:2] and difference.startswith(key[2]) for key in ALLOWED):
                report.append(f"{operation}{unit} {status}: {difference}")
    assert not report, "\n".join(report)


def _nested_keys(corpus: Corpus, field: str) -> tuple[set[str], set[str]]:
    """Members of the items of ``field`` (segments, words, logprobs) in real bodies, and in ours."""
    real: set[str] = set()
    for line in corpus.family("audio"):
        body = line.json_body
        if isinstance(body, dict) and isinstance(body.get(field), list):
            for item in body[field]:
                real |= set(item) if isinstance(item, dict) else set()
    ours: set[str] = set()
    for _, _, _, body in audio_exchanges():
        if isinstance(body, dict) and isinstance(body.get(field), list):
            for item in body[field]:
                ours |= set(item)
    return real, ours


@pytest.mark.parametrize("field", ["segments", "words", "logprobs"])
def test_item_members_are_real_ones(corpus: Corpus, field: str) -> None:
    real, ours = _nested_keys(corpus, field)
    assert ours and ours <= real, f"{field}: ours {sorted(ours)}, real {sorted(real)}"


def _event_shapes(bodies: list[Any]) -> dict[str, set[str]]:
    shapes: dict[str, set[str]] = defaultdict(set)
    for events in bodies:
        for event in events:
            data = event.get("data")
            if isinstance(data, dict):
                shapes[str(data.get("type"))] |= set(data)
            else:
                shapes[str(data)] |= set()
    return shapes


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/audio/speech", {"model": "gpt-4o-mini-tts", "input": "Hello!", "voice": "alloy", "stream_format": "sse"}),
    ("/v1/audio/transcriptions", None)])
def test_streams_have_real_event_types_and_members(corpus: Corpus, path: str, body: Any) -> None:
    real = _event_shapes([line.response_body for line in corpus.family("audio")
                          if line.path == path and isinstance(line.response_body, list)])
    with httpx.Client(transport=_InProcess(), base_url="http://testserver", headers=AUTH) as client:
        if body is not None:
            response = client.post(path, json=body)
        else:
            response = client.post(path, files={"file": ("clip.wav", wav_seconds(1.0), "audio/wav")},
                                   data={"model": "gpt-4o-mini-transcribe", "stream": "true"})
    ours = _event_shapes([[event.as_recorded() for event in parse_events(response.content)]])
    assert set(ours) <= set(real), (sorted(ours), sorted(real))
    for kind, members in ours.items():
        assert members <= real[kind], (kind, sorted(members), sorted(real[kind]))
    assert all(base64.b64decode(event.data["audio"]) for event in parse_events(response.content)
               if event.type == "speech.audio.delta")


# -- the audio client rules, on the recorded requests ---------------------------------------------------------------
def _sent(line) -> dict[str, Any]:
    body = line.request_body
    if isinstance(body, dict) and "multipart" in body:
        return {part.get("name"): part.get("value") for part in body.get("multipart") or ()}
    return body if isinstance(body, dict) else {}


def test_recorded_speech_requests_send_no_instructions_to_tts_1(corpus: Corpus, catalog: Catalog) -> None:
    rule = catalog["audio.speech.instructions_not_for_tts_1"]
    sent = [_sent(line) for line in corpus.family("audio") if line.path == "/v1/audio/speech"]
    assert sum("instructions" in body for body in sent) >= 1  # the check is fed: someone sends instructions
    breaking = [body for body in sent if body.get("model") in rule.params["models"] and "instructions" in body]
    assert not breaking, breaking


def test_recorded_languages_are_iso_639_1(corpus: Corpus, catalog: Catalog) -> None:
    rule = catalog["audio.transcription.language_iso_639_1"]
    languages = [_sent(line).get("language") for line in corpus.family("audio")]
    languages = [language for language in languages if language is not None]
    assert languages and all(re.fullmatch(str(rule.params["pattern"]), language) for language in languages)
