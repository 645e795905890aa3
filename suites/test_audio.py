"""Audio: speech, transcriptions and translations (R04.1.4-R04.1.6, R05.1.1, R05.3.*, R06.5.1-R06.5.6, R03.5.3).

The model x parameter rules are tables in the catalog (``audio.yaml`` ``matrices:``, one per endpoint);
``test_<table>_matrix`` runs one test per cell of each table (``tts-1-speed-4.0``, ``whisper-1-response_format-srt``):
an accepted value must be answered 2xx (and, for a format, in that format), a forbidden one refused as its rule
says, against the model's base request (or the same format without ``include``/``timestamp_granularities``) as
control. A model the target does not serve makes its cells unsupported. Requests cost the minimum: two characters
of speech, clips of a second (1 kHz, 8-bit WAV, about 1 kB) except where a rule is about length; media are
generated here (``openai_rulebook.audio_media``).
"""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest

from openai_rulebook import matrix_tests
from openai_rulebook.audio_media import MediaUnavailable, encoded, silence, wav_seconds
from openai_rulebook.catalog import Cell
from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.errors import Inconclusive
from openai_rulebook.models import require_served
from openai_rulebook.streams import parse_events

SPEECH = "/audio/speech"
TRANSCRIPTIONS = "/audio/transcriptions"
TRANSLATIONS = "/audio/translations"
#: the shortest input worth speaking, and a clip of one second
SHORTEST_INPUT = "Hi"
CLIP_SECONDS = 1.0
RESPONSE_FORMATS = "audio.response_format_values"

