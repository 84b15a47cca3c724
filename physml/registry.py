"""Plugin discovery and the registry of correspondences.

Data flows one way: entry points -> plugins -> this registry -> (verifier | CLI). Each plugin
is loaded and called on its own, so one that fails is recorded with its error and the rest keep
working. The registry joins every implementation to its catalog entry by id; nothing else in
physml reads YAML.
"""

from __future__ import annotations

import difflib
import os
import types
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import attrs

from physml import catalog as _catalog
from physml.catalog import CatalogEntry, Concept
from physml.model import Correspondence

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = [
    "ENTRY_POINT_GROUP",
    "PluginInfo",
    "PluginWarning",
    "Registry",
    "UnknownCorrespondence",
    "get_registry",
    "load_registry",
]

#: The entry-point group plugins register under.
ENTRY_POINT_GROUP = "physml"
#: Comma-separated entry-point names to skip.
DISABLE_ENV = "PHYSML_DISABLE_PLUGINS"


class PluginWarning(UserWarning):
    """A plugin failed to load or registered something invalid."""


class UnknownCorrespondence(LookupError):
    """No correspondence has this id, alias or former id."""

    def __init__(self, name: str, suggestions: list[str], *, ambiguous: bool = False) -> None:
        self.name = name
        self.suggestions = suggestions
        if ambiguous:
            message = f"'{name}' names several correspondences: {', '.join(suggestions)}"
        else:
            hint = f"; did you mean {suggestions[0]}?" if suggestions else ""
            message = f"unknown correspondence '{name}'{hint}"
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])


@attrs.frozen
class PluginInfo:
    """What ``physml plugins`` shows about one plugin."""

    name: str
    module: str
    version: str | None
    distribution: str | None
    ids: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    disabled: bool = False

    @property
    def status(self) -> str:
        if self.disabled:
            return "disabled"
        return "error" if self.errors else "ok"


@attrs.define
class _Plugin:
    name: str
    module: str
    version: str | None = None
    distribution: str | None = None
    obj: Any = None
    ids: list[str] = attrs.Factory(list)
    errors: list[str] = attrs.Factory(list)
    disabled: bool = False

    def freeze(self) -> PluginInfo:
        return PluginInfo(
            self.name,
            self.module,
            self.version,
            self.distribution,
            tuple(sorted(self.ids)),
            tuple(self.errors),
            self.disabled,
        )


class Registry:
    """Every loaded correspondence, joined to its catalog entry, plus the plugins and concepts."""

    def __init__(
        self,
        correspondences: dict[str, Correspondence],
        plugins: list[PluginInfo],
        concepts: dict[str, Concept],
        catalog_folders: list[str] | None = None,
    ) -> None:
        self._by_id = dict(sorted(correspondences.items()))
        self.plugins = plugins
        self.concepts = concepts
        #: Where the catalog entries and concepts were read from (for caches to watch).
        self.catalog_folders = catalog_folders or []
        # Every name folds to the ids it may mean; an id always means itself alone.
        self._names: dict[str, list[str]] = {}
        for c in self._by_id.values():
            assert c.catalog is not None
            for name in (*c.catalog.aliases, *c.catalog.former_ids):
                meanings = self._names.setdefault(_fold(name), [])
                if c.id not in meanings:
                    meanings.append(c.id)
        for cid in self._by_id:
            self._names[cid] = [cid]

    def __iter__(self) -> Iterator[Correspondence]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _fold(name) in self._names

    def ids(self) -> list[str]:
        return list(self._by_id)

    def names(self) -> dict[str, list[str]]:
        """Every id, alias and former id (case-folded) with the ids it may mean."""
        return {name: list(ids) for name, ids in self._names.items()}

    def get(self, name: str) -> Correspondence:
        """The correspondence with this id, alias or former id; raises UnknownCorrespondence."""
        meanings = self._names.get(_fold(name))
        if meanings is None:
            close = difflib.get_close_matches(_fold(name), list(self._names), n=3, cutoff=0.6)
            suggestions = [cid for c in close for cid in self._names[c]]
            raise UnknownCorrespondence(name, list(dict.fromkeys(suggestions)))
        if len(meanings) > 1:
            raise UnknownCorrespondence(name, meanings, ambiguous=True)
        return self._by_id[meanings[0]]

    @property
    def errors(self) -> list[tuple[str, str]]:
        """(plugin, error) for every failure recorded while loading."""
        return [(p.name, e) for p in self.plugins for e in p.errors]


def _fold(name: str) -> str:
    return name.strip().casefold()


def _disabled_names() -> set[str]:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, "").split(",") if n.strip()}


