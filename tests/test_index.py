"""The cached registry index: ``list`` imports no plugin, and any change reloads the registry."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import install_gibbs_variants, run_physml

# gibbs-softmax again under another id, shipped with its own catalog folder.
TWIN_PLUGIN = """\
from pathlib import Path

import attrs

from physml import hookimpl
from physml_plugins.thermodynamics import GIBBS_SOFTMAX

TWIN = attrs.evolve(GIBBS_SOFTMAX, id="gibbs-softmax-twin")


@hookimpl
def physml_correspondences():
    return [TWIN]


@hookimpl
def physml_catalog_dirs():
    return [Path(__file__).parent / "catalog"]
"""

WARM_LIST = (
    "import sys\n"
    "from physml.cli import main\n"
    "main(['list', '--json'])\n"
    "loaded = sorted(m for m in sys.modules if m.startswith('physml_plugins.'))\n"
    "print('LOADED', loaded, file=sys.stderr)\n"
)


def _twin_site(tmp_path):
    site = install_gibbs_variants(tmp_path / "site", "twin", TWIN_PLUGIN, ["gibbs-softmax-twin"])
    return site, site / "physml_twin" / "catalog" / "gibbs-softmax-twin.yaml"


def _ids(run) -> list[str]:
    assert run.returncode == 0, run.stderr
    return [row["id"] for row in json.loads(run.stdout)]


def test_a_warm_list_imports_no_plugin_and_matches_a_fresh_load(tmp_path):
    cache = str(tmp_path / "cache")
    cold = run_physml("list", "--json", env={"PHYSML_CACHE_DIR": cache})
    fresh = run_physml("list", "--json", env={"PHYSML_CACHE_DIR": "off"})
    environment = {**os.environ, "PHYSML_CACHE_DIR": cache}
    for _ in range(2):  # the second run is warm even if the first found the cache stale
        warm = subprocess.run(
            [sys.executable, "-c", WARM_LIST], capture_output=True, text=True, env=environment
        )
    assert warm.returncode == 0, warm.stderr
    assert "LOADED []" in warm.stderr
    assert json.loads(warm.stdout) == json.loads(cold.stdout) == json.loads(fresh.stdout)


def test_installing_editing_and_disabling_plugins_reload_the_registry(tmp_path):
    env = {"PHYSML_CACHE_DIR": str(tmp_path / "cache")}
    before = _ids(run_physml("list", "--json", env=env))
    assert "gibbs-softmax-twin" not in before
    site, entry = _twin_site(tmp_path)
    installed = _ids(run_physml("list", "--json", env=env, site=site))
    assert sorted(installed) == sorted([*before, "gibbs-softmax-twin"])

    entry.write_text(
        entry.read_text(encoding="utf-8").replace("title: ", "title: Twin of ", 1), encoding="utf-8"
    )
    run = run_physml("list", "--json", env=env, site=site)
    titles = {row["id"]: row["title"] for row in json.loads(run.stdout)}
    assert titles["gibbs-softmax-twin"].startswith("Twin of ")

    disabled = run_physml(
        "list", "--json", env={**env, "PHYSML_DISABLE_PLUGINS": "twin"}, site=site
    )
    assert _ids(disabled) == before

    module = site / "physml_twin" / "__init__.py"
    module.write_text(
        module.read_text().replace("TWIN = ", "raise RuntimeError('now broken')\nTWIN = ")
    )
    broken = run_physml("list", "--json", env=env, site=site)
    assert _ids(broken) == before
    assert "now broken" in broken.stderr
    again = run_physml("list", "--json", env=env, site=site)  # the warning survives the cache
    assert "now broken" in again.stderr


def test_the_index_watches_the_registrys_entry_point_group_and_variable():
    from physml import index, registry

    assert index.ENTRY_POINT_GROUP == registry.ENTRY_POINT_GROUP
    assert index.DISABLE_ENV == registry.DISABLE_ENV