#: each matrix test and the table it runs
MATRIX_TESTS = {"test_speech_matrix": "audio.speech", "test_transcriptions_matrix": "audio.transcriptions",
                "test_translations_matrix": "audio.translations"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per cell of the function's table, marked with the rule of the cell's parameter."""
    matrix_tests.parametrize(metafunc, MATRIX_TESTS)


# -- requests ---------------------------------------------------------------------------------------------------------
def speech_body(model: str, **fields: Any) -> dict[str, Any]:
    """A speech request; the suite keeps audio.speech.instructions_not_for_tts_1 (no instructions to tts-1)."""
    if "instructions" in fields and model in INSTRUCTIONLESS:
        raise AssertionError(f"the suite must not send instructions to {model} (a client rule)")
    return {"model": model, "input": SHORTEST_INPUT, "voice": "alloy", **fields}


#: the models audio.speech.instructions_not_for_tts_1 says take no instructions (read from its table at import is
#: not possible: the catalog is the run's; the table's rows are checked against this in the rule's test)
INSTRUCTIONLESS = ("tts-1", "tts-1-hd")
LANGUAGE = re.compile(r"^[a-z]{2}$")

CONTENT_TYPES = {"flac": "audio/flac", "mp3": "audio/mpeg", "mpeg": "audio/mpeg", "mpga": "audio/mpeg",
                 "mp4": "audio/mp4", "m4a": "audio/mp4", "ogg": "audio/ogg", "wav": "audio/wav",
                 "webm": "audio/webm", "txt": "text/plain", "png": "image/png"}
#: a PNG file's signature and IHDR chunk: an image, not audio
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c489")


def clip(extension: str, seconds: float = CLIP_SECONDS) -> bytes:
    """A file of ``extension`` (one the rulebook lists, or txt/png for files that are no audio)."""
    frames = int(seconds * 24_000)
    if extension == "wav":
        return wav_seconds(seconds)
    if extension in ("mp3", "mpeg", "mpga"):
        return silence("mp3", frames)
    if extension == "flac":
        return silence("flac", frames)
    if extension == "ogg":
        return silence("opus", frames)
    if extension == "txt":
        return b"rulebook: this is not audio\n"
    if extension == "png":
        return PNG
    try:
        return encoded(extension, seconds)
    except MediaUnavailable as exc:
        raise Inconclusive(str(exc)) from None


def upload(extension: str = "wav", content: bytes | None = None) -> dict[str, Any]:
    content = clip(extension) if content is None else content
    return {"file": (f"rulebook-clip.{extension}", content, CONTENT_TYPES[extension])}


def fields_of(model: str, **fields: Any) -> dict[str, Any]:
    if "language" in fields and not LANGUAGE.match(str(fields["language"])):
        raise AssertionError("the suite sends ISO-639-1 languages only (a client rule)")
    return {"model": model, **{name: value for name, value in fields.items() if value is not None}}


def transcribe(api, model: str, *, path: str = TRANSCRIPTIONS, extension: str = "wav",
               content: bytes | None = None, **fields: Any) -> httpx.Response:
    return api.post(path, None, files=upload(extension, content), data=fields_of(model, **fields))


def form(fields: dict[str, Any]) -> dict[str, Any]:
    """Multipart fields: a list goes as repeated ``name[]`` parts, a boolean as true/false, a number as written."""
    parts: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, list):
            parts[f"{name}[]"] = [str(item) for item in value]
        else:
            parts[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return parts


def speak(api, fields: dict[str, Any]) -> httpx.Response:
    """A matrix cell's speech request: its fields, and the shortest input."""
    fields = dict(fields)
    return api.post(SPEECH, speech_body(fields.pop("model"), **fields))


def send_clip(api, path: str, fields: dict[str, Any]) -> httpx.Response:
    """A matrix cell's transcription or translation: its fields, and a one-second clip of the type its ``file``
    names (WAV when it names none)."""
    fields = dict(fields)
    extension, model = str(fields.pop("file", "wav")), fields.pop("model")
    return transcribe(api, model, path=path, extension=extension, **form(fields))


def data_url(seconds: float) -> str:
    return "data:audio/wav;base64," + base64.b64encode(wav_seconds(seconds)).decode()


def accepted(response: httpx.Response, model: str, rule_id: str, why: str) -> Any:
    """The request was accepted (the model unserved: unsupported)."""
    require_served(response, model, rule_id)
    return expect_accepted(response, rule_id, why=why)


def rejected(response: httpx.Response, model: str, rule_id: str, why: str, control, *, param: str | None = None,
             status: int | None = None) -> None:
    """The request was refused, and the same request without the violation accepted (``control``)."""
    require_served(response, model, rule_id)
    expect_rejected(response, rule_id, status=status, param=param, why=why, control=control)


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


# -- the matrices -----------------------------------------------------------------------------------------------------
def _starts_with_signature(content: bytes, signatures: list[str]) -> bool:
    return any(content.startswith(bytes.fromhex(str(signature))) for signature in signatures)


def check_speech_format(rule_id: str, params: dict[str, Any], fmt: str, response: httpx.Response) -> None:
    """Audio of the requested format: the file's signature (pcm: raw 16-bit samples, an even number of bytes)."""
    signatures = params[f"signature.{fmt}"]
    content = response.content
    if signatures:
        ok, what = _starts_with_signature(content, signatures), f"a {fmt} file (starting {signatures})"
    else:
        ok, what = len(content) > 0 and len(content) % 2 == 0, "raw 16-bit PCM (an even number of bytes)"
    expect(rule_id, ok, expected=what, actual=f"{len(content)} bytes starting {content[:8].hex()}")


def check_event_stream(rule_id: str, params: dict[str, Any], response: httpx.Response) -> None:
    types = [event.type for event in parse_events(response.content)]
    delta, done = params["events"]
    expect(rule_id, delta in types and done in types, expected=f"an event stream with {delta} and {done}",
           actual=types[:10])


def test_speech_matrix(api, rulebook_catalog, cell: Cell):
    """A speech cell; an accepted format is answered in that format, an accepted sse as an event stream."""
    response = matrix_tests.judge(cell, lambda fields: speak(api, fields))
    if response is None:
        return
    params = rulebook_catalog[cell.rule].params
    if cell.param == "response_format":
        check_speech_format(cell.rule, params, str(cell.value), response)
    elif cell.param == "stream_format" and cell.value == "sse":
        check_event_stream(cell.rule, params, response)


def _in_format(fmt: str, response: httpx.Response, json_formats: list[str]) -> tuple[bool, str]:
    body, text = json_object(response), response.text
    if fmt in json_formats:
        if fmt == "verbose_json":
            return (body is not None and isinstance(body.get("duration"), int | float)
                    and isinstance(body.get("segments", body.get("words")), list)), "verbose JSON"
        return body is not None, "a JSON object"
    if fmt == "srt":
        return text.lstrip().startswith("1") and "-->" in text and "," in text.split("-->")[0], "SubRip cues"
    if fmt == "vtt":
        return text.lstrip().startswith("WEBVTT"), "WebVTT"
    return body is None and bool(text.strip()), "plain text"


def check_stt_format(rule_id: str, fmt: str, response: httpx.Response, json_formats: list[str]) -> None:
    ok, what = _in_format(fmt, response, json_formats)
    expect(rule_id, ok, expected=f"the answer in {fmt}: {what}", actual=response.text[:200])


def _judge_stt(api, rulebook_catalog, cell: Cell, path: str) -> None:
    """A transcription or translation cell; an accepted response_format (alone) is answered in that format."""
    response = matrix_tests.judge(cell, lambda fields: send_clip(api, path, fields))
    if response is not None and cell.entry == "response_format":
        json_formats = list(rulebook_catalog[RESPONSE_FORMATS].params["json_formats"])
        check_stt_format(cell.rule, str(cell.value), response, json_formats)


def test_transcriptions_matrix(api, rulebook_catalog, cell: Cell):
    _judge_stt(api, rulebook_catalog, cell, TRANSCRIPTIONS)


def test_translations_matrix(api, rulebook_catalog, cell: Cell):
    _judge_stt(api, rulebook_catalog, cell, TRANSLATIONS)


# -- the endpoints --------------------------------------------------------------------------------------------------
@pytest.mark.rule("audio.endpoints_exist")
def test_each_endpoint_answers(api, rule, endpoint):
    """Speech answers audio bytes; transcriptions and translations a JSON object with `text` (json, the default)."""
    if endpoint.template.endswith("/speech"):
        model = rule.params["speech_model"]
        response = api.post(SPEECH, speech_body(model))
        accepted(response, model, rule.id, "a speech request")
        kind = response.headers.get("content-type", "")
        expect(rule.id, bool(response.content) and "json" not in kind, expected="audio bytes",
               actual=f"{len(response.content)} bytes of {kind!r}")
        return
    model = rule.params["transcription_model"]
    response = transcribe(api, model, path=endpoint.template.removeprefix("/v1"))
    body = accepted(response, model, rule.id, f"{endpoint} of a one-second WAV clip")
    expect(rule.id, isinstance(body, dict) and isinstance(body.get("text"), str),
           expected="a JSON object with a string `text`", actual=response.text[:200])


# -- speech ---------------------------------------------------------------------------------------------------------
@pytest.mark.rule("audio.speech.input_length")
def test_speech_input_at_the_limit_is_accepted(api, rule, rulebook_catalog):
    model = rulebook_catalog["audio.speech.model_values"].params["values"][0]
    text = "a" * rule.params["max_length"]
    accepted(api.post(SPEECH, {**speech_body(model), "input": text}), model, rule.id, f"{len(text)} characters")


@pytest.mark.rule("audio.speech.input_length")
def test_speech_input_over_the_limit_is_rejected(api, rule, rulebook_catalog):
    model = rulebook_catalog["audio.speech.model_values"].params["values"][0]
    limit = rule.params["max_length"]
    response = api.post(SPEECH, {**speech_body(model), "input": "a" * (limit + 1)})
    rejected(response, model, rule.id, f"{limit + 1} characters", param=rule.params["param"],
             control=lambda: api.post(SPEECH, speech_body(model)))


@pytest.mark.rule("audio.speech.input_length")
def test_speech_without_input_is_rejected(api, rule, rulebook_catalog):
    model = rulebook_catalog["audio.speech.model_values"].params["values"][0]
    body = {key: value for key, value in speech_body(model).items() if key != "input"}
    rejected(api.post(SPEECH, body), model, rule.id, "no input",
             control=lambda: api.post(SPEECH, speech_body(model)))


@pytest.mark.rule("audio.speech.model_values")
@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd", "gpt-4o-mini-tts"])
def test_each_speech_model_is_accepted(api, rule, model):
    assert model in rule.params["values"]
    accepted(api.post(SPEECH, speech_body(model)), model, rule.id, f"model {model}")


@pytest.mark.rule("audio.speech.model_values")
@pytest.mark.parametrize("model", ["rulebook-no-such-model", ""])
def test_unknown_speech_model_is_rejected(api, rule, model):
    control_model = rule.params["values"][0]
    expect_rejected(api.post(SPEECH, speech_body(model)), rule.id, why=f"model {model!r}",
                    control=lambda: api.post(SPEECH, speech_body(control_model)))


@pytest.mark.rule("audio.speech.instructions_not_for_tts_1")
def test_suite_sends_instructions_only_where_they_work(api, rule, rulebook_catalog):
    """A client rule, kept by the suite itself: instructions go only to the speech table's other models (and are
    accepted there), never to tts-1 or tts-1-hd (``speech_body`` refuses to build such a request)."""
    assert set(rule.params["models"]) == set(INSTRUCTIONLESS)
    for model in rule.params["models"]:
        with pytest.raises(AssertionError):
            speech_body(model, instructions="Speak calmly.")
    for model in [name for name in rulebook_catalog.matrices["audio.speech"].models if name not in INSTRUCTIONLESS]:
        accepted(api.post(SPEECH, speech_body(model, instructions="Calm.")), model, rule.id,
                 f"{model} with instructions")


# -- transcriptions and translations ------------------------------------------------------------------------------
@pytest.mark.rule("audio.transcription.file_formats")
def test_transcription_without_file_is_rejected(api, rule, rulebook_catalog):
    model = rulebook_catalog.matrices["audio.transcriptions"].params["file"].takers[0]
    response = api.post(TRANSCRIPTIONS, None, files={"unused": ("x", b"", "text/plain")}, data={"model": model})
    rejected(response, model, rule.id, "no file", status=400, control=lambda: transcribe(api, model))


@pytest.mark.rule("audio.transcription.model_values")
@pytest.mark.parametrize("model", ["gpt-4o-transcribe", "gpt-4o-mini-transcribe", "whisper-1",
                                   "gpt-4o-transcribe-diarize", "rulebook-no-such-model"])
def test_transcription_model(api, rule, model):
    known = rule.params["values"]
    assert model in [*known, *rule.params["rejected"]]
    response = transcribe(api, model)
    if model in known:
        accepted(response, model, rule.id, f"model {model}")
    else:
        expect_rejected(response, rule.id, why=f"model {model!r}", control=lambda: transcribe(api, known[0]))


@pytest.mark.rule("audio.translation.model_values")
@pytest.mark.parametrize("model", ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
                                   "gpt-4o-transcribe-diarize", "rulebook-no-such-model"])
