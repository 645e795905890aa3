"""The reference server conforms to the official spec where the spec and the live API once disagreed.

``spec_check`` promises that against the reference server ``spec_conformance.mismatches`` is empty. These are the
suites' tests whose answers the spec as written gets wrong (each a known gap with real-traffic evidence, or the
spec's own example where no recording shows it): audio answers in every response_format (text/plain for text, srt
and vtt; verbose and diarized JSON, which the spec's oneOf matched twice) and a paused fine-tuning job. A run of
just those tests must find no mismatch, and must really have checked each kind of answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import openai_rulebook.spec
from openai_rulebook.spec import Checked, ResponseValidator

from .conftest import copy_real_suites, read_compliance, run_inline

SELECTION = ("((test_transcriptions_matrix or test_translations_matrix) and response_format) "
             "or test_paused_job_waits_for_resume")


class _Seen(ResponseValidator):
    """The validator the run builds, noting what it was shown: (operation, media type, what the body holds)."""

    seen: set[tuple[str, str, str]] = set()

    def check(self, *, method: str, path: str, status: int, content_type: str | None, body: Any) -> Checked:
        found = self.operation(method, path)
        if found and status == 200:
            kind = (body.get("status") or ("verbose" if "duration" in body else "plain")) if isinstance(body, dict) \
                else ""
            self.seen.add((found[0], (content_type or "").split(";")[0], kind))
        return super().check(method=method, path=path, status=status, content_type=content_type, body=body)


@pytest.fixture(scope="module")
def conformance(tmp_path_factory: pytest.TempPathFactory, spec_loaded: Path) -> dict[str, Any]:
    root = copy_real_suites(tmp_path_factory.mktemp("spec-conformance"), spec=True)
    _Seen.seen = set()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(openai_rulebook.spec, "ResponseValidator", _Seen)  # spec_check imports it when it starts
        code = run_inline(root, "-k", SELECTION, "--report-dir", "report")
    return {"code": code, "report": read_compliance(root / "report"), "seen": set(_Seen.seen)}


def test_the_selected_answers_conform_to_the_spec(conformance: dict[str, Any]) -> None:
    assert conformance["code"] == pytest.ExitCode.OK
    spec = conformance["report"]["spec_conformance"]
    assert spec["mismatches"] == []
    assert {"audio-text-formats", "audio-json-one-of", "fine-tuning-job-paused"} <= set(spec["known_gaps_applied"])


def test_the_run_checked_each_kind_of_answer(conformance: dict[str, Any]) -> None:
    """Not vacuous: the answers the spec as written rejects were among those checked."""
    assert {
        ("createTranscription", "text/plain", ""), ("createTranscription", "application/json", "verbose"),
        ("createTranscription", "application/json", "plain"),
        ("createTranslation", "text/plain", ""), ("createTranslation", "application/json", "verbose"),
        ("createTranslation", "application/json", "plain"),
        ("pauseFineTuningJob", "application/json", "paused"), ("retrieveFineTuningJob", "application/json", "paused"),
    } <= conformance["seen"]
