"""``rulebook serve`` as a user starts it: one start-up line with the base URL, the clock and the faults; a wall
clock on which processing completes in a fraction of a second; a taken port is one error line."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from openai_rulebook import exits

from .conftest import REPO

AUTH = {"Authorization": "Bearer sk-anything"}


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    """``rulebook serve --port 0 ARGS`` in its own process, and its first line."""
    server = subprocess.Popen([sys.executable, "-m", "openai_rulebook.cli", "serve", "--port", "0", *args], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, server.stdout.readline()


@pytest.fixture
def served() -> Iterator[tuple[str, str]]:
    """A ``rulebook serve`` with defaults and a fault on: its start-up line and its base URL."""
    server, line = start("--fault", "metadata.accept_long_keys")
    try:
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+/v1) ", line)
        assert match, line
        yield line, match.group(1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_startup_line_gives_the_base_url_the_clock_and_the_faults(served: tuple[str, str]) -> None:
    line, base_url = served
    assert line.startswith("rulebook serve: listening on http://127.0.0.1:") and "/v1 " in line
    assert "wall clock" in line and "faults: metadata.accept_long_keys" in line and "variants: none" in line
    # the line is said once the socket listens: a client can connect at once
    assert httpx.get(f"{base_url}/vector_stores", headers=AUTH, timeout=5).status_code == 200


def test_processing_completes_in_a_fraction_of_a_second_of_real_time(served: tuple[str, str]) -> None:
    """A file attached to a vector store of the standalone server is completed a quarter of a second later (its
    second of processing, scaled), and its timestamps are real time."""
    _, base_url = served
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=5) as client:
        file_id = client.post("/files", files={"file": ("a.txt", b"lantern")}, data={"purpose": "assistants"}).json()["id"]
        store_id = client.post("/vector_stores", json={}).json()["id"]
        attached = client.post(f"/vector_stores/{store_id}/files", json={"file_id": file_id}).json()
        started = time.monotonic()
        assert attached["status"] == "in_progress" and abs(attached["created_at"] - time.time()) < 5
        while (status := client.get(f"/vector_stores/{store_id}/files/{file_id}").json()["status"]) == "in_progress":
            assert time.monotonic() - started < 2, "processing took more than a second (it should take a quarter)"
            time.sleep(0.05)
        assert status == "completed" and time.monotonic() - started >= 0.2


def test_a_frozen_clock_says_so() -> None:
    server, line = start("--clock", "frozen")
    try:
        assert "frozen clock" in line and "faults: none" in line, line
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_taken_port_is_one_error_line_and_exit_2(served: tuple[str, str]) -> None:
    port = served[1].rsplit(":", 1)[1].removesuffix("/v1")
    result = subprocess.run([sys.executable, "-m", "openai_rulebook.cli", "serve", "--port", port], cwd=REPO,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == exits.USAGE
    assert result.stderr.startswith(exits.PREFIX) and result.stderr.count("\n") == 1, result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "--port 0" in result.stderr
