"""Evidence a person can act on: the request that decided a failure, with its redacted headers and a curl line.

For a failure on each of auth, content type, a limit and a lifecycle rule (a reference-server fault each), the
failing rule's evidence holds the deciding exchange (the test's own request, never clean-up), its headers redacted
as cassettes are, and a ``curl`` command that resends it with the key as ``$OPENAI_API_KEY``.
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from openai_rulebook.evidence import curl, request_headers

from .conftest import copy_real_suites, read_compliance, rule_entry, run_inline

REFERENCE_KEY = "sk-rulebook-reference"
#: key-shaped, built at run time so that no key-like string sits in the repository (the secret scan reads files)
FAKE_PROJECT_KEY = "sk-" + "proj-" + "x" * 24
CASES = {
    "auth.header_required": ("auth.accept_missing_header", "test_auth"),
    "requests.json_content_type": ("requests.accept_any_content_type", "test_requests"),
    "vector_stores.list.limit_range": ("vector_stores.list.accept_limit_out_of_range", "test_vector_stores"),
    "uploads.cancel_status": ("uploads.cancel_twice", "test_uploads"),
}


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each case's failing rule entry, from one run of its module with its fault on."""
    found = {}
    for rule_id, (fault, module) in CASES.items():
        root = copy_real_suites(tmp_path_factory.mktemp(module))
        run_inline(root, f"suites/{module}.py", "--fault", fault, "--report-dir", "reports", "-k",
                   "not drawn")
        found[rule_id] = rule_entry(read_compliance(root / "reports"), rule_id)
    return found


@pytest.mark.parametrize("rule_id", CASES)
def test_the_deciding_request_is_in_the_evidence_with_headers_and_curl(failures: dict, rule_id: str) -> None:
    entry = failures[rule_id]
    assert entry["verdict"] == "fail"
    evidence = next(item for item in entry["evidence"] if item["outcome"] == "fail")
    deciding = [exchange for exchange in evidence["exchanges"] if exchange.get("deciding")]
    assert len(deciding) == 1 and evidence["exchanges"][-1] is deciding[0]
    exchange = deciding[0]
    assert exchange.get("phase", "test") == "test", "clean-up crowded out the deciding request"
    assert "request_headers" in exchange and REFERENCE_KEY not in str(evidence)
    command = shlex.split(evidence["reproduce"])
    method, path = exchange["request"].split(" ", 1)
    assert command[:4] == ["curl", "-sS", "-X", method]
    assert command[4].startswith("http://127.0.0.1:") and command[4].split("/v1", 1)[1].startswith(
        path.removeprefix("/v1").split("?")[0])


def test_auth_evidence_shows_the_missing_header_and_content_type_the_label_sent(failures: dict) -> None:
    """The header that matters is in the evidence itself, not only in the message text."""
    auth = next(e for e in failures["auth.header_required"]["evidence"] if e["outcome"] == "fail")
    assert "authorization" not in auth["exchanges"][-1]["request_headers"]
    typed = next(e for e in failures["requests.json_content_type"]["evidence"] if e["outcome"] == "fail")
    assert typed["exchanges"][-1]["request_headers"]["content-type"] != "application/json"


def test_headers_are_redacted_as_cassettes_are() -> None:
    headers = request_headers([("Authorization", f"Bearer {REFERENCE_KEY}"), ("OpenAI-Organization", "org-123"),
                               ("OpenAI-Project", "proj_1"), ("Cookie", "a=b"), ("Content-Type", "text/plain"),
                               ("X-Other", FAKE_PROJECT_KEY)], [REFERENCE_KEY])
    assert headers == {"authorization": "Bearer REDACTED", "openai-organization": "REDACTED",
                       "openai-project": "REDACTED", "cookie": "REDACTED", "content-type": "text/plain",
                       "x-other": "REDACTED"}
    line = curl("POST", "https://api.openai.com/v1/files", headers, '{"a": 1}')
    assert '"Authorization: Bearer $OPENAI_API_KEY"' in line and REFERENCE_KEY not in line
    assert shlex.split(line)[-2:] == ["--data-binary", '{"a": 1}']


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_a_working_curl_line(tmp_path: Path) -> None:
    """The reproduction of a request against a live reference server gets the same answer as the original."""
    import subprocess

    from openai_rulebook.plugin.server_thread import ReferenceServer

    server = ReferenceServer(faults=("vector_stores.list.accept_limit_out_of_range",))
    base = server.start()
    try:
        line = curl("GET", f"{base}/vector_stores?limit=101", {"authorization": "Bearer REDACTED"}, "")
        done = subprocess.run(["bash", "-c", line + " -o /dev/null -w '%{http_code}'"], capture_output=True,
                              text=True, env={"OPENAI_API_KEY": REFERENCE_KEY, "PATH": "/usr/bin:/bin"},
                              timeout=30)
    finally:
        server.stop()
    assert done.stdout.strip() == "200", done.stderr
