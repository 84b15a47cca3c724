"""The registry: joins implementations to catalog entries, records every plugin problem."""

from __future__ import annotations

import subprocess
import sys
import types
import warnings
from pathlib import Path

import attrs
import pytest

import physml
from physml import hookspecs
from physml.registry import PluginWarning, UnknownCorrespondence, load_registry
from physml_plugins.thermodynamics import GIBBS_SOFTMAX

CATALOG = Path(__file__).resolve().parent.parent / "catalog"


def _plugin(name: str, correspondences=(), folders=(), **extra) -> types.ModuleType:
    module = types.ModuleType(name)

    @physml.hookimpl
    def physml_correspondences():
        return list(correspondences)

    @physml.hookimpl
    def physml_catalog_dirs():
        return list(folders)

    module.physml_correspondences = physml_correspondences
    module.physml_catalog_dirs = physml_catalog_dirs
    for key, value in extra.items():
        setattr(module, key, value)
    return module


def _load(*plugins):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = load_registry(entry_points=False, plugins=[(p.__name__, p) for p in plugins])
    return registry, [str(w.message) for w in caught if issubclass(w.category, PluginWarning)]


def test_builtin_registry_joins_code_and_catalog():
    registry = physml.load_registry()
    c = registry.get("gibbs-softmax")
    assert c.catalog is not None and c.catalog.title_zh
    assert c.plugin == "thermodynamics"
    assert registry.concepts["temperature"].zh == "温度"


def test_lookup_by_alias_and_suggestion_for_typos():
    registry, _ = _load(_plugin("thermo", [GIBBS_SOFTMAX], [CATALOG]))
    assert registry.get("吉布斯分布").id == "gibbs-softmax"
    with pytest.raises(UnknownCorrespondence, match="did you mean gibbs-softmax"):
        registry.get("gibs-softmax")


def test_implementation_without_catalog_entry_is_an_error(tmp_path):
    registry, warned = _load(_plugin("thermo", [GIBBS_SOFTMAX], [tmp_path]))
    assert len(registry) == 0
    assert "has no catalog entry" in warned[0] and "thermo" in warned[0]


def test_catalog_entry_without_implementation_is_an_error():
    _registry, warned = _load(_plugin("catalog_only", [], [CATALOG]))
    assert any("gibbs-softmax" in w and "no implementation" in w for w in warned)


def test_identity_names_must_match_between_code_and_catalog():
    identities = tuple(
        attrs.evolve(i, name="renamed") if i.name == "gibbs-variational-principle" else i
        for i in GIBBS_SOFTMAX.identities
    )
    renamed = attrs.evolve(GIBBS_SOFTMAX, identities=identities)
    registry, warned = _load(_plugin("thermo", [renamed], [CATALOG]))
    assert "gibbs-softmax" not in registry
    joined = "\n".join(warned)
    assert "gibbs-variational-principle' is not an identity of the implementation" in joined
    assert "identity 'renamed' is missing" in joined


def test_hook_that_raises_is_recorded_against_its_plugin():
    bad = types.ModuleType("bad")

    @physml.hookimpl
    def physml_correspondences():
        raise RuntimeError("cannot build")

    bad.physml_correspondences = physml_correspondences
    registry, _warned = _load(_plugin("thermo", [GIBBS_SOFTMAX], [CATALOG]), bad)
    assert "gibbs-softmax" in registry
    info = {p.name: p for p in registry.plugins}
    assert info["bad"].status == "error"
    assert "physml_correspondences() raised RuntimeError: cannot build" in info["bad"].errors[0]


def test_returning_something_else_than_a_correspondence_is_an_error():
    _registry, warned = _load(_plugin("odd", ["not a correspondence"]))
    assert "returned str, not a Correspondence" in warned[0]


def test_unknown_hook_is_an_invalid_plugin():
    module = types.ModuleType("typo")

    @physml.hookimpl
    def physml_corespondences():
        return []

    module.physml_corespondences = physml_corespondences
    _registry, warned = _load(module)
    assert "invalid plugin" in warned[0]


def test_every_hook_is_documented_with_its_return_contract():
    import inspect

    hooks = [name for name in dir(hookspecs) if name.startswith("physml_")]
    assert hooks == ["physml_catalog_dirs", "physml_correspondences"]
    for name in hooks:
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc and ":return:" in doc and "versionadded" in doc


def test_importing_physml_loads_no_plugin_and_no_heavy_library():
    code = (
        "import sys, physml; heavy = {'numpy', 'scipy', 'hypothesis', 'physml_plugins'}; "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_list_and_show_compute_nothing():
    code = (
        "import sys; from physml.cli import main; main(['list']); main(['show', 'gibbs-softmax']); "
        "heavy = ('scipy', 'hypothesis', 'numpy'); "
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_former_ids_resolve_to_the_entry(tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    for name in ("gibbs-softmax.yaml", "concepts.yaml"):
        text = (CATALOG / name).read_text(encoding="utf-8")
        if name == "gibbs-softmax.yaml":
            text = text.replace("title:", "former_ids: [boltzmann-softmax-v0]\ntitle:", 1)
        (folder / name).write_text(text, encoding="utf-8")
    registry, warned = _load(_plugin("thermo", [GIBBS_SOFTMAX], [folder]))
    assert warned == []
    assert registry.get("boltzmann-softmax-v0").id == "gibbs-softmax"


def test_an_alias_shared_by_two_entries_is_ambiguous_not_silently_resolved(tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "concepts.yaml").write_text((CATALOG / "concepts.yaml").read_text("utf-8"), "utf-8")
    gibbs = (CATALOG / "gibbs-softmax.yaml").read_text("utf-8")
    twin = attrs.evolve(GIBBS_SOFTMAX, id="gibbs-softmax-twin")
    (folder / "gibbs-softmax.yaml").write_text(gibbs, "utf-8")
    (folder / "gibbs-softmax-twin.yaml").write_text(
        gibbs.replace("id: gibbs-softmax", "id: gibbs-softmax-twin"), "utf-8"
    )
    registry, warned = _load(_plugin("thermo", [GIBBS_SOFTMAX, twin], [folder]))
    assert warned == []
    with pytest.raises(UnknownCorrespondence, match="names several correspondences"):
        registry.get("Boltzmann softmax")
    assert registry.get("gibbs-softmax-twin").id == "gibbs-softmax-twin"
