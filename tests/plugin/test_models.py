"""Models are parameters: ``--model ROLE=NAME`` over the catalog's defaults, the ``model`` fixture, the report's
``run.models``, and ``unsupported`` for a model the target does not serve."""

from __future__ import annotations

import httpx
import pytest

from openai_rulebook import exits
from openai_rulebook.catalog import load_catalog
from openai_rulebook.errors import CatalogError, Unsupported, UsageError
from openai_rulebook.models import ModelMap, model_not_served, parse_model_options, require_served

from .conftest import TINY_CATALOG, read_compliance, verdicts, write_suite

MODEL_CATALOG = TINY_CATALOG.replace("rules:\n", """\
models:
  chat: gpt-4o-mini
  embeddings: text-embedding-3-small
rules:
  - id: demo.chat_model
    source: openapi
    statement: A rule whose requests use the chat model.
    kind: contract
    tier: paid
    model_role: chat
    cost_usd: 0.0004
""", 1)


@pytest.fixture
def model_project(project: pytest.Pytester) -> pytest.Pytester:
    project.makefile(".yaml", rules=MODEL_CATALOG)
    return project


def test_the_fixture_maps_roles_and_the_report_records_the_mapping(model_project: pytest.Pytester) -> None:
    write_suite(model_project, """
        import pytest

        @pytest.mark.rule("demo.chat_model")
        def test_chat(model, rule):
            assert model() == "my-llm"                       # the rule's model_role, mapped by --model
            assert model("embeddings") == "text-embedding-3-small"  # a role left to the catalog's default
            assert rule.cost_usd == 0.0004
    """)
    result = model_project.runpytest("--model", "chat=my-llm", "--report-dir", "out")
    assert result.ret == exits.OK, result.stdout.str()
    run = read_compliance(model_project.path / "out")["run"]
    assert run["models"] == {"chat": "my-llm", "embeddings": "text-embedding-3-small"}
    assert run["models_given"] == {"chat": "my-llm"}


def test_a_model_the_target_does_not_serve_ends_unsupported(model_project: pytest.Pytester) -> None:
    write_suite(model_project, """
        import httpx
        import pytest
        from openai_rulebook.models import require_served

        @pytest.mark.rule("demo.chat_model")
        def test_chat(model):
            name = model()
            answer = httpx.Response(404, json={"error": {
                "message": f"The model `{name}` does not exist or you do not have access to it.",
                "type": "invalid_request_error", "param": None, "code": "model_not_found"}})
            require_served(answer, name, "demo.chat_model")
            raise AssertionError("not reached")
    """)
    model_project.runpytest("--report-dir", "out")
    assert verdicts(read_compliance(model_project.path / "out"))["demo.chat_model"] == "unsupported"


@pytest.mark.parametrize("option", ["chat", "chat=", "=x", "chatt=x", "chat=a,chat=b"])
def test_a_bad_model_option_stops_the_run(model_project: pytest.Pytester, option: str) -> None:
    write_suite(model_project, "import pytest\n\n@pytest.mark.rule('demo.pass')\ndef test_x():\n    pass\n")
    result = model_project.runpytest("--model", option, "--report-dir", "out", no_reraise_ctrlc=True)
    assert result.ret == exits.USAGE
    assert "--model" in result.stderr.str()
    assert not (model_project.path / "out").exists()


def test_parse_model_options() -> None:
    assert parse_model_options(["chat=a, embeddings=b", "moderation=c", "chat=a"]) == {
        "chat": "a", "embeddings": "b", "moderation": "c"}
    with pytest.raises(UsageError, match="did you mean 'embeddings'"):
        parse_model_options(["embedding=x"])


def test_model_map_prefers_the_option_and_names_a_missing_role() -> None:
    models = ModelMap({"chat": "gpt-4o-mini"}, {"embeddings": "e5"})
    assert (models("chat"), models("embeddings")) == ("gpt-4o-mini", "e5")
    with pytest.raises(CatalogError, match="--model moderation=NAME"):
        models("moderation")


def _error(status: int, message: str, code: str | None = None, param: str | None = None) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "invalid_request_error",
                                                  "param": param, "code": code}})


@pytest.mark.parametrize(("response", "served"), [
    # chat.jsonl / embeddings.jsonl / completions.jsonl: 404 model_not_found
    (_error(404, "The model `gpt-x` does not exist or you do not have access to it.", "model_not_found"), False),
    # responses.jsonl: 400 model_not_found on param model
    (_error(400, "The requested model 'gpt-x' does not exist.", "model_not_found", "model"), False),
    # chat.jsonl: a completions model sent to chat completions
    (_error(404, "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you "
                 "mean to use v1/completions?", None, "model"), False),
    # vLLM-style, no code: 404 naming the model
    (httpx.Response(404, json={"object": "error", "message": "The model `gpt-x` does not exist.", "code": 404}),
     False),
    # a parameter the served model refuses (responses.jsonl): the model is served
    (_error(400, "Unsupported value: 'minimal' is not supported with the 'gpt-x' model.", "unsupported_value",
            "reasoning.effort"), True),
    (_error(400, "Unsupported parameter: 'temperature' is not supported with this model.", None, "temperature"),
     True),
    # an enum check of `model` naming it (the audio endpoints type model as a list of names)
    (_error(400, "Invalid value: 'gpt-x'. Supported values are: 'tts-1', 'tts-1-hd'.", "invalid_value", "model"),
     False),
    # ... but an enum refusal of another value, or of another parameter, says nothing of the model
    (_error(400, "Invalid value: 'gpt-xl'. Supported values are: 'tts-1'.", "invalid_value", "model"), True),
    (_error(400, "Invalid value: 'gpt-x'. Supported values are: 'alloy'.", "invalid_value", "voice"), True),
    (_error(404, "No such vector store: vs_1", None, "vector_store_id"), True),
    (httpx.Response(200, json={"object": "chat.completion"}), True),
    (httpx.Response(404, text="not json"), True),
])
def test_model_not_served_reads_the_real_answers(response: httpx.Response, served: bool) -> None:
    assert model_not_served(response, "gpt-x") is not served
    if served:
        require_served(response, "gpt-x")
    else:
        with pytest.raises(Unsupported, match="gpt-x"):
            require_served(response, "gpt-x")


def test_the_catalog_checks_roles_and_costs(tmp_path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(MODEL_CATALOG.replace("model_role: chat", "model_role: chatt")
                    .replace("  embeddings: text", "  embedding: text"), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert "'chatt' is not a model role" in str(caught.value)
    assert "'embedding' is not a model role" in str(caught.value)
    path.write_text(MODEL_CATALOG.replace("cost_usd: 0.0004", "cost_usd: -1"), encoding="utf-8")
    with pytest.raises(CatalogError, match="cost_usd"):
        load_catalog(path)


def test_the_real_catalog_has_a_default_model_per_main_role() -> None:
    from .conftest import REPO

    models = load_catalog(REPO / "specs" / "rules").models
    assert {"chat", "embeddings", "moderation", "completions", "responses", "reasoning"} <= set(models)
