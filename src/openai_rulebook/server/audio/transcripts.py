"""Deterministic transcripts: the text a transcription or translation answers is derived from the file's bytes,
then rendered in the requested ``response_format`` with the shapes of real traffic (audio.jsonl).

whisper-1 bills by duration (``usage: {type: duration, seconds}``), the gpt-4o models by tokens; verbose_json
carries segments (and words when asked), diarized_json speaker-labelled segments, srt and vtt one cue per segment.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

WORDS = ("rulebook", "audio", "hello", "world", "this", "is", "a", "test", "of", "the", "reference", "server",
         "speech", "clear", "quiet", "tone")
#: the words of the audio.other_transcripts variant: longer, and more of them
OTHER_WORDS = ("contract", "verdict", "evidence", "catalog", "variant", "transcription", "deterministic",
               "boundary", "matrix", "cell", "control", "refusal", "speaker", "segment", "language", "english",
               "second", "minute")
#: seconds assumed per byte when the duration of a file cannot be read (non-WAV): about 16 kB per second
SECONDS_PER_BYTE = 1 / 16_000
SPEAKERS = ("A", "B")


@dataclass(frozen=True)
class Transcript:
    words: tuple[str, ...]
    seconds: float

    @property
    def text(self) -> str:
        return " ".join(self.words).capitalize() + "."

    def segments(self) -> list[tuple[float, float, str]]:
        """Two segments (one when there are few words): start, end, text."""
        half = max(1, len(self.words) // 2)
        parts = [self.words[:half], self.words[half:]] if len(self.words) > 3 else [self.words]
        bounds = [(round(self.seconds * i / len(parts), 2), round(self.seconds * (i + 1) / len(parts), 2))
                  for i in range(len(parts))]
        return [(start, end, " " + " ".join(words)) for (start, end), words in zip(bounds, parts, strict=True)]


def transcribe(content: bytes, seconds: float | None, vocabulary: tuple[str, ...] = WORDS) -> Transcript:
    digest = hashlib.sha256(content).digest()
    count = 3 + digest[0] % (6 if vocabulary is WORDS else 12)
    words = tuple(vocabulary[digest[1 + i] % len(vocabulary)] for i in range(count))
    return Transcript(words, seconds if seconds is not None else round(len(content) * SECONDS_PER_BYTE, 2))


def _stamp(seconds: float, comma: bool) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{',' if comma else '.'}{millis:03d}"


def _usage(model: str, transcript: Transcript) -> dict[str, Any]:
    if model == "whisper-1":
        return {"type": "duration", "seconds": max(1, math.ceil(transcript.seconds))}
    audio_tokens = max(1, int(transcript.seconds * 10))
    output = len(transcript.words) + 1
    return {"type": "tokens", "total_tokens": audio_tokens + output, "input_tokens": audio_tokens,
            "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens}, "output_tokens": output}


def logprobs(transcript: Transcript) -> list[dict[str, Any]]:
    tokens = [("" if i == 0 else " ") + word for i, word in enumerate(transcript.words)] + ["."]
    return [{"token": token, "logprob": -round(0.001 * (i + 1), 6), "bytes": list(token.encode())}
            for i, token in enumerate(tokens)]


def render(transcript: Transcript, *, task: str, model: str, response_format: str, granularities: list[str],
           include_logprobs: bool, speakers_named: list[str]) -> dict[str, Any] | str:
    """The body for ``response_format``: a dict (JSON) or text (text, srt, vtt)."""
    text = transcript.text
    segments = transcript.segments()
    if response_format == "text":
        return text + "\n"
    if response_format == "srt":
        return "".join(f"{i + 1}\n{_stamp(start, True)} --> {_stamp(end, True)}\n{words.strip()}\n\n"
                       for i, (start, end, words) in enumerate(segments)) + "\n"
    if response_format == "vtt":
        return "WEBVTT\n\n" + "".join(f"{_stamp(start, False)} --> {_stamp(end, False)}\n{words.strip()}\n\n"
                                      for start, end, words in segments)
    if response_format == "verbose_json":
        body: dict[str, Any] = {"task": task, "language": "english", "duration": transcript.seconds, "text": text}
        if "segment" in granularities or not granularities:
            body["segments"] = [
                {"id": i, "seek": 0, "start": start, "end": end, "text": words,
                 "tokens": [50364 + i, *(1000 + len(w) for w in words.split()), 50464], "temperature": 0.0,
                 "avg_logprob": -0.5, "compression_ratio": 0.8, "no_speech_prob": 0.01}
                for i, (start, end, words) in enumerate(segments)]
        if "word" in granularities:
            step = transcript.seconds / len(transcript.words)
            body["words"] = [{"word": word, "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
                             for i, word in enumerate(transcript.words)]
        if task == "transcribe":
            body["usage"] = _usage(model, transcript)
        return body
    if response_format == "diarized_json":
        names = speakers_named or list(SPEAKERS)
        return {"text": text, "task": task, "duration": transcript.seconds,
                "segments": [{"type": "transcript.text.segment", "text": words, "speaker": names[i % len(names)],
                              "start": start, "end": end, "id": f"seg_{i}"}
                             for i, (start, end, words) in enumerate(segments)],
                "usage": _usage(model, transcript)}
    body = {"text": text}
    if include_logprobs:
        body["logprobs"] = logprobs(transcript)
    if task == "transcribe":
        body["usage"] = _usage(model, transcript)
    return body


def stream_events(transcript: Transcript, model: str, include_logprobs: bool) -> list[dict[str, Any]]:
    """The events of a streamed transcription: a delta per word, then ``transcript.text.done``."""
    words = [("" if i == 0 else " ") + word for i, word in enumerate(transcript.words)] + ["."]
    events: list[dict[str, Any]] = []
    for word in words:
        event: dict[str, Any] = {"type": "transcript.text.delta", "delta": word}
        if include_logprobs:
            event["logprobs"] = [{"token": word, "logprob": -0.001, "bytes": list(word.encode())}]
        events.append(event)
    done: dict[str, Any] = {"type": "transcript.text.done", "text": transcript.text,
                            "usage": _usage(model, transcript)}
    if include_logprobs:
        done["logprobs"] = logprobs(transcript)
    events.append(done)
    return events
