"""Audio: speech (JSON in, audio bytes or an event stream out), transcriptions and translations (multipart in).

Every model x parameter rule of the catalog's ``audio.yaml`` is stated here through ``Rules`` (one fault each).
Uploaded files are read as they stream (``core.multipart``), kept up to the 25 MB the API takes and judged by
their bytes (``containers``): the container by its magic bytes, and for WAV its duration (the 30-second chunking
rule of gpt-4o-transcribe-diarize, the 2-10 s known-speaker samples). Answers are deterministic
(``synthesis``, ``transcripts``).
"""

from __future__ import annotations

import base64
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict

from openai_rulebook.server.audio import containers, synthesis, transcripts
from openai_rulebook.server.core import sse
from openai_rulebook.server.core.errors import APIError
from openai_rulebook.server.core.faults import Fault, Rules, RulesDep, register
from openai_rulebook.server.core.multipart import Form, read_form
from openai_rulebook.server.core.variants import Variant, register_variant
from openai_rulebook.server.requests.bodies import json_body

ENDPOINTS = "audio.endpoints_exist"
INPUT_LENGTH = "audio.speech.input_length"
SPEECH_MODEL = "audio.speech.model_values"
VOICE = "audio.speech.voice_values"
SPEED = "audio.speech.speed_range"
SSE_NOT_TTS_1 = "audio.speech.sse_not_for_tts_1"
SPEECH_FORMAT = "audio.speech.response_format_values"
TEMPERATURE = "audio.transcription.temperature_range"
FILE_FORMATS = "audio.transcription.file_formats"
TRANSCRIPTION_MODEL = "audio.transcription.model_values"
CHUNKING = "audio.transcription.diarize_chunking_required"
LOGPROBS = "audio.transcription.logprobs_support"
SPEAKERS_MAX = "audio.transcription.known_speakers_max"
REFERENCE_SECONDS = "audio.transcription.known_speaker_reference_duration"
NO_PROMPT_DIARIZE = "audio.transcription.prompt_not_for_diarize"
JSON_ONLY = "audio.transcription.gpt4o_json_only"
DIARIZED_SPEAKERS = "audio.transcription.diarized_json_speakers"
WHISPER_STREAM = "audio.transcription.whisper_ignores_stream"
TIMESTAMPS_VERBOSE = "audio.transcription.timestamps_need_verbose_json"
NO_TIMESTAMPS_DIARIZE = "audio.transcription.no_timestamps_for_diarize"
TRANSLATION_FORMATS = "audio.translation.file_formats"
TRANSLATION_MODEL = "audio.translation.model_values"
RESPONSE_FORMAT = "audio.response_format_values"

MAX_INPUT = 4096
SPEECH_MODELS = {"tts-1": "tts-1", "tts-1-hd": "tts-1-hd", "gpt-4o-mini-tts": "gpt-4o-mini-tts",
                 "gpt-4o-mini-tts-2025-12-15": "gpt-4o-mini-tts"}
VOICES = frozenset({"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse",
                    "marin", "cedar"})
SPEECH_FORMATS = ("mp3", "opus", "aac", "flac", "wav", "pcm")
STREAM_FORMATS = ("sse", "audio")
NO_SSE = frozenset({"tts-1", "tts-1-hd"})
MIN_SPEED, MAX_SPEED = 0.25, 4.0

WHISPER, DIARIZE = "whisper-1", "gpt-4o-transcribe-diarize"
#: transcription model -> its family (a snapshot is its model; gpt-transcribe is the spec's and takes json)
TRANSCRIPTION_MODELS = {"whisper-1": WHISPER, "gpt-4o-transcribe": "gpt-4o-transcribe",
                        "gpt-4o-mini-transcribe": "gpt-4o-mini-transcribe",
                        "gpt-4o-mini-transcribe-2025-12-15": "gpt-4o-mini-transcribe",
                        "gpt-transcribe": "gpt-4o-transcribe", DIARIZE: DIARIZE}