def _entry_point_plugins(disabled: set[str]) -> list[_Plugin]:
    from importlib.metadata import entry_points

    found: dict[str, _Plugin] = {}
    # Parsing a distribution's METADATA is slow: once per distribution, not per entry point.
    described: dict[int, tuple[str | None, str | None]] = {}
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if ep.name in found:  # the same distribution seen twice on sys.path
            continue
        dist = getattr(ep, "dist", None)
        if dist is not None and id(dist) not in described:
            metadata = dist.metadata
            described[id(dist)] = (metadata["Name"], metadata["Version"])
        name, version = described.get(id(dist), (None, None))
        plugin = _Plugin(ep.name, ep.value, version, name)
        found[ep.name] = plugin
        if ep.name in disabled:
            plugin.disabled = True
            continue
        try:
            plugin.obj = ep.load()
        except Exception as error:  # a broken plugin must never take the others down
            plugin.errors.append(f"failed to import: {type(error).__name__}: {error}")
    return list(found.values())


def load_registry(
    *,
    entry_points: bool = True,
    plugins: Iterable[tuple[str, ModuleType | object]] = (),
    disabled: Iterable[str] | None = None,
) -> Registry:
    """Discover plugins, call their hooks, join implementations to catalog entries.

    :param entry_points: load the plugins registered under the ``physml`` entry-point group.
    :param plugins: extra ``(name, plugin object)`` pairs to register (for tests and scripts).
    :param disabled: entry-point names to skip; defaults to ``$PHYSML_DISABLE_PLUGINS``.

    Problems never raise: each is recorded against its plugin, shown by ``physml plugins`` and
    emitted as a :class:`PluginWarning`.
    """
    import pluggy

    from physml import hookspecs

    skip = _disabled_names() if disabled is None else set(disabled)
    found = _entry_point_plugins(skip) if entry_points else []
    for name, obj in plugins:
        found.append(_Plugin(name, getattr(obj, "__name__", type(obj).__name__), obj=obj))

    manager = pluggy.PluginManager("physml")
    manager.add_hookspecs(hookspecs)
    for plugin in found:
        if plugin.obj is None:
            continue
        # Register only the physml_* attributes: pluggy inspects every attribute it is given,
        # and a plugin module has hundreds.
        hooks = types.ModuleType(plugin.name)  # a bare module: almost no other attributes
        for name in dir(plugin.obj):
            if name.startswith("physml_"):
                setattr(hooks, name, getattr(plugin.obj, name))
        try:
            manager.register(hooks, name=plugin.name)
            manager.check_pending()
        except Exception as error:
            if manager.is_registered(hooks):
                manager.unregister(hooks)
            plugin.errors.append(f"invalid plugin: {error}")
            plugin.obj = None

    live = [p for p in found if p.obj is not None]
    implementations = _collect_correspondences(manager, live)
    folders = _collect_folders(manager, live)
    entries, concepts = _read_folders(folders, implementations)
    joined = _join(implementations, entries, concepts, found)

    for plugin in found:
        for error in plugin.errors:
            warnings.warn(f"plugin '{plugin.name}': {error}", PluginWarning, stacklevel=2)
    return Registry(
        joined, [p.freeze() for p in found], concepts, [str(folder) for folder, _ in folders]
    )


def _call(manager: Any, hook: str, plugin: _Plugin) -> list[Any]:
    """Call one plugin's implementation of ``hook``; failures are recorded against it."""
    results: list[Any] = []
    for impl in getattr(manager.hook, hook).get_hookimpls():
        if impl.plugin_name != plugin.name:
            continue
        try:
            results.extend(impl.function() or ())
        except Exception as error:
            plugin.errors.append(f"{hook}() raised {type(error).__name__}: {error}")
    return results


def _collect_correspondences(
    manager: Any, live: list[_Plugin]
) -> dict[str, tuple[Correspondence, _Plugin]]:
    owners: dict[str, tuple[Correspondence, _Plugin]] = {}
    clashes: set[str] = set()
    for plugin in live:
        for c in _call(manager, "physml_correspondences", plugin):
            if not isinstance(c, Correspondence):
                plugin.errors.append(
                    f"physml_correspondences() returned {type(c).__name__}, not a Correspondence"
                )
                continue
            if c.id in owners:
                other = owners[c.id][1]
                message = (
                    f"correspondence '{c.id}' is registered by both plugins "
                    f"'{other.name}' and '{plugin.name}'"
                )
                for p in {other.name: other, plugin.name: plugin}.values():
                    p.errors.append(message)
                clashes.add(c.id)
                continue
            owners[c.id] = (attrs.evolve(c, plugin=plugin.name), plugin)
    for cid in clashes:
        owners.pop(cid, None)
    return owners


