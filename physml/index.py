"""A cached summary of the registry, so that ``physml list`` and ``show`` import no plugin.

Loading the registry imports every plugin module and builds its correspondences; ``list`` and
``show`` only print data about them. The first run stores that data; later runs read it back
while its fingerprint still matches. The fingerprint covers everything the data depend on:
physml's own files, every entry point of the ``physml`` group with its distribution, every file
of each plugin's top-level package (its code and the catalog YAML it ships), and
``$PHYSML_DISABLE_PLUGINS``, and the files of every catalog folder the plugins gave (which an
editable install may keep outside the package). Editing a plugin or its catalog, installing or
removing one therefore reloads the registry on the next run. The summary lives in the cache
folder (``$PHYSML_CACHE_DIR``; ``off`` disables it: every run then loads the registry).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["cached", "fingerprint"]

# The same values as physml.registry's (a test keeps them in step): importing that module would
# import attrs, pluggy and the catalog, which this index exists to spare `physml list`.
ENTRY_POINT_GROUP = "physml"
DISABLE_ENV = "PHYSML_DISABLE_PLUGINS"
INDEX_FILE = "registry-index.json"


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root``, skipping bytecode caches; sorted for a stable fingerprint."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(names):
            yield Path(folder, name)


def _stamp(path: Path) -> str:
    try:
        status = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path}:{status.st_mtime_ns}:{status.st_size}"


def _package_root(module: str) -> Path | None:
    """The folder (or single file) of ``module``'s top-level package, found without importing."""
    import importlib.util

    top = module.split(":", 1)[0].strip().split(".", 1)[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin else None


def fingerprint() -> str | None:
    """What the registry's data depend on, hashed; None when some part cannot be located."""
    from importlib.metadata import entry_points

    import physml

    parts = [physml.__version__, os.environ.get(DISABLE_ENV, "")]
    parts += [_stamp(f) for f in _files(Path(physml.__file__).parent)]
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: (e.name, e.value)):
        # The distribution's folder and metadata file stand for its name and version, without
        # parsing the metadata (which is slow).
        where = getattr(ep.dist, "_path", None)
        parts.append(f"{ep.name}={ep.value}@{where}")
        if where is not None:
            parts.append(_stamp(Path(where) / "METADATA"))
        root = _package_root(ep.value)
        if root is None:
            return None
        parts += [_stamp(f) for f in _files(root)] if root.is_dir() else [_stamp(root)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _folders_stamp(folders: list[str]) -> str:
    parts = []
    for folder in folders:
        root = Path(folder)
        parts += [_stamp(f) for f in _files(root)] if root.is_dir() else [_stamp(root)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def cached(
    build: Callable[[], tuple[dict[str, Any], list[str]]],
) -> tuple[dict[str, Any], bool]:
    """The registry's data, from the cache when its fingerprint matches, else from ``build()``.

    ``build`` returns plain JSON data and the catalog folders they were read from. Returns the
    data and whether they came from the cache. A cache that cannot be read or written only
    costs speed.
    """
    from physml.cache import cache_file, read_json, write_json

    path = cache_file(INDEX_FILE)
    key = fingerprint() if path is not None else None
    stored = read_json(path) if key is not None else None
    try:
        if stored["fingerprint"] == key and stored["folders_stamp"] == _folders_stamp(
            stored["folders"]
        ):
            return stored["data"], True
    except (KeyError, TypeError):
        pass  # no index yet, or not one of ours
    data, folders = build()
    if key is not None:
        record = {
            "fingerprint": key,
            "folders": folders,
            "folders_stamp": _folders_stamp(folders),
            "data": data,
        }
        write_json(path, record)
    return data, False


class CatalogOnly:
    """A correspondence as the index knows it: id, regime, plugin and catalog entry; no code.

    Enough for the commands that only read the catalog (``list``, ``show``, ``search``,
    ``translate``, ``concepts``, ``graph``, ``path``), which iterate a :class:`Registry` of these.
    """

    __slots__ = ("catalog", "id", "plugin", "regime")

    def __init__(self, id: str, regime: str, plugin: str | None, catalog: Any) -> None:
        self.id, self.regime, self.plugin, self.catalog = id, regime, plugin, catalog

    @property
    def title(self) -> str:
        return str(self.catalog.title)


def snapshot(registry: Any, details: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """Plain JSON data of ``registry``: entries (with ``details(c)`` each), concepts, plugins."""
    import attrs

    return {
        "entries": [
            {
                "id": c.id,
                "regime": c.regime,
                "plugin": c.plugin,
                "catalog": {**attrs.asdict(c.catalog), "path": c.catalog.path},
                "details": details(c),
            }
            for c in registry
        ],
        "concepts": [attrs.asdict(k) for k in registry.concepts.values()],
        "plugins": [attrs.asdict(p) for p in registry.plugins],
    }


def catalog_registry(data: dict[str, Any]) -> Any:
    """A :class:`physml.registry.Registry` of :class:`CatalogOnly` rebuilt from a snapshot."""
    from physml.catalog import Concept, _entry
    from physml.registry import PluginInfo, Registry

    entries = {
        e["id"]: CatalogOnly(
            e["id"], e["regime"], e["plugin"], _entry(e["catalog"], e["catalog"]["path"])
        )
        for e in data["entries"]
    }
    concepts = {k["id"]: Concept(**{**k, "aliases": tuple(k["aliases"])}) for k in data["concepts"]}
    plugins = [
        PluginInfo(**{**p, "ids": tuple(p["ids"]), "errors": tuple(p["errors"])})
        for p in data["plugins"]
    ]
    return Registry(entries, plugins, concepts)  # type: ignore[arg-type]
