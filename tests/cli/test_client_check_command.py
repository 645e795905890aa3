"""``rulebook client-check``: the client rules over a user's recordings (corpus-format .jsonl and vcrpy cassettes)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from openai_rulebook.cli import main

REPO = Path(__file__).resolve().parents[2]
CATALOG = str(REPO / "specs" / "rules")


def line(body: dict, headers: dict | None = None, **extra) -> str:
    return json.dumps({"method": "POST", "path": "/v1/chat/completions", "request_body": body, "status": 200,
                       "response_headers": headers if headers is not None else {"x-request-id": "req_1"}, **extra})


def test_a_clean_recording_exits_0(tmp_path: Path, capsys) -> None:
    path = tmp_path / "app.jsonl"
    path.write_text(line({"model": "gpt-4o-mini", "messages": [], "tools": []}) + "\n")
    assert main(["client-check", str(path), "--catalog", CATALOG]) == 0
    assert "chat.no_function_call" in capsys.readouterr().out


def test_findings_exit_1_and_name_the_exchange(tmp_path: Path, capsys) -> None:
    path = tmp_path / "app.jsonl"
    path.write_text(line({"model": "gpt-4o-mini", "messages": [], "function_call": "auto"}, headers={}) + "\n")
    assert main(["client-check", str(tmp_path), "--catalog", CATALOG, "--json"]) == 1
    found = {row["rule"]: row for row in json.loads(capsys.readouterr().out)}
    assert found["chat.no_function_call"]["findings"] == 1 and "app.jsonl:1" in found["chat.no_function_call"][
        "samples"][0]
    assert found["client.request_id_recorded"]["findings"] == 1


def test_cassettes_are_read(tmp_path: Path, capsys) -> None:
    cassette = {"interactions": [{
        "request": {"method": "POST", "uri": "http://127.0.0.1:1234/v1/completions",
                    "body": json.dumps({"model": "m", "prompt": "x", "temperature": 0.5, "top_p": 0.5}),
                    "headers": {"Content-Type": ["application/json"]}},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {"x-request-id": ["req_9"]},
                     "body": {"string": "{}"}}}]}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(cassette))
    assert main(["client-check", str(tmp_path / "t.yaml"), "--catalog", CATALOG, "--json"]) == 1
    found = {row["rule"]: row["findings"] for row in json.loads(capsys.readouterr().out)}
    assert found == {"client.path_params_filled": 0, "client.request_id_recorded": 0,
                     "client.temperature_or_top_p": 1}


def test_a_missing_path_is_a_usage_error(tmp_path: Path, capsys) -> None:
    assert main(["client-check", str(tmp_path / "nope.jsonl"), "--catalog", CATALOG]) == 2
    assert "no such file" in capsys.readouterr().err
