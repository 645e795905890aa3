"""Audio: speech, transcriptions and translations (R04.1.4-R04.1.6, R05.1.1, R05.3.*, R06.5.1-R06.5.6, R03.5.3).

The model x parameter matrices are data in the catalog: a rule's ``params`` hold its table as ``accepted.<row>``
and ``rejected.<row>`` lists (a row is a model, an endpoint, a clip length). Each test below that asks for
``cell`` runs once per cell of its rule's table, with an id such as ``whisper-1-response_format-srt``: every
accepted value at its edge must be accepted, every rejected one refused (against the same request with the
accepted value as control). A cell whose model the target does not serve ends ``unsupported``
(``require_served``). Requests cost the minimum: two characters of speech, clips of a second (1 kHz, 8-bit WAV,
about 1 kB) except where a rule is about length; media are generated here (``openai_rulebook.audio_media``).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from openai_rulebook.audio_media import MediaUnavailable, encoded, silence, wav_seconds
from openai_rulebook.catalog import Catalog, load_catalog
from openai_rulebook.checks import expect, expect_accepted, expect_rejected
from openai_rulebook.errors import Inconclusive
from openai_rulebook.models import require_served
from openai_rulebook.plugin.plugin import STATE, _catalog_path
from openai_rulebook.streams import parse_events

SPEECH = "/audio/speech"
TRANSCRIPTIONS = "/audio/transcriptions"
TRANSLATIONS = "/audio/translations"
#: the shortest input worth speaking, and a clip of one second
SHORTEST_INPUT = "Hi"
CLIP_SECONDS = 1.0


# -- the matrices: cells generated from the catalog -------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    """One cell of a rule's table: a row (model, endpoint, clip length), a value, and whether it is allowed."""

    row: str
    value: Any
    accepted: bool


def table(params: dict[str, Any], kind: str) -> dict[str, list[Any]]:
    """``accepted`` or ``rejected``: the rule's ``<kind>.<row>`` lists as ``{row: values}``."""
    prefix = f"{kind}."
    return {key[len(prefix):]: list(values or []) for key, values in params.items() if key.startswith(prefix)}


def cell_id(rule_params: dict[str, Any], cell: Cell) -> str:
    row = cell.row.rsplit("/", 1)[-1].replace(" ", "-")  # "POST /v1/audio/translations whisper-1" -> short
    return f"{row}-{rule_params.get('param', 'value')}-{cell.value}"


def _catalog(config: pytest.Config) -> Catalog:
    state = config.stash[STATE]
    if state.catalog is None:
        state.catalog = load_catalog(_catalog_path(config))
    return state.catalog


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that asks for ``cell`` runs once per cell of its rule's table (``only`` limits it to one kind)."""
    if "cell" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("rule")
    rule = _catalog(metafunc.config)[marker.args[0]]
    kinds = getattr(metafunc.function, "kinds", ("accepted", "rejected"))
    cells = [Cell(row, value, kind == "accepted") for kind in kinds
             for row, values in table(rule.params, kind).items() for value in values]
    metafunc.parametrize("cell", cells, ids=[cell_id(rule.params, cell) for cell in cells])


def only(*kinds: str):
    """Limit a ``cell`` test to the accepted or the rejected cells of its table."""

    def mark(function):
        function.kinds = kinds
        return function

    return mark


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


def data_url(seconds: float) -> str:
    return "data:audio/wav;base64," + base64.b64encode(wav_seconds(seconds)).decode()


def accepted(response: httpx.Response, model: str, rule_id: str, why: str) -> Any:
    """A cell's request was accepted (the model unserved: unsupported)."""
    require_served(response, model, rule_id)
    return expect_accepted(response, rule_id, why=why)


def rejected(response: httpx.Response, model: str, rule_id: str, why: str, control, *, param: str | None = None,
             status: int | None = None, check_served: bool = True) -> None:
    """A cell's request was refused, and the same request without the violation accepted (``control``)."""
    if check_served:
        require_served(response, model, rule_id)
    expect_rejected(response, rule_id, status=status, param=param, why=why, control=control)


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


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


@pytest.mark.rule("audio.speech.voice_values")
def test_speech_voice_cell(api, rule, cell):
    model, voice = cell.row, cell.value
    response = api.post(SPEECH, speech_body(model, voice=voice))
    if cell.accepted:
        accepted(response, model, rule.id, f"{model} with voice {voice}")
    else:
        rejected(response, model, rule.id, f"{model} with voice {voice!r}", param=rule.params["param"],
                 control=lambda: api.post(SPEECH, speech_body(model)))


