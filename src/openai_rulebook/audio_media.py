"""Audio files made in code, small and exact: the reference server's speech and the suites' test clips.

Every format here is a well-formed file a decoder plays (tests/server/test_audio.py decodes them with PyAV when it
is installed): a WAV file (the standard library's ``wave``) of an exact number of frames, and silence of a given
number of samples as MPEG-2 Layer III frames (mp3), a FLAC stream, an Ogg Opus file and ADTS AAC frames, each
written by hand (a few fixed bytes and the format's checksums). MP4/M4A and WebM need a muxer: ``encoded`` makes
them with PyAV (the ``media`` extra) and says so when it is missing.
"""

from __future__ import annotations

import io
import struct
import wave
from array import array

SAMPLE_RATE = 24_000


class MediaUnavailable(RuntimeError):
    """A format this installation cannot make (PyAV is not installed)."""


def wav(frames: int | array, *, rate: int = SAMPLE_RATE, width: int = 2) -> bytes:
    """A mono WAV file: ``frames`` samples of silence, or the given 16-bit samples (``width`` 2)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as clip:
        clip.setnchannels(1)
        clip.setsampwidth(width)
        clip.setframerate(rate)
        if isinstance(frames, array):
            clip.writeframes(frames.tobytes())
        else:
            clip.writeframes((b"\x80" if width == 1 else bytes(width)) * frames)
    return out.getvalue()


def wav_seconds(seconds: float, *, rate: int = 1000) -> bytes:
    """A WAV clip of exactly ``seconds`` (to the frame) at a tiny rate, 8-bit: 1 kB per second at 1 kHz."""
    return wav(round(seconds * rate), rate=rate, width=1)


def silence(response_format: str, frames: int) -> bytes:
    """``frames`` samples (24 kHz) of silence as an mp3, flac, opus (Ogg) or aac (ADTS) file."""
    return {"mp3": _mp3, "flac": _flac, "opus": _opus, "aac": _aac}[response_format](frames)


def encoded(container: str, seconds: float = 0.5) -> bytes:
    """A short file of silence in ``container`` (mp4, m4a, webm), muxed by PyAV; the same bytes every time."""
    try:
        import av  # noqa: PLC0415 - optional: only the containers that need a muxer use it
    except ImportError:
        raise MediaUnavailable(f"making a {container} file needs PyAV: pip install 'openai-rulebook[media]'") \
            from None
    codec, form = {"mp4": ("aac", "mp4"), "m4a": ("aac", "ipod"), "webm": ("libopus", "webm")}[container]
    rate = 48_000
    out = io.BytesIO()
    # bitexact: no random segment/track UIDs, no encoder version tags, so that the same clip is the same bytes
    # (a replayed cassette must match the request the test sends again)
    with av.open(out, "w", format=form, options={"fflags": "+bitexact"}) as muxed:
        stream = muxed.add_stream(codec, rate=rate, layout="mono")
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        frame_size = 960
        for index in range(int(seconds * rate) // frame_size):
            frame = av.AudioFrame(format="s16", layout="mono", samples=frame_size)
            frame.planes[0].update(bytes(frame_size * 2))
            frame.sample_rate = rate
            frame.pts = index * frame_size
            for packet in stream.encode(frame):
                muxed.mux(packet)
        for packet in stream.encode(None):
            muxed.mux(packet)
    return out.getvalue()


# -- mp3 ------------------------------------------------------------------------------------------------------------
#: MPEG-2 Layer III, no CRC; 32 kbit/s; 24 kHz; no padding; mono: 72 * 32000 / 24000 = 96 bytes, 576 samples
_MP3_HEADER = bytes((0xFF, 0xF3, 0x44, 0xC4))
_MP3_FRAME = _MP3_HEADER + bytes(96 - 4)


def _mp3(frames: int) -> bytes:
    return _MP3_FRAME * max(1, -(-frames // 576))


# -- flac -----------------------------------------------------------------------------------------------------------
_FLAC_BLOCK = 4096


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _utf8_number(value: int) -> bytes:
    """FLAC's frame number coding (UTF-8-like, up to 31 bits)."""
    if value < 0x80:
        return bytes((value,))
    out = []
    while value >= 0x40 >> len(out) or not out:
        out.append(0x80 | (value & 0x3F))
        value >>= 6
        if value < (0x40 >> len(out)):
            break
    lead = (0xFF00 >> (len(out) + 1)) & 0xFF
    return bytes((lead | value, *reversed(out)))


