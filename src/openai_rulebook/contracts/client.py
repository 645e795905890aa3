"""Client rules: what a caller sends and keeps, judged over recorded exchanges (``kind: client`` in the catalog).

A client rule is about the application, not the API: "never send the deprecated ``function_call``", "keep the
``x-request-id`` of every response". Its check reads one exchange as a recording holds it (``Sent``) and raises
``RuleViolation`` when the caller broke the rule; a finding is the *client's*, never a failure of the API.

Exchanges come from three places, read into the same ``Sent``:

* the real-traffic corpus's lines (``from_corpus``): what real applications sent (calibration reports their
  findings, ``tests/calibration/test_client_rules.py``);
* a run's own exchanges, as the harness keeps them for evidence (``from_evidence``): the suites judge the harness
  as a client (``suites/test_client.py``);
* vcrpy cassettes and corpus-format ``.jsonl`` files a user recorded from their own app (``read_recordings``,
  ``rulebook client-check PATH...``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openai_rulebook.catalog import Catalog, Rule
from openai_rulebook.checks import expect
from openai_rulebook.errors import CatalogError, RuleViolation, UsageError


@dataclass(frozen=True, slots=True)
class Sent:
    """One exchange as a client rule sees it: what the caller sent, and what it kept of the answer."""

    method: str
    path: str  #: ``/v1/...``, no query
    endpoint: str | None  #: the catalog endpoint it matched, None if none
    request_headers: Mapping[str, str]  #: lower-case names, as recorded (a recording may keep few)
    request_body: Any  #: parsed JSON, a corpus multipart dict (``{"multipart": [...]}``), or None
    status: int
    response_headers: Mapping[str, str]  #: lower-case names, as recorded
    where: str = ""  #: how a report names the exchange (a corpus cite, a cassette path and index)
    #: the request body as sent, when it was kept as text (a multipart upload's file content); None otherwise
    raw_body: str | None = None


Check = Callable[[Rule, Sent], None]


@dataclass(frozen=True, slots=True)
class ClientCheck:
    rule_id: str
    check: Check
    any_endpoint: bool  #: the rule speaks of every exchange, not only its catalog endpoints


#: rule id -> its check
CLIENT_CHECKS: dict[str, ClientCheck] = {}


def client_check(rule_id: str, *, any_endpoint: bool = False) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        if rule_id in CLIENT_CHECKS:
            raise CatalogError(f"client rule {rule_id!r} has a check already")
        CLIENT_CHECKS[rule_id] = ClientCheck(rule_id, check, any_endpoint)
        return check

    return register


def applies(rule: Rule, registered: ClientCheck, sent: Sent) -> bool:
    return registered.any_endpoint or (sent.endpoint is not None and sent.endpoint in rule.endpoints)


def client_findings(catalog: Catalog, sent: Sent) -> Iterator[tuple[str, RuleViolation | None]]:
    """``(rule id, violation or None)`` for every client check that applies to ``sent``."""
    for rule_id, registered in CLIENT_CHECKS.items():
        rule = catalog[rule_id]
        if applies(rule, registered, sent):
            try:
                registered.check(rule, sent)
            except RuleViolation as violation:
                yield rule_id, violation
            else:
                yield rule_id, None


# -- readings -------------------------------------------------------------------------------------------------------
def _json(sent: Sent) -> dict[str, Any]:
    body = sent.request_body
    return body if isinstance(body, dict) and "multipart" not in body else {}


def _form_field(sent: Sent, name: str) -> Any:
    body = sent.request_body
    parts = body.get("multipart") if isinstance(body, dict) else None
    return next((part.get("value") for part in parts or () if isinstance(part, dict) and part.get("name") == name),
                None)


def _not_sent(rule: Rule, sent: Sent) -> None:
    """The rule's deprecated ``param`` is absent from the request body (an explicit null counts as not sent)."""
    param = str(rule.params["param"])
    value = _json(sent).get(param)
    instead = f"; use {rule.params['replacement']!r}" if rule.params.get("replacement") else ""
    expect(rule.id, value is None, expected=f"no {param!r} in the request (deprecated{instead})",
           actual=f"{param}={json.dumps(value)[:120]}")


# -- the checks -----------------------------------------------------------------------------------------------------
#: placeholders real recorders write instead of the value (openai-dotnet, ruby_llm, agentops): the id was not kept
_SCRUBBED = re.compile(r"^(sanitized|redacted|<x_request_id>|)$", re.I)


