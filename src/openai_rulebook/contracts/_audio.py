"""The audio area's contract checks: what one recorded speech, transcription or translation exchange must show.

Recorders seldom keep multipart forms (most audio.jsonl lines have ``{"multipart": null}`` or an empty list), so a
check reads the request when it was recorded and otherwise only what the response itself says.
"""

from __future__ import annotations

from typing import Any

from openai_rulebook.catalog import Rule
from openai_rulebook.checks import expect
from openai_rulebook.contracts._registry import Seen, contract


def _form(seen: Seen) -> dict[str, Any]:
    """The recorded request fields: a multipart form's text fields, or a JSON body; {} when not recorded."""
    body = seen.request_body
    if not isinstance(body, dict):
        return {}
    if "multipart" in body:
        return {part.get("name"): part.get("value") for part in body.get("multipart") or ()
                if isinstance(part, dict)}
    return body


def _has_speaker(value: Any) -> bool:
    if isinstance(value, dict):
        return "speaker" in value or any(_has_speaker(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_speaker(item) for item in value)
    return False


@contract("audio.endpoints_exist")
def audio_answers(rule: Rule, seen: Seen) -> None:
    """A transcription or translation answered as JSON carries its text (speech and text formats are not JSON)."""
    if seen.endpoint == "POST /v1/audio/speech" or not isinstance(seen.body, dict):
        return
    expect(rule.id, isinstance(seen.body.get("text"), str), expected=f"a string `text` from {seen.endpoint}",
           actual=seen.body.get("text"))


@contract("audio.transcription.diarized_json_speakers")
def speakers_only_in_diarized_json(rule: Rule, seen: Seen) -> None:
    """Speaker labels come as diarized_json segments, each labelled; a json answer of the diarize model has none."""
    body = seen.body if isinstance(seen.body, dict) else None
    if body is None:
        return
    form = _form(seen)
    asked = form.get("response_format")
    if form.get("model") == rule.params["model"] and asked in ("json", None) and "response_format" in form:
        expect(rule.id, not _has_speaker(body), expected="no speaker annotations in a json answer",
               actual=str(body)[:200])
    if _has_speaker(body):
        segments = body.get("segments")
        labelled = isinstance(segments, list) and bool(segments) and all(
            isinstance(segment, dict) and isinstance(segment.get("speaker"), str) for segment in segments)
        expect(rule.id, labelled, expected="speaker labels only as diarized_json segments, each labelled",
               actual=str(body)[:200])


def _whisper_streamed(seen: Seen) -> bool:
    form = _form(seen)
    return form.get("model") == "whisper-1" and str(form.get("stream")).lower() == "true" \
        and form.get("response_format") in (None, "json", "verbose_json")


@contract("audio.transcription.whisper_ignores_stream", when=_whisper_streamed)
def whisper_answers_one_body(rule: Rule, seen: Seen) -> None:
    expect(rule.id, isinstance(seen.body, dict), expected="one JSON body (whisper-1 ignores stream)",
           actual="an event stream or no JSON body")