#: the response formats each family takes (the spec's AudioResponseFormat)
FORMATS = {WHISPER: ("json", "text", "srt", "verbose_json", "vtt"), "gpt-4o-transcribe": ("json",),
           "gpt-4o-mini-transcribe": ("json",), DIARIZE: ("json", "text", "diarized_json")}
ALL_FORMATS = ("json", "text", "srt", "verbose_json", "vtt", "diarized_json")
LOGPROB_MODELS = frozenset({"gpt-4o-transcribe", "gpt-4o-mini-transcribe"})
GRANULARITIES = ("word", "segment")
CHUNKING_SECONDS = 30
MAX_SPEAKERS = 4
REFERENCE_MIN, REFERENCE_MAX = 2.0, 10.0
MAX_FILE_BYTES = 25 * 1024 * 1024
#: a data URL of a 10-second reference sample at CD quality is about 2.3 MB of base64
FIELD_MAX_BYTES = 4 * 1024 * 1024
SUPPORTED = ["flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm"]

register(
    Fault("audio.translation_without_text", rule=ENDPOINTS,
          description="a translation answered as JSON has no `text` (the other formats and endpoints unchanged)"),
    Fault("audio.speech_accepts_4097_characters", rule=INPUT_LENGTH,
          description="speech input of 4097 characters is accepted; 4098 is still refused"),
    Fault("audio.speech_accepts_any_model", rule=SPEECH_MODEL,
          description="POST /v1/audio/speech accepts any model name (and speaks as tts-1)"),
    Fault("audio.speech_accepts_any_voice", rule=VOICE, description="any voice name is accepted"),
    Fault("audio.speech_speed_slack", rule=SPEED, description="speed 0.2-4.05 is accepted (0.24 and 4.01 too)"),
    Fault("audio.speech_sse_for_tts_1", rule=SSE_NOT_TTS_1,
          description="stream_format sse is accepted (and streamed) for tts-1 and tts-1-hd"),
    Fault("audio.speech_opus_answers_mp3", rule=SPEECH_FORMAT,
          description="response_format opus is answered with MP3 frames"),
    Fault("audio.temperature_slack", rule=TEMPERATURE,
          description="temperature -0.15 to 1.15 is accepted on transcriptions and translations"),
    Fault("audio.transcription_accepts_any_file", rule=FILE_FORMATS,
          description="transcriptions accept a file of any type (text, PNG); translations unchanged"),
    Fault("audio.transcription_accepts_any_model", rule=TRANSCRIPTION_MODEL,
          description="transcriptions accept any model name (and transcribe as whisper-1)"),
    Fault("audio.diarize_chunking_from_31_seconds", rule=CHUNKING,
          description="gpt-4o-transcribe-diarize needs chunking_strategy only past 31 s (31 s is accepted)"),
    Fault("audio.logprobs_for_every_model", rule=LOGPROBS,
          description="include[]=logprobs is accepted with every model and format (and ignored where unsupported)"),
    Fault("audio.five_known_speakers", rule=SPEAKERS_MAX, description="5 known speakers are accepted; 6 are not"),
    Fault("audio.reference_half_second_slack", rule=REFERENCE_SECONDS,
          description="known speaker references of 1.5-10.5 s are accepted"),
    Fault("audio.diarize_takes_prompt", rule=NO_PROMPT_DIARIZE,
          description="gpt-4o-transcribe-diarize accepts (and ignores) a prompt"),
    Fault("audio.gpt4o_takes_other_formats", rule=JSON_ONLY,
          description="gpt-4o-transcribe and gpt-4o-mini-transcribe answer text, srt, verbose_json and vtt too"),
    Fault("audio.diarized_json_without_speakers", rule=DIARIZED_SPEAKERS,
          description="diarized_json segments carry no `speaker`"),
    Fault("audio.whisper_streams", rule=WHISPER_STREAM,
          description="whisper-1 with stream=true answers an event stream"),
    Fault("audio.timestamps_with_any_format", rule=TIMESTAMPS_VERBOSE,
          description="timestamp_granularities are accepted (and ignored) with any response_format"),
    Fault("audio.diarize_takes_timestamps", rule=NO_TIMESTAMPS_DIARIZE,
          description="gpt-4o-transcribe-diarize accepts (and ignores) timestamp_granularities"),
    Fault("audio.translation_accepts_any_file", rule=TRANSLATION_FORMATS,
          description="translations accept a file of any type (text, PNG); transcriptions unchanged"),
    Fault("audio.translation_takes_transcription_models", rule=TRANSLATION_MODEL,
          description="translations accept the transcription models too (gpt-4o-transcribe, ...)"),
    Fault("audio.vtt_answers_srt", rule=RESPONSE_FORMAT,
          description="response_format vtt is answered in SubRip (srt) form"),
)

