"""The stream checkers against every real stream of the corpus: a real stream that breaks a checker's rule proves
the rule wrong, unless the recording itself is not what the API sent. Those recordings are listed here, each with
its evidence; every other stream must pass every check."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from openai_rulebook.streams import CHECKERS, checker_for, from_recorded
from openai_rulebook.traffic import Corpus, EndpointMatcher

#: corpus files holding streams a checker reads (audio and assistants streams have no checker yet)
STREAM_FAMILIES = ("chat", "completions", "responses")
_AUDIO_TRIMMED = ("openai-dotnet records chat audio streams with most chunks' 'choices' (and so the usage chunk's) "
                  "cut out by the recorder, as the corpus README says of ChatTests/ChatWithAudio; the same holds for "
                  "its _PM and BasicAudioOutput siblings (gpt-audio-1.5, gpt-4o-audio-preview), never elsewhere")
_NO_USAGE_CHUNK = ("include_usage is set but no usage chunk arrived: only in one project's cassettes at one commit "
                   "(activeagent, Oct 2025, chunks end at finish_reason); 436 include_usage streams from 20 other "
                   "projects (2024-2026) all end with the usage chunk, as the spec promises")
_EDITED_MOCK = ("a hand-edited mock ('test/mock-responses/'): response.created, output_item.added and "
                "response.completed lack the sequence_number every other event carries, its output_text.delta comes "
                "with no content_part.added, and it ends with a '[DONE]' the Responses API never sends; 266 other "
                "Responses streams number every event (or none, before sequence numbers existed)")
#: (source, seq) -> (checks it is excused from, why): the recordings that are not what the API sent
EXCEPTIONS: dict[tuple[str, int], tuple[frozenset[str], str]] = {
    **{(f"openai/openai-dotnet:tests/SessionRecords/ChatTests/{name}.json@{commit}", seq):
       (frozenset({"chat.choices", "chat.usage_chunk"}), _AUDIO_TRIMMED)
       for name, commit, seq in (
           ("ChatWithAudio", "b3b4bbbc31cebef0f4978071d586856360173c89", 1),
           ("ChatWithAudioAsync", "b3b4bbbc31cebef0f4978071d586856360173c89", 1),
           ("ChatWithAudio_PM", "27b3733f928d085ae6e9bd965d56d58c4c4a5f89", 1),
           ("ChatWithAudio_PMAsync", "46ebd4c6190ccb44cca6c8ebdda0a862bdc8ced7", 1),
           ("ChatWithBasicAudioOutput", "b3b4bbbc31cebef0f4978071d586856360173c89", 0),
           ("ChatWithBasicAudioOutputAsync", "b3b4bbbc31cebef0f4978071d586856360173c89", 0),
       )},
    **{(f"activeagents/activeagent:test/fixtures/vcr_cassettes/integration/open_ai/chat/native_format_test/{name}.yml"
        "@a76142897fc61fe7a6f53d28b030fff35a46c3d6", seq): (frozenset({"chat.usage_chunk"}), _NO_USAGE_CHUNK)
       for name, seq in (("test_agent_functions_with_streaming", 0), ("test_agent_functions_with_streaming", 1),
                         ("test_agent_streaming", 0))},
    ("open-telemetry/opentelemetry-js-contrib:packages/instrumentation-openai/test/mock-responses/"
     "openai-streaming-responses-records-tool-calls.json@e520fdebc0e46657a86e89a3dafb1ab98c6081e5", 0):
        (frozenset({"responses.sequence", "responses.content_index"}), _EDITED_MOCK),
}


def _streams(corpus: Corpus) -> Iterator[dict]:
    """Stream lines only: the files are 25 MB, and a substring test is far cheaper than parsing every line."""
    for family in STREAM_FAMILIES:
        path = corpus.root / f"{family}.jsonl"
        if not path.is_file():
            continue
        with path.open(encoding="utf-8") as lines:
            for text in lines:
                if "text/event-stream" in text:
                    line = json.loads(text)
                    if isinstance(line.get("response_body"), list):
                        yield line


@pytest.fixture(scope="module")
def outcomes(corpus: Corpus) -> tuple[Counter[str], dict[tuple[str, int], set[str]], list[str]]:
    matcher = EndpointMatcher(CHECKERS)
    checked: Counter[str] = Counter()
    broken: dict[tuple[str, int], set[str]] = {}
    messages: list[str] = []
    for line in _streams(corpus):
        endpoint = matcher.match(line["method"], line["path"])
        checker = checker_for(endpoint, line.get("query")) if endpoint else None
        if checker is None:
            continue
        checked[endpoint] += 1
        request = line["request_body"] if isinstance(line["request_body"], dict) else None
        findings = checker(from_recorded(line["response_body"]), request)
        if findings:
            key = (line["source"], line["seq"])
            broken[key] = {finding.check for finding in findings}
            messages.extend(f"{line['source']} seq {line['seq']}: {finding}" for finding in findings[:3])
    return checked, broken, messages


def test_every_real_stream_passes_its_checker(outcomes) -> None:
    _, broken, messages = outcomes
    unexplained = {key: checks - EXCEPTIONS.get(key, (frozenset(), ""))[0] for key, checks in broken.items()}
    unexplained = {key: checks for key, checks in unexplained.items() if checks}
    assert not unexplained, "\n".join(message for message in messages
                                      if any(message.startswith(f"{s} seq {q}:") for s, q in unexplained))


def test_every_exception_is_still_needed(outcomes) -> None:
    """An exception whose stream now passes (or left the corpus) would excuse a future regression: drop it."""
    _, broken, _ = outcomes
    stale = [key for key, (checks, _) in EXCEPTIONS.items() if not checks <= broken.get(key, set())]
    assert not stale


def test_the_checkers_read_the_whole_corpus(outcomes) -> None:
    """Every chat, completions and Responses stream is read: 570 + 27 + 263 created and 4 resumed (README counts)."""
    checked, _, _ = outcomes
    assert checked["POST /v1/chat/completions"] >= 570
    assert checked["POST /v1/completions"] >= 27
    assert checked["POST /v1/responses"] + checked["GET /v1/responses/{response_id}"] >= 267