def _collect_folders(manager: Any, live: list[_Plugin]) -> list[tuple[Path | Traversable, _Plugin]]:
    folders: dict[str, tuple[Path | Traversable, _Plugin]] = {}
    for plugin in live:
        for folder in _call(manager, "physml_catalog_dirs", plugin):
            if not hasattr(folder, "iterdir"):  # a path, not a Traversable
                folder = Path(folder)
            key = str(Path(str(folder)).resolve()) if isinstance(folder, Path) else str(folder)
            if not folder.is_dir():
                plugin.errors.append(
                    f"physml_catalog_dirs() returned {folder}, which is not a folder"
                )
                continue
            folders.setdefault(key, (folder, plugin))
    return list(folders.values())


def _read_folders(
    folders: list[tuple[Path | Traversable, _Plugin]],
    implementations: dict[str, tuple[Correspondence, _Plugin]],
) -> tuple[dict[str, tuple[CatalogEntry, _Plugin]], dict[str, Concept]]:
    entries: dict[str, tuple[CatalogEntry, _Plugin]] = {}
    concepts: dict[str, Concept] = {}
    for folder, plugin in folders:
        content = _catalog.load_folder(folder)
        for problem in content.problems:
            # Blame the plugin implementing the file's id (the file name), else the folder's.
            stem = Path(problem.file).name.removesuffix(".yaml")
            owner = implementations.get(stem, (None, plugin))[1]
            owner.errors.append(f"catalog: {problem}")
            implementations.pop(stem, None)
        for concept in content.concepts:
            if concept.id in concepts:
                plugin.errors.append(
                    f"catalog: {concept.path}: concept '{concept.id}' is already "
                    f"defined in {concepts[concept.id].path}"
                )
                continue
            concepts[concept.id] = concept
        for entry in content.entries:
            if entry.id in entries:
                plugin.errors.append(
                    f"catalog: {entry.path}: entry '{entry.id}' is already "
                    f"defined in {entries[entry.id][0].path}"
                )
                continue
            entries[entry.id] = (entry, plugin)
    return entries, concepts


def _join(
    implementations: dict[str, tuple[Correspondence, _Plugin]],
    entries: dict[str, tuple[CatalogEntry, _Plugin]],
    concepts: dict[str, Concept],
    found: list[_Plugin],
) -> dict[str, Correspondence]:
    joined: dict[str, Correspondence] = {}
    for cid, (c, plugin) in implementations.items():
        entry = entries[cid][0] if cid in entries else None
        if entry is None:
            plugin.errors.append(
                f"correspondence '{cid}' has no catalog entry ({cid}.yaml in a "
                "folder returned by physml_catalog_dirs)"
            )
            continue
        problems = _catalog.check_concept_links(entry, concepts) + match_identities(c, entry)
        if problems:
            plugin.errors.extend(f"catalog: {p}" for p in problems)
            continue
        plugin.ids.append(cid)
        joined[cid] = attrs.evolve(c, catalog=entry)
    # An entry with no implementation is an error unless a plugin that may own it is not loaded.
    everything_loaded = all(p.obj is not None for p in found)
    if everything_loaded:
        for cid, (entry, folder_plugin) in entries.items():
            if cid not in implementations:
                folder_plugin.errors.append(
                    f"catalog: {entry.path}: entry '{cid}' has no "
                    "implementation (no plugin registers this id)"
                )
    return joined


def match_identities(c: Correspondence, entry: CatalogEntry) -> list[_catalog.CatalogProblem]:
    """The catalog and the code must name the same identities with the same regimes."""
    problems = []
    if c.regime != entry.regime:
        problems.append(
            _catalog.CatalogProblem(
                entry.path,
                "regime",
                f"is {entry.regime!r} but the implementation says {c.regime!r}",
            )
        )
    code = {i.name: i for i in c.identities}
    text = {i.name: i for i in entry.identities}
    for index, identity in enumerate(entry.identities):
        if identity.name not in code:
            problems.append(
                _catalog.CatalogProblem(
                    entry.path,
                    f"identities[{index}].name",
                    f"'{identity.name}' is not an identity of the implementation "
                    f"(it has: {', '.join(code)})",
                )
            )
        elif code[identity.name].regime != identity.regime:
            problems.append(
                _catalog.CatalogProblem(
                    entry.path,
                    f"identities[{index}].regime",
                    f"is {identity.regime!r} but the implementation says "
                    f"{code[identity.name].regime!r}",
                )
            )
    for name in code:
        if name not in text:
            problems.append(
                _catalog.CatalogProblem(
                    entry.path, "identities", f"the implementation's identity '{name}' is missing"
                )
            )
    return problems


_cached: Registry | None = None


def get_registry(*, refresh: bool = False) -> Registry:
    """The registry of installed plugins, loaded once per process (``refresh`` reloads it)."""
    global _cached
    if _cached is None or refresh:
        _cached = load_registry()
    return _cached