@pytest.mark.rule("audio.speech.speed_range")
def test_speech_speed_cell(api, rule, cell):
    model, speed = cell.row, cell.value
    response = api.post(SPEECH, speech_body(model, speed=speed))
    if cell.accepted:
        accepted(response, model, rule.id, f"{model} at speed {speed}")
    else:
        rejected(response, model, rule.id, f"{model} at speed {speed}", param=rule.params["param"],
                 control=lambda: api.post(SPEECH, speech_body(model, speed=rule.params["default"])))


@pytest.mark.rule("audio.speech.sse_not_for_tts_1")
def test_speech_stream_format_cell(api, rule, cell):
    model, stream_format = cell.row, cell.value
    response = api.post(SPEECH, speech_body(model, stream_format=stream_format))
    if not cell.accepted:
        rejected(response, model, rule.id, f"{model} with stream_format {stream_format}", status=400,
                 control=lambda: api.post(SPEECH, speech_body(model, stream_format="audio")))
        return
    accepted(response, model, rule.id, f"{model} with stream_format {stream_format}")
    if stream_format == "sse":
        types = [event.type for event in parse_events(response.content)]
        delta, done = rule.params["events"]
        expect(rule.id, delta in types and done in types, expected=f"an event stream with {delta} and {done}",
               actual=types[:10])


def _starts_with_signature(content: bytes, signatures: list[str]) -> bool:
    return any(content.startswith(bytes.fromhex(str(signature))) for signature in signatures)


@pytest.mark.rule("audio.speech.response_format_values")
def test_speech_response_format_cell(api, rule, cell):
    model, fmt = cell.row, cell.value
    response = api.post(SPEECH, speech_body(model, response_format=fmt))
    if not cell.accepted:
        rejected(response, model, rule.id, f"{model} with response_format {fmt!r}", param=rule.params["param"],
                 control=lambda: api.post(SPEECH, speech_body(model)))
        return
    accepted(response, model, rule.id, f"{model} with response_format {fmt}")
    signatures = rule.params[f"signature.{fmt}"]
    content = response.content
    if signatures:
        ok, what = _starts_with_signature(content, signatures), f"a {fmt} file (starting {signatures})"
    else:  # pcm: raw 16-bit samples
        ok, what = len(content) > 0 and len(content) % 2 == 0, "raw 16-bit PCM (an even number of bytes)"
    expect(rule.id, ok, expected=what, actual=f"{len(content)} bytes starting {content[:8].hex()}")


@pytest.mark.rule("audio.speech.instructions_not_for_tts_1")
def test_suite_sends_instructions_only_where_they_work(api, rule):
    """A client rule, kept by the suite itself: instructions go to the models of the table's accepted rows only
    (and are accepted there), never to tts-1 or tts-1-hd (``speech_body`` refuses to build such a request)."""
    assert set(table(rule.params, "rejected")) == set(rule.params["models"]) == set(INSTRUCTIONLESS)
    for model in rule.params["models"]:
        with pytest.raises(AssertionError):
            speech_body(model, instructions="Speak calmly.")
    for model in table(rule.params, "accepted"):
        accepted(api.post(SPEECH, speech_body(model, instructions="Calm.")), model, rule.id,
                 f"{model} with instructions")


# -- transcriptions and translations ------------------------------------------------------------------------------
@pytest.mark.rule("audio.transcription.temperature_range")
def test_temperature_cell(api, rule, cell):
    path = cell.row.split(" ", 1)[1].removeprefix("/v1")
    model = rule.params["model"]
    response = transcribe(api, model, path=path, temperature=str(cell.value))
    if cell.accepted:
        accepted(response, model, rule.id, f"{path} with temperature {cell.value}")
    else:
        rejected(response, model, rule.id, f"{path} with temperature {cell.value}", param=rule.params["param"],
                 control=lambda: transcribe(api, model, path=path, temperature="0.5"))


def _file_formats(api, rule, path: str, extension: str) -> None:
    model = rule.params["model"]
    response = transcribe(api, model, path=path, extension=extension)
    if extension in rule.params["values"]:
        accepted(response, model, rule.id, f"a {extension} file")
    else:
        rejected(response, model, rule.id, f"a {extension} file (no audio)", status=400,
                 control=lambda: transcribe(api, model, path=path))


#: the catalog's values and rejected lists of the file_formats rules, written out for parametrize (each test checks
#: its extension against its rule)
EXTENSIONS = ["flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm", "txt", "png"]


@pytest.mark.rule("audio.transcription.file_formats")
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_transcription_file_format(api, rule, extension):
    assert extension in [*rule.params["values"], *rule.params["rejected"]]
    _file_formats(api, rule, TRANSCRIPTIONS, extension)