MP3_ID3 = "audio.mp3_id3_tag"
OTHER_WORDS = "audio.other_transcripts"
#: an empty ID3v2.4 tag: ten bytes many MP3 encoders write before the first frame
ID3_TAG = b"ID3\x04\x00\x00\x00\x00\x00\x00"

register_variant(
    Variant(MP3_ID3, description="mp3 speech starts with an (empty) ID3v2 tag before its first MPEG frame"),
    Variant(OTHER_WORDS, description="transcripts and translations are other words, of other lengths"),
)

router = APIRouter(prefix="/audio", tags=["audio"])


# -- speech -----------------------------------------------------------------------------------------------------------
class SpeechRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # checked in the handler, where each has its rule
    model: Any = None
    input: Any = None
    voice: Any = None
    instructions: Any = None
    response_format: Any = "mp3"
    speed: Any = 1.0
    stream_format: Any = "audio"


def _invalid_model(name: object, served: list[str]) -> str:
    """The enum refusal of the official API's validation: the audio endpoints type ``model`` as a list of names."""
    return f"Invalid value: '{name}'. Supported values are: {', '.join(repr(model) for model in served)}."


def _speech_model(body: SpeechRequest, rules: Rules) -> str:
    if body.model is None:
        raise APIError(400, "you must provide a model parameter", param="model")
    known = isinstance(body.model, str) and body.model in SPEECH_MODELS
    rules.enforce(SPEECH_MODEL, known, broken_ok=isinstance(body.model, str), param="model", code="invalid_value",
                  message=_invalid_model(body.model, sorted(SPEECH_MODELS)))
    return SPEECH_MODELS.get(body.model, "tts-1")


def _voice(body: SpeechRequest, rules: Rules) -> None:
    voice = body.voice
    if voice is None:
        raise APIError(400, "you must provide a voice parameter", param="voice")
    custom = isinstance(voice, dict) and isinstance(voice.get("id"), str) and set(voice) == {"id"}
    rules.enforce(VOICE, custom or voice in VOICES, broken_ok=custom or isinstance(voice, str), param="voice",
                  message=f"Invalid voice '{voice}': use one of {', '.join(sorted(VOICES))}.")


def _speed(body: SpeechRequest, rules: Rules) -> float:
    speed = body.speed
    if isinstance(speed, bool) or not isinstance(speed, int | float):
        raise APIError(400, f"Invalid type for 'speed': expected a number, but got {speed!r}.", param="speed")
    rules.enforce(SPEED, MIN_SPEED <= speed <= MAX_SPEED, broken_ok=0.2 <= speed <= 4.05, param="speed",
                  code="invalid_value",
                  message=f"Invalid 'speed': expected a value from {MIN_SPEED} to {MAX_SPEED}, got {speed}.")
    return float(speed)


