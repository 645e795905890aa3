"""Audio: speech bytes and streams, media validation of uploads, transcripts in every format, faults."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest

from openai_rulebook.audio_media import encoded, silence, wav_seconds
from openai_rulebook.server import create_app
from openai_rulebook.server.audio import containers, synthesis
from openai_rulebook.server.audio import routes as audio
from openai_rulebook.streams import parse_events

SPEECH = "/v1/audio/speech"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
TRANSLATIONS = "/v1/audio/translations"


def speak(client: httpx.Client, **body: Any) -> httpx.Response:
    return client.post(SPEECH, json={"model": "tts-1", "input": "Hi", "voice": "alloy", **body})


def transcribe(client: httpx.Client, content: bytes | None = None, *, path: str = TRANSCRIPTIONS,
               name: str = "clip.wav", **fields: Any) -> httpx.Response:
    content = wav_seconds(1.0) if content is None else content
    return client.post(path, files={"file": (name, content, "audio/wav")}, data={"model": "whisper-1", **fields})


# -- media ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["mp3", "flac", "opus", "aac", "wav"])
def test_speech_formats_are_files_a_decoder_plays(fmt):
    av = pytest.importorskip("av")
    data = synthesis.speech("Hello, world!", 1.0, fmt)
    with av.open(io.BytesIO(data)) as container:
        decoded = sum(frame.samples for frame in container.decode(audio=0))
    rate = 48_000 if fmt == "opus" else synthesis.SAMPLE_RATE  # Opus decodes at 48 kHz
    expected = synthesis.duration("Hello, world!", 1.0) * rate
    assert abs(decoded - expected) <= 1024 * (2 if fmt == "opus" else 1), (decoded, expected)


def test_speech_is_deterministic_and_follows_the_input():
    assert synthesis.speech("Hi", 1.0, "wav") == synthesis.speech("Hi", 1.0, "wav")
    assert synthesis.speech("Hi", 1.0, "wav") != synthesis.speech("Ho", 1.0, "wav")
    assert len(synthesis.speech("Hi" * 40, 2.0, "pcm")) < len(synthesis.speech("Hi" * 40, 1.0, "pcm"))


@pytest.mark.parametrize(("extension", "expected"), [
    ("wav", "wav"), ("mp3", "mpeg"), ("flac", "flac"), ("ogg", "ogg"), ("mp4", "mp4"), ("m4a", "mp4"),
    ("webm", "webm"), ("txt", None), ("png", None), ("aac", None)])
def test_containers_are_told_by_their_bytes(extension, expected):
    content = {"wav": lambda: wav_seconds(0.1), "mp3": lambda: silence("mp3", 100),
               "flac": lambda: silence("flac", 100), "ogg": lambda: silence("opus", 100),
               "aac": lambda: silence("aac", 100), "txt": lambda: b"hello", "png": lambda: b"\x89PNG\r\n\x1a\n"}
    if extension in ("mp4", "m4a", "webm"):
        pytest.importorskip("av")
        data = encoded(extension, 0.1)
    else:
        data = content[extension]()
    assert containers.container(data[:16]) == expected


@pytest.mark.parametrize("seconds", [0.001, 1.999, 2.0, 10.0, 30.0, 31.0])
def test_wav_durations_are_exact(seconds):
    assert containers.seconds(wav_seconds(seconds)) == pytest.approx(seconds, abs=1e-9)


def test_data_urls():
    assert containers.data_url_bytes("data:audio/wav;base64," + base64.b64encode(b"RIFF").decode()) == b"RIFF"
    assert containers.data_url_bytes("https://example.com/a.wav") is None
    assert containers.data_url_bytes("data:audio/wav;base64,***") is None


# -- speech -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "content_type"), list(synthesis.CONTENT_TYPES.items()))
def test_speech_answers_the_format_asked(client, fmt, content_type):
    response = speak(client, response_format=fmt)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    assert response.content == synthesis.speech("Hi", 1.0, fmt)


def test_speech_streams_deltas_then_done(client):
    response = speak(client, model="gpt-4o-mini-tts", stream_format="sse")
    events = parse_events(response.content)
    assert [event.type for event in events][-2:] == ["speech.audio.done", None]
    audio_bytes = b"".join(base64.b64decode(e.data["audio"]) for e in events if e.type == "speech.audio.delta")
    assert audio_bytes == synthesis.speech("Hi", 1.0, "mp3")


@pytest.mark.parametrize(("body", "param"), [
    ({"input": "a" * 4097}, "input"), ({"voice": "nobody"}, "voice"), ({"speed": 4.01}, "speed"),
    ({"speed": 0.24}, "speed"), ({"stream_format": "sse"}, "stream_format"), ({"response_format": "ogg"},
                                                                              "response_format"),
    ({"model": "tts-2"}, "model")])
def test_speech_refusals(client, expect_error, body, param):
    expect_error(speak(client, **body), 400, param=param)


def test_speech_takes_the_edges(client):
    for body in ({"input": "a" * 4096}, {"speed": 0.25}, {"speed": 4.0}, {"voice": "cedar"},
                 {"voice": {"id": "voice_1234"}}, {"model": "gpt-4o-mini-tts", "instructions": "Calm."}):
        assert speak(client, **body).status_code == 200, body


# -- transcriptions ---------------------------------------------------------------------------------------------------
def test_transcripts_are_deterministic_per_file(client):
    first, again = transcribe(client).json(), transcribe(client).json()
    other = transcribe(client, wav_seconds(1.5)).json()
    assert first == again and first["text"] != other["text"]
    assert first["usage"] == {"type": "duration", "seconds": 1}


@pytest.mark.parametrize("fmt", ["text", "srt", "vtt"])
def test_text_formats(client, fmt):
    response = transcribe(client, response_format=fmt)
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert {"text": not text.startswith(("1\n", "WEBVTT")), "srt": text.startswith("1\n00:00:00,000 --> "),
            "vtt": text.startswith("WEBVTT\n\n00:00:00.000 --> ")}[fmt], text


def test_verbose_json_with_words(client):
    body = transcribe(client, response_format="verbose_json", **{"timestamp_granularities[]": ["word", "segment"]}
                      ).json()
    assert body["duration"] == 1.0 and body["segments"] and body["words"]
    assert body["task"] == "transcribe"


def test_logprobs_and_streams_of_gpt4o(client):
    body = transcribe(client, model="gpt-4o-transcribe", **{"include[]": ["logprobs"]}).json()
    assert body["logprobs"] and body["usage"]["type"] == "tokens"
    streamed = transcribe(client, model="gpt-4o-mini-transcribe", stream="true")
    types = [event.type for event in parse_events(streamed.content)]
    assert types[-2:] == ["transcript.text.done", None] and "transcript.text.delta" in types


def test_diarized_json_names_the_known_speakers(client):
    reference = "data:audio/wav;base64," + base64.b64encode(wav_seconds(2)).decode()
    body = transcribe(client, wav_seconds(3), model="gpt-4o-transcribe-diarize", response_format="diarized_json",
                      **{"known_speaker_names[]": ["agent"], "known_speaker_references[]": [reference]}).json()
    assert {segment["speaker"] for segment in body["segments"]} == {"agent"}


@pytest.mark.parametrize(("fields", "content", "param"), [
    ({"model": "gpt-4o-transcribe-diarize"}, wav_seconds(30.001), "chunking_strategy"),
    ({"model": "gpt-4o-transcribe-diarize", "prompt": "x"}, None, "prompt"),
    ({"model": "gpt-4o-transcribe-diarize", "timestamp_granularities[]": ["word"]}, None,
     "timestamp_granularities"),
    ({"timestamp_granularities[]": ["word"]}, None, "timestamp_granularities"),
    ({"model": "gpt-4o-transcribe", "response_format": "srt"}, None, "response_format"),
    ({"model": "gpt-4o-transcribe-diarize", "response_format": "vtt"}, None, "response_format"),
    ({"include[]": ["logprobs"]}, None, "include"),
    ({"temperature": "1.01"}, None, "temperature"),
    ({}, b"not audio", "file"),
    ({"model": "gpt-5"}, None, "model")])
def test_transcription_refusals(client, expect_error, fields, content, param):
    expect_error(transcribe(client, content, **fields), 400, param=param)


def test_known_speaker_limits(client, expect_error):
    def speakers(count: int, seconds: float) -> dict[str, list[str]]:
        url = "data:audio/wav;base64," + base64.b64encode(wav_seconds(seconds)).decode()
        return {"known_speaker_names[]": [f"s{i}" for i in range(count)],
                "known_speaker_references[]": [url] * count}

    diarize = {"model": "gpt-4o-transcribe-diarize"}
    assert transcribe(client, **diarize, **speakers(4, 10)).status_code == 200
    expect_error(transcribe(client, **diarize, **speakers(5, 2)), 400, param="known_speaker_names")
    expect_error(transcribe(client, **diarize, **speakers(1, 1.999)), 400, param="known_speaker_references")
    expect_error(transcribe(client, **diarize, **speakers(1, 10.001)), 400, param="known_speaker_references")


def test_chunking_is_needed_only_past_30_seconds(client):
    diarize = {"model": "gpt-4o-transcribe-diarize"}
    assert transcribe(client, wav_seconds(30), **diarize).status_code == 200
    assert transcribe(client, wav_seconds(31), **diarize, chunking_strategy="auto").status_code == 200
    # a format whose length the server does not read is taken as it is
    assert transcribe(client, silence("mp3", 24_000 * 40), name="clip.mp3", **diarize).status_code == 200


def test_files_over_25_mb_are_refused_while_streaming(client, expect_error):
    content = b"RIFF" + bytes(audio.MAX_FILE_BYTES)
    expect_error(transcribe(client, content), 413, param="file")


def test_translations(client, expect_error):
    body = transcribe(client, path=TRANSLATIONS, response_format="verbose_json").json()
    assert body["task"] == "translate" and "usage" not in body
    assert set(transcribe(client, path=TRANSLATIONS).json()) == {"text"}
    expect_error(transcribe(client, path=TRANSLATIONS, model="gpt-4o-transcribe"), 400, param="model")
    expect_error(transcribe(client, path=TRANSLATIONS, response_format="diarized_json"), 400,
                 param="response_format")


# -- faults -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fault", "send", "check"), [
    ("audio.speech_opus_answers_mp3", lambda c: speak(c, response_format="opus"),
     lambda r: r.content.startswith(b"\xff\xf3")),
    ("audio.vtt_answers_srt", lambda c: transcribe(c, response_format="vtt"), lambda r: r.text.startswith("1\n")),
    ("audio.whisper_streams", lambda c: transcribe(c, stream="true"),
     lambda r: r.headers["content-type"].startswith("text/event-stream")),
    ("audio.diarized_json_without_speakers",
     lambda c: transcribe(c, model="gpt-4o-transcribe-diarize", response_format="diarized_json"),
     lambda r: all("speaker" not in s for s in r.json()["segments"])),
    ("audio.translation_without_text", lambda c: transcribe(c, path=TRANSLATIONS), lambda r: "text" not in r.json()),
    ("audio.diarize_chunking_from_31_seconds",
     lambda c: transcribe(c, wav_seconds(31), model="gpt-4o-transcribe-diarize"), lambda r: r.status_code == 200),
])
def test_behaviour_faults(client_for, fault, send, check):
    response = send(client_for(create_app(faults=[fault])))
    assert response.status_code == 200 and check(response), response.text[:200]


def test_every_audio_rule_has_one_fault(catalog):
    from openai_rulebook.server.core.faults import FAULTS

    broken = {fault.rule for fault in FAULTS.values() if fault.rule.startswith("audio.")}
    checkable = {rule.id for rule in catalog.rules if rule.id.startswith("audio.") and rule.kind in ("enforced",
                                                                                                "contract")}
    assert broken == checkable



# -- probes for tests/server/test_faults.py: one per audio rule, each failing under its own fault only ----------------
def _ok(response: httpx.Response) -> httpx.Response:
    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.text[:200]}"
    return response


def _refused(response: httpx.Response, param: str | None = None) -> None:
    assert response.status_code == 400, f"expected 400, got {response.status_code}: {response.text[:200]}"
    body = response.json()
    if param is not None and "error" in body:
        assert body["error"]["param"] == param, body


def _speakers(count: int, seconds: float) -> dict[str, list[str]]:
    url = "data:audio/wav;base64," + base64.b64encode(wav_seconds(seconds)).decode()
    return {"known_speaker_names[]": [f"s{i}" for i in range(count)], "known_speaker_references[]": [url] * count}


DIARIZE = {"model": "gpt-4o-transcribe-diarize"}


def probe_endpoints(server) -> None:
    assert _ok(speak(server.api)).content
    for path in (TRANSCRIPTIONS, TRANSLATIONS):
        assert isinstance(_ok(transcribe(server.api, path=path)).json().get("text"), str), path


def probe_input_length(server) -> None:
    _ok(speak(server.api, input="a" * 4096))
    _refused(speak(server.api, input="a" * 4097), "input")


def probe_speech_model(server) -> None:
    for model in ("tts-1", "tts-1-hd", "gpt-4o-mini-tts"):
        _ok(speak(server.api, model=model))
    _refused(speak(server.api, model="tts-2"), "model")


def probe_voice(server) -> None:
    _ok(speak(server.api, voice="verse"))
    _refused(speak(server.api, voice="nobody"), "voice")


def probe_speed(server) -> None:
    for speed in (0.25, 4.0):
        _ok(speak(server.api, speed=speed))
    for speed in (0.24, 4.01):
        _refused(speak(server.api, speed=speed), "speed")


def probe_sse(server) -> None:
    _ok(speak(server.api, model="gpt-4o-mini-tts", stream_format="sse"))
    for model in ("tts-1", "tts-1-hd"):
        _refused(speak(server.api, model=model, stream_format="sse"), "stream_format")


def probe_speech_format(server) -> None:
    assert _ok(speak(server.api, response_format="opus")).content.startswith(b"OggS")
    _refused(speak(server.api, response_format="ogg"), "response_format")


def probe_temperature(server) -> None:
    for path in (TRANSCRIPTIONS, TRANSLATIONS):
        _ok(transcribe(server.api, path=path, temperature="1"))
        _refused(transcribe(server.api, path=path, temperature="1.1"), "temperature")
        _refused(transcribe(server.api, path=path, temperature="-0.1"), "temperature")


def file_probe(path: str):
    def probe(server) -> None:
        _ok(transcribe(server.api, path=path))
        _refused(transcribe(server.api, b"not audio", path=path, name="a.txt"), "file")

    return probe


def probe_transcription_model(server) -> None:
    for model in ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-transcribe-diarize"):
        _ok(transcribe(server.api, model=model))
    _refused(transcribe(server.api, model="gpt-5"), "model")


def probe_chunking(server) -> None:
    _ok(transcribe(server.api, wav_seconds(30), **DIARIZE))
    _refused(transcribe(server.api, wav_seconds(31), **DIARIZE), "chunking_strategy")


def probe_logprobs(server) -> None:
    _ok(transcribe(server.api, model="gpt-4o-transcribe", **{"include[]": ["logprobs"]}))
    _refused(transcribe(server.api, **{"include[]": ["logprobs"]}), "include")


def probe_speakers_max(server) -> None:
    _ok(transcribe(server.api, **DIARIZE, **_speakers(4, 2)))
    _refused(transcribe(server.api, **DIARIZE, **_speakers(5, 2)), "known_speaker_names")


def probe_reference_seconds(server) -> None:
    for seconds in (2, 10):
        _ok(transcribe(server.api, **DIARIZE, **_speakers(1, seconds)))
    for seconds in (1.9, 10.1):
        _refused(transcribe(server.api, **DIARIZE, **_speakers(1, seconds)), "known_speaker_references")


def probe_prompt(server) -> None:
    _refused(transcribe(server.api, **DIARIZE, prompt="x"), "prompt")


def probe_json_only(server) -> None:
    _ok(transcribe(server.api, model="gpt-4o-mini-transcribe"))
    _refused(transcribe(server.api, model="gpt-4o-mini-transcribe", response_format="text"), "response_format")


def probe_diarized_speakers(server) -> None:
    body = _ok(transcribe(server.api, **DIARIZE, response_format="diarized_json")).json()
    assert all(isinstance(segment.get("speaker"), str) for segment in body["segments"]), body
    assert "speaker" not in _ok(transcribe(server.api, **DIARIZE)).text


def probe_whisper_stream(server) -> None:
    response = _ok(transcribe(server.api, stream="true"))
    assert response.headers["content-type"] == "application/json", response.headers["content-type"]


def probe_timestamps(server) -> None:
    _ok(transcribe(server.api, response_format="verbose_json", **{"timestamp_granularities[]": ["word"]}))
    _refused(transcribe(server.api, response_format="json", **{"timestamp_granularities[]": ["word"]}))


def probe_no_timestamps_diarize(server) -> None:
    _refused(transcribe(server.api, **DIARIZE, **{"timestamp_granularities[]": ["word"]}), "timestamp_granularities")


def probe_translation_model(server) -> None:
    _ok(transcribe(server.api, path=TRANSLATIONS))
    _refused(transcribe(server.api, path=TRANSLATIONS, model="gpt-4o-transcribe"), "model")


def probe_response_format(server) -> None:
    for path in (TRANSCRIPTIONS, TRANSLATIONS):
        assert _ok(transcribe(server.api, path=path, response_format="vtt")).text.startswith("WEBVTT")
    _refused(transcribe(server.api, **DIARIZE, response_format="srt"), "response_format")


AUDIO_PROBES = {
    "audio.endpoints_exist": probe_endpoints,
    "audio.speech.input_length": probe_input_length,
    "audio.speech.model_values": probe_speech_model,
    "audio.speech.voice_values": probe_voice,
    "audio.speech.speed_range": probe_speed,
    "audio.speech.sse_not_for_tts_1": probe_sse,
    "audio.speech.response_format_values": probe_speech_format,
    "audio.transcription.temperature_range": probe_temperature,
    "audio.transcription.file_formats": file_probe(TRANSCRIPTIONS),
    "audio.transcription.model_values": probe_transcription_model,
    "audio.transcription.diarize_chunking_required": probe_chunking,
    "audio.transcription.logprobs_support": probe_logprobs,
    "audio.transcription.known_speakers_max": probe_speakers_max,
    "audio.transcription.known_speaker_reference_duration": probe_reference_seconds,
    "audio.transcription.prompt_not_for_diarize": probe_prompt,
    "audio.transcription.gpt4o_json_only": probe_json_only,
    "audio.transcription.diarized_json_speakers": probe_diarized_speakers,
    "audio.transcription.whisper_ignores_stream": probe_whisper_stream,
    "audio.transcription.timestamps_need_verbose_json": probe_timestamps,
    "audio.transcription.no_timestamps_for_diarize": probe_no_timestamps_diarize,
    "audio.translation.file_formats": file_probe(TRANSLATIONS),
    "audio.translation.model_values": probe_translation_model,
    "audio.response_format_values": probe_response_format,
}