@pytest.mark.rule("audio.translation.file_formats")
@pytest.mark.parametrize("extension", EXTENSIONS)
def test_translation_file_format(api, rule, extension):
    assert extension in [*rule.params["values"], *rule.params["rejected"]]
    _file_formats(api, rule, TRANSLATIONS, extension)


@pytest.mark.rule("audio.transcription.file_formats")
def test_transcription_without_file_is_rejected(api, rule):
    model = rule.params["model"]
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
def test_diarize_chunking_cell(api, rule, cell):
    model, seconds = rule.params["model"], float(cell.row)
    content = wav_seconds(seconds)
    strategy = None if cell.value == "none" else cell.value
    response = transcribe(api, model, content=content, chunking_strategy=strategy)
    why = f"{seconds:g} s {'without chunking_strategy' if strategy is None else f'with chunking_strategy {strategy}'}"
    if cell.accepted:
        accepted(response, model, rule.id, why)
    else:
        rejected(response, model, rule.id, why, status=400,
                 control=lambda: transcribe(api, model, content=content, chunking_strategy="auto"))


@pytest.mark.rule("audio.transcription.logprobs_support")
def test_logprobs_cell(api, rule, cell):
    model, fmt = cell.row, cell.value
    response = transcribe(api, model, response_format=fmt, **{"include[]": [rule.params["value"]]})
    why = f"{model}, response_format {fmt}, include logprobs"
    if cell.accepted:
        accepted(response, model, rule.id, why)
    else:
        rejected(response, model, rule.id, why, control=lambda: transcribe(api, model, response_format=fmt))


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


@pytest.mark.rule("audio.transcription.gpt4o_json_only")
def test_gpt4o_response_format_cell(api, rule, cell):
    model, fmt = cell.row, cell.value
    response = transcribe(api, model, response_format=fmt)
    if cell.accepted:
        body = accepted(response, model, rule.id, f"{model} with response_format {fmt}")
        expect(rule.id, isinstance(body, dict), expected="a JSON object", actual=response.text[:200])
    else:
        rejected(response, model, rule.id, f"{model} with response_format {fmt}", param=rule.params["param"],
                 control=lambda: transcribe(api, model, response_format="json"))


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


@pytest.mark.rule("audio.transcription.timestamps_need_verbose_json")
def test_timestamps_cell(api, rule, cell):
    model, fmt = cell.row, cell.value
    granularities = {"timestamp_granularities[]": list(rule.params["values"])}
    response = transcribe(api, model, response_format=fmt, **granularities)
    why = f"{model}, response_format {fmt}, timestamp_granularities"
    if cell.accepted:
        accepted(response, model, rule.id, why)
    else:
        rejected(response, model, rule.id, why, status=400,
                 control=lambda: transcribe(api, model, response_format=fmt))


@pytest.mark.rule("audio.transcription.no_timestamps_for_diarize")
@pytest.mark.parametrize("fmt", ["json", "diarized_json"])
def test_diarize_with_timestamps_is_rejected(api, rule, fmt):
    model = rule.params["model"]
    assert fmt in rule.params["response_formats"]
    response = transcribe(api, model, response_format=fmt, **{"timestamp_granularities[]": ["segment"]})
    rejected(response, model, rule.id, f"{model} with timestamp_granularities", status=400,
             param=rule.params["param"], control=lambda: transcribe(api, model, response_format=fmt))


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


@pytest.mark.rule("audio.response_format_values")
def test_response_format_cell(api, rule, cell):
    endpoint, model = cell.row.rsplit(" ", 1)
    path, fmt = endpoint.split(" ", 1)[1].removeprefix("/v1"), cell.value
    response = transcribe(api, model, path=path, response_format=fmt)
    why = f"{path} {model} with response_format {fmt}"
    if not cell.accepted:
        rejected(response, model, rule.id, why, param=rule.params["param"],
                 control=lambda: transcribe(api, model, path=path, response_format="json"))
        return
    accepted(response, model, rule.id, why)
    ok, what = _in_format(fmt, response, list(rule.params["json_formats"]))
    expect(rule.id, ok, expected=f"the answer in {fmt}: {what}", actual=response.text[:200])


@pytest.mark.rule("audio.transcription.language_iso_639_1")
def test_suite_sends_iso_639_1_languages(api, rule):
    """A client rule, kept by the suite itself: ``fields_of`` refuses a language that is not two lowercase
    letters, and a transcription with ``language: en`` is accepted."""
    assert rule.params["pattern"] == LANGUAGE.pattern
    model = rule.params["model"]
    with pytest.raises(AssertionError):
        fields_of(model, language="english")
    accepted(transcribe(api, model, language="en"), model, rule.id, "language en")

