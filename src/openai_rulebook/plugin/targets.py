"""Targets: where the suites' requests go, resolved once from the options, before anything is sent.

    reference  the bundled reference server on 127.0.0.1 (default, offline)
    url        any OpenAI-compatible base URL (--base-url), key from --api-key-env
    live       the OpenAI API, key from OPENAI_API_KEY (or --api-key-env)
    record     sends to --record-from (reference, url or live) and writes cassettes
    replay     cassettes only, no network
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_rulebook.catalog import TIERS
from openai_rulebook.exits import nearest
from openai_rulebook.errors import CassetteError, TargetError, UsageError

TARGETS = ("reference", "url", "live", "record", "replay")
SOURCES = ("reference", "url", "live")
LIVE_BASE_URL = "https://api.openai.com/v1"
REFERENCE_KEY = "sk-rulebook-reference"
META_FILE = "cassette-set.json"
META_SCHEMA = "rulebook.cassettes/1"
#: what a run may cost by default: the reference server is free, anything else only free and cheap calls
DEFAULT_TIERS = {
    "reference": frozenset(TIERS) - {"heavy"},
    "url": frozenset({"free", "cheap"}),
    "live": frozenset({"free", "cheap"}),
}
#: optional headers taken from the environment for url and live targets (values never written anywhere)
ENV_HEADERS = {"OpenAI-Organization": "OPENAI_ORG_ID", "OpenAI-Project": "OPENAI_PROJECT_ID"}


@dataclass(frozen=True)
class Target:
    """A resolved target. ``source`` is where requests really go (None when replaying)."""

    name: str
    source: str | None
    base_url: str | None
    api_key: str | None
    headers: Mapping[str, str]
    tiers: frozenset[str]
    cassette_dir: Path | None
    faults: tuple[str, ...]
    #: replay: the set's ``cassette-set.json`` (where it was recorded from, with which hypothesis settings and clock)
    recorded_as: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def recording(self) -> bool:
        return self.name == "record"

    @property
    def replaying(self) -> bool:
        return self.name == "replay"

    @property
    def uses_reference_server(self) -> bool:
        return self.source == "reference"

    def describe(self) -> dict[str, object]:
        """For reports: never the key or header values."""
        return {
            "target": self.name,
            "source": self.source,
            "base_url": self.base_url,
            "tiers": sorted(self.tiers),
            "faults": list(self.faults),
            "cassette_dir": str(self.cassette_dir) if self.cassette_dir else None,
        }


def _parse_tiers(text: str | None, default: frozenset[str]) -> frozenset[str]:
    if not text:
        return default
    tiers = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(tiers - set(TIERS))
    if unknown:
        raise UsageError(f"--tiers: unknown tier(s) {', '.join(unknown)}{nearest(unknown[0], TIERS)} "
                         f"(the tiers: {', '.join(TIERS)})")
    return tiers


def read_cassette_meta(cassette_dir: Path) -> dict[str, Any]:
    meta_path = cassette_dir / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CassetteError(
            f"{meta_path}: not found, so {cassette_dir} is not a recorded cassette set; record one with "
            f"'rulebook run --target record' or pass --cassette-dir"
        ) from exc
    except (OSError, ValueError) as exc:
        raise CassetteError(f"{meta_path}: unreadable cassette-set description ({exc}); re-record the set") from exc
    if not isinstance(meta, dict) or meta.get("schema") != META_SCHEMA:
        raise CassetteError(f"{meta_path}: expected a JSON object with \"schema\": \"{META_SCHEMA}\"; re-record the set")
    return meta


def resolve_target(
    *,
    name: str,
    record_from: str = "reference",
    base_url: str | None = None,
    api_key_env: str = "OPENAI_API_KEY",
    cassette_dir: str | None = None,
    tiers: str | None = None,
    faults: tuple[str, ...] = (),
    root: Path,
    environ: Mapping[str, str] = os.environ,
) -> Target:
    """Check the options together and say at once what is wrong, naming what to set."""
    if name not in TARGETS:
        raise UsageError(f"--target {name!r} is unknown{nearest(name, TARGETS)} (the targets: {', '.join(TARGETS)})")
    source: str | None = record_from if name == "record" else (None if name == "replay" else name)
    if source is not None and source not in SOURCES:
        raise UsageError(f"--record-from {source!r} is unknown{nearest(source, SOURCES)} "
                         f"(the sources: {', '.join(SOURCES)})")
    if faults and source != "reference":
        raise UsageError("--fault switches faults of the bundled reference server; it needs --target reference "
                         "or --target record --record-from reference")
    directory = Path(cassette_dir) if cassette_dir else None
    if name in ("record", "replay") and directory is None:
        directory = root / "cassettes" / (source or "reference")
    key: str | None = None
    headers: dict[str, str] = {}
    url = base_url
    if source == "reference":
        key, url = REFERENCE_KEY, None  # the server's address is known once it has started
    elif source in ("url", "live"):
        if source == "url" and not base_url:
            raise UsageError("--target url needs --base-url, e.g. --base-url http://127.0.0.1:8000/v1")
        url = base_url or LIVE_BASE_URL
        key = environ.get(api_key_env)
        if not key:
            raise TargetError(
                f"--target {name} needs an API key in the environment variable {api_key_env}; nothing was sent. "
                f"Set it (export {api_key_env}=sk-...) or choose another variable with --api-key-env"
            )
        headers = {header: environ[var] for header, var in ENV_HEADERS.items() if environ.get(var)}
    else:  # replay: where the set was recorded from decides the defaults
        assert directory is not None
        meta = read_cassette_meta(directory)
        source_of_set = str(meta.get("target", "reference"))
        url = str(meta.get("base_url") or "http://127.0.0.1/v1")
        key = REFERENCE_KEY
        return Target(name, None, url, key, {}, _parse_tiers(tiers, DEFAULT_TIERS.get(source_of_set,
                      DEFAULT_TIERS["live"])), directory, (), recorded_as=meta)
    return Target(name, source, url, key, headers, _parse_tiers(tiers, DEFAULT_TIERS[source]), directory, faults)
