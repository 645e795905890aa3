"""Read the OpenAPI document once per file version: a 3 MB YAML file costs about two seconds to parse."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from openai_rulebook.errors import UsageError

try:  # the C loader is ten times faster on a file this size
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_HOW_TO_FIX = "pass --spec PATH or set RULEBOOK_SPEC"


def load_spec(path: Path | str) -> dict[str, Any]:
    """Parse the OpenAPI document at ``path``; a second call for an unchanged file returns the same dict.

    The dict is shared by every caller: treat it as read-only (``ResponseValidator`` patches copies).
    """
    resolved = Path(path).expanduser().resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the OpenAPI spec ({exc.strerror}); {_HOW_TO_FIX}") from exc
    return _load(str(resolved), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    # mtime and size are part of the key so that an edited file is read again; failures are not cached.
    try:
        with open(path, "rb") as stream:
            data = yaml.load(stream, Loader=_Loader)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the OpenAPI spec ({exc.strerror}); {_HOW_TO_FIX}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else path
        problem = getattr(exc, "problem", None) or exc
        raise UsageError(f"{where}: the OpenAPI spec is not valid YAML ({problem}); {_HOW_TO_FIX}") from exc
    if not isinstance(data, dict) or "openapi" not in data or not isinstance(data.get("paths"), dict):
        raise UsageError(
            f"{path}: not an OpenAPI document (expected a mapping with 'openapi' and 'paths'); {_HOW_TO_FIX}"
        )
    return data
