"""physml's cache folder: where it is, and reading and writing its JSON files safely.

Three things live there: validated catalog files (:mod:`physml.catalog`), the registry index
(:mod:`physml.index`) and each entry's last verification (:mod:`physml.history`). The folder is
``$PHYSML_CACHE_DIR``, else ``physml`` in the user's cache folder; ``PHYSML_CACHE_DIR=off``
disables caching. A cache is only ever a speed-up: a file that cannot be read counts as absent,
and one that cannot be written is skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "cache_file", "read_json", "write_json"]

#: The environment variable naming the cache folder; ``off`` disables the cache.
CACHE_ENV = "PHYSML_CACHE_DIR"


def cache_file(name: str) -> Path | None:
    """The path of the cache file ``name``, or None when the cache is off."""
    base = os.environ.get(CACHE_ENV)
    if base == "off":
        return None
    if not base:
        base = os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "physml"
        )
    return Path(base) / name


def read_json(path: Path | None) -> Any:
    """The JSON content of ``path``, or None when there is none or it cannot be read."""
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_json(path: Path | None, data: Any, **dump: Any) -> None:
    """Write ``data`` to ``path`` atomically (readers never see half a file)."""
    import tempfile

    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(data, stream, ensure_ascii=False, allow_nan=False, **dump)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        pass  # a read-only home folder only costs speed
