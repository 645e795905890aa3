"""The GitHub Actions workflows in ``examples/``: valid YAML, shaped like workflows, and every ``rulebook …``
command their ``run:`` steps call exists with those options (parsed by the CLI's own argparse parser)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from openai_rulebook import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORKFLOWS = sorted(EXAMPLES.glob("*.yml"))
#: what separates shell commands on one line (the lint looks at each command alone)
SEPARATORS = re.compile(r"\|\||&&|;|\||\bthen\b|\bdo\b|\belse\b|\$\(|`")
#: the jobs each workflow must have: nightly live, PR replay, SDK upgrade gate
REQUIRED = {"nightly-live.yml", "pr-replay.yml", "sdk-upgrade.yml"}


def run_steps(workflow: dict[str, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def rulebook_commands(script: str) -> list[list[str]]:
    """The argument lists of each ``rulebook`` command in a shell script (continuations joined, expansions kept
    as placeholders, redirections dropped)."""
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0]
        for piece in SEPARATORS.split(line):
            try:
                words = shlex.split(piece)
            except ValueError:
                continue
            while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):  # VAR=value before the command
                words = words[1:]
            if not words or Path(words[0]).name != "rulebook":
                continue
            args, skip = [], False
            for word in words[1:]:
                if skip:
                    skip = False
                elif re.match(r"^\d?>>?$", word):
                    skip = True
                elif not re.match(r"^\d?>", word):
                    args.append("PLACEHOLDER" if "$" in word else word)
            commands.append(args)
    return commands


def test_the_three_recipes_are_there() -> None:
    assert REQUIRED <= {path.name for path in WORKFLOWS}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_a_workflow_is_valid_and_calls_only_real_commands(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(workflow, dict) and workflow.get("name"), f"{path.name}: no workflow name"
    assert True in workflow or "on" in workflow, f"{path.name}: no 'on:' trigger"  # YAML 1.1 reads `on` as True
    assert isinstance(workflow.get("jobs"), dict) and workflow["jobs"], f"{path.name}: no jobs"
    for name, job in workflow["jobs"].items():
        assert job.get("runs-on") and isinstance(job.get("steps"), list), f"{path.name}: job {name} is incomplete"
        for step in job["steps"]:
            assert ("run" in step) != ("uses" in step), f"{path.name}: a step needs one of run/uses: {step}"
    commands = [args for script in run_steps(workflow) for args in rulebook_commands(script)]
    assert commands, f"{path.name} calls no rulebook command"
    parser = cli._parser()
    for args in commands:
        try:
            parser.parse_args(args)
        except SystemExit as exc:
            pytest.fail(f"{path.name}: 'rulebook {shlex.join(args)}' is not a valid command (exit {exc.code})")


def test_the_lint_sees_a_wrong_option() -> None:
    """The lint is not vacuous: a misspelt option or command fails the parser it uses."""
    parser = cli._parser()
    script = "set +e\nrulebook run --target replay \\\n  --report-dri reports || true\nrulebook gatee --report r"
    commands = rulebook_commands(script)
    assert commands == [["run", "--target", "replay", "--report-dri", "reports"], ["gatee", "--report", "r"]]
    for args in commands:
        with pytest.raises(SystemExit):
            parser.parse_args(args)


def test_the_waivers_file_of_the_examples_loads() -> None:
    from openai_rulebook.gate import load_waivers

    assert load_waivers(EXAMPLES / "waivers.yaml") == []
