"""Deterministic speech: the bytes ``POST /v1/audio/speech`` answers, a file of the requested format.

The sound is a quiet tone whose pitch and length follow from the input (its hash and its length, and ``speed``),
so that the same request always gets the same bytes. What each format is:

* ``wav``: a RIFF WAVE file, 24 kHz, 16-bit mono, like the API's; ``pcm``: the same samples raw;
* ``mp3``, ``flac``, ``opus`` (Ogg), ``aac`` (ADTS): silence of the same length (``audio_media.silence``).

Every one is a well-formed file of its format (tests/server/test_audio.py decodes them when PyAV is installed).
"""

from __future__ import annotations

import hashlib
import math
from array import array

from openai_rulebook.audio_media import SAMPLE_RATE, silence, wav
#: seconds of audio per character of input, at speed 1, and the bounds of a clip's length
SECONDS_PER_CHARACTER = 0.01
MIN_SECONDS, MAX_SECONDS = 0.25, 10.0
CONTENT_TYPES = {"mp3": "audio/mpeg", "opus": "audio/opus", "aac": "audio/aac", "flac": "audio/flac",
                 "wav": "audio/wav", "pcm": "audio/pcm"}


def duration(text: str, speed: float) -> float:
    return min(MAX_SECONDS, max(MIN_SECONDS, len(text) * SECONDS_PER_CHARACTER / speed))


def samples(text: str, speed: float) -> array:
    """16-bit samples of a quiet tone: one period computed, repeated to the clip's length."""
    digest = hashlib.sha256(text.encode()).digest()
    period = 40 + digest[0] % 80  # 200-600 Hz at 24 kHz
    one = array("h", (int(3000 * math.sin(2 * math.pi * i / period)) for i in range(period)))
    count = int(duration(text, speed) * SAMPLE_RATE)
    clip = one * (count // period + 1)
    return clip[:count]


def speech(text: str, speed: float, response_format: str) -> bytes:
    """The bytes of ``text`` spoken at ``speed`` in ``response_format``."""
    pcm = samples(text, speed)
    frames = len(pcm)
    if response_format == "pcm":
        return pcm.tobytes()
    if response_format == "wav":
        return wav(pcm)
    return silence(response_format, frames)


