"""What an uploaded audio file is, read from its bytes: the container (by magic bytes) and, for WAV, the duration.

The transcription endpoints take flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav and webm. A file is judged by what it
starts with, never by its name: mp3, mpeg and mpga are one container (MPEG audio frames, or an ID3 tag before
them), mp4 and m4a another (an ISO base media ``ftyp`` box). Only WAV has a duration the server reads (the
``wave`` module); for the others the duration is unknown (None), and rules about seconds leave them alone.
"""

from __future__ import annotations

import base64
import binascii
import io
import wave

#: container name -> the extensions the rulebook lists for it
CONTAINERS: dict[str, tuple[str, ...]] = {
    "flac": ("flac",),
    "mpeg": ("mp3", "mpeg", "mpga"),
    "mp4": ("mp4", "m4a"),
    "ogg": ("ogg",),
    "wav": ("wav",),
    "webm": ("webm",),
}


def container(head: bytes) -> str | None:
    """The container ``head`` (a file's first bytes) opens, or None when it is none of the listed ones."""
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and head[1] & 0x06 != 0):  # frame sync, and a layer (not ADTS's 00)
        return "mpeg"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


def wav_seconds(content: bytes) -> float | None:
    """The duration of a WAV file, or None when it cannot be read as one."""
    try:
        with wave.open(io.BytesIO(content)) as clip:
            rate = clip.getframerate()
            return clip.getnframes() / rate if rate else None
    except (wave.Error, EOFError):
        return None


def seconds(content: bytes) -> float | None:
    """The duration of a file whose duration the server can read (WAV), else None."""
    return wav_seconds(content) if container(content[:16]) == "wav" else None


def data_url_bytes(url: str) -> bytes | None:
    """The bytes of a ``data:<type>;base64,<data>`` URL; None when it is not one."""
    if not url.startswith("data:") or "," not in url:
        return None
    header, _, data = url.partition(",")
    if not header.endswith(";base64"):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        return None