@router.post("/speech", response_model=None)
async def create_speech(rules: RulesDep,
                        body: Annotated[SpeechRequest, Depends(json_body(SpeechRequest))]) -> Response:
    model = _speech_model(body, rules)
    if not isinstance(body.input, str):
        raise APIError(400, "you must provide an input string", param="input")
    rules.enforce(INPUT_LENGTH, len(body.input) <= MAX_INPUT, broken_ok=len(body.input) <= MAX_INPUT + 1,
                  param="input", code="string_above_max_length",
                  message=f"Invalid 'input': string too long. Expected a string with maximum length {MAX_INPUT}, "
                          f"but got a string with length {len(body.input)} instead.")
    _voice(body, rules)
    if body.instructions is not None and not (isinstance(body.instructions, str)
                                              and len(body.instructions) <= MAX_INPUT):
        raise APIError(400, f"Invalid 'instructions': a string of at most {MAX_INPUT} characters.",
                       param="instructions")
    fmt = body.response_format
    # the fault of this rule changes what opus sounds like, never which formats are taken
    rules.enforce(SPEECH_FORMAT, fmt in SPEECH_FORMATS, broken_ok=fmt in SPEECH_FORMATS, param="response_format",
                  message=f"Invalid 'response_format' {fmt!r}: use one of {', '.join(SPEECH_FORMATS)}.")
    speed = _speed(body, rules)
    if body.stream_format not in STREAM_FORMATS:
        raise APIError(400, f"Invalid 'stream_format' {body.stream_format!r}: use sse or audio.",
                       param="stream_format")
    streamed = body.stream_format == "sse"
    rules.enforce(SSE_NOT_TTS_1, not (streamed and model in NO_SSE), param="stream_format",
                  message=f"stream_format 'sse' is not supported for model '{body.model}'.")
    spoken = rules.behaviour(SPEECH_FORMAT, fmt, "mp3" if fmt == "opus" else fmt)
    audio = synthesis.speech(body.input, speed, spoken)
    if spoken == "mp3":
        audio = rules.variants.choose(MP3_ID3, audio, ID3_TAG + audio)
    if streamed:
        return sse.stream(_speech_events(audio, body.input))
    return Response(audio, media_type=synthesis.CONTENT_TYPES[fmt])