def test_translation_model(api, rule, model):
    known = rule.params["values"]
    assert model in [*known, *rule.params["rejected"]]
    response = transcribe(api, model, path=TRANSLATIONS)
    if model in known:
        accepted(response, model, rule.id, f"model {model}")
    else:
        expect_rejected(response, rule.id, param=rule.params["param"], why=f"model {model!r} for translations",
                        control=lambda: transcribe(api, known[0], path=TRANSLATIONS))


@pytest.mark.rule("audio.transcription.diarize_chunking_required")
@pytest.mark.parametrize(("over", "chunked"), [(0, False), (0, True), (1, True), (1, False)],
                         ids=["at-limit-without", "at-limit-with", "over-limit-with", "over-limit-without"])
def test_diarize_chunking(api, rule, over, chunked):
    """A clip of max_seconds needs no chunking_strategy; one a second longer is refused without it (400),
    against the same clip with it."""
    model, seconds = rule.params["model"], float(rule.params["max_seconds"]) + over
    content, strategy = wav_seconds(seconds), str(rule.params["value"])
    response = transcribe(api, model, content=content, chunking_strategy=strategy if chunked else None)
    why = f"{seconds:g} s {f'with chunking_strategy {strategy}' if chunked else 'without chunking_strategy'}"
    if chunked or not over:
        accepted(response, model, rule.id, why)
    else:
        rejected(response, model, rule.id, why, status=400,
                 control=lambda: transcribe(api, model, content=content, chunking_strategy=strategy))