@client_check("client.request_id_recorded", any_endpoint=True)
def request_id_recorded(rule: Rule, sent: Sent) -> None:
    header = str(rule.params["header"])
    value = sent.response_headers.get(header)
    expect(rule.id, isinstance(value, str) and not _SCRUBBED.match(value.strip()),
           expected=f"the response's {header} kept with the exchange",
           actual="no such header recorded" if value is None else f"{header}: {value!r} (scrubbed)")


@client_check("client.temperature_or_top_p")
def temperature_or_top_p(rule: Rule, sent: Sent) -> None:
    body, default = _json(sent), rule.params["default"]
    changed = [name for name in ("temperature", "top_p") if body.get(name) is not None and body[name] != default]
    expect(rule.id, len(changed) < 2, expected="temperature or top_p changed from its default, not both",
           actual=f"temperature={body.get('temperature')}, top_p={body.get('top_p')}")


@client_check("client.path_params_filled", any_endpoint=True)
def path_params_filled(rule: Rule, sent: Sent) -> None:
    segments = sent.path.split("/")[1:]
    empty = any(segment == "" for segment in segments[:-1]) or "//" in sent.path
    placeholder = re.search(r"\{[a-z_]+\}|%7B[a-z_]+%7D", sent.path, re.I)
    expect(rule.id, not empty and placeholder is None, expected="every path parameter filled",
           actual=f"{sent.method} {sent.path}")


for _rule_id in ("chat.no_function_call", "chat.no_functions", "chat.no_max_tokens", "chat.no_seed",
                 "chat.no_user_field", "fine_tuning.hyperparameters_under_method"):
    client_check(_rule_id)(_not_sent)


@client_check("chat.safety_identifier_hashed")
def safety_identifier_hashed(rule: Rule, sent: Sent) -> None:
    value = _json(sent).get(str(rule.params["param"]))
    expect(rule.id, not (isinstance(value, str) and "@" in value),
           expected="a hashed or opaque safety_identifier", actual=value)


@client_check("assistants.beta_header_sent")
def beta_header_sent(rule: Rule, sent: Sent) -> None:
    if "openai-beta" not in sent.request_headers and "content-type" not in sent.request_headers:
        return  # a recording that kept no request header says nothing about this one
    header, value = str(rule.params["header"]).lower(), str(rule.params["value"])
    got = sent.request_headers.get(header, "")
    expect(rule.id, value in [part.strip() for part in got.split(",")], expected=f"{rule.params['header']}: {value}",
           actual=got or "no such header")


@client_check("audio.speech.instructions_not_for_tts_1")
def speech_instructions(rule: Rule, sent: Sent) -> None:
    body = _json(sent)
    bad = body.get("model") in rule.params["models"] and body.get(str(rule.params["param"])) is not None
    expect(rule.id, not bad, expected=f"no instructions with {body.get('model')}", actual="instructions sent")


@client_check("audio.transcription.language_iso_639_1")
def transcription_language(rule: Rule, sent: Sent) -> None:
    value = _form_field(sent, str(rule.params["param"]))
    if value is None:
        value = _json(sent).get(str(rule.params["param"]))
    ok = value is None or (isinstance(value, str) and re.fullmatch(str(rule.params["pattern"]), value) is not None)
    expect(rule.id, ok, expected="an ISO-639-1 language code (two lower-case letters)", actual=value)


_PURPOSE = re.compile(r'name="purpose"\r?\n\r?\n([^\r\n]*)')


@client_check("fine_tuning.no_functions_in_training_data")
def training_data_tools(rule: Rule, sent: Sent) -> None:
    """A fine-tune upload whose content was kept (as text, multipart): no JSON line carries ``functions``.

    Recordings that keep only the file's size (the corpus) say nothing, and pass."""
    text = sent.raw_body or ""
    purpose = _form_field(sent, "purpose") or (match.group(1) if (match := _PURPOSE.search(text)) else None)
    if purpose != "fine-tune":
        return
    param = str(rule.params["param"])
    for number, row in enumerate(text.splitlines(), 1):
        row = row.strip()
        if not row.startswith("{"):
            continue
        try:
            example = json.loads(row)
        except ValueError:
            continue
        expect(rule.id, not (isinstance(example, dict) and param in example),
               expected=f"training examples with {rule.params['replacement']!r}, not {param!r}",
               actual=f"line {number} of the upload has {param!r}")