def _speech_events(audio: bytes, text: str) -> list[str]:
    size = 4096
    events = [sse.data_event({"type": "speech.audio.delta", "audio": base64.b64encode(audio[i:i + size]).decode()})
              for i in range(0, len(audio), size)]
    input_tokens = max(1, len(text) // 4)
    output_tokens = max(1, len(audio) // 1024)
    events.append(sse.data_event({"type": "speech.audio.done",
                                  "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                                            "total_tokens": input_tokens + output_tokens}}))
    events.append(sse.DONE)
    return events


# -- transcriptions and translations: the form ---------------------------------------------------------------------
def _values(form: Form, name: str) -> list[str]:
    """An array field, sent as ``name[]`` (the SDKs) or ``name`` repeated."""
    return form.repeated.get(f"{name}[]") or form.repeated.get(name) or []


async def _form(request: Request) -> Form:
    form = await read_form(request, file_fields=("file",), keep=MAX_FILE_BYTES, stop_after=MAX_FILE_BYTES,
                           field_max=FIELD_MAX_BYTES)
    if form.truncated:
        raise APIError(413, f"Maximum content size limit ({MAX_FILE_BYTES}) exceeded.", param="file")
    return form


def _file(form: Form, rules: Rules, rule: str) -> tuple[bytes, float | None]:
    """The uploaded file's bytes and duration (None when unknown), refused unless it is a listed audio format."""
    part = form.files.get("file")
    if part is None or part.content is None:
        raise APIError(400, "you must provide a file parameter", param="file")
    content = part.content
    rules.enforce(rule, containers.container(content[:16]) is not None, param="file",
                  message=f"Invalid file format. Supported formats: {SUPPORTED}")
    return content, containers.seconds(content)


def _temperature(form: Form, rules: Rules) -> float:
    raw = form.fields.get("temperature")
    if raw is None:
        return 0.0
    try:
        value = float(raw)
    except ValueError:
        raise APIError(400, f"Invalid 'temperature': expected a number, got {raw!r}.", param="temperature") from None
    if not math.isfinite(value):
        raise APIError(400, f"Invalid 'temperature': expected a number, got {raw!r}.", param="temperature")
    rules.enforce(TEMPERATURE, 0 <= value <= 1, broken_ok=-0.15 <= value <= 1.15, param="temperature",
                  code="invalid_value", message=f"Invalid 'temperature': expected a value from 0 to 1, got {value}.")
    return value


def _response_format(form: Form) -> str:
    fmt = form.fields.get("response_format", "json")
    if fmt not in ALL_FORMATS:
        raise APIError(400, f"Invalid 'response_format' {fmt!r}: use one of {', '.join(ALL_FORMATS)}.",
                       param="response_format")
    return fmt


def _rendered(body: dict[str, Any] | str, fmt: str, rules: Rules) -> Response:
    if isinstance(body, str):
        return PlainTextResponse(body)
    return JSONResponse(body)


def _vocabulary(rules: Rules) -> tuple[str, ...]:
    return rules.variants.choose(OTHER_WORDS, transcripts.WORDS, transcripts.OTHER_WORDS)


# -- transcriptions ---------------------------------------------------------------------------------------------------
def _transcription_model(form: Form, rules: Rules) -> tuple[str, str]:
    name = form.fields.get("model")
    if not name:
        raise APIError(400, "you must provide a model parameter", param="model")
    rules.enforce(TRANSCRIPTION_MODEL, name in TRANSCRIPTION_MODELS, param="model", code="invalid_value",
                  message=_invalid_model(name, sorted(TRANSCRIPTION_MODELS)))
    return name, TRANSCRIPTION_MODELS.get(name, WHISPER)


def _check_format(family: str, fmt: str, rules: Rules) -> None:
    allowed = fmt in FORMATS[family]
    message = f"response_format '{fmt}' is not compatible with this model; use one of {', '.join(FORMATS[family])}."
    if family in LOGPROB_MODELS:
        rules.enforce(JSON_ONLY, allowed, param="response_format", message=message)
    else:
        rules.enforce(RESPONSE_FORMAT, allowed, param="response_format", message=message)


def _check_speakers(form: Form, family: str, rules: Rules) -> list[str]:
    names = _values(form, "known_speaker_names")
    references = _values(form, "known_speaker_references")
    if not (names or references):
        return []
    count = max(len(names), len(references))
    rules.enforce(SPEAKERS_MAX, count <= MAX_SPEAKERS, broken_ok=count <= MAX_SPEAKERS + 1,
                  param="known_speaker_names",
                  message=f"At most {MAX_SPEAKERS} known speakers are supported, got {count}.")
    for index, reference in enumerate(references):
        sample = containers.data_url_bytes(reference)
        if sample is None or containers.container(sample[:16]) is None:
            raise APIError(400, f"known_speaker_references[{index}] is not a data URL of audio.",
                           param="known_speaker_references")
        seconds = containers.seconds(sample)
        if seconds is None:
            continue  # a format whose length the server does not read: taken as it is
        rules.enforce(REFERENCE_SECONDS, REFERENCE_MIN <= seconds <= REFERENCE_MAX,
                      broken_ok=REFERENCE_MIN - 0.5 <= seconds <= REFERENCE_MAX + 0.5,
                      param="known_speaker_references",
                      message=f"known_speaker_references[{index}] is {seconds:.2f} s long; each sample must be "
                              f"between {REFERENCE_MIN:g} and {REFERENCE_MAX:g} seconds.")
    return names


@router.post("/transcriptions", response_model=None)
async def create_transcription(request: Request, rules: RulesDep) -> Response:
    form = await _form(request)
    name, family = _transcription_model(form, rules)
    content, seconds = _file(form, rules, FILE_FORMATS)
    fmt = _response_format(form)
    _temperature(form, rules)
    _check_format(family, fmt, rules)
    include = _values(form, "include")
    logprobs = "logprobs" in include
    if logprobs:
        rules.enforce(LOGPROBS, family in LOGPROB_MODELS and fmt == "json", param="include",
                      message="logprobs are only supported with gpt-4o-transcribe and gpt-4o-mini-transcribe and "
                              "response_format json.")
        logprobs = family in LOGPROB_MODELS and fmt == "json"
    granularities = _values(form, "timestamp_granularities")
    if any(value not in GRANULARITIES for value in granularities):
        raise APIError(400, f"Invalid 'timestamp_granularities': use word and/or segment, got {granularities}.",
                       param="timestamp_granularities")
    if family == DIARIZE:
        rules.enforce(NO_PROMPT_DIARIZE, "prompt" not in form.fields, param="prompt",
                      message="prompt is not supported with gpt-4o-transcribe-diarize.")
        rules.enforce(NO_TIMESTAMPS_DIARIZE, not granularities, param="timestamp_granularities",
                      message="timestamp_granularities are not supported with gpt-4o-transcribe-diarize.")
        chunked = bool(form.fields.get("chunking_strategy"))
        long = seconds is not None and seconds > CHUNKING_SECONDS
        rules.enforce(CHUNKING, chunked or not long, broken_ok=chunked or seconds is None or seconds <= 31,
                      param="chunking_strategy",
                      message=f"chunking_strategy is required for gpt-4o-transcribe-diarize when the audio is longer "
                              f"than {CHUNKING_SECONDS} seconds.")
        granularities = []
    else:
        rules.enforce(TIMESTAMPS_VERBOSE, not granularities or fmt == "verbose_json",
                      param="timestamp_granularities",
                      message="timestamp_granularities requires response_format verbose_json.")
        if fmt != "verbose_json":
            granularities = []
    speakers = _check_speakers(form, family, rules) if family == DIARIZE else []
    transcript = transcripts.transcribe(content, seconds, _vocabulary(rules))
    streamed = form.fields.get("stream", "false").lower() == "true"
    if streamed and rules.behaviour(WHISPER_STREAM, family != WHISPER, True):
        events = transcripts.stream_events(transcript, family, logprobs)
        return sse.stream(list(sse.chunks_then_done(events)))
    if family not in LOGPROB_MODELS:
        fmt = rules.behaviour(RESPONSE_FORMAT, fmt, "srt" if fmt == "vtt" else fmt)
    body = transcripts.render(transcript, task="transcribe", model=family, response_format=fmt,
                              granularities=granularities, include_logprobs=logprobs, speakers_named=speakers)
    if fmt == "diarized_json" and isinstance(body, dict) and rules.behaviour(DIARIZED_SPEAKERS, False, True):
        for segment in body["segments"]:
            del segment["speaker"]
    return _rendered(body, fmt, rules)


# -- translations -----------------------------------------------------------------------------------------------------
@router.post("/translations", response_model=None)
async def create_translation(request: Request, rules: RulesDep) -> Response:
    form = await _form(request)
    name = form.fields.get("model")
    if not name:
        raise APIError(400, "you must provide a model parameter", param="model")
    rules.enforce(TRANSLATION_MODEL, name == WHISPER, broken_ok=name in TRANSCRIPTION_MODELS, param="model",
                  code="invalid_value", message=_invalid_model(name, [WHISPER]))
    content, seconds = _file(form, rules, TRANSLATION_FORMATS)
    fmt = _response_format(form)
    _temperature(form, rules)
    rules.enforce(RESPONSE_FORMAT, fmt in FORMATS[WHISPER], param="response_format",
                  message=f"response_format '{fmt}' is not supported for translations.")
    fmt = rules.behaviour(RESPONSE_FORMAT, fmt, "srt" if fmt == "vtt" else fmt)
    body = transcripts.render(transcripts.transcribe(content, seconds, _vocabulary(rules)), task="translate", model=WHISPER,
                              response_format=fmt, granularities=["segment"], include_logprobs=False,
                              speakers_named=[])
    if isinstance(body, dict) and fmt == "json" and rules.behaviour(ENDPOINTS, False, True):
        del body["text"]
    return _rendered(body, fmt, rules)