def _speakers(count: int, seconds: float) -> dict[str, list[str]]:
    return {"known_speaker_names[]": [f"speaker{i}" for i in range(count)],
            "known_speaker_references[]": [data_url(seconds)] * count}


@pytest.mark.rule("audio.transcription.known_speakers_max")
@pytest.mark.parametrize("extra", [0, 1], ids=["at-max", "one-over"])
def test_known_speakers_count(api, rule, extra):
    model, most = rule.params["model"], rule.params["max"]
    seconds = rule.params["reference_seconds"]
    response = transcribe(api, model, response_format="diarized_json", **_speakers(most + extra, seconds))
    if not extra:
        accepted(response, model, rule.id, f"{most} known speakers")
    else:
        rejected(response, model, rule.id, f"{most + 1} known speakers", param=rule.params["param"],
                 control=lambda: transcribe(api, model, response_format="diarized_json",
                                            **_speakers(most, seconds)))


@pytest.mark.rule("audio.transcription.known_speaker_reference_duration")
@pytest.mark.parametrize("kind", ["accepted", "rejected"])
def test_known_speaker_reference_lengths(api, rule, kind):
    model = rule.params["model"]
    for seconds in rule.params[kind]:
        response = transcribe(api, model, response_format="diarized_json", **_speakers(1, float(seconds)))
        if kind == "accepted":
            accepted(response, model, rule.id, f"a reference of {seconds} s")
        else:
            rejected(response, model, rule.id, f"a reference of {seconds} s", param=rule.params["param"],
                     control=lambda: transcribe(api, model, response_format="diarized_json",
                                                **_speakers(1, float(rule.params["min_seconds"]))))