def _flac(frames: int) -> bytes:
    blocks = max(1, -(-frames // _FLAC_BLOCK))
    total = max(frames, 1)
    # STREAMINFO: min/max block size, min/max frame size (0: unknown), rate/channels/bits/total samples, MD5 (0)
    info = struct.pack(">HH", _FLAC_BLOCK, _FLAC_BLOCK) + bytes(6)
    packed = (SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | total  # 1 channel (0), 16 bits (15)
    info += packed.to_bytes(8, "big") + bytes(16)
    out = bytearray(b"fLaC" + bytes((0x80, 0, 0, len(info))) + info)
    for number in range(blocks):
        size = _FLAC_BLOCK if number < blocks - 1 else total - _FLAC_BLOCK * (blocks - 1)
        # sync, fixed blocksize; block size 0111 (16-bit size-1 at end); rate 0000 (from STREAMINFO);
        # channels 0000 (mono), bits 100 (16), reserved 0
        header = bytearray((0xFF, 0xF8, 0x70, 0x08)) + _utf8_number(number) + struct.pack(">H", size - 1)
        header.append(_crc8(header))
        frame = header + bytes((0x00,)) + b"\x00\x00"  # CONSTANT subframe (type 000000), value 0 (16 bits)
        out += frame + struct.pack(">H", _crc16(bytes(frame)))
    return bytes(out)


# -- opus (in Ogg) ------------------------------------------------------------------------------------------------
_OGG_TABLE = [0] * 256
for _i in range(256):
    _r = _i << 24
    for _ in range(8):
        _r = ((_r << 1) ^ 0x04C11DB7) & 0xFFFFFFFF if _r & 0x80000000 else (_r << 1) & 0xFFFFFFFF
    _OGG_TABLE[_i] = _r
_SERIAL = 0x52554C45  # "RULE"
#: a 20 ms CELT fullband mono frame that decodes to silence (TOC 0xF8, then the silence flag)
_OPUS_SILENCE = b"\xf8\xff\xfe"


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _OGG_TABLE[((crc >> 24) & 0xFF) ^ byte]
    return crc


def _ogg_page(packets: list[bytes], sequence: int, granule: int, flags: int) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes((len(packet) % 255,))
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, granule, _SERIAL, sequence, 0, len(lacing)) + lacing
    page = bytearray(header + b"".join(packets))
    page[22:26] = struct.pack("<I", _ogg_crc(bytes(page)))
    return bytes(page)


def _opus(frames: int) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, SAMPLE_RATE, 0, 0)
    vendor = b"openai-rulebook"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    packets = max(1, -(-frames // (SAMPLE_RATE // 50)))
    out = [_ogg_page([head], 0, 0, 0x02), _ogg_page([tags], 1, 0, 0)]
    per_page, sequence, done = 50, 2, 0
    while done < packets:
        count = min(per_page, packets - done)
        done += count
        last = done == packets
        out.append(_ogg_page([_OPUS_SILENCE] * count, sequence, 312 + done * 960, 0x04 if last else 0))
        sequence += 1
    return b"".join(out)


# -- aac (ADTS) -----------------------------------------------------------------------------------------------------
#: an AAC-LC single channel element of silence (global gain, no sections), byte-aligned with an END element
_AAC_SILENCE = b"\x00\xc8\x00\x80\x23\x80"


def _adts_frame(payload: bytes) -> bytes:
    length = 7 + len(payload)
    # sync 0xFFF, MPEG-4, layer 0, no CRC; profile LC (1); rate index 6 (24 kHz); channels 1; buffer fullness 0x7FF
    header = bytes((0xFF, 0xF1, (1 << 6) | (6 << 2), (1 << 6) | (length >> 11),
                    (length >> 3) & 0xFF, ((length & 0x7) << 5) | 0x1F, 0xFC))
    return header + payload


def _aac(frames: int) -> bytes:
    return _adts_frame(_AAC_SILENCE) * max(1, -(-frames // 1024))