# -- where exchanges come from --------------------------------------------------------------------------------------
def from_corpus(line: Any, endpoint: str | None) -> Sent:
    """A real-traffic corpus line (``traffic.Exchange``)."""
    return Sent(line.method, line.path, endpoint, {k.lower(): v for k, v in line.request_headers.items()},
                line.request_body, line.status, {k.lower(): v for k, v in line.response_headers.items()},
                where=line.cite)


def _parsed(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def from_evidence(exchange: Any, endpoint: str | None, where: str = "") -> Sent:
    """One of the harness's own exchanges (``client.Exchange``, as kept for evidence)."""
    return Sent(exchange.method, exchange.path, endpoint, dict(exchange.request_headers),
                _parsed(exchange.request_body), exchange.status, dict(exchange.response_headers), where=where,
                raw_body=exchange.request_body)


def _headers(raw: Any) -> dict[str, str]:
    """vcrpy headers: a mapping of name -> [values] (or a value)."""
    if not isinstance(raw, Mapping):
        return {}
    return {str(name).lower(): str(value[0] if isinstance(value, list) and value else value)
            for name, value in raw.items()}


def _cassette(path: Path) -> Iterator[tuple[Any, ...]]:
    import yaml

    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for index, interaction in enumerate(document.get("interactions") or ()):
        request, response = interaction.get("request") or {}, interaction.get("response") or {}
        body = request.get("body")
        body = body.get("string") if isinstance(body, Mapping) else body
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        url = urlsplit(str(request.get("uri", "")))
        status = response.get("status") or {}
        yield (str(request.get("method", "GET")).upper(), url.path, _parsed(body) if isinstance(body, str) else None,
               _headers(request.get("headers")), int(status.get("code", 0)) if isinstance(status, Mapping) else 0,
               _headers(response.get("headers")), f"{path} #{index}", body if isinstance(body, str) else None)


def _jsonl(path: Path) -> Iterator[tuple[Any, ...]]:
    with path.open(encoding="utf-8") as stream:
        for number, text in enumerate(stream, 1):
            if not text.strip():
                continue
            raw = json.loads(text)
            where = f"{raw['source']} seq {raw['seq']}" if "source" in raw else f"{path}:{number}"
            yield (str(raw["method"]).upper(), str(raw["path"]).split("?", 1)[0], raw.get("request_body"),
                   {k.lower(): v for k, v in (raw.get("request_headers") or {}).items()}, int(raw["status"]),
                   {k.lower(): v for k, v in (raw.get("response_headers") or {}).items()}, where, None)


def read_recordings(paths: Iterable[Path], match: Callable[[str, str], str | None]) -> Iterator[Sent]:
    """Every exchange of the given files and directories: corpus-format ``.jsonl`` lines and vcrpy ``.yaml``
    cassettes (directories are searched for both). ``match(method, path)`` names the catalog endpoint."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".jsonl", ".yaml", ".yml"))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"{path}: no such file or directory")
    for file in files:
        rows = _jsonl(file) if file.suffix == ".jsonl" else _cassette(file)
        for method, path, body, request_headers, status, response_headers, where, raw in rows:
            if not path.startswith("/v1/"):
                continue  # another host's or the harness's own bookkeeping
            yield Sent(method, path, match(method, path), request_headers, body, status, response_headers, where,
                       raw)


@dataclass
class Tally:
    """What the client checks found over some exchanges: per rule, exchanges judged and findings (with samples)."""

    checked: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)
    sources: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    samples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, catalog: Catalog, sent: Sent, *, source: str | None = None) -> None:
        for rule_id, violation in client_findings(catalog, sent):
            self.checked[rule_id] += 1
            if violation is not None:
                self.findings[rule_id] += 1
                self.sources[rule_id].add(source or sent.where)
                if len(self.samples[rule_id]) < 3:
                    self.samples[rule_id].append(f"{sent.where}: {str(violation).splitlines()[-1]}")

    def table(self) -> list[tuple[str, int, int, int]]:
        """(rule id, exchanges judged, findings, recordings with a finding), by rule id."""
        return [(rule_id, self.checked[rule_id], self.findings[rule_id], len(self.sources[rule_id]))
                for rule_id in sorted(self.checked)]