@pytest.mark.rule("audio.transcription.prompt_not_for_diarize")
def test_diarize_with_prompt_is_rejected(api, rule):
    model = rule.params["model"]
    response = transcribe(api, model, prompt="Rulebook.")
    rejected(response, model, rule.id, f"{model} with a prompt", status=400, param=rule.params["param"],
             control=lambda: transcribe(api, model))


def _speaker_keys(value: Any) -> bool:
    """Whether a JSON value carries a ``speaker`` member anywhere."""
    if isinstance(value, dict):
        return "speaker" in value or any(_speaker_keys(item) for item in value.values())
    if isinstance(value, list):
        return any(_speaker_keys(item) for item in value)
    return False


@pytest.mark.rule("audio.transcription.diarized_json_speakers")
@pytest.mark.parametrize("fmt", ["diarized_json", "json", "text"])
def test_diarize_speakers_only_in_diarized_json(api, rule, fmt):
    model = rule.params["model"]
    assert fmt in rule.params["values"]
    response = transcribe(api, model, response_format=fmt)
    accepted(response, model, rule.id, f"{model} with response_format {fmt}")
    body = json_object(response)
    if fmt != "diarized_json":
        expect(rule.id, not _speaker_keys(body), expected=f"no speaker annotations in {fmt}",
               actual=response.text[:300])
        return
    segments = body.get("segments") if body else None
    labelled = isinstance(segments, list) and bool(segments) and all(
        isinstance(segment, dict) and isinstance(segment.get("speaker"), str) for segment in segments)
    expect(rule.id, labelled, expected="diarized_json segments, each with a speaker", actual=response.text[:300])


@pytest.mark.rule("audio.transcription.whisper_ignores_stream")
def test_whisper_stream_is_ignored(api, rule):
    model = rule.params["model"]
    response = transcribe(api, model, stream="true")
    body = accepted(response, model, rule.id, f"{model} with stream=true")
    kind = response.headers.get("content-type", "")
    expect(rule.id, "text/event-stream" not in kind and isinstance(body, dict) and "text" in body,
           expected="one JSON transcription, no event stream", actual=f"{kind}: {response.text[:200]}")


@pytest.mark.rule("audio.transcription.no_timestamps_for_diarize")
@pytest.mark.parametrize("fmt", ["json", "diarized_json"])
def test_diarize_with_timestamps_is_rejected(api, rule, fmt):
    model = rule.params["model"]
    assert fmt in rule.params["response_formats"]
    response = transcribe(api, model, response_format=fmt, **{"timestamp_granularities[]": ["segment"]})
    rejected(response, model, rule.id, f"{model} with timestamp_granularities", status=400,
             param=rule.params["param"], control=lambda: transcribe(api, model, response_format=fmt))


@pytest.mark.rule("audio.transcription.language_iso_639_1")
def test_suite_sends_iso_639_1_languages(api, rule):
    """A client rule, kept by the suite itself: ``fields_of`` refuses a language that is not two lowercase
    letters, and a transcription with ``language: en`` is accepted."""
    assert rule.params["pattern"] == LANGUAGE.pattern
    model = rule.params["model"]
    with pytest.raises(AssertionError):
        fields_of(model, language="english")
    accepted(transcribe(api, model, language="en"), model, rule.id, "language en")

